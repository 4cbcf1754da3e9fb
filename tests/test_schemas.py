"""The generated JSON Schemas (tools/generate_schemas.py) and the runtime validator."""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
UPSTREAM = REPO / "upstream"
EXAMPLES = REPO / "tests" / "vendored" / "upstream-examples"
SEEDS = REPO / "tests" / "vendored" / "seeds"
SCHEMAS = REPO / "schemas"
TOOL = REPO / "tools" / "generate_schemas.py"

if importlib.util.find_spec("trainjob_migrate") is None:  # not installed: use the source tree
    sys.path.insert(0, str(REPO / "function"))

from trainjob_migrate import validation
from trainjob_migrate.validation import SchemaIssue, validate

V1_KINDS = {  # schema -> (kind, the field holding its replica specs)
    "pytorchjob-v1": ("PyTorchJob", "pytorchReplicaSpecs"),
    "tfjob-v1": ("TFJob", "tfReplicaSpecs"),
    "mpijob-v1": ("MPIJob", "mpiReplicaSpecs"),
    "xgboostjob-v1": ("XGBoostJob", "xgbReplicaSpecs"),
    "jaxjob-v1": ("JAXJob", "jaxReplicaSpecs"),
    "paddlejob-v1": ("PaddleJob", "paddleReplicaSpecs"),
}
RELEASES = {"2.0": "v2.0.1", "2.1": "v2.1.0", "2.2": "v2.2.1", "2.3": "v2.3.0"}
V2_KINDS = ("trainjob", "trainingruntime", "clustertrainingruntime")
GENERATED = (
    *V1_KINDS,
    "mpijob-v2beta1",
    *(f"{kind}-{minor}" for minor in RELEASES for kind in V2_KINDS),
)
TRAINJOB_TARGETS = ("trainjob-2.0", "trainjob-2.1", "trainjob-2.2", "trainjob-2.3")
SCHEMA_BY_KIND = {
    "PyTorchJob": "pytorchjob-v1",
    "TrainJob": "trainjob-2.3",
    "TrainingRuntime": "trainingruntime-2.3",
    "ClusterTrainingRuntime": "clustertrainingruntime-2.3",
}


@functools.cache
def _tool():
    spec = importlib.util.spec_from_file_location("generate_schemas", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), *args], capture_output=True, text=True, cwd=REPO, check=False
    )


def _objects(path: Path):
    """Every object in a YAML file, the items of a `kind: List` included."""
    with path.open("rb") as stream:
        for doc in yaml.load_all(stream, Loader=yaml.CSafeLoader):
            if not doc:
                continue
            yield from doc["items"] if doc.get("kind") == "List" else [doc]


def _yaml_files(directory: Path, pattern: str = "**/*.yaml") -> list[Path]:
    files = sorted(directory.glob(pattern))
    assert files, f"no example files matched {directory}/{pattern}"
    return files


def _trainjob(**trainer) -> dict:
    return {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "TrainJob",
        "metadata": {"name": "mnist", "namespace": "team-a", "labels": {"app": "mnist"}},
        "spec": {
            "runtimeRef": {"name": "torch-distributed"},
            "trainer": {
                "image": "ghcr.io/kubeflow/trainer/mnist:latest",
                "command": ["torchrun", "train.py"],
                "numNodes": 2,
                "numProcPerNode": 1,
                "env": [{"name": "EPOCHS", "value": "3"}],
                "resourcesPerNode": {"limits": {"cpu": 2, "memory": "4Gi"}},
                **trainer,
            },
        },
    }


def _pytorchjob(**worker) -> dict:
    container = {"name": "pytorch", "image": "docker.io/pytorch/pytorch:2.5", "args": ["train.py"]}
    return {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "mnist"},
        "spec": {
            "pytorchReplicaSpecs": {
                "Master": {
                    "replicas": 1,
                    "restartPolicy": "OnFailure",
                    "template": {"spec": {"containers": [dict(container)]}},
                },
                "Worker": {
                    "replicas": 3,
                    "restartPolicy": "OnFailure",
                    "template": {"spec": {"containers": [dict(container)]}},
                    **worker,
                },
            }
        },
    }


def _at(issues: list[SchemaIssue]) -> dict[str, SchemaIssue]:
    by_path = {issue.path: issue for issue in issues}
    assert len(by_path) == len(issues), f"several issues at one path: {issues}"
    return by_path


# --- the generator ------------------------------------------------------------------------------


def test_committed_schemas_are_up_to_date():
    result = _run_tool("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reports_a_changed_file_and_ignores_function_config(tmp_path):
    assert _run_tool("--out", str(tmp_path)).returncode == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([*(f"{n}.json" for n in GENERATED), "SOURCES.md"])
    (tmp_path / "function-config.json").write_text("{hand-written}\n")
    assert _run_tool("--check", "--out", str(tmp_path)).returncode == 0

    edited = tmp_path / "trainjob-2.1.json"
    edited.write_text(edited.read_text().replace('"numNodes"', '"numNodez"'))
    (tmp_path / "SOURCES.md").unlink()
    result = _run_tool("--check", "--out", str(tmp_path))
    assert result.returncode == 1
    assert "trainjob-2.1.json: differs" in result.stderr
    assert "SOURCES.md: missing" in result.stderr
    assert "trainjob-2.3.json" not in result.stderr
    assert "function-config.json" not in result.stderr + result.stdout
    assert (tmp_path / "function-config.json").read_text() == "{hand-written}\n"
    assert not (tmp_path / "SOURCES.md").exists(), "--check must not write"


def test_generation_is_deterministic(monkeypatch):
    tool = _tool()
    # What must not vary is the generator's own work; PyYAML's reading of the 19 CRDs (1.2 of
    # its 1.4 s) is done once and each generation gets a fresh copy of what was read.
    crd_document = tool._crd_document
    read = functools.cache(lambda path: pickle.dumps(crd_document(path)))
    monkeypatch.setattr(tool, "_crd_document", lambda path: pickle.loads(read(path)))
    assert tool.generate(UPSTREAM) == tool.generate(UPSTREAM)
    assert [s.name for s in tool.SOURCES] == list(GENERATED)


def test_sources_md_names_every_schema_and_the_command():
    text = (SCHEMAS / "SOURCES.md").read_text()
    assert "python tools/generate_schemas.py" in text
    assert "upstream/SOURCES.md" in text
    assert "shared/" not in text
    for name in GENERATED:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}.json`"))
        if name in V1_KINDS:
            assert "`kubeflow/trainer@v1.9.4:manifests/base/crds/kubeflow.org_" in row
        elif name == "mpijob-v2beta1":
            assert "`kubeflow/mpi-operator@v0.8.0:manifests/base/kubeflow.org_mpijobs.yaml`" in row
        else:
            release = RELEASES[name.rsplit("-", 1)[1]]
            assert f"`kubeflow/trainer@{release}:manifests/base/crds/trainer.kubeflow.org_" in row
        local = row.split(" | ")[4].strip("`")
        assert (UPSTREAM / local).is_file(), row


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        pytest.param(
            {
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "x-kubernetes-int-or-string": True,
            },
            {"type": ["integer", "string"]},
            id="int-or-string",
        ),
        pytest.param(
            {"type": "string", "enum": ["a", "b"], "nullable": True},
            {"type": ["string", "null"], "enum": ["a", "b", None]},
            id="nullable",
        ),
        pytest.param(
            {
                "type": "object",
                "description": "x",
                "properties": {"a": {"type": "string", "default": "z"}},
            },
            {
                "type": "object",
                "properties": {"a": {"type": "string"}},
                "additionalProperties": False,
            },
            id="strict-object",
        ),
        pytest.param(
            {
                "type": "object",
                "properties": {"a": {"type": "string"}},
                "x-kubernetes-preserve-unknown-fields": True,
            },
            {"type": "object", "properties": {"a": {"type": "string"}}},
            id="preserve-unknown-fields",
        ),
        pytest.param(
            {"type": "object", "additionalProperties": {"type": "string"}},
            {"type": "object", "additionalProperties": {"type": "string"}},
            id="map",
        ),
        pytest.param(
            {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 3,
                "x-kubernetes-list-type": "set",
                "x-kubernetes-validations": [{"rule": "self.size() > 0"}],
            },
            {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            id="list-annotations-and-cel-dropped",
        ),
        pytest.param(
            {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
            {"type": "integer", "exclusiveMinimum": 0},
            id="openapi3-exclusive-bound",
        ),
    ],
)
def test_convert_schema(node, expected):
    assert _tool().convert_schema(node) == expected


@pytest.mark.parametrize(
    "node",
    [
        {"type": "string", "x-unknown-extension": 1},
        {"type": "string", "enum": ["a", True]},  # YAML 1.1 read an unquoted `yes` as a boolean
    ],
)
def test_convert_schema_refuses_what_it_cannot_translate(node):
    tool = _tool()
    with pytest.raises(tool.GenerateError):
        tool.convert_schema(node)


# The 2020-12 meta-schema checks a schema's own keywords in place, and every subschema (the
# value of an applicator keyword) against itself again ($dynamicRef "#meta"): a schema is
# valid when each of its subschemas is, taken with its own subschemas replaced by `true` (a
# valid schema). The generated schemas share most of theirs (29,157 in all, 270 distinct), so
# each distinct one is checked once: 0.2 s instead of 6 s of check_schema on every file.
# A keyword missing from these lists only makes the check slower (its subschemas are then
# checked whole, inside their parent), never weaker.
_ONE_SCHEMA = ("items", "additionalProperties", "contains", "propertyNames", "if", "then", "else",
               "not", "unevaluatedItems", "unevaluatedProperties")  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_VALID_PARTS: set[str] = set()  # the parts checked already in this process


def _check_schema(schema: object) -> None:
    """``Draft202012Validator.check_schema(schema)``, one distinct part at a time."""
    from jsonschema import Draft202012Validator, SchemaError

    todo = [("#", schema)]
    while todo:
        where, part = todo.pop()
        flat = dict(part) if isinstance(part, dict) else part
        if isinstance(flat, dict):
            for key in _ONE_SCHEMA:
                if key in flat:
                    todo.append((f"{where}/{key}", flat[key]))
                    flat[key] = True
            for key in _SCHEMA_LISTS:
                if isinstance(flat.get(key), list):
                    todo.extend((f"{where}/{key}/{i}", v) for i, v in enumerate(flat[key]))
                    flat[key] = [True] * len(flat[key])
            for key in _SCHEMA_MAPS:
                if isinstance(flat.get(key), dict):
                    todo.extend((f"{where}/{key}/{k}", v) for k, v in flat[key].items())
                    flat[key] = dict.fromkeys(flat[key], True)
        text = json.dumps(flat, sort_keys=True)
        if text in _VALID_PARTS:
            continue
        try:
            Draft202012Validator.check_schema(flat)
        except SchemaError as exc:
            raise AssertionError(f"{where} is not a valid schema: {exc.message}") from exc
        _VALID_PARTS.add(text)


@pytest.mark.parametrize("name", GENERATED)
def test_generated_schema_is_valid_draft_2020_12(name):
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    _check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://trainjob-migrate.dev/schemas/{name}.json"
    assert "Do not edit" in schema["$comment"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["metadata"] == {"type": "object"}
    text = json.dumps(schema)
    for dropped in ('"description"', '"default"', '"x-kubernetes-', '"nullable"'):
        assert dropped not in text


# --- the validator: TrainJob --------------------------------------------------------------------


@pytest.mark.parametrize("name", TRAINJOB_TARGETS)
def test_minimal_trainjob_is_valid(name):
    assert validate(_trainjob(), name) == []


@pytest.mark.parametrize("name", TRAINJOB_TARGETS)
def test_string_num_nodes_is_a_type_issue(name):
    assert validate(_trainjob(numNodes="2"), name) == [
        SchemaIssue("spec.trainer.numNodes", 'expected integer, got string "2"', "type")
    ]


def test_pod_spec_overrides_exists_in_2_0_only():
    job = _trainjob()
    override = {"targetJobs": [{"name": "node"}], "nodeSelector": {"a": "b"}}
    job["spec"]["podSpecOverrides"] = [override]
    assert validate(job, "trainjob-2.0") == []
    assert validate(job, "trainjob-2.3") == [
        SchemaIssue("spec.podSpecOverrides", 'unknown field "podSpecOverrides"', "unknown-field")
    ]


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("trainjob-2.0", True),
        ("trainjob-2.1", True),
        ("trainjob-2.2", False),
        ("trainjob-2.3", False),
    ],
)
def test_num_proc_per_node_auto(name, valid):
    issues = validate(_trainjob(numProcPerNode="auto"), name)
    if valid:
        assert issues == []
    else:
        message = 'expected integer, got string "auto"'
        assert issues == [SchemaIssue("spec.trainer.numProcPerNode", message, "type")]


def test_every_unknown_key_is_one_issue_at_its_own_path():
    job = _trainjob(foo=1, **{"bar.baz": 2})
    job["extra"] = {}
    issues = validate(job, "trainjob-2.3")
    assert issues == [
        SchemaIssue("extra", 'unknown field "extra"', "unknown-field"),
        SchemaIssue("spec.trainer[bar.baz]", 'unknown field "bar.baz"', "unknown-field"),
        SchemaIssue("spec.trainer.foo", 'unknown field "foo"', "unknown-field"),
    ]


def test_a_non_string_key_is_an_unknown_field_not_a_crash():
    job = _pytorchjob()
    job["spec"]["runPolicy"] = {False: None, 1: 2}
    assert validate(job, "pytorchjob-v1") == [
        SchemaIssue(
            "spec.runPolicy.1", "unknown field 1 (a field name must be a string)", "unknown-field"
        ),
        SchemaIssue(
            "spec.runPolicy.false",
            "unknown field false (a field name must be a string)",
            "unknown-field",
        ),
    ]


def test_missing_required_field_is_named_in_the_path():
    job = _trainjob()
    del job["spec"]["runtimeRef"]
    job["spec"]["trainer"]["env"] = [{"value": "x"}]
    assert validate(job, "trainjob-2.3") == [
        SchemaIssue("spec.runtimeRef", 'missing required field "runtimeRef"', "required"),
        SchemaIssue("spec.trainer.env[0].name", 'missing required field "name"', "required"),
    ]


def test_bounds_have_short_messages():
    job = _trainjob(image="x" * 501, command=["c"] * 129)
    job["spec"]["activeDeadlineSeconds"] = 0
    issues = _at(validate(job, "trainjob-2.3"))
    assert issues["spec.trainer.image"] == SchemaIssue(
        "spec.trainer.image", "must be at most 500 characters; got 501", "maxLength"
    )
    assert issues["spec.trainer.command"].message == "must have at most 128 items; got 129"
    assert issues["spec.activeDeadlineSeconds"] == SchemaIssue(
        "spec.activeDeadlineSeconds", "must be >= 1; got 0", "minimum"
    )


def test_quantity_is_int_or_string_with_a_pattern():
    limits = {"cpu": "500m", "memory": 1024, "nvidia.com/gpu": 1}
    ok = _trainjob(resourcesPerNode={"limits": limits})
    assert validate(ok, "trainjob-2.3") == []
    bad = _trainjob(resourcesPerNode={"limits": {"cpu": "lots", "nvidia.com/gpu": True}})
    assert validate(bad, "trainjob-2.3") == [
        SchemaIssue(
            "spec.trainer.resourcesPerNode.limits.cpu",
            'must be a Kubernetes quantity such as 500m, 2 or 4Gi; got "lots"',
            "pattern",
        ),
        SchemaIssue(
            "spec.trainer.resourcesPerNode.limits[nvidia.com/gpu]",
            "expected integer or string, got boolean true",
            "type",
        ),
    ]


def test_enum_message_lists_the_allowed_values():
    runtime = {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "ClusterTrainingRuntime",
        "metadata": {"name": "torch"},
        "spec": {"template": {"spec": {"successPolicy": {"operator": "Some"}}}},
    }
    assert validate(runtime, "clustertrainingruntime-2.3") == [
        SchemaIssue(
            "spec.template.spec.successPolicy.operator",
            'must be one of "All", "Any"; got "Some"',
            "enum",
        )
    ]


# --- the validator: PyTorchJob ------------------------------------------------------------------


def test_minimal_pytorchjob_is_valid():
    assert validate(_pytorchjob(), "pytorchjob-v1") == []


def test_string_replicas_is_a_type_issue():
    assert validate(_pytorchjob(replicas="3"), "pytorchjob-v1") == [
        SchemaIssue(
            "spec.pytorchReplicaSpecs.Worker.replicas", 'expected integer, got string "3"', "type"
        )
    ]


def test_issues_are_sorted_by_path_with_numeric_indexes():
    job = _pytorchjob()
    pod = job["spec"]["pytorchReplicaSpecs"]["Worker"]["template"]["spec"]
    pod["containers"] = [{"name": f"c{i}", "image": "i"} for i in range(11)]
    del pod["containers"][10]["name"]
    del pod["containers"][2]["name"]
    pod["nodeSelector"] = {"kubernetes.io/arch": 1}
    pod["containers"][0]["ports"] = [{"containerPort": "8080"}]
    prefix = "spec.pytorchReplicaSpecs.Worker.template.spec."
    assert [i.path for i in validate(job, "pytorchjob-v1")] == [
        prefix + "containers[0].ports[0].containerPort",
        prefix + "containers[2].name",
        prefix + "containers[10].name",
        prefix + "nodeSelector[kubernetes.io/arch]",
    ]


def test_probe_port_is_int_or_string():
    job = _pytorchjob()
    container = job["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"][0]
    for port in (8080, "http"):
        container["livenessProbe"] = {"httpGet": {"port": port}}
        assert validate(job, "pytorchjob-v1") == []
    container["livenessProbe"] = {"httpGet": {"port": 80.5}}
    [issue] = validate(job, "pytorchjob-v1")
    assert issue.kind == "type"
    assert issue.message == "expected integer or string, got number 80.5"


def _upstream_pytorchjobs() -> list[Path]:
    return [
        *_yaml_files(EXAMPLES / "pytorchjob-v1"),
        *_yaml_files(SEEDS, "pytorch-*.yaml"),
        *_yaml_files(SEEDS, "opendatahub-*.yaml"),
        *_yaml_files(EXAMPLES / "migration-guide", "**/*pytorchjob*.yaml"),
    ]


def _upstream_v2() -> list[Path]:
    return [
        *_yaml_files(EXAMPLES / "trainjob-v2"),
        *_yaml_files(EXAMPLES / "migration-guide", "**/*trainjob*.yaml"),
    ]


@pytest.mark.parametrize("group", [_upstream_pytorchjobs, _upstream_v2], ids=["v1", "v2"])
def test_upstream_examples_validate_clean(group):
    checked = 0
    for path in group():
        for obj in _objects(path):
            name = SCHEMA_BY_KIND[obj["kind"]]
            assert validate(obj, name) == [], f"{path.relative_to(REPO)} ({obj['kind']})"
            checked += 1
    assert checked >= 5


def test_a_broken_upstream_example_is_caught():
    # Guards the test above: the same examples, each with one mistake, must fail.
    path = EXAMPLES / "pytorchjob-v1/training-operator-v1.9.4/examples/pytorch/simple.yaml"
    [job] = _objects(path)
    broken = copy.deepcopy(job)
    worker = broken["spec"]["pytorchReplicaSpecs"]["Worker"]
    worker["template"]["spec"]["containers"][0]["imagee"] = "x"
    [issue] = validate(broken, "pytorchjob-v1")
    assert issue.path.endswith("containers[0].imagee")
    assert issue.kind == "unknown-field"


# --- the validator: the other kinds -------------------------------------------------------------


def _v1_job(api_version: str, kind: str, field: str, **spec) -> dict:
    pod = {"spec": {"containers": [{"name": "main", "image": "docker.io/library/busybox:1.36"}]}}
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": "job"},
        "spec": {field: {"Worker": {"replicas": 2, "template": pod}}, **spec},
    }


@pytest.mark.parametrize("name", list(V1_KINDS))
def test_every_v1_kind_has_its_schema(name):
    kind, field = V1_KINDS[name]
    assert validate(_v1_job("kubeflow.org/v1", kind, field), name) == []
    job = _v1_job("kubeflow.org/v1", kind, field, bogus=1)
    assert validate(job, name) == [
        SchemaIssue("spec.bogus", 'unknown field "bogus"', "unknown-field")
    ]
    other = "pytorchReplicaSpecs" if field != "pytorchReplicaSpecs" else "tfReplicaSpecs"
    [issue] = [
        i for i in validate(_v1_job("kubeflow.org/v1", kind, other), name) if i.kind == "required"
    ]
    assert issue.path == f"spec.{field}"


def test_mpijob_v2beta1_is_mpi_operators_shape():
    job = _v1_job("kubeflow.org/v2beta1", "MPIJob", "mpiReplicaSpecs", slotsPerWorker=4)
    job["spec"]["mpiReplicaSpecs"]["Launcher"] = job["spec"]["mpiReplicaSpecs"]["Worker"]
    job["spec"]["launcherCreationPolicy"] = "WaitForWorkersReady"
    assert validate(job, "mpijob-v2beta1") == []
    job["spec"]["mpiImplementation"] = "LAM"
    [issue] = validate(job, "mpijob-v2beta1")
    assert (issue.path, issue.kind) == ("spec.mpiImplementation", "enum")
    # what only the training operator's v1 MPIJob has
    v1 = _v1_job("kubeflow.org/v2beta1", "MPIJob", "mpiReplicaSpecs", mainContainer="main")
    assert validate(v1, "mpijob-v1") == []
    assert [i.path for i in validate(v1, "mpijob-v2beta1")] == ["spec.mainContainer"]


@pytest.mark.parametrize("minor", list(RELEASES))
def test_default_runtimes_of_each_release_are_valid_for_it(minor):
    from trainjob_migrate import runtimes

    checked = 0
    for tag in (t for t in runtimes.RELEASES if t.startswith(f"v{minor}.")):
        for runtime in runtimes.defaults(tag):
            name = f"{runtime['kind'].lower()}-{minor}"
            assert validate(runtime, name) == [], (tag, runtime["metadata"]["name"])
            namespaced = {**runtime, "kind": "TrainingRuntime"}
            assert validate(namespaced, f"trainingruntime-{minor}") == []
            checked += 1
    assert checked >= 3


def test_runtime_schemas_follow_the_releases():
    # the jax, xgboost and flux ML policies came with 2.2 (the runtimes that use them too)
    def ml_policy(minor):
        schema = json.loads((SCHEMAS / f"clustertrainingruntime-{minor}.json").read_text())
        return set(schema["properties"]["spec"]["properties"]["mlPolicy"]["properties"])

    assert ml_policy("2.0") == ml_policy("2.1") == {"numNodes", "torch", "mpi"}
    assert ml_policy("2.2") == ml_policy("2.3") == {*ml_policy("2.1"), "jax", "xgboost", "flux"}
    cluster = (SCHEMAS / "clustertrainingruntime-2.2.json").read_text()
    namespaced = (SCHEMAS / "trainingruntime-2.2.json").read_text()
    assert cluster.replace("clustertrainingruntime", "trainingruntime").replace(
        "ClusterTrainingRuntime", "TrainingRuntime"
    ) == namespaced.replace("clustertrainingruntime", "trainingruntime")


# --- the validator: module behaviour ------------------------------------------------------------


def test_paths_are_krm_field_paths():
    from jsonschema import Draft202012Validator

    strings = {"type": "object", "additionalProperties": {"type": "string"}}
    validator = Draft202012Validator(
        {
            "type": "object",
            "properties": {
                "metadata": {"type": "object", "properties": {"labels": strings}},
                "spec": {
                    "type": "object",
                    "properties": {"containers": {"type": "array", "items": strings}},
                },
            },
        }
    )
    instance = {
        "metadata": {"labels": {"app.kubernetes.io/name": 1, "tier": 2}},
        "spec": {"containers": [{"image": "x"}, {"image": 3}]},
    }
    assert [i.path for i in validation.collect_issues(validator, instance)] == [
        "metadata.labels[app.kubernetes.io/name]",
        "metadata.labels.tier",
        "spec.containers[1].image",
    ]


def test_any_of_and_one_of_report_one_issue_not_one_per_branch():
    # The shipped schemas have no anyOf left (int-or-string is translated), but a schema may.
    from jsonschema import Draft202012Validator

    positive = {"type": "integer", "minimum": 1}
    validator = Draft202012Validator(
        {
            "type": "object",
            "properties": {
                "closest": {"anyOf": [positive, {"type": "boolean"}]},
                "nested": {
                    "oneOf": [
                        {"type": "object", "properties": {"a": {"type": "string"}}},
                        {"type": "string"},
                    ]
                },
                "tie": {"anyOf": [positive, {"type": "integer", "maximum": -1}]},
                "both": {"oneOf": [{"type": "integer"}, {"minimum": 0}]},
            },
        }
    )
    instance = {"closest": 0, "nested": {"a": 1}, "tie": 0, "both": 3}
    issues = validation.collect_issues(validator, instance)
    assert issues == [
        SchemaIssue("both", "matches more than one allowed form; got integer 3", "oneOf"),
        SchemaIssue("closest", "must be >= 1; got 0", "minimum"),
        SchemaIssue("nested.a", "expected string, got integer 1", "type"),
        SchemaIssue("tie", "matches none of the allowed forms; got integer 0", "anyOf"),
    ]


def test_load_validator_is_cached_and_rejects_unknown_names():
    assert validation.load_validator("trainjob-2.3") is validation.load_validator("trainjob-2.3")
    with pytest.raises(ValueError, match="no schema named"):
        validation.load_validator("trainjob-9.9")
    with pytest.raises(ValueError, match="no schema named"):
        validation.load_validator("../pyproject")


def test_importing_the_module_does_not_import_jsonschema():
    # jsonschema is only for describing an invalid object: neither importing the module nor
    # validating a valid object imports it; an invalid object does (for the messages).
    job = json.dumps(_pytorchjob())
    code = (
        "import sys, json; import trainjob_migrate.validation as v; "
        "assert 'jsonschema' not in sys.modules, 'imported at module import'; "
        f"assert v.validate(json.loads({job!r}), 'pytorchjob-v1') == []; "
        "assert 'jsonschema' not in sys.modules, 'imported to validate a valid job'; "
        "assert v.validate({'spec': 1}, 'trainjob-2.3'); assert 'jsonschema' in sys.modules"
    )
    env_path = str(REPO / "function")
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {env_path!r}); {code}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_quantity_written_as_a_yaml_number_is_told_to_be_quoted():
    """`cpu: 0.5` (kueue's XGBoostJob sample): a CRD's int-or-string quantity refuses a
    number; the message says to quote it. A port written 80.5 gets no such advice (above)."""
    job = _pytorchjob()
    container = job["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"][0]
    container["resources"] = {"requests": {"cpu": 0.5, "memory": 1024}}
    [issue] = validate(job, "pytorchjob-v1")
    assert issue.path.endswith("resources.requests.cpu")
    assert issue.message == 'expected integer or string, got number 0.5; quote it: "0.5"'
