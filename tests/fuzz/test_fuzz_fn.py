"""Fuzzing the KRM function at the wire: bytes in, one ResourceList out, invariants kept.

Four generators, each checked with every invariant of ``fuzz_invariants.check`` (no
traceback, exit code matches the results, no item lost or duplicated, determinism,
idempotence, lossless or loud):

- structured: ResourceLists of PyTorchJob-shaped objects where any field may be missing
  or of any type, among other kinds, ``List``s and stray scalars, with a random
  functionConfig, written as block YAML, flow YAML or JSON, with CRLF or a BOM;
- mutated: the golden inputs and the quickstart example, as written, with tokens
  inserted, spans deleted or duplicated, lines re-indented, swapped or cut short;
- truncated: every prefix of a real ResourceList is a clean error or a clean run;
- garbage: random bytes, and random YAML-ish token soup after a ResourceList header.

The suite runs a bounded number of examples, derandomized so CI is reproducible. The long
run (random seeds, many more examples; see SECURITY.md) is:

    TRAINJOB_FUZZ_EXAMPLES=5000 python -m pytest tests/fuzz -q

A failure prints the input (``note``) and Hypothesis' reproduction blob.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzz_invariants import Run, check
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from trainjob_migrate import yamlio

# See tests/test_property_lossless.py: libcst's import warning would hide a failure.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import libcst  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("TRAINJOB_FUZZ_EXAMPLES", "0"))
LONG = EXAMPLES > 0

FUZZ = settings(
    max_examples=EXAMPLES or 120,
    deadline=None,
    database=None,  # nothing written into the repository
    derandomize=not LONG,  # CI: the same examples every run; the long run explores
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"

# --------------------------------------------------------------------------------------
# values of any type, tricky strings first

TRICKY = [
    "",
    " ",
    "yes",
    "on",
    "off",
    "y",
    "n",
    "NO",
    "null",
    "~",
    "true",
    "False",
    "1.0",
    "1e3",
    "-.5",
    ".inf",
    ".nan",
    "0x1F",
    "017",
    "0o17",
    "1_000",
    "1:30",
    "=",
    "<<",
    "-",
    "- x",
    "a: b",
    "{x}",
    "[x]",
    "&a",
    "*a",
    "!!str",
    "!x",
    "%YAML",
    "#c",
    "x # c",
    "---",
    "...",
    "'",
    '"',
    "\\",
    "|",
    ">",
    "line1\nline2",
    "trail\n",
    "two\n\n",
    " lead",
    "tab\t",
    "é€😀",
    "\u2028",
    "\x85",
    "\ufeff",
    "$(MASTER_ADDR)",
    "2025-09-10T05:19:30Z",
    "0",
    "pytorch",
    "node",
    "torchrun",
    "gpu",
    "auto",
    "cpu",
    "Never",
    "OnFailure",
    "ExitCode",
]
STRINGS = st.one_of(
    st.sampled_from(TRICKY),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    STRINGS,
)
KEYS = st.one_of(st.sampled_from(["name", "image", "a.b/c", "", "<<", "0", "x"]), STRINGS)
ANY = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=8,
)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right shape, sometimes anything at all."""
    return st.one_of(strategy, strategy, strategy, ANY)


NAMES = st.one_of(st.sampled_from(["job", "a", "mnist", "x" * 70, "Job_1", "job-v2"]), STRINGS)
PATHS = st.sampled_from(
    ["a.yaml", "dir/b.yaml", "../../etc/passwd", "/etc/cron.d/x", "x/../y.yaml", "", "a b.yml"]
)
ANNOTATIONS = st.dictionaries(
    st.sampled_from(
        [
            "config.kubernetes.io/path",
            "config.kubernetes.io/index",
            "internal.config.kubernetes.io/path",
            "internal.config.kubernetes.io/index",
            "trainjob-migrate.dev/converted-from",
            "kubectl.kubernetes.io/last-applied-configuration",
            "example.com/note",
        ]
    ),
    st.one_of(PATHS, st.sampled_from(["0", "1", "2", "-1", "x"]), STRINGS),
    max_size=4,
)
METADATA = st.fixed_dictionaries(
    {"name": maybe(NAMES)},
    optional={
        "namespace": maybe(st.sampled_from(["team-a", "default", ""])),
        "labels": maybe(st.dictionaries(KEYS, STRINGS, max_size=2)),
        "annotations": maybe(ANNOTATIONS),
        "uid": STRINGS,
        "resourceVersion": STRINGS,
        "generateName": STRINGS,
        "creationTimestamp": st.just("2025-09-10T05:19:30Z"),
    },
)
COMMANDS = st.lists(
    st.sampled_from(
        [
            "torchrun",
            "python",
            "train.py",
            "--nnodes=2",
            "--nproc-per-node",
            "4",
            "--nproc_per_node=gpu",
            "--standalone",
            "--rdzv-backend=c10d",
            "-m",
            "bash",
            "-c",
            "torchrun --nnodes 2 t.py",
            "$(RANK)",
        ]
    ),
    max_size=5,
)
ENV = st.lists(
    st.fixed_dictionaries(
        {"name": maybe(st.sampled_from(["A", "RANK", "PET_NNODES", "MASTER_ADDR", "X"]))},
        optional={"value": maybe(STRINGS), "valueFrom": ANY},
    ),
    max_size=3,
)
RESOURCES = st.fixed_dictionaries(
    {},
    optional={
        "limits": maybe(
            st.dictionaries(
                st.sampled_from(["cpu", "memory", "nvidia.com/gpu", "amd.com/gpu"]),
                st.one_of(st.sampled_from(["1", "2Gi", "500m"]), st.integers(0, 8)),
                max_size=2,
            )
        ),
        "requests": maybe(
            st.dictionaries(
                st.sampled_from(["cpu", "memory"]), st.sampled_from(["1", "2Gi"]), max_size=2
            )
        ),
    },
)
CONTAINER = st.fixed_dictionaries(
    {"name": maybe(st.sampled_from(["pytorch", "pytorch", "sidecar", "node"]))},
    optional={
        "image": maybe(st.sampled_from(["train:1", "pytorch/pytorch:2.4", ""])),
        "command": maybe(COMMANDS),
        "args": maybe(COMMANDS),
        "env": maybe(ENV),
        "resources": maybe(RESOURCES),
        "volumeMounts": maybe(
            st.lists(
                st.fixed_dictionaries({"name": st.just("data"), "mountPath": st.just("/data")}),
                max_size=1,
            )
        ),
        "ports": ANY,
        "securityContext": ANY,
        "workingDir": STRINGS,
    },
)
POD_SPEC = st.fixed_dictionaries(
    {"containers": maybe(st.lists(CONTAINER, max_size=3))},
    optional={
        "initContainers": maybe(st.lists(CONTAINER, max_size=1)),
        "volumes": maybe(
            st.lists(
                st.fixed_dictionaries({"name": st.just("data"), "emptyDir": st.just({})}),
                max_size=1,
            )
        ),
        "nodeSelector": maybe(st.dictionaries(KEYS, STRINGS, max_size=2)),
        "tolerations": ANY,
        "restartPolicy": maybe(st.sampled_from(["Never", "OnFailure", "Always"])),
        "serviceAccountName": maybe(NAMES),
        "securityContext": ANY,
        "affinity": ANY,
        "schedulingGates": ANY,
        "imagePullSecrets": ANY,
        "priorityClassName": STRINGS,
        "terminationGracePeriodSeconds": maybe(st.integers(-1, 100)),
        "hostNetwork": ANY,
        "unknownField": ANY,
    },
)
REPLICA = st.fixed_dictionaries(
    {},
    optional={
        "replicas": maybe(st.integers(-1, 5)),
        "restartPolicy": maybe(st.sampled_from(["Never", "OnFailure", "Always", "ExitCode"])),
        "template": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "metadata": maybe(
                        st.fixed_dictionaries({}, optional={"labels": ANY, "annotations": ANY})
                    ),
                    "spec": maybe(POD_SPEC),
                },
            )
        ),
    },
)
SPEC = st.fixed_dictionaries(
    {
        "pytorchReplicaSpecs": maybe(
            st.dictionaries(
                st.sampled_from(["Master", "Worker", "master", "worker", "Launcher", "WORKER"]),
                REPLICA,
                max_size=3,
            )
        )
    },
    optional={
        "runPolicy": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "suspend": maybe(st.booleans()),
                    "backoffLimit": maybe(st.integers(0, 5)),
                    "activeDeadlineSeconds": maybe(st.integers(-1, 10**6)),
                    "ttlSecondsAfterFinished": maybe(st.integers(0, 100)),
                    "cleanPodPolicy": maybe(st.sampled_from(["None", "All", "Running"])),
                    "managedBy": maybe(st.sampled_from(["kueue.x-k8s.io/multikueue", "x"])),
                    "schedulingPolicy": ANY,
                },
            )
        ),
        "elasticPolicy": maybe(
            st.fixed_dictionaries(
                {},
                optional={
                    "minReplicas": maybe(st.integers(0, 4)),
                    "maxReplicas": maybe(st.integers(0, 8)),
                    "rdzvBackend": STRINGS,
                    "nProcPerNode": maybe(st.integers(0, 8)),
                    "metrics": ANY,
                },
            )
        ),
        "nprocPerNode": maybe(
            st.one_of(st.sampled_from(["auto", "cpu", "gpu", "4", "x"]), st.integers(-1, 8))
        ),
    },
)
PYTORCHJOB = st.fixed_dictionaries(
    {
        "apiVersion": st.one_of(
            st.just("kubeflow.org/v1"),
            st.just("kubeflow.org/v1"),
            st.sampled_from(["kubeflow.org/v2beta1", "kubeflow.org"]),
            ANY,
        ),
        "kind": st.just("PyTorchJob"),
        "metadata": maybe(METADATA),
        "spec": maybe(SPEC),
    },
    optional={"status": ANY},
)
TRAINJOB = st.fixed_dictionaries(
    {
        "apiVersion": st.just("trainer.kubeflow.org/v1alpha1"),
        "kind": st.just("TrainJob"),
        "metadata": METADATA,
        "spec": ANY,
    }
)
OTHER = st.one_of(
    st.fixed_dictionaries(
        {
            "apiVersion": st.just("v1"),
            "kind": st.just("ConfigMap"),
            "metadata": METADATA,
            "data": maybe(st.dictionaries(KEYS, STRINGS)),
        }
    ),
    st.dictionaries(KEYS, ANY, max_size=4),
    SCALARS,
    st.lists(ANY, max_size=2),
)
LEAF_ITEMS = st.one_of(PYTORCHJOB, PYTORCHJOB, TRAINJOB, OTHER)
LIST_ITEM = st.fixed_dictionaries(
    {
        "apiVersion": st.sampled_from(["v1", "kubeflow.org/v1"]),
        "kind": st.sampled_from(["List", "PyTorchJobList"]),
        "items": st.lists(LEAF_ITEMS, max_size=3),
    },
    optional={"metadata": METADATA},
)
OPTIONS = st.dictionaries(
    st.sampled_from(
        [
            "targetVersion",
            "mode",
            "nameSuffix",
            "elastic",
            "launchEnv",
            "templateMismatch",
            "generateRuntime",
            "strict",
            "runtimeName",
            "runtimeKind",
            "unknown",
        ]
    ),
    st.one_of(
        st.sampled_from(
            [
                "2.0",
                "2.1",
                "2.2",
                "2.3",
                "3.0",
                "replace",
                "side-by-side",
                "report",
                "-v2",
                "fixed",
                "error",
                "torchrun",
                "none",
                "v1-compat",
                "master",
                "worker",
                "true",
                "false",
                "TrainingRuntime",
                "x",
            ]
        ),
        st.booleans(),
        st.floats(2.0, 2.3),
        ANY,
    ),
    max_size=4,
)
FUNCTION_CONFIG = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "apiVersion": st.just("v1"),
            "kind": st.just("ConfigMap"),
            "metadata": st.just({"name": "fn"}),
            "data": OPTIONS.map(lambda o: {k: str(v) for k, v in o.items()}),
        }
    ),
    st.fixed_dictionaries(
        {
            "apiVersion": st.just("fn.trainjob-migrate.dev/v1alpha1"),
            "kind": st.just("TrainJobMigration"),
            "metadata": st.just({"name": "fn"}),
            "spec": OPTIONS,
        }
    ),
    ANY,
)


@st.composite
def resource_lists(draw: st.DrawFn) -> bytes:
    items = draw(st.lists(st.one_of(LEAF_ITEMS, LEAF_ITEMS, LEAF_ITEMS, LIST_ITEM), max_size=4))
    rl: dict[str, Any] = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
    }
    config = draw(FUNCTION_CONFIG)
    if config is not None:
        rl["functionConfig"] = config
    style = draw(st.sampled_from(["block", "block", "flow", "json"]))
    if style == "json":
        text = json.dumps(rl, ensure_ascii=draw(st.booleans()))
    elif style == "flow":
        text = yaml.dump(rl, Dumper=yamlio._Dumper, default_flow_style=True, allow_unicode=True)
    else:
        text = yamlio.dump(rl)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    data = text.encode()
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data


@given(resource_lists())
@FUZZ
def test_structured_resource_lists(data: bytes) -> None:
    note(data.decode("utf-8", "replace"))
    observe(check(data))


def observe(run: Run) -> None:
    """Label the example, for ``--hypothesis-show-statistics``."""
    if "\nitems: []\n" in run.stdout and "rule: input" in run.stdout:
        event("refused as input")
    else:
        event(f"exit {run.code}")
        event(f"TrainJobs out: {min(run.stdout.count('kind: TrainJob'), 2)}")


# --------------------------------------------------------------------------------------
# real manifests, mutated


def _corpus() -> list[str]:
    texts = [(REPO / "examples/quickstart/resource-list.yaml").read_text()]
    for case in sorted((REPO / "tests/golden/fn").iterdir()):
        for path in sorted(case.glob("*.yaml")):
            if path.name.startswith("_"):
                continue
            body = path.read_text()
            # the file as written (comments, quotes, flow style), as items of a ResourceList
            docs = [d for d in body.split("\n---\n") if d.strip()]
            items = "".join("- " + "\n  ".join(d.strip("\n").split("\n")) + "\n" for d in docs)
            texts.append(HEADER + "items:\n" + items)
    return texts


CORPUS = _corpus()
TOKENS = [
    " ",
    "  ",
    "\n",
    "- ",
    ": ",
    "-",
    ":",
    "#",
    "&a ",
    "*a",
    "!!binary ",
    "!x ",
    "<<: *a",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "|",
    "|+",
    ">-",
    "\t",
    "\r",
    "\r\n",
    "\x85",
    "\u2028",
    "\ufeff",
    "\x00",
    "%",
    "---\n",
    "...\n",
    "? ",
    "null",
    "~",
    "1:30",
    "0x",
    "é",
    "\\",
    "kind: PyTorchJob",
    "apiVersion: kubeflow.org/v1",
    "items:",
    "name: pytorch",
    "replicas: ",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "duplicate", "indent", "swap", "cut"]))
        at = draw(st.integers(0, len(text)))
        if op == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif op == "cut":
            text = text[:at]
        else:
            lines = text.split("\n")
            k = draw(st.integers(0, max(0, len(lines) - 1)))
            if op == "duplicate":
                lines.insert(k, lines[k])
            elif op == "indent":
                lines[k] = " " * draw(st.integers(0, 6)) + lines[k].lstrip(" ")
            else:
                m = draw(st.integers(0, max(0, len(lines) - 1)))
                lines[k], lines[m] = lines[m], lines[k]
            text = "\n".join(lines)
    return text.encode("utf-8", "surrogatepass")


@given(mutated())
@FUZZ
def test_mutated_real_manifests(data: bytes) -> None:
    note(data.decode("utf-8", "replace"))
    observe(check(data))


@pytest.mark.parametrize("index", [0, 7, 23])
def test_every_prefix_of_a_real_resource_list(index: int) -> None:
    """Truncation anywhere (a cut-off pipe) is a clean error or a clean run, never a crash."""
    data = CORPUS[index % len(CORPUS)].encode()
    step = 1 if LONG else 7
    for cut in range(0, len(data) + 1, step):
        check(data[:cut], lossless=False)


# --------------------------------------------------------------------------------------
# garbage


@given(
    st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from([*TOKENS, "a", "b", "1", "x: y"]), max_size=40).map(
            lambda parts: (HEADER + "items:\n" + "".join(parts)).encode("utf-8", "surrogatepass")
        ),
    )
)
@FUZZ
def test_garbage(data: bytes) -> None:
    note(repr(data))
    observe(check(data))


# --------------------------------------------------------------------------------------
# the real process: same bytes whatever the hash seed, same as in-process


@pytest.mark.parametrize("index", [0, 5, 17, 31])
def test_the_process_gives_the_same_bytes_as_in_process(index: int) -> None:
    """``python -m trainjob_migrate fn`` under two hash seeds (set and dict orders that
    depend on hashing would show here) writes what ``fn.run`` writes in-process."""
    data = CORPUS[index % len(CORPUS)].encode()
    expected = check(data)
    for seed in ("1", "2"):
        proc = subprocess.run(
            [sys.executable, "-m", "trainjob_migrate", "fn"],
            input=data,
            capture_output=True,
            timeout=120,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert proc.returncode == expected.code
        assert proc.stdout.decode() == expected.stdout
        assert proc.stderr.decode() == expected.stderr


def test_the_oracle_kinds_agree_with_the_registry() -> None:
    """The fuzz oracle's per-kind facts are written from upstream; the registry must agree
    (a wrong port or container name there would otherwise be accepted as by design)."""
    from fuzz_invariants import UPSTREAM

    from trainjob_migrate import sources

    converted = {s.kind: s for s in sources.SOURCES if s.unsupported is None}
    assert sorted(converted) == sorted(UPSTREAM)
    for kind, facts in UPSTREAM.items():
        source = converted[kind]
        assert source.replica_specs == facts.replica_specs, kind
        assert source.v1_port == facts.v1_port, kind
        if facts.container is not None:
            assert source.container == facts.container, kind
