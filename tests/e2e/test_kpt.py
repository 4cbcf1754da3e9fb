"""End-to-end: the function run by the real ``kpt`` (exec mode) on a small package.

Package ``packages/mixed`` (copied to ``tmp_path`` for every test):
- ``training.yaml``: comment header, ConfigMap, PyTorchJob ``mnist`` (Master 1 + Worker 2,
  plain ``python3`` command, volume, toleration, env), Service;
- ``torchrun.yaml``: PyTorchJob ``resnet`` launched by torchrun, nprocPerNode "2";
- ``deployment.yaml``: a Deployment only (flow-style list, double quotes).

kpt's ``--exec`` takes a command with arguments (split on whitespace, observed with
kpt 1.0.0-beta.56), so the function runs as ``<sys.executable> -m trainjob_migrate fn``;
a wrapper script is written only when the interpreter's path contains whitespace.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

KPT = shutil.which("kpt")
PACKAGE = Path(__file__).parent / "packages" / "mixed"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        KPT is None,
        reason="kpt is not on PATH: install kpt (tested with 1.0.0-beta.56) to run these e2e tests",
    ),
]

ELASTIC_JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: elastic-bert
  namespace: team-a
spec:
  elasticPolicy:
    rdzvBackend: c10d
    minReplicas: 1
    maxReplicas: 4
    maxRestarts: 3
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: docker.io/example/bert:1.0
              command:
                - torchrun
                - train.py
"""


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    """A fresh copy of the package."""
    return Path(shutil.copytree(PACKAGE, tmp_path / "pkg"))


def fn_command(tmp_path: Path) -> str:
    """The ``--exec`` value that runs this interpreter's ``trainjob_migrate fn``."""
    if not any(c.isspace() for c in sys.executable):
        return f"{sys.executable} -m trainjob_migrate fn"
    wrapper = tmp_path / "trainjob-migrate-fn"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m trainjob_migrate fn "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def kpt_eval(
    pkg: Path, *fn_args: str, results_dir: Path | None = None, exec_cmd: str | None = None
) -> subprocess.CompletedProcess[str]:
    assert KPT is not None
    cmd = [KPT, "fn", "eval", str(pkg), "--exec", exec_cmd or fn_command(pkg.parent)]
    if results_dir is not None:
        cmd += ["--results-dir", str(results_dir)]
    if fn_args:
        cmd += ["--", *fn_args]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=60, cwd=pkg.parent, check=False
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root``, by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def segments(path: Path) -> list[str]:
    """The text of each document of a multi-document file."""
    return path.read_text().split("\n---\n")


def docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def kinds(path: Path) -> list[tuple[str, str]]:
    return [(d["kind"], d["metadata"]["name"]) for d in docs(path)]


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def contains(node: Any, fragment: dict[str, Any]) -> bool:
    """Some mapping inside ``node`` has all the key/values of ``fragment``."""
    return any(
        isinstance(n, dict) and all(n.get(k) == v for k, v in fragment.items()) for n in walk(node)
    )


def env_of(trainjob: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value") for e in trainjob["spec"]["trainer"].get("env", [])}


def failed(proc: subprocess.CompletedProcess[str]) -> str:
    return f"kpt exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


# --------------------------------------------------------------------------- tests


def test_eval_converts_every_job_in_place(pkg: Path) -> None:
    before = snapshot(pkg)
    original = {name: docs(PACKAGE / name) for name in before}

    proc = kpt_eval(pkg)

    assert proc.returncode == 0, failed(proc)
    assert sorted(snapshot(pkg)) == sorted(before), "kpt added or removed files"

    # training.yaml: same documents, same order, the job replaced where it was
    training = pkg / "training.yaml"
    assert kinds(training) == [
        ("ConfigMap", "train-config"),
        ("TrainJob", "mnist"),
        ("Service", "mnist-dashboard"),
    ]
    configmap, trainjob, service = docs(training)
    assert configmap == original["training.yaml"][0]
    assert service == original["training.yaml"][2]
    # ... and written as they were (quotes, comments)
    source = segments(PACKAGE / "training.yaml")
    assert segments(training)[0] == source[0]
    assert segments(training)[2] == source[2]
    text = training.read_text()
    assert text.startswith("# Training workloads for team-a.\n# Owned by the ML platform team")
    assert "# learning rate used by /opt/train.py" in text
    assert (
        "---\n# Service in front of the training dashboard.\napiVersion: v1\nkind: Service" in text
    )
    assert "config.kubernetes.io/" not in text, "orchestrator annotations leaked into the file"

    assert trainjob["apiVersion"] == "trainer.kubeflow.org/v1alpha1"
    assert trainjob["metadata"]["namespace"] == "team-a"
    assert trainjob["metadata"]["labels"] == {"app": "mnist"}
    trainer = trainjob["spec"]["trainer"]
    assert trainer["numNodes"] == 3  # Master 1 + Worker 2
    assert trainer["image"] == "docker.io/kubeflow/pytorch-mnist:v1"
    assert trainer["command"] == ["python3", "/opt/train.py"]
    assert env_of(trainjob)["EPOCHS"] == "3"
    # default target 2.3: pod settings travel in runtimePatches
    assert "podTemplateOverrides" not in trainjob["spec"]
    patches = trainjob["spec"]["runtimePatches"]
    assert contains(
        patches, {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    )
    assert contains(patches, {"name": "data", "persistentVolumeClaim": {"claimName": "mnist-data"}})
    assert contains(patches, {"name": "data", "mountPath": "/data"})

    # torchrun.yaml: its only document is now the TrainJob
    (resnet,) = docs(pkg / "torchrun.yaml")
    assert (resnet["kind"], resnet["metadata"]["name"]) == ("TrainJob", "resnet")
    assert resnet["spec"]["trainer"]["numNodes"] == 2
    assert str(resnet["spec"]["trainer"]["numProcPerNode"]) == "2"
    command = resnet["spec"]["trainer"]["command"]
    assert command[0] == "torchrun" and "train.py" in command
    assert not any(arg.startswith(("--nproc_per_node", "--nnodes")) for arg in command)

    # deployment.yaml: same content
    assert docs(pkg / "deployment.yaml") == original["deployment.yaml"]
    assert not any(b"kind: PyTorchJob" in data for data in snapshot(pkg).values())


def test_kpt_itself_keeps_an_untouched_file_byte_identical(pkg: Path) -> None:
    """Control for the next test: an identity function (cat) leaves every file byte-identical.

    kpt writes back the styles of the function's output (kpt does not restore quotes or flow
    style), so byte-identity of untouched files is up to the function.
    """
    before = snapshot(pkg)
    proc = kpt_eval(pkg, exec_cmd="cat")
    assert proc.returncode == 0, failed(proc)
    assert snapshot(pkg) == before


def test_a_file_without_pytorchjobs_stays_byte_identical(pkg: Path) -> None:
    before = (pkg / "deployment.yaml").read_bytes()
    proc = kpt_eval(pkg)
    assert proc.returncode == 0, failed(proc)
    assert (pkg / "deployment.yaml").read_bytes() == before


def test_second_run_changes_nothing(pkg: Path) -> None:
    first = kpt_eval(pkg)
    assert first.returncode == 0, failed(first)
    converted = snapshot(pkg)
    assert converted != snapshot(PACKAGE), "the first run converted nothing"

    second = kpt_eval(pkg)

    assert second.returncode == 0, failed(second)
    assert snapshot(pkg) == converted


def test_target_version_2_1_uses_pod_template_overrides(pkg: Path) -> None:
    proc = kpt_eval(pkg, "targetVersion=2.1")

    assert proc.returncode == 0, failed(proc)
    mnist = docs(pkg / "training.yaml")[1]
    assert mnist["kind"] == "TrainJob"
    assert mnist["metadata"]["annotations"]["trainjob-migrate.dev/target-version"] == "2.1"
    overrides = mnist["spec"]["podTemplateOverrides"]
    assert [t["name"] for o in overrides for t in o["targetJobs"]] == ["node"]
    assert contains(overrides, {"key": "nvidia.com/gpu", "operator": "Exists"})
    assert contains(overrides, {"name": "data", "mountPath": "/data"})
    for name in ("training.yaml", "torchrun.yaml"):
        assert "runtimePatches" not in (pkg / name).read_text(), name


def test_elastic_job_fails_the_run_and_writes_nothing(pkg: Path, tmp_path: Path) -> None:
    (pkg / "elastic.yaml").write_text(ELASTIC_JOB)
    before = snapshot(pkg)
    results_dir = tmp_path / "results"

    proc = kpt_eval(pkg, results_dir=results_dir)

    assert proc.returncode != 0, failed(proc)
    assert snapshot(pkg) == before, "a failed kpt run must leave every file unchanged"
    report = yaml.safe_load((results_dir / "results.yaml").read_text())
    assert report["kind"] == "FunctionResultList"
    assert report["exitCode"] != 0
    results = [r for item in report["items"] for r in item.get("results") or []]
    elastic = [
        r
        for r in results
        if r.get("severity") == "error"
        and r.get("field", {}).get("path") == "spec.elasticPolicy"
        and r.get("resourceRef", {}).get("name") == "elastic-bert"
    ]
    assert elastic, f"no error result for spec.elasticPolicy in {results}"
    assert elastic[0]["file"]["path"] == "elastic.yaml"
    assert "spec.elasticPolicy" in proc.stderr


def test_side_by_side_keeps_the_job_and_adds_the_trainjob_right_after_it(pkg: Path) -> None:
    """Two objects from one job: kpt needs each at its own index in the file.

    kpt 1.0.0-beta.56 refuses two output objects with the same path and index
    ('resource at path "torchrun.yaml" and index "0" already exists', exit 1, nothing
    written), and rejects a non-integer index; an object without an index lands at an
    unspecified place. The function must renumber each grown file 0..n-1 in output order.
    """
    before = snapshot(pkg)

    proc = kpt_eval(pkg, "mode=side-by-side")

    assert proc.returncode == 0, failed(proc)
    assert sorted(snapshot(pkg)) == sorted(before), "kpt added or removed files"
    training = pkg / "training.yaml"
    assert kinds(training) == [
        ("ConfigMap", "train-config"),
        ("PyTorchJob", "mnist"),
        ("TrainJob", "mnist-v2"),
        ("Service", "mnist-dashboard"),
    ]
    original = docs(PACKAGE / "training.yaml")
    configmap, job, trainjob, service = docs(training)
    assert (configmap, job, service) == tuple(original)
    assert "---\n# Service in front of the training dashboard.\n" in training.read_text()
    assert trainjob["spec"]["trainer"]["numNodes"] == 3
    assert kinds(pkg / "torchrun.yaml") == [("PyTorchJob", "resnet"), ("TrainJob", "resnet-v2")]
    assert docs(pkg / "torchrun.yaml")[0] == docs(PACKAGE / "torchrun.yaml")[0]
    assert docs(pkg / "deployment.yaml") == docs(PACKAGE / "deployment.yaml")

    converted = snapshot(pkg)
    again = kpt_eval(pkg, "mode=side-by-side")
    assert again.returncode == 0, failed(again)
    assert snapshot(pkg) == converted, "a second side-by-side run changed the files"


def test_generated_runtime_lands_before_its_trainjob_in_the_same_file(pkg: Path) -> None:
    """generateRuntime: the TrainingRuntime and the TrainJob both replace one job."""
    job = pkg / "torchrun.yaml"
    image = "              image: docker.io/example/resnet:1.0\n"
    assert image in job.read_text()
    job.write_text(
        job.read_text().replace(image, image + "              imagePullPolicy: Always\n")
    )
    before = snapshot(pkg)

    proc = kpt_eval(pkg, "generateRuntime=true")

    assert proc.returncode == 0, failed(proc)
    assert sorted(snapshot(pkg)) == sorted(before), "kpt added or removed files"
    assert kinds(job) == [("TrainingRuntime", "resnet"), ("TrainJob", "resnet")]
    runtime, trainjob = docs(job)
    assert trainjob["spec"]["runtimeRef"]["kind"] == "TrainingRuntime"
    assert trainjob["spec"]["runtimeRef"]["name"] == runtime["metadata"]["name"]
    assert contains(runtime, {"imagePullPolicy": "Always"})


def test_kpt_fn_source_piped_into_the_function(pkg: Path) -> None:
    assert KPT is not None
    source = subprocess.run(
        [KPT, "fn", "source", str(pkg)], capture_output=True, timeout=60, check=False
    )
    assert source.returncode == 0, source.stderr.decode()

    fn = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "fn"],
        input=source.stdout,
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert fn.returncode == 0, fn.stderr.decode()
    rl = yaml.safe_load(fn.stdout)
    assert rl["kind"] == "ResourceList"
    assert sorted((i["kind"], i["metadata"]["name"]) for i in rl["items"]) == [
        ("ConfigMap", "train-config"),
        ("Deployment", "tensorboard"),
        ("Service", "mnist-dashboard"),
        ("TrainJob", "mnist"),
        ("TrainJob", "resnet"),
    ]
    results = rl["results"]
    assert results, "a conversion run reports what it did"
    missing = [r for r in results if r.get("severity") not in ("error", "warning", "info")]
    assert not missing, f"results without a valid severity: {missing}"
    assert all(r.get("message") for r in results)
    assert (
        pkg.joinpath("training.yaml").read_bytes() == PACKAGE.joinpath("training.yaml").read_bytes()
    )
