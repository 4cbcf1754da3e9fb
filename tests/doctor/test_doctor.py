"""doctor: one fixture a finding, with file and line; a clean installation has none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from trainjob_migrate import cli
from trainjob_migrate.doctor import manifests, release
from trainjob_migrate.repo import walk

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN = FIXTURES / "clean"
TRAINER = Path(__file__).resolve().parents[2] / "upstream" / "kubeflow" / "trainer"


def _doctor(capsys, *args: str) -> tuple[int, list[dict]]:
    code = cli.main(["doctor", "-o", "json", *args])
    body = json.loads(capsys.readouterr().out)
    assert body["summary"]["exitCode"] == code
    return code, [r for r in body["results"] if r["severity"] != "info"]


def _line(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_clean_installation_has_no_findings(capsys):
    code, findings = _doctor(capsys, str(CLEAN))
    assert (code, findings) == (0, [])


def test_clean_installation_text_output(capsys):
    assert cli.main(["doctor", str(CLEAN)]) == 0
    assert capsys.readouterr().out.startswith("0 Training Operator job(s)")


@pytest.mark.parametrize(
    ("case", "file", "rule", "field"),
    [
        (
            "wrong-webhook-namespace",
            "trainer/webhook.yaml",
            "webhook-service",
            "webhooks[0].clientConfig.service.namespace",
        ),
        (
            "wrong-binding-namespace",
            "trainer/rbac.yaml",
            "binding-subject",
            "subjects[0].namespace",
        ),
    ],
)
def test_installation_mistakes_are_found_with_file_and_line(capsys, case, file, rule, field):
    code, findings = _doctor(capsys, str(FIXTURES / case))
    assert code == 3
    (found,) = [f for f in findings if f["tags"]["rule"] == rule]
    path = FIXTURES / case / file
    assert found["file"] == {"path": path.as_posix(), "line": _line(path, "# wrong")}
    assert found["field"]["path"] == field
    assert found["severity"] == "error"


def test_webhook_namespace_also_disagrees_with_the_controller(capsys):
    _, findings = _doctor(capsys, str(FIXTURES / "wrong-webhook-namespace"))
    assert {f["tags"]["rule"] for f in findings} == {"webhook-service", "install-namespace"}


@pytest.mark.parametrize("output", ["text", "sarif", "junit", "github"])
def test_every_check_format_works(capsys, output):
    assert cli.main(["doctor", "-o", output, str(FIXTURES / "wrong-binding-namespace")]) == 3
    out = capsys.readouterr().out
    assert "rbac.yaml" in out


def test_target_version_that_does_not_match_the_installation(capsys):
    code, findings = _doctor(capsys, "--target-version", "2.1", str(CLEAN))
    assert code == 5  # the repository's TrainJob is invalid for 2.1 (and needs attention: 3)
    rules = {f["tags"]["rule"]: f for f in findings}
    message = rules["trainer-release"]["message"]
    assert message.startswith("--target-version is 2.1, but the repository installs Trainer")
    assert message.endswith("make it 2.3")
    # Kueue 0.17 admits only runtimePatches (kueue#14722): a 2.1 target is never admitted
    kueue = rules["kueue-admission"]
    assert kueue["file"]["line"] == _line(CLEAN / "kueue.yaml", "image:")
    # and the repository's TrainJob has the 2.2+ shape, which 2.1 does not know (the v2
    # validation, the engine check and fn use, reports it instead of runtime-ref)
    assert rules["v2-schema"]["field"]["path"] == "spec.runtimePatches"
    assert "runtime-ref" not in rules


def test_target_version_of_a_config_file_is_given_as_the_flag_is(tmp_path, capsys):
    """--config's targetVersion is a given target (as convert and check take it): the same
    findings and exit code as --target-version, not a configuration error."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  targetVersion: '2.1'\n"
    )
    flag = _doctor(capsys, "--target-version", "2.1", str(CLEAN))
    given = _doctor(capsys, "--config", str(config), str(CLEAN))
    # the same findings, but the release finding names where the target was given
    named = f"targetVersion in --config {config}"
    for finding in given[1]:
        if finding["tags"]["rule"] == "trainer-release":
            assert finding["message"].startswith(f"{named} is 2.1, but the repository")
            finding["message"] = finding["message"].replace(named, "--target-version")
    assert given == flag
    # and the text overview says where the target came from
    assert cli.main(["doctor", "--config", str(config), str(CLEAN)]) == 5
    assert f"target 2.1 ({named})" in capsys.readouterr().out


def test_matching_target_version_is_fine(capsys):
    assert _doctor(capsys, "--target-version", "2.3", str(CLEAN)) == (0, [])


def test_detected_release_is_the_default_target(tmp_path, capsys):
    root = tmp_path / "repo"
    shutil.copytree(CLEAN, root)
    controller = root / "trainer" / "controller.yaml"
    controller.write_text(controller.read_text().replace("v2.3.0", "v2.1.0"))
    crd = root / "trainer" / "crd.yaml"
    crd.write_text(
        crd.read_text()
        .replace("v2.3.0", "v2.1.0")
        .replace("runtimePatches", "podTemplateOverrides")
    )
    code, findings = _doctor(capsys, str(root))
    assert code == 5
    assert {f["tags"]["rule"] for f in findings} == {"kueue-admission", "v2-schema"}


def _write(path: Path, docs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def _trainjob(name: str, runtime: dict, container: str = "node", job: str = "node") -> dict:
    return {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "TrainJob",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {
            "runtimeRef": runtime,
            "trainer": {"numNodes": 1},
            "runtimePatches": [
                {
                    "manager": "example.com/x",
                    "trainingRuntimeSpec": {
                        "template": {
                            "spec": {
                                "replicatedJobs": [
                                    {
                                        "name": job,
                                        "template": {
                                            "spec": {
                                                "template": {
                                                    "spec": {
                                                        "containers": [
                                                            {
                                                                "name": container,
                                                                "volumeMounts": [
                                                                    {"name": "d", "mountPath": "/d"}
                                                                ],
                                                            }
                                                        ]
                                                    }
                                                }
                                            }
                                        },
                                    }
                                ]
                            }
                        }
                    },
                }
            ],
        },
    }


def test_runtime_refs_and_patched_names(tmp_path, capsys):
    runtime = {
        "apiVersion": "trainer.kubeflow.org/v1alpha1",
        "kind": "TrainingRuntime",
        "metadata": {"name": "mine", "namespace": "ns"},
        "spec": {
            "mlPolicy": {"numNodes": 1, "torch": {}},
            "template": {
                "spec": {
                    "replicatedJobs": [
                        {
                            "name": "node",
                            "template": {
                                "metadata": {
                                    "labels": {
                                        "trainer.kubeflow.org/trainjob-ancestor-step": "trainer"
                                    }
                                },
                                "spec": {
                                    "template": {
                                        "spec": {"containers": [{"name": "node", "image": "x"}]}
                                    }
                                },
                            },
                        }
                    ]
                }
            },
        },
    }
    file = _write(
        tmp_path / "jobs.yaml",
        [
            runtime,
            _trainjob("ok-default", {"name": "torch-distributed"}),
            _trainjob("ok-repo", {"kind": "TrainingRuntime", "name": "mine"}),
            _trainjob("no-runtime", {"name": "torch-cuda-251"}),
            _trainjob("bad-container", {"name": "torch-distributed"}, container="trainer"),
            _trainjob("bad-job", {"kind": "TrainingRuntime", "name": "mine"}, job="trainer"),
        ],
    )
    code, findings = _doctor(capsys, str(file))
    assert code == 5  # TrainJobs the release would reject: the v2 validation reports them
    assert {f["tags"]["rule"] for f in findings} == {"v2-runtime-ref", "v2-patch-target"}
    got = {(f["resourceRef"]["name"], f["field"]["path"]) for f in findings}
    base = "spec.runtimePatches[0].trainingRuntimeSpec.template.spec.replicatedJobs[0]"
    assert got == {
        ("no-runtime", "spec.runtimeRef.name"),
        ("bad-container", f"{base}.template.spec.template.spec.containers[0].name"),
        ("bad-job", f"{base}.name"),
    }
    text = file.read_text().splitlines()
    for f in findings:
        assert f["file"]["path"] == file.as_posix()
        assert text[f["file"]["line"] - 1].strip().startswith(("name:", "- name:"))


def test_side_by_side_both_active_is_a_warning(tmp_path, capsys):
    source = Path(__file__).parents[1] / "golden" / "fn" / "seed-single-node" / "resources.yaml"
    shutil.copy(source, tmp_path / "job.yaml")
    assert cli.main(["convert", "--mode", "side-by-side", "--write", str(tmp_path)]) == 0
    capsys.readouterr()
    code, findings = _doctor(capsys, str(tmp_path))
    assert code == 3
    assert [f["tags"]["rule"] for f in findings] == ["side-by-side"]
    text = (tmp_path / "job.yaml").read_text()
    (tmp_path / "job.yaml").write_text(
        text.replace("spec:\n  runtimeRef:", "spec:\n  suspend: true\n  runtimeRef:")
    )
    assert _doctor(capsys, str(tmp_path)) == (2, [])  # the PyTorchJob remains, as check says
    # both running on purpose (a comparison run): the annotation says so
    (tmp_path / "job.yaml").write_text(
        text.replace(
            "  annotations:\n    trainjob-migrate.dev/converted-from",
            "  annotations:\n    trainjob-migrate.dev/both-active: intended\n"
            "    trainjob-migrate.dev/converted-from",
        )
    )
    assert _doctor(capsys, str(tmp_path)) == (2, [])


def test_inventory_counts_by_namespace(capsys):
    assert cli.main(["doctor", "-o", "json", str(CLEAN)]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    inventory = [r["message"] for r in results if r["tags"]["rule"] == "inventory"]
    assert inventory == [
        "1 TrainJob(s) in namespace team-a: " + (CLEAN / "jobs/train.yaml").as_posix() + ":1"
    ]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("v2.0.1", "2.0"), ("v2.1.0", "2.1"), ("v2.2.1", "2.2"), ("v2.3.0", "2.3")],
)
def test_release_from_the_upstream_crd_schema(tag, expected):
    crd = TRAINER / tag / "manifests" / "base" / "crds" / "trainer.kubeflow.org_trainjobs.yaml"
    found = manifests.load(walk.files([crd]))
    shapes = {d.version for d in release.detect(found) if d.how == "TrainJob CRD schema"}
    assert shapes == {expected}


OVERLAYS = Path(__file__).parents[1] / "golden" / "repo" / "overlays" / "before"


@pytest.fixture
def converted_overlays(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    shutil.copytree(OVERLAYS, work)
    cli.main(["convert", "--write", str(work)])
    assert "kind: TrainJob" in (work / "overlays/staging/replicas.yaml").read_text()
    return work


def test_kustomize_patch_files_are_no_objects(capsys, converted_overlays):
    capsys.readouterr()
    code = cli.main(["doctor", "-v", str(converted_overlays)])
    out = capsys.readouterr().out
    assert "None" not in out and "both active" not in out
    assert "replicas.yaml" not in out and "image.yaml" not in out
    found = manifests.load(walk.files([converted_overlays]))
    assert {m.path.rsplit("/", 1)[1] for m in found} == {"job.yaml"}
    assert code == 3  # the job an overlay keeps


def test_text_output_shows_release_and_inventory_and_agrees_with_the_exit_code(
    capsys, converted_overlays
):
    capsys.readouterr()
    code = cli.main(["doctor", str(converted_overlays)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 3
    assert lines[-3].endswith("0 convert cleanly, 1 need attention; 0 input problem(s)")
    assert lines[-2] == "release: no Trainer installation in the repository; target 2.3 (default)"
    assert lines[-1] == "inventory: 1 PyTorchJob, 1 TrainJob (-v lists them by namespace and file)"
    assert cli.main(["doctor", str(CLEAN)]) == 0
    out = capsys.readouterr().out
    assert "\nrelease: Trainer v2.3.0 (controller image, " in out
    assert "trainer/controller.yaml:34) and 2 more sighting(s); target 2.3 (detected)\n" in out


def test_side_by_side_pairs_the_tool_made_are_intended_with_one_warning(tmp_path, capsys):
    source = (OVERLAYS / "base/job.yaml").read_text()
    (tmp_path / "a.yaml").write_text(source)
    (tmp_path / "b.yaml").write_text(source.replace("name: llm", "name: other"))
    assert cli.main(["convert", "--mode", "side-by-side", "--write", str(tmp_path)]) == 0
    capsys.readouterr()
    cli.main(["doctor", "-o", "json", str(tmp_path)])
    results = json.loads(capsys.readouterr().out)["results"]
    pairs = [r for r in results if r["tags"]["rule"] == "side-by-side"]
    assert sorted(r["severity"] for r in pairs) == ["info", "info", "warning"]
    (warning,) = [r for r in pairs if r["severity"] == "warning"]
    assert "2 side-by-side pair(s) both active" in warning["message"]
    infos = [r["message"] for r in pairs if r["severity"] == "info"]
    assert all("as trainjob-migrate's side-by-side mode made them" in m for m in infos)


_TEMPLATE_EXPERIMENT = """\
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: tune
  namespace: team-a
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: random}
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace: {min: "0.01", max: "0.1"}
  trialTemplate:
    primaryContainerName: pytorch
    trialParameters:
      - {name: learningRate, reference: lr}
    configMap:
      configMapName: trial-templates
      templatePath: pytorch.yaml
"""

_TEMPLATE_CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: trial-templates
  namespace: {namespace}
data:
  pytorch.yaml: |
    apiVersion: kubeflow.org/v1
    kind: PyTorchJob
    spec:
      pytorchReplicaSpecs:
        Master:
          replicas: 1
          template:
            spec:
              containers:
                - name: pytorch
                  image: example.com/train:1
                  args: ["--lr=${{trialParameters.learningRate}}"]
"""

_KATIB_CONFIG = """\
apiVersion: config.kubeflow.org/v1beta1
kind: KatibConfig
init:
  controller:
    trialResources: [Job.v1.batch, PyTorchJob.v1.kubeflow.org]
"""


@pytest.mark.parametrize(("namespace", "warned"), [("team-a", True), ("team-b", False)])
def test_katib_config_follows_a_trial_template_in_a_config_map(tmp_path, capsys, namespace, warned):
    """An Experiment whose trial template is a v1 job in a ConfigMap (converted to a
    TrainJob) needs TrainJob in Katib's trialResources as one with a trialSpec does; a
    ConfigMap of another namespace is not the one Katib reads."""
    (tmp_path / "experiment.yaml").write_text(_TEMPLATE_EXPERIMENT)
    (tmp_path / "templates.yaml").write_text(_TEMPLATE_CONFIG_MAP.format(namespace=namespace))
    (tmp_path / "katib-config.yaml").write_text(_KATIB_CONFIG)
    _, findings = _doctor(capsys, str(tmp_path))
    found = [f for f in findings if f["tags"]["rule"] == "katib-config"]
    assert len(found) == int(warned), found
    if warned:
        assert found[0]["file"]["path"] == (tmp_path / "katib-config.yaml").as_posix()
        assert "lacks TrainJob.v1alpha1.trainer.kubeflow.org" in found[0]["message"]


def test_a_result_about_a_job_elsewhere_is_matched_as_check_matches_it(tmp_path, capsys):
    """Two copies of one application (dev/ and prod/): an overlay that keeps its base's job is
    about that job in doctor as in check (matched in its group of files, repo/groups.py), not
    made ambiguous by the other copy's job of the same name (which showed both blocked jobs
    as converting cleanly)."""
    overlays = Path(__file__).resolve().parents[1] / "golden" / "repo" / "overlays" / "before"
    for copy in ("dev", "prod"):
        shutil.copytree(overlays, tmp_path / copy)
    said = {}
    for command in ("check", "doctor"):
        code = cli.main([command, "-o", "json", str(tmp_path)])
        body = json.loads(capsys.readouterr().out)
        summary = body["summary"]
        said[command] = (
            code,
            [(j["file"], j["verdict"]) for j in body["jobs"]],
            summary["convertible"],
            summary["needAttention"],
        )
    assert said["doctor"] == said["check"]
    assert said["check"][2:] == (0, 4)
