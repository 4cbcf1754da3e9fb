"""The invariants every run of the KRM function must keep, whatever bytes come in.

Shared by the fuzz tests (``test_fuzz_fn.py``) and the hostile-input tests. The function is
run in-process through ``commands.fn.run`` (bytes in, text out), exactly as ``cli.main``
runs it, minus the interpreter start-up; :func:`check` runs it three times (the input
twice, then its own output) and asserts:

1. no exception leaves ``fn.run`` (a traceback would reach the user) and no result of the
   per-job crash guard (rule ``internal``: a converter bug the guard hid);
2. the output is one ResourceList in plain block YAML (no anchors, aliases or tags), and
   the exit code is 1 exactly when a result is an error, else 0;
3. stderr: one line per error result plus one summary line, every line prefixed, or
   exactly one line for an input the function refused (then ``items: []``);
4. no item lost or duplicated: in order, every input item is in the output unchanged
   (file index annotations aside: they are renumbered), or is a PyTorchJob replaced by
   exactly one TrainJob naming it; every other output object is a TrainJob or
   TrainingRuntime added for an input PyTorchJob; ``List`` items are checked inside;
   a job left in the output with an error is byte-for-byte the input job;
5. determinism: the same input gives the same stdout, stderr and exit code;
6. idempotence: the output, run again, gives the same items, byte for byte;
7. lossless or loud, at the wire: every leaf of a converted job is carried (its value is
   a leaf of an emitted object), or named (its path or a prefix) by a result about that
   job, or on the by-design list below. The exact, path-by-path version of this property
   over valid jobs is ``tests/test_property_lossless.py``; here it guards arbitrary input.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import yaml

from trainjob_migrate import krm, sources, yamlio
from trainjob_migrate.commands import fn
from trainjob_migrate.errors import InputError
from trainjob_migrate.paths import format_path

PROG = "trainjob-migrate"
CONVERTED_FROM = "trainjob-migrate.dev/converted-from"
TRAINER_API = "trainer.kubeflow.org/v1alpha1"
INDEX_KEYS = ("config.kubernetes.io/index", "internal.config.kubernetes.io/index")
LIST_KINDS = ("List", "PyTorchJobList")

#: Leaves of a converted job that may leave no trace of their value and no result, by
#: design: the object's identity (it becomes a TrainJob) and what the API server sets
#: (README: dropped). More, per value, in :func:`by_design`.
BY_DESIGN = (
    ("apiVersion",),
    ("kind",),
    ("status",),
    ("metadata", "uid"),
    ("metadata", "resourceVersion"),
    ("metadata", "generation"),
    ("metadata", "creationTimestamp"),
    ("metadata", "managedFields"),
    ("metadata", "selfLink"),
    ("metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"),
)


#: Converter crashes already reported (a pattern of the crash guard's message each, with
#: its minimal input and a strict-xfail test in tests/hostile/), so that a long fuzz run
#: goes on to find others. Empty: the one found so far (validation._quote on a non-string
#: key, ``spec.runPolicy: {false: null}``) is fixed and tested in test_yaml_edges.py.
KNOWN_BUGS: tuple[re.Pattern[str], ...] = ()


@dataclasses.dataclass(frozen=True)
class Run:
    stdout: str
    stderr: str
    code: int


def run_fn(data: bytes) -> Run:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = fn.run(io.BytesIO(data), stdout, stderr)  # an exception fails the caller's test
    return Run(stdout.getvalue(), stderr.getvalue(), code)


def check(data: bytes, *, lossless: bool = True) -> Run:
    """Run ``data`` through the function and assert every invariant; return the first run."""
    first = run_fn(data)
    doc = check_wire(first)
    try:
        given = krm.parse(data)
    except InputError as exc:
        check_refused(first, doc, str(exc))
        assert run_fn(data) == first, "not deterministic"
        return first
    results = doc.get("results") or []
    check_stderr(first, results)
    crashes = [
        r["message"]
        for r in results
        if (r.get("tags") or {}).get("rule") == "internal"
        and not any(bug.search(r["message"]) for bug in KNOWN_BUGS)
    ]
    assert not crashes, f"the per-job crash guard fired (a converter bug): {crashes}"
    out_items = doc["items"]
    conversions = match(given.items, out_items)
    if lossless:
        for conversion in conversions:
            check_lossless(conversion, results)
    assert run_fn(data) == first, "not deterministic: a second run differs"
    again = run_fn(first.stdout.encode())
    assert items_text(again.stdout) == items_text(first.stdout), (
        "not idempotent: the output, run again, changes its items"
    )
    return first


# --------------------------------------------------------------------------------------


def check_wire(run: Run) -> dict[str, Any]:
    assert run.code in (0, 1), f"exit code {run.code}"
    assert "Traceback" not in run.stderr
    events = list(yaml.parse(run.stdout, Loader=yaml.CSafeLoader))
    for event in events:
        assert getattr(event, "anchor", None) is None, "the output holds an anchor or alias"
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = not all(implicit) if isinstance(implicit, tuple) else not implicit
        assert tag is None or not explicit, f"the output holds the tag {tag}"
    doc = yamlio.load(run.stdout)
    assert isinstance(doc, dict), "the output is not a mapping"
    assert doc.get("kind") == "ResourceList"
    assert isinstance(doc.get("items"), list)
    results = doc.get("results") or []
    errors = [r for r in results if r.get("severity") == "error"]
    assert run.code == (1 if errors else 0), "the exit code does not match the results"
    for r in results:
        assert r.get("severity") in ("error", "warning", "info")
        assert isinstance(r.get("message"), str) and r["message"]
    return doc


def check_refused(run: Run, doc: dict[str, Any], message: str) -> None:
    assert run.code == 1
    assert doc["items"] == []
    results = doc.get("results") or []
    assert len(results) == 1 and results[0]["severity"] == "error"
    assert results[0]["message"] == message
    assert run.stderr == f"{PROG}: error: {message}\n", "not one stderr line"
    assert "\n" not in message


def check_stderr(run: Run, results: list[dict[str, Any]]) -> None:
    errors = [r for r in results if r["severity"] == "error"]
    lines = run.stderr.splitlines()
    assert all(line.startswith(f"{PROG}: ") for line in lines), run.stderr
    if errors:
        assert len(lines) == len(errors) + 1, "not one stderr line per error"
        assert sum(line.startswith(f"{PROG}: [error]") for line in lines) == len(errors)
    else:
        assert lines == []


# --------------------------------------------------------------------------------------
# items: nothing lost, nothing duplicated


def canon(value: Any) -> Any:
    """A value where ``1``, ``True``, ``1.0`` and NaN compare as they are written."""
    if isinstance(value, Mapping):
        return ("map", tuple((canon(k), canon(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("seq", tuple(canon(v) for v in value))
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))
    return (type(value).__name__, value)


def without_index(obj: Any) -> Any:
    if not isinstance(obj, Mapping):
        return obj
    meta = obj.get("metadata")
    ann = meta.get("annotations") if isinstance(meta, Mapping) else None
    if not isinstance(ann, Mapping) or not any(k in ann for k in INDEX_KEYS):
        return obj
    ann = {k: v for k, v in ann.items() if k not in INDEX_KEYS}
    return {**obj, "metadata": {**meta, "annotations": ann}}


def same(a: Any, b: Any) -> bool:
    return canon(without_index(a)) == canon(without_index(b))


class Upstream(NamedTuple):
    """What the oracle knows of a converted kind, written from upstream (not from the
    package's ``sources``, the code under test): the replica specs field, the container
    the v1 operator ran, and the port name only the v1 env read (kubeflow/trainer@v1.9.4
    ``pkg/apis/kubeflow.org/v1/*_types.go``; mpi-operator runs the first container)."""

    replica_specs: str
    container: str | None
    v1_port: str | None


UPSTREAM = {
    "PyTorchJob": Upstream("pytorchReplicaSpecs", "pytorch", "pytorchjob-port"),
    "MPIJob": Upstream("mpiReplicaSpecs", None, None),
    "XGBoostJob": Upstream("xgbReplicaSpecs", "xgboost", "xgboostjob-port"),
    "JAXJob": Upstream("jaxReplicaSpecs", "jax", "jaxjob-port"),
}
#: the kinds the converter turns into TrainJobs (the others pass through like any object)
CONVERTED_KINDS = frozenset(UPSTREAM)


def is_pytorchjob(obj: Any) -> bool:
    """A job of a kind the converter converts (named for the first such kind)."""
    return (
        isinstance(obj, Mapping)
        and obj.get("kind") in CONVERTED_KINDS
        and isinstance(obj.get("apiVersion"), str)
        and obj["apiVersion"].split("/")[0] == "kubeflow.org"
    )


def is_list(obj: Any) -> bool:
    return (
        isinstance(obj, Mapping)
        and obj.get("kind") in LIST_KINDS
        and isinstance(obj.get("items"), list)
    )


def is_added(obj: Any) -> bool:
    return (
        isinstance(obj, Mapping)
        and obj.get("apiVersion") == TRAINER_API
        and obj.get("kind") in ("TrainJob", "TrainingRuntime")
        and isinstance(ann := _annotations(obj), Mapping)
        and isinstance(ann.get(CONVERTED_FROM), str)
    )


def _annotations(obj: Mapping[str, Any]) -> Any:
    meta = obj.get("metadata")
    return meta.get("annotations") if isinstance(meta, Mapping) else None


@dataclasses.dataclass
class Conversion:
    """An input PyTorchJob and the objects added for it (TrainJob, maybe a runtime)."""

    job: Mapping[str, Any]
    added: list[Any]
    kept: bool  # side-by-side: the job itself is still in the output


def match(given: list[Any], out: list[Any], where: tuple[int, ...] = ()) -> list[Conversion]:
    """Walk input and output items in order; every output object is accounted for.

    An input item is matched by the same output item (then the objects added right after it
    are its side-by-side conversion), by a ``List`` matched inside, or, for a PyTorchJob, by
    the objects added in its place.
    """
    conversions: list[Conversion] = []
    j = 0

    def take_added(i: int) -> list[Any]:
        nonlocal j
        taken = []
        while (
            j < len(out)
            and belongs(out[j], given[i])
            and not (i + 1 < len(given) and same(given[i + 1], out[j]))
        ):
            taken.append(out[j])
            j += 1
        return taken

    for i, item in enumerate(given):
        here = f"input item {[*where, i]}"
        if j < len(out) and same(item, out[j]):
            j += 1
            added = take_added(i)
            if added:
                conversions.append(Conversion(item, added, kept=True))
        elif j < len(out) and _rewritten_container(item, out, j):
            # a container of jobs, its jobs converted inside it (tests/containers/ check how)
            while out[j].get("kind") == "TrainingRuntime":
                j += 1
            j += 1
        elif j < len(out) and is_list(item) and _is_output_list(out[j]):
            rest_in = {k: v for k, v in item.items() if k not in ("items", "kind", "apiVersion")}
            rest_out = {k: v for k, v in out[j].items() if k not in ("items", "kind", "apiVersion")}
            assert same(rest_in, rest_out), f"{here}: a List changed besides its items"
            conversions += match(item["items"], out[j]["items"], (*where, i))
            j += 1
        else:
            assert is_pytorchjob(item), f"{here} (kind {item_kind(item)}) is lost or changed"
            added = take_added(i)
            assert added, f"{here}: a PyTorchJob is gone and nothing stands in its place"
            conversions.append(Conversion(item, added, kept=False))
    assert j == len(out), f"output items from {j} on under {list(where)} come from no input item"
    for conversion in conversions:
        trainjobs = [o for o in conversion.added if o["kind"] == "TrainJob"]
        assert len(trainjobs) == 1, f"{source_of(conversion.job)}: {len(trainjobs)} TrainJobs"
        made_from = trainjobs[0]["metadata"]["annotations"][CONVERTED_FROM]
        assert made_from == source_of(conversion.job), f"{made_from} in place of another job"
    return conversions


PATH_KEYS = ("config.kubernetes.io/path", "internal.config.kubernetes.io/path")


def _rewritten_container(item: Any, out: list[Any], j: int) -> bool:
    """``item`` holds jobs and stands at ``out[j]`` (after its generated runtimes) rewritten."""
    from trainjob_migrate import containers
    from trainjob_migrate.containers import walk

    if not isinstance(item, dict) or containers.name_of(item) is None:
        return False
    spec = item.get("spec")
    template = spec.get("trialTemplate") if isinstance(spec, dict) else None
    refers = isinstance(template, dict) and "configMap" in template  # a Katib trial template
    if not walk.find(item) and not refers:
        return False
    while (
        j < len(out) - 1 and isinstance(out[j], Mapping) and out[j].get("kind") == "TrainingRuntime"
    ):
        j += 1
    return isinstance(out[j], Mapping) and out[j].get("kind") == item.get("kind")


def belongs(obj: Any, job: Any) -> bool:
    """``obj`` was added for ``job``: it names the job and sits in the job's file."""
    return (
        is_added(obj)
        and is_pytorchjob(job)
        and obj["metadata"]["annotations"][CONVERTED_FROM] == source_of(job)
        and _file(obj) == _file(job)
    )


def _file(obj: Mapping[str, Any]) -> list[Any]:
    meta = obj.get("metadata")
    ann = meta.get("annotations") if isinstance(meta, Mapping) else None
    return [ann.get(k) for k in PATH_KEYS] if isinstance(ann, Mapping) else [None, None]


def _is_output_list(obj: Any) -> bool:
    return (
        isinstance(obj, Mapping)
        and obj.get("kind") == "List"
        and isinstance(obj.get("items"), list)
    )


def item_kind(item: Any) -> str:
    return repr(item.get("kind")) if isinstance(item, Mapping) else type(item).__name__


def source_of(job: Mapping[str, Any]) -> str:
    meta = job.get("metadata") if isinstance(job.get("metadata"), Mapping) else {}
    ns = meta.get("namespace")
    scope = f"{ns}/" if ns else ""
    return f"{job.get('apiVersion')} {job.get('kind')} {scope}{meta.get('name', '')}"


# --------------------------------------------------------------------------------------
# lossless or loud, at the wire


def leaves(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, Mapping):
        if not value:
            yield prefix, value
        for k, v in value.items():
            yield from leaves(v, (*prefix, str(k)))
    elif isinstance(value, list):
        if not value:
            yield prefix, value
        for i, v in enumerate(value):
            yield from leaves(v, (*prefix, i))
    else:
        yield prefix, value


def check_lossless(conversion: Conversion, results: list[dict[str, Any]]) -> None:
    """Every leaf of a converted job: carried (by value), named by a result, or by design."""
    job = conversion.job
    emitted = [leaf for o in conversion.added for _, leaf in leaves(o)]
    carried = {canon(v) for v in emitted}
    texts = [v for v in emitted if isinstance(v, str)]
    named = fields_named(job, results)
    spec = job.get("spec")
    field = _source(job).replica_specs
    specs = spec.get(field) if isinstance(spec, Mapping) else None
    roles = list(specs) if isinstance(specs, Mapping) else []

    def accounted(path: tuple[Any, ...], value: Any) -> bool:
        return (
            any(path[: len(p)] == p for p in BY_DESIGN)
            or by_design(job, path, value)
            or any(format_path(path[:n]) in named for n in range(len(path) + 1))
            # the value token of a torchrun flag that a result names as removed
            or (
                len(path) >= 2
                and path[-2] in ("command", "args")
                and isinstance(path[-1], int)
                and format_path((*path[:-1], path[-1] - 1)) in named
            )
            or canon(value) in carried
            or (
                isinstance(value, str | int)
                and not isinstance(value, bool)
                and str(value) != ""
                and any(str(value) in t for t in texts)
            )
        )

    for path, value in leaves(job):
        if accounted(path, value):
            continue
        # a role's template value identical to another role's is carried (or named) there
        if (
            path[:2] == ("spec", field)
            and len(path) > 3
            and any(
                other != path
                and canon(_value(job, other)) == canon(value)
                and accounted(other, value)
                for other in (("spec", field, role, *path[3:]) for role in roles)
            )
        ):
            continue
        raise AssertionError(
            f"{source_of(job)}: {format_path(path)} = {value!r} is neither carried nor "
            "named by a result (lossless or loud)"
        )


def by_design(job: Mapping[str, Any], path: tuple[Any, ...], value: Any) -> bool:
    """Transformed, not copied (mapping.md; the property test checks each one exactly)."""
    source = _source(job)
    specs = ("spec", source.replica_specs)
    role_field = path[:2] == specs and len(path) == 4
    port = path[: path.index("ports") + 2] if "ports" in path[:-1] else None
    return (
        # v1's own pytorchjob-port: the Trainer declares port 29500 itself
        (port is not None and (_get(job, port) or {}).get("name") == source.v1_port)
        # replicas of every role are summed into trainer.numNodes
        or (role_field and path[3] == "replicas")
        # OnFailure is JobSet's default pod restartPolicy
        or (role_field and path[3] == "restartPolicy" and value == "OnFailure")
        # cleanPodPolicy None is what v2 does; the v1 operator's own managedBy is the default
        or (path == ("spec", "runPolicy", "cleanPodPolicy") and value == "None")
        or (
            path == ("spec", "runPolicy", "managedBy") and value == "kubeflow.org/training-operator"
        )
        # nprocPerNode loses to a torchrun --nproc-per-node flag (as in v1), named when removed
        or (
            path in (("spec", "nprocPerNode"), ("spec", "elasticPolicy", "nProcPerNode"))
            and _has_nproc_flag(job)
        )
        # the container named pytorch becomes the runtime's container node
        or (
            len(path) >= 2
            and path[-1] == "name"
            and value == source.container
            and path[-3] == "containers"
        )
    )


def _source(job: Mapping[str, Any]) -> Upstream:
    assert sources.identify(job) is not None, "only converted jobs are checked"
    return UPSTREAM[job["kind"]]


def _has_nproc_flag(job: Mapping[str, Any]) -> bool:
    return any(
        isinstance(v, str) and v.lstrip("-").split("=")[0].replace("_", "-") == "nproc-per-node"
        for path, v in leaves(job)
        if "command" in path or "args" in path
    )


def _value(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return value


_MISSING = object()


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value if isinstance(value, Mapping) else None


def fields_named(job: Mapping[str, Any], results: list[dict[str, Any]]) -> set[str]:
    meta = job.get("metadata") if isinstance(job.get("metadata"), Mapping) else {}
    name = str(meta.get("name", ""))
    named = set()
    for r in results:
        ref = r.get("resourceRef") or {}
        if (
            ref.get("kind") == job.get("kind")
            and ref.get("name") == name
            and (path := (r.get("field") or {}).get("path"))
        ):
            named.add(path)
    return named


_TAIL = re.compile(r"^(?:functionConfig|results):", re.MULTILINE)


def items_text(stdout: str) -> str:
    """The output up to its functionConfig/results: the items, as written."""
    found = _TAIL.search(stdout)
    return stdout[: found.start()] if found else stdout
