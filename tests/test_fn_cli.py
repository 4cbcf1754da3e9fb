"""``python -m trainjob_migrate fn`` as orchestrators run it: bytes in, a ResourceList out, an exit code.

Bad input must fail cleanly: exit 1, no traceback, one stderr line that names the problem
(for an option: its name and the allowed values), and the items it could read all still in
the output ResourceList. Good input: warnings alone exit 0, JSON works, the output is
block-style YAML, other objects pass through as they were and in order (a PyTorchJob is
recognised by its API group, not by its kind alone), and a ``kubectl get -o yaml`` List
export converts every job in it, without the server-set fields.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXPORT = REPO / "tests" / "vendored" / "seeds" / "opendatahub-pytorchjobs-export.yaml"


def run_fn(stdin: bytes | str) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "fn"],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )


def resource_list(items: list[Any], function_config: dict[str, Any] | None = None) -> str:
    rl: dict[str, Any] = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
    }
    if function_config is not None:
        rl["functionConfig"] = function_config
    return yaml.safe_dump(rl, sort_keys=False)


def output(proc: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    out = yaml.safe_load(proc.stdout)
    assert isinstance(out, dict) and out.get("kind") == "ResourceList", proc.stdout[:500]
    return out


def pytorchjob(name: str = "mnist", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": name, "namespace": "team-a"},
        "spec": {
            "pytorchReplicaSpecs": {
                "Worker": {
                    "replicas": 2,
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "pytorch",
                                    "image": "ghcr.io/acme/mnist:1",
                                    "command": ["torchrun", "train.py"],
                                    "resources": {"limits": {"nvidia.com/gpu": 1}},
                                }
                            ]
                        }
                    },
                }
            },
            **spec,
        },
    }


CONFIGMAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings"},
    "data": {"level": "info"},
}


def assert_refused(proc: subprocess.CompletedProcess[bytes], *needles: str) -> str:
    """Exit 1, no traceback, and one stderr line naming every needle; returns that line."""
    stderr = proc.stderr.decode()
    assert proc.returncode == 1, (proc.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    naming = [line for line in lines if all(n.lower() in line.lower() for n in needles)]
    assert naming, f"no stderr line names all of {needles}:\n{stderr}"
    results = output(proc).get("results") or []
    errors = [r for r in results if r.get("severity") == "error"]
    assert errors, results
    # one line per error, plus at most a summary line: no dumps, no multi-line messages
    assert len(lines) <= len(errors) + 1, stderr
    return naming[0]


# --- input that cannot be read --------------------------------------------------------


@pytest.mark.parametrize(
    ("stdin", "needles"),
    [
        pytest.param(b": : :\n\t- [", ("yaml",), id="not-yaml"),
        pytest.param(b"", ("input",), id="empty"),
        pytest.param(b"   \n\n", ("input",), id="blank"),
        pytest.param(b"- a\n- b\n", ("ResourceList", "list"), id="yaml-list"),
        pytest.param(
            b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n", ("items",), id="no-items"
        ),
        pytest.param(
            b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            ("ResourceList",),
            id="not-a-resourcelist",
        ),
        pytest.param(
            b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            b"- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  metadata: {name: b}\n",
            ("duplicate", "metadata", "line"),
            id="duplicate-key",
        ),
        pytest.param(
            b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
            b'- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {k: "caf\xe9"}\n',
            ("utf-8",),
            id="non-utf8",
        ),
    ],
)
def test_unreadable_input_is_refused(stdin: bytes, needles: tuple[str, ...]) -> None:
    proc = run_fn(stdin)
    assert_refused(proc, *needles)
    # nothing could be read, so nothing can be echoed: an exit code of 1 makes kpt and
    # kustomize discard the output, and the output says nothing was converted
    assert output(proc)["items"] == []


# --- input that can be read but is wrong ---------------------------------------------------


def test_pytorchjob_with_wrong_types_is_left_unchanged_and_named() -> None:
    job = pytorchjob("bad")
    job["spec"]["pytorchReplicaSpecs"]["Worker"]["replicas"] = "three"
    job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["containers"] = {}
    items = [CONFIGMAP, job, pytorchjob("good")]
    proc = run_fn(resource_list(items))
    assert_refused(proc, "spec.pytorchReplicaSpecs.Worker.replicas", "three")
    assert_refused(proc, "spec.pytorchReplicaSpecs.Worker.template.spec.containers", "array")
    out = output(proc)["items"]
    assert len(out) == 3
    assert out[0] == CONFIGMAP
    assert out[1] == job  # untouched, not half-converted
    assert out[2]["kind"] == "TrainJob"  # the good job next to it still converts


def _config_map(**data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "fn-config"},
        "data": data,
    }


@pytest.mark.parametrize(
    ("function_config", "needles"),
    [
        pytest.param(
            _config_map(bogus="1"), ("bogus", "targetVersion", "launchEnv"), id="unknown-option"
        ),
        pytest.param(
            _config_map(mode="fast"),
            ("mode", "fast", "replace", "side-by-side", "report"),
            id="bad-mode",
        ),
        pytest.param(
            _config_map(targetVersion="3.0"),
            ("targetVersion", "3.0", "2.0", "2.3"),
            id="bad-target",
        ),
        pytest.param(
            _config_map(generateRuntime="yes"),
            ("generateRuntime", "yes", "true", "false"),
            id="bad-bool",
        ),
        pytest.param(
            {
                "apiVersion": "fn.trainjob-migrate.dev/v1alpha1",
                "kind": "TrainJobMigration",
                "metadata": {"name": "fn"},
                "spec": {"elastic": "maybe"},
            },
            ("elastic", "maybe", "error", "fixed"),
            id="typed-bad-value",
        ),
        pytest.param(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "fn"},
                "data": {"mode": "replace"},
            },
            ("Secret", "ConfigMap", "TrainJobMigration"),
            id="unsupported-kind",
        ),
    ],
)
def test_bad_function_config_is_refused_and_items_kept(
    function_config: dict[str, Any], needles: tuple[str, ...]
) -> None:
    items = [CONFIGMAP, pytorchjob()]
    proc = run_fn(resource_list(items, function_config))
    assert_refused(proc, *needles)
    # nothing dropped, nothing converted with options the user did not ask for
    assert output(proc)["items"] == items


# --- good input --------------------------------------------------------------------------


def test_warnings_alone_exit_zero() -> None:
    job = pytorchjob(runPolicy={"backoffLimit": 3, "cleanPodPolicy": "All"})
    proc = run_fn(resource_list([job]))
    assert proc.returncode == 0, proc.stderr.decode()
    out = output(proc)
    severities = [r["severity"] for r in out["results"]]
    assert "warning" in severities and "error" not in severities
    paths = {r.get("field", {}).get("path") for r in out["results"] if r["severity"] == "warning"}
    assert {"spec.runPolicy.backoffLimit", "spec.runPolicy.cleanPodPolicy"} <= paths
    assert [i["kind"] for i in out["items"]] == ["TrainJob"]
    assert "Traceback" not in proc.stderr.decode()


def test_an_error_exits_one_and_keeps_the_job() -> None:
    job = pytorchjob(elasticPolicy={"minReplicas": 1, "maxReplicas": 4})
    proc = run_fn(resource_list([CONFIGMAP, job]))
    assert_refused(proc, "spec.elasticPolicy")
    assert output(proc)["items"] == [CONFIGMAP, job]


def test_json_resource_list() -> None:
    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [CONFIGMAP, pytorchjob()],
        "functionConfig": _config_map(targetVersion="2.1"),
    }
    proc = run_fn(json.dumps(rl, indent=1))
    assert proc.returncode == 0, proc.stderr.decode()
    items = output(proc)["items"]
    assert items[0] == CONFIGMAP
    assert items[1]["kind"] == "TrainJob"
    assert items[1]["spec"]["trainer"]["numNodes"] == 2
    annotations = items[1]["metadata"]["annotations"]
    assert (
        annotations["trainjob-migrate.dev/target-version"] == "2.1"
    )  # the JSON functionConfig applied


def _flow_collections(node: yaml.Node, path: str = "") -> Iterator[str]:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if node.flow_style and node.value:
            yield path or "<root>"
        children = node.value if isinstance(node, yaml.SequenceNode) else [v for _, v in node.value]
        keys = (
            range(len(node.value))
            if isinstance(node, yaml.SequenceNode)
            else [k.value for k, _ in node.value]
        )
        for key, child in zip(keys, children, strict=True):
            yield from _flow_collections(child, f"{path}.{key}")


def test_output_is_block_style_yaml() -> None:
    job = pytorchjob()
    job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["nodeSelector"] = {
        "pool": "gpu"
    }
    job["metadata"]["labels"] = {"app.kubernetes.io/name": "mnist"}
    # JSON in (flow style throughout), as kpt hands over a package written as JSON
    text = json.dumps(
        {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [job, CONFIGMAP]}
    )
    proc = run_fn(text)
    assert proc.returncode == 0, proc.stderr.decode()
    stdout = proc.stdout.decode()
    assert not stdout.lstrip().startswith("{")
    flow = list(_flow_collections(yaml.compose(stdout)))
    assert not flow, f"flow-style collections in the output at {flow}:\n{stdout}"
    assert [i["kind"] for i in output(proc)["items"]] == ["TrainJob", "ConfigMap"]


def test_objects_written_from_flow_style_yaml_are_block_style() -> None:
    job = json.dumps(pytorchjob())  # a flow mapping is valid YAML
    passthrough = '{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}, data: {k: "1"}}'
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        f"- {job}\n- {passthrough}\n"
    )
    proc = run_fn(text)
    assert proc.returncode == 0, proc.stderr.decode()
    stdout = proc.stdout.decode()
    items = yaml.compose(stdout).value[2][1]  # the node of `items`
    trainjob = items.value[0]
    flow = list(_flow_collections(trainjob, "items[0]"))
    assert not flow, f"the converted object has flow-style collections at {flow}:\n{stdout}"
    # an item passed through is echoed as written (same content; its own style kept)
    assert output(proc)["items"][1] == yaml.safe_load(passthrough)


def test_only_kubeflow_org_jobs_are_touched_and_other_kinds_are_reported() -> None:
    others = [
        {
            "apiVersion": "kubeflow.org/v1",
            "kind": "TFJob",
            "metadata": {"name": "tf"},
            "spec": {
                "tfReplicaSpecs": {
                    "Worker": {
                        "replicas": 2,
                        "template": {
                            "spec": {"containers": [{"name": "tensorflow", "image": "tf:2"}]}
                        },
                    }
                }
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "PyTorchJob"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}}},
        },
        # invalid as a kubeflow.org PyTorchJob: touching it at all would be an error
        {
            "apiVersion": "example.com/v1",
            "kind": "PyTorchJob",
            "metadata": {"name": "lookalike"},
            "spec": {"pytorchReplicaSpecs": {"Master": {"replicas": "three"}}},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "strings"},
            "data": {
                "a": "1",
                "b": "true",
                "c": "",
                "d": "multi\nline\n",
                "e": "x: y",
                "f": "- z",
                "g": "{x}",
                "h": "~",
                "i": "null",
                "j": "0x1F",
                "k": "1e3",
            },
        },
    ]
    items = [others[0], others[1], pytorchjob(), others[2], others[3]]
    proc = run_fn(resource_list(items))
    assert proc.returncode == 1, proc.stderr.decode()  # the TFJob cannot be converted: an error
    out = output(proc)
    assert [i["kind"] for i in out["items"]] == [
        "TFJob",
        "Deployment",
        "TrainJob",
        "PyTorchJob",
        "ConfigMap",
    ]
    assert [out["items"][i] for i in (0, 1, 3, 4)] == others
    refs = {json.dumps(r.get("resourceRef"), sort_keys=True) for r in out.get("results", [])}
    assert all("lookalike" not in ref for ref in refs), refs
    errors = [r for r in out["results"] if r["severity"] == "error"]
    assert [(e["resourceRef"]["kind"], e["tags"]["rule"]) for e in errors] == [
        ("TFJob", "unsupported-kind")
    ]
    assert "TFJob" in proc.stderr.decode()


class Yaml12Loader(yaml.SafeLoader):
    """Reads scalars as kyaml (kpt, kustomize) does: YAML 1.2, so ``on``/``yes`` and dates are strings."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class GoYamlV2Loader(yaml.SafeLoader):
    """Reads scalars as kubectl does (sigs.k8s.io/yaml on gopkg.in/yaml.v2): y/n are booleans,
    1e3 and -.5 floats, 0o17 an integer. Only the type matters here, so every non-string
    scalar is read as its text wrapped in a tuple."""


GoYamlV2Loader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in [
    (
        "bool",
        r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        "yYnNtTfFoO",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
]:
    GoYamlV2Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_rx), list(_first))
    GoYamlV2Loader.add_constructor(
        f"tag:yaml.org,2002:{_tag}", lambda loader, node, t=_tag: (t, loader.construct_scalar(node))
    )


def test_other_items_keep_their_content() -> None:
    """YAML 1.1 look-alikes in an item passed through stay what kyaml read: strings."""
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: scalars\n"
        "    creationTimestamp: 2025-09-10T05:19:30Z\n"
        "  data:\n    on: yes\n    flag: 'no'\n    num: '007'\n    e: \"1e3\"\n"
    )
    proc = run_fn(text)
    assert proc.returncode == 0, proc.stderr.decode()
    before = yaml.load(text, Loader=Yaml12Loader)["items"]
    after = yaml.load(proc.stdout, Loader=Yaml12Loader)["items"]
    assert after == before
    assert after[0]["data"] == {"on": "yes", "flag": "no", "num": "007", "e": "1e3"}
    # and kubectl reads the same strings where the input quoted them
    kubectl = yaml.load(proc.stdout, Loader=GoYamlV2Loader)["items"][0]["data"]
    assert {k: kubectl[k] for k in ("flag", "num", "e")} == {"flag": "no", "num": "007", "e": "1e3"}


def test_converted_objects_keep_strings_strings_for_kubectl() -> None:
    tricky = ["y", "n", "1e3", "-.5", "0o17", "on", "1.0", "0x1F", "null", ""]
    job = pytorchjob()
    job["metadata"]["labels"] = {f"l{i}": v for i, v in enumerate(["y", "n"])}
    job["metadata"]["annotations"] = {f"a{i}": v for i, v in enumerate(tricky)}
    container = job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": f"E{i}", "value": v} for i, v in enumerate(tricky)]
    container["args"] = tricky
    proc = run_fn(resource_list([job]))
    assert proc.returncode == 0, proc.stderr.decode()
    trainjob = yaml.load(proc.stdout, Loader=GoYamlV2Loader)["items"][0]
    assert trainjob["kind"] == "TrainJob"
    annotations = trainjob["metadata"]["annotations"]
    assert [annotations[f"a{i}"] for i in range(len(tricky))] == tricky
    assert trainjob["metadata"]["labels"] == {"l0": "y", "l1": "n"}
    env = {e["name"]: e.get("value") for e in trainjob["spec"]["trainer"]["env"]}
    assert [env[f"E{i}"] for i in range(len(tricky))] == tricky
    assert trainjob["spec"]["trainer"]["args"] == tricky


SERVER_SET = (
    "status",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "managedFields",
    "generation",
)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def test_kubectl_list_export_converts_every_job() -> None:
    export = yaml.safe_load(EXPORT.read_text())
    assert export["kind"] == "List"
    jobs = [i for i in export["items"] if i["kind"] == "PyTorchJob"]
    assert len(jobs) == 3
    # the seed has no managedFields; add some so that their removal is tested too
    export = copy.deepcopy(export)
    export["items"][0]["metadata"]["managedFields"] = [
        {"manager": "kubectl", "operation": "Update", "apiVersion": "kubeflow.org/v1"}
    ]
    proc = run_fn(resource_list([CONFIGMAP, export]))
    assert proc.returncode == 0, proc.stderr.decode()
    out = output(proc)
    assert out["items"][0] == CONFIGMAP
    converted = out["items"][1]
    assert converted["kind"] == "List"
    trainjobs = converted["items"]
    assert [t["kind"] for t in trainjobs] == ["TrainJob"] * 3
    assert [t["metadata"]["name"] for t in trainjobs] == [j["metadata"]["name"] for j in jobs]
    assert {t["metadata"]["namespace"] for t in trainjobs} == {"opendatahub"}
    for trainjob in trainjobs:
        assert not set(SERVER_SET) & set(trainjob["metadata"]), trainjob["metadata"]
        assert "status" not in trainjob
        assert LAST_APPLIED not in trainjob["metadata"].get("annotations", {})
    # nothing server-set anywhere in what replaced the export (kubectl's own List metadata,
    # `resourceVersion: ""`, is not about any job and may stay)
    text = yaml.safe_dump({**converted, "metadata": {}})
    for word in (
        "managedFields",
        "uid:",
        "creationTimestamp",
        "resourceVersion",
        "generation:",
        "status:",
        LAST_APPLIED,
        "replicaStatuses",
        "PyTorchJobRunning",
    ):
        assert word not in text, word
    errors = [r for r in out.get("results", []) if r["severity"] == "error"]
    assert not errors, errors
