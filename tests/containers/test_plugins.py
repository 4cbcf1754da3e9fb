"""Container plug-ins one behaviour at a time: placeholders, strings, splicing, doctor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainjob_migrate import cli, pipeline, yamlio
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.containers import own_placeholders, strings
from trainjob_migrate.repo.splice import splice

GOLDEN = Path(__file__).parents[1] / "golden"
KATIB = (GOLDEN / "fn" / "container-katib-experiment" / "resources.yaml").read_text()


def _run(obj: dict, **config: object) -> pipeline.Outcome:
    return pipeline.process([obj], FunctionConfig(**config), detect_release=False)


def _experiment() -> dict:
    return next(yamlio.load_all(KATIB))


def test_a_trial_parameter_as_replicas_of_a_trial_spec_is_reported() -> None:
    """Katib substitutes the JSON of a trialSpec: the value stays a string, the v1 schema
    (as the API server) refuses it."""
    obj = _experiment()
    worker = obj["spec"]["trialTemplate"]["trialSpec"]["spec"]["pytorchReplicaSpecs"]["Worker"]
    worker["replicas"] = "${trialParameters.epochs}"
    outcome = _run(obj)
    assert outcome.items == [obj]  # left as it is
    errors = [r for r in outcome.results if r.severity == "error"]
    assert errors and "Worker.replicas" in (errors[0].field or "")


def test_a_trial_without_the_v1_conditions_keeps_katib_defaults() -> None:
    obj = _experiment()
    template = obj["spec"]["trialTemplate"]
    for key in ("successCondition", "failureCondition", "primaryPodLabels"):
        del template[key]
    outcome = _run(obj)
    new = outcome.items[0]["spec"]["trialTemplate"]
    assert "successCondition" not in new and "primaryPodLabels" not in new
    assert new["trialSpec"]["kind"] == "TrainJob"


def test_a_custom_success_condition_is_an_error() -> None:
    obj = _experiment()
    obj["spec"]["trialTemplate"]["successCondition"] = "status.replicaStatuses.Master.succeeded"
    outcome = _run(obj)
    assert outcome.items == [obj]
    assert any(
        r.rule == "katib" and r.severity == "error" and r.field.endswith("successCondition")
        for r in outcome.results
    )


def test_report_mode_rewrites_nothing() -> None:
    obj = _experiment()
    outcome = _run(obj, mode="report")
    assert outcome.items == [obj]
    assert outcome.embedded["katib"][:2] == [1, 0]


def test_generated_runtime_goes_before_its_container() -> None:
    doc = yamlio.load((GOLDEN / "fn" / "container-configmap-job" / "resources.yaml").read_text())
    doc["data"].pop("notes.txt")
    image = "image: ghcr.io/example/train:2.0"
    indent = " " * 14  # the container's fields, in the string
    doc["data"]["train.yaml"] = doc["data"]["train.yaml"].replace(
        image, f"{image}\n{indent}workingDir: /app"
    )
    outcome = _run(doc, generate_runtime=True)
    assert [o["kind"] for o in outcome.items] == ["TrainingRuntime", "ConfigMap"]
    trainjob = yamlio.load(outcome.items[1]["data"]["train.yaml"])
    assert trainjob["spec"]["runtimeRef"]["name"] == outcome.items[0]["metadata"]["name"]


@pytest.mark.parametrize(
    ("like", "expect"),
    [
        ('{"a": 1, "b": [1, 2]}', '{"a": 1, "b": [1, 2]}'),
        ('{"a":1,"b":[1,2]}', '{"a":1,"b":[1,2]}'),
        ('{\n    "a": 1\n}\n', '{\n    "a": 1,\n    "b": [\n        1,\n        2\n    ]\n}\n'),
    ],
)
def test_json_strings_stay_json_in_their_style(like: str, expect: str) -> None:
    assert strings.write({"a": 1, "b": [1, 2]}, like) == expect
    json.loads(strings.write({"a": 1}, like))


def test_splice_keeps_block_scalars_and_comments() -> None:
    text = "a: 1  # one\ns: |-\n    x: 1\n    y: 2\nb: [1, 2]\n"
    old = yamlio.load(text)
    new = {**old, "s": "x: 3\nz: 4"}
    assert splice(text, old, new) == "a: 1  # one\ns: |-\n    x: 3\n    z: 4\nb: [1, 2]\n"


@pytest.mark.parametrize(
    ("text", "own"),
    [
        ("apiVersion: argoproj.io/v1alpha1\nname: '{{workflow.name}}-x'\n", True),
        ("pipelineInfo:\n  name: p\nargs: ['{{$.inputs.parameters[\"m\"]}}']\n", True),
        ("apiVersion: argoproj.io/v1alpha1\nimage: {{ .Values.image }}\n", False),
        ("apiVersion: v1\nname: '{{workflow.name}}'\n", False),
    ],
)
def test_argo_and_pipeline_braces_are_not_helm(text: str, own: bool) -> None:
    assert own_placeholders(text) is own


def test_doctor_checks_the_katib_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "experiment.yaml").write_text(KATIB)
    (tmp_path / "katib-config.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: katib-config\ndata:\n"
        "  katib-config.yaml: |\n    apiVersion: config.kubeflow.org/v1beta1\n"
        "    kind: KatibConfig\n    init:\n      controller:\n        trialResources:\n"
        "          - PyTorchJob.v1.kubeflow.org\n"
    )
    cli.main(["doctor", "-o", "json", str(tmp_path)])
    body = json.loads(capsys.readouterr().out)
    found = [r for r in body["results"] if r["tags"]["rule"] == "katib-config"]
    assert len(found) == 1 and found[0]["field"]["path"] == "data[katib-config.yaml]"
    assert "lacks TrainJob.v1alpha1.trainer.kubeflow.org:" in found[0]["message"]
    assert body["summary"]["embeddedJobs"]["katib"] == {"jobs": 2, "converted": 1, "findings": 3}


def test_prose_naming_a_job_kind_in_an_unknown_object_is_a_warning() -> None:
    crd = {
        "apiVersion": "example.com/v1",
        "kind": "Guide",
        "metadata": {"name": "g"},
        "spec": {"text": "To train, write\nkind: PyTorchJob\nand more: [words"},
    }
    outcome = _run(crd)
    assert outcome.items == [crd]
    assert [(r.severity, r.rule, r.field) for r in outcome.results] == [
        ("warning", "embedded-job", "spec.text")
    ]


def test_a_job_string_in_an_unknown_object_is_an_error() -> None:
    job = (GOLDEN / "fn" / "container-unknown" / "resources.yaml").read_text()
    embedded = yamlio.dump(next(yamlio.load_all(job))["spec"]["jobTemplate"])
    obj = {"apiVersion": "example.com/v1", "kind": "Box", "metadata": {"name": "b"}, "x": embedded}
    outcome = _run(obj)
    assert [(r.severity, r.rule) for r in outcome.results] == [("error", "embedded-job")]


TRIAL_TEMPLATE = GOLDEN / "fn" / "container-katib-trial-template" / "resources.yaml"


def test_a_trial_template_configmap_of_another_namespace_is_not_the_experiments() -> None:
    """Katib reads the ConfigMap in configMapNamespace: one of the same name elsewhere in the
    input is converted, but the Experiment keeps facing the v1 job, with a warning."""
    config_map, experiment = yamlio.load_all(TRIAL_TEMPLATE.read_text())
    config_map["metadata"]["namespace"] = "other"
    outcome = pipeline.process([config_map, experiment], FunctionConfig(), detect_release=False)
    template = outcome.items[-1]["spec"]["trialTemplate"]
    assert template["primaryContainerName"] == "pytorch"
    assert any(
        r.rule == "katib" and r.severity == "warning" and r.field == "spec.trialTemplate"
        for r in outcome.results
    )


def test_a_trial_template_configmap_without_a_namespace_is_the_experiments() -> None:
    config_map, experiment = yamlio.load_all(TRIAL_TEMPLATE.read_text())
    del config_map["metadata"]["namespace"]
    outcome = pipeline.process([config_map, experiment], FunctionConfig(), detect_release=False)
    assert outcome.items[-1]["spec"]["trialTemplate"]["primaryContainerName"] == "node"


def test_a_generated_runtime_that_would_hold_the_trials_name_is_an_error() -> None:
    """Katib names each trial's job and substitutes ``${trialParameters.x}`` in the trial spec
    only: a runtime generated beside the Experiment was named by the sample name (``tjm...``)
    while the TrainJob referred to ``${trialParameters.trialName}``, a runtime that never
    exists (real shape: kubeflow/katib examples/v1beta1/kubeflow-training-operator/
    mpijob-horovod.yaml, which needs a generated runtime on Trainer 2.3)."""
    obj = _experiment()
    pod = obj["spec"]["trialTemplate"]["trialSpec"]["spec"]["pytorchReplicaSpecs"]
    for role in pod.values():
        role["template"]["spec"]["containers"][0]["workingDir"] = "/app"  # runtime-only field
    outcome = _run(obj, generate_runtime=True)
    assert outcome.items == [obj]  # left as it is, nothing emitted beside it
    errors = [r for r in outcome.results if r.severity == "error"]
    assert [r.rule for r in errors] == ["katib"]
    assert "${trialParameters.trialName}" in errors[0].message
    assert errors[0].field == "spec.trialTemplate.trialSpec"


KATIB_MPI = (
    Path(__file__).parents[1]
    / "vendored/real-world/kubeflow-katib/examples/v1beta1/kubeflow-training-operator"
    / "mpijob-horovod.yaml"
)


def test_an_mpijob_trials_launcher_labels_and_container_face_the_trainjob() -> None:
    """Katib's MPIJob example selects its primary pod with the Training Operator MPI
    controller's ``mpi-job-role: launcher`` and names the launcher's first container (the
    kind names none: the operator took ``containers[0]``): both were kept as they were, the
    label silently (no TrainJob pod has it: Katib never finds the trial's metrics), the
    container refused as "not the training container ('0')"."""
    obj = yamlio.load(KATIB_MPI.read_text())
    outcome = _run(obj, target_version="2.0", runtime_name="mpi-distributed")
    template = outcome.items[0]["spec"]["trialTemplate"]
    assert template["trialSpec"]["kind"] == "TrainJob"
    assert template["primaryContainerName"] == "node"
    assert template["primaryPodLabels"] == {
        "jobset.sigs.k8s.io/replicatedjob-name": "launcher",
        "batch.kubernetes.io/job-completion-index": "0",
    }


def test_an_mpi_job_role_label_naming_a_worker_is_an_error() -> None:
    obj = yamlio.load(KATIB_MPI.read_text())
    obj["spec"]["trialTemplate"]["primaryPodLabels"] = {"mpi-job-role": "worker"}
    outcome = _run(obj, target_version="2.0", runtime_name="mpi-distributed")
    assert outcome.items == [obj]
    assert any(
        r.rule == "katib" and r.severity == "error" and r.field.endswith("primaryPodLabels")
        for r in outcome.results
    )


ARGO = (GOLDEN / "fn" / "container-argo-resource" / "resources.yaml").read_text()


def test_an_argo_placeholder_alone_where_a_string_goes_is_sampled_as_one() -> None:
    """argoproj/argo-workflows examples/k8s-resource-log-selector.yaml labels the job's pods
    ``workflows.argoproj.io/workflow: {{workflow.name}}``: a placeholder alone as a value was
    sampled as an integer, and the job refused as invalid ("expected string, got integer")."""
    label = "      template:\n        metadata:\n          labels:\n"
    label += "            workflows.argoproj.io/workflow: {{workflow.name}}\n"
    obj = yamlio.load(ARGO)
    manifest = obj["spec"]["templates"][0]["resource"]["manifest"]
    assert manifest.count("      template:\n") == 2  # Master, Worker
    obj["spec"]["templates"][0]["resource"]["manifest"] = manifest.replace(
        "      template:\n", label
    )
    outcome = _run(obj)
    assert not [r for r in outcome.results if r.severity == "error"], outcome.results
    written = outcome.items[0]["spec"]["templates"][0]["resource"]["manifest"]
    assert "kind: TrainJob" in written
    assert "workflows.argoproj.io/workflow: '{{workflow.name}}'" in written


@pytest.mark.parametrize(
    ("v1", "v2"),
    [
        ("status.replicaStatuses.Master.succeeded > 0", "status.jobsStatus.0.succeeded > 0"),
        # every Worker pod (replicas 2): the Job, which succeeds when every node does
        ("status.replicaStatuses.Worker.succeeded = 2", "status.jobsStatus.0.succeeded = 1"),
        ("status.replicaStatuses.Worker.succeeded == 1", None),  # one pod of two: no Job count
        ("status.replicaStatuses.Worker.succeeded > 1", None),
    ],
)
def test_an_argo_condition_on_a_count_of_pods(v1: str, v2: str | None) -> None:
    """argo-workflows' log-selector example waits for ``status.replicaStatuses.Worker.succeeded
    = 2``: rewritten to ``status.jobsStatus.0.succeeded = 2``, a count of Jobs (0 or 1) that
    never reaches 2, the step never ended (a warning said "check that the numbers still mean
    what they did")."""
    obj = yamlio.load(ARGO)
    resource = obj["spec"]["templates"][0]["resource"]
    resource["manifest"] = resource["manifest"].replace(
        "    Worker:\n      replicas: 1\n", "    Worker:\n      replicas: 2\n"
    )
    assert "replicas: 2" in resource["manifest"]
    resource["successCondition"] = v1
    outcome = _run(obj)
    errors = [r for r in outcome.results if r.severity == "error"]
    if v2 is None:
        assert outcome.items == [obj]
        assert [r.field for r in errors] == ["spec.templates[0].resource.successCondition"]
        return
    assert not errors, errors
    assert outcome.items[0]["spec"]["templates"][0]["resource"]["successCondition"] == v2


def test_comments_in_a_job_string_move_with_their_fields() -> None:
    """argo-workflows' log-selector example explains its pod label in a nine-line comment
    inside the manifest string: the TrainJob string was written without any comment."""
    obj = yamlio.load(ARGO)
    resource = obj["spec"]["templates"][0]["resource"]
    manifest = resource["manifest"]
    image = "              image: docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727\n"
    assert manifest.count(image) == 2
    resource["manifest"] = manifest.replace(image, "              # pinned: see #42\n" + image)
    outcome = _run(obj)
    written = outcome.items[0]["spec"]["templates"][0]["resource"]["manifest"]
    lines = [line.strip() for line in written.splitlines()]
    at = lines.index("# pinned: see #42")  # once: Master and Worker become one template
    assert lines[at + 1] == "image: docker.io/kubeflowkatib/pytorch-mnist:v1beta1-45c5727"
    assert lines.count("# pinned: see #42") == 1


def test_a_comment_in_a_job_string_whose_field_has_no_place_is_kept() -> None:
    """A comment on a field the TrainJob has no place for (a replica's restartPolicy) was
    dropped from the TrainJob string without a word; a document's is kept above it with a note
    (repo/comments keep_above): so is a job string's."""
    obj = yamlio.load(ARGO)
    resource = obj["spec"]["templates"][0]["resource"]
    manifest = resource["manifest"]
    policy = "      restartPolicy: OnFailure\n"
    assert policy in manifest
    resource["manifest"] = manifest.replace(
        policy, "      # OnFailure: the dataset mount flakes\n" + policy, 1
    )
    outcome = _run(obj)
    written = outcome.items[0]["spec"]["templates"][0]["resource"]["manifest"]
    assert "kind: TrainJob" in written
    assert written.count("# OnFailure: the dataset mount flakes") == 1
    assert "restartPolicy of the v1 job" in written
