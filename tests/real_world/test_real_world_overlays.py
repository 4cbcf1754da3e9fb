"""Real PyTorchJobs as kustomize bases under a GitOps overlay: the build after ``convert --write``
equals the function's conversion of the build before.

The bases are vendored files (tests/vendored/real-world/), byte for byte. The overlay has the
shape of public GitOps repositories that patch training jobs (gnosia93/training-on-eks
``kustomize/overlays/fsdp``: JSON 6902 ops on ``/spec/pytorchReplicaSpecs/<role>/...``, the same
value added to Master and Worker so the templates stay alike, a ``target:`` by kind and name),
with what such repositories add next to it: a strategic-merge patch on the job's labels, an
``images:`` entry and a ``namespace:``. One ``convert --write`` over every case, two builds a case.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.pipeline import process
from trainjob_migrate.rules.metadata import CONVERTED_FROM

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "vendored" / "real-world"
KUBECTL = shutil.which("kubectl")
#: vendored PyTorchJobs (Master and Worker) that convert with the default options
BASES = (
    "kubeflow-trainer/examples/pytorch/simple.yaml",
    "kubeflow-trainer/examples/pytorch/mnist/v1/pytorch_job_mnist_gloo.yaml",
    "project-codeflare-mlbatch/samples/pytorchjob.yaml",
    "kubernetes-sigs-kueue/site/static/examples/jobs/sample-pytorchjob.yaml",
    "kubeflow-trainer/examples/pytorch/smoke-dist/pytorch_job_sendrecv.yaml",
)
TOLERATIONS = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]

NEEDS_KUBECTL = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (builds with kustomize)"),
]


def _overlay(job: dict[str, Any]) -> dict[str, Any]:
    meta = job["metadata"]
    ops = [{"op": "replace", "path": "/spec/pytorchReplicaSpecs/Worker/replicas", "value": 3}]
    ops += [
        {
            "op": "add",
            "path": f"/spec/pytorchReplicaSpecs/{role}/template/spec/tolerations",
            "value": TOLERATIONS,
        }
        for role in ("Master", "Worker")
    ]
    labels = {
        "apiVersion": job["apiVersion"],
        "kind": job["kind"],
        "metadata": {**meta, "labels": {"team": "research"}},
    }
    image = job["spec"]["pytorchReplicaSpecs"]["Master"]["template"]["spec"]["containers"][0]
    name = image["image"].rpartition(":")[0] or image["image"]
    return {
        "resources": ["../base"],
        "namespace": "training",
        "images": [{"name": name, "newTag": "migrated"}],
        "patches": [
            {"patch": yaml.safe_dump(ops), "target": {"kind": job["kind"], "name": meta["name"]}},
            {"patch": yaml.safe_dump(labels)},
        ],
    }


def _build(folder: Path) -> list[Any]:
    assert KUBECTL is not None
    run = subprocess.run(
        [KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, f"{folder}: {run.stderr}"
    return [d for d in yaml.safe_load_all(run.stdout) if d is not None]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[Any], list[Any]]]:
    """name -> (the overlay's build before, after ``convert --write``)."""
    root = tmp_path_factory.mktemp("real-world-overlays")
    for i, name in enumerate(BASES):
        source = CORPUS / name
        (root / f"{i}" / "base").mkdir(parents=True)
        (root / f"{i}" / "overlay").mkdir()
        (root / f"{i}" / "base" / source.name).write_bytes(source.read_bytes())
        kustomization = {"resources": [source.name]}
        (root / f"{i}/base/kustomization.yaml").write_text(yaml.safe_dump(kustomization))
        overlay = _overlay(yaml.safe_load(source.read_bytes()))
        (root / f"{i}/overlay/kustomization.yaml").write_text(yaml.safe_dump(overlay))
    before = {name: _build(root / f"{i}" / "overlay") for i, name in enumerate(BASES)}
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--write", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(REPO / "function"), "PATH": ""},
    )
    assert "Traceback" not in run.stderr
    assert run.returncode == 0, run.stderr
    return {name: (before[name], _build(root / f"{i}" / "overlay")) for i, name in enumerate(BASES)}


@pytest.mark.parametrize("name", [pytest.param(b, marks=NEEDS_KUBECTL) for b in BASES])
def test_the_overlay_builds_after_conversion_as_the_conversion_of_its_build(
    builds: dict[str, tuple[list[Any], list[Any]]], name: str
) -> None:
    before, after = builds[name]
    assert [o["kind"] for o in after] == ["TrainJob"]
    expected = process(before, FunctionConfig()).items
    assert [_provenance(o) for o in after] == [_provenance(o) for o in expected]
    trainjob = after[0]
    assert trainjob["spec"]["trainer"]["numNodes"] == 4  # the patched Worker count, + Master
    assert trainjob["spec"]["trainer"]["image"].endswith(":migrated")
    assert trainjob["metadata"]["labels"]["team"] == "research"


#: the same base under kustomizations written as people write them (no apiVersion, no kind)
BASE = CORPUS / BASES[2]
BY_HAND = {
    # an inline strategic-merge patch: it names kind PyTorchJob in a string
    "smp": "resources:\n- ../base\npatches:\n- patch: |-\n    apiVersion: kubeflow.org/v1\n"
    "    kind: PyTorchJob\n    metadata:\n      name: sample-pytorchjob\n      labels:\n"
    "        team: research\n",
    # one environment of several: the same base under another name
    "prefix": "resources:\n- ../base\nnamePrefix: prod-\n",
    # JSON 6902 ops as a one-line JSON string, the patch the first key of its entry
    "ops": 'resources:\n- ../base\npatches:\n- patch: \'[{"op": "replace", "path": '
    '"/spec/pytorchReplicaSpecs/Worker/replicas", "value": 3}]\'\n'
    "  target:\n    kind: PyTorchJob\n    name: sample-pytorchjob\n",
}


@pytest.fixture(scope="module")
def by_hand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The kustomizations of :data:`BY_HAND` after one ``convert --write``, and its stderr."""
    root = tmp_path_factory.mktemp("real-world-by-hand")
    (root / "base").mkdir()
    (root / "base" / BASE.name).write_bytes(BASE.read_bytes())
    (root / "base/kustomization.yaml").write_text(f"resources:\n- {BASE.name}\n")
    for name, text in BY_HAND.items():
        (root / name).mkdir()
        (root / name / "kustomization.yaml").write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--write", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(REPO / "function"), "PATH": ""},
    )
    assert "Traceback" not in run.stderr
    return root, run.stderr


def test_an_inline_merge_patch_is_the_kustomizations_not_a_job_inside_an_object(
    by_hand: tuple[Path, str],
) -> None:
    """``- patch: |-`` holding ``kind: PyTorchJob``: it was reported as a job string inside an
    unknown object (``error: : patches[0].patch: ... [embedded-job]``) and the run failed,
    while the kustomize pass re-targets it at the TrainJob."""
    root, stderr = by_hand
    assert "embedded-job" not in stderr
    patch = yaml.safe_load(
        yaml.safe_load((root / "smp/kustomization.yaml").read_text())["patches"][0]["patch"]
    )
    assert (patch["kind"], patch["metadata"]["labels"]) == ("TrainJob", {"team": "research"})


def test_a_patch_rewritten_as_the_first_key_of_its_entry_stays_yaml(
    by_hand: tuple[Path, str],
) -> None:
    """``- patch: '[...]'`` became a ``|-`` block indented as the ``-`` line (column 2, the
    key's own column): the kustomization no longer parsed and every build of it failed."""
    root, _ = by_hand
    data = yaml.safe_load((root / "ops/kustomization.yaml").read_text())
    (entry,) = data["patches"]
    assert entry["target"]["kind"] == "TrainJob"
    ops = yaml.safe_load(entry["patch"])
    assert ops[0] == {"op": "replace", "path": "/spec/trainer/numNodes", "value": 4}


def test_a_name_prefix_over_a_converted_job_whose_values_name_its_pods_is_told(
    by_hand: tuple[Path, str],
) -> None:
    """v1 derived MASTER_ADDR from the job's final name at run time; the conversion writes
    ``sample-pytorchjob-node-0-0.sample-pytorchjob`` into spec.trainer.env, which ``namePrefix``
    does not rename: the TrainJob prod-sample-pytorchjob's nodes looked for a host that does not
    exist, and nothing said so."""
    _, stderr = by_hand
    (line,) = [x for x in stderr.splitlines() if x.startswith("prefix/kustomization.yaml")]
    assert line.startswith(
        "prefix/kustomization.yaml:3: warning: PyTorchJob sample-pytorchjob: namePrefix 'prod-' "
        "renames TrainJob sample-pytorchjob to prod-sample-pytorchjob"
    )
    assert "spec.trainer.env[0].value" in line


def _provenance(obj: Any) -> Any:
    """The object, its converted-from annotation without the namespace: that names where the
    base job was (the overlay's ``namespace:`` moves the TrainJob, not the record)."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if CONVERTED_FROM not in annotations:
        return obj
    api, kind, job = str(annotations[CONVERTED_FROM]).split(" ")
    bare = {**annotations, CONVERTED_FROM: f"{api} {kind} {job.rpartition('/')[2]}"}
    return {**obj, "metadata": {**obj["metadata"], "annotations": bare}}


#: two vendored jobs of the Training Operator v1.9.4 examples (a JAXJob in its namespace, a
#: PyTorchJob with nprocPerNode) under an overlay of the kustomize fields older GitOps
#: repositories still use: patchesStrategicMerge and patchesJson6902 from files, commonLabels,
#: a configMapGenerator
LEGACY_BASES = (
    "kubeflow-trainer/examples/jax/cpu-demo/demo.yaml",
    "kubeflow-trainer/examples/pytorch/cpu-demo/demo.yaml",
)
LEGACY_OVERLAY = {
    "kustomization.yaml": """\
resources:
- ../base
commonLabels:
  team: research
configMapGenerator:
- name: train-config
  literals:
  - EPOCHS=3
patchesStrategicMerge:
- jax-workers.yaml
patchesJson6902:
- target:
    group: kubeflow.org
    version: v1
    kind: PyTorchJob
    name: torchrun-cpu
  path: pytorch-ops.yaml
""",
    "jax-workers.yaml": """\
apiVersion: kubeflow.org/v1
kind: JAXJob
metadata:
  name: jaxjob-simple
  namespace: kubeflow
spec:
  jaxReplicaSpecs:
    Worker:
      replicas: 4
""",
    "pytorch-ops.yaml": """\
- op: replace
  path: /spec/pytorchReplicaSpecs/Worker/replicas
  value: 3
- op: add
  path: /spec/nprocPerNode
  value: "4"
""",
}


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], list[Any]]:
    """The legacy overlay's build before and after one ``convert --write``."""
    root = tmp_path_factory.mktemp("real-world-legacy")
    (root / "base").mkdir()
    (root / "overlay").mkdir()
    for i, name in enumerate(LEGACY_BASES):
        (root / "base" / f"{i}.yaml").write_bytes((CORPUS / name).read_bytes())
    (root / "base/kustomization.yaml").write_text("resources:\n- 0.yaml\n- 1.yaml\n")
    for name, text in LEGACY_OVERLAY.items():
        (root / "overlay" / name).write_text(text)
    before = _build(root / "overlay")
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--write", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(REPO / "function"), "PATH": ""},
    )
    assert "Traceback" not in run.stderr
    assert run.returncode == 0, run.stderr
    return before, _build(root / "overlay")


@pytest.mark.e2e
@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (builds with kustomize)")
def test_a_legacy_overlay_builds_after_conversion_as_the_conversion_of_its_build(
    legacy: tuple[list[Any], list[Any]],
) -> None:
    before, after = legacy
    expected = process(before, FunctionConfig()).items
    assert after == expected
    jax, torch = (o for o in after if o["kind"] == "TrainJob")
    assert (jax["spec"]["trainer"]["numNodes"], jax["metadata"]["labels"]) == (
        4,
        {"team": "research"},
    )
    assert (torch["spec"]["trainer"]["numNodes"], torch["spec"]["trainer"]["numProcPerNode"]) == (
        4,
        4,
    )


#: the shape of public GitOps overlays (gnosia93/training-on-eks ``kustomize/overlays/fsdp``)
#: that add a node affinity to the Master only: the patched job's templates differ
MASTER_ONLY = """\
resources:
- ../base
patches:
- patch: |-
    - op: add
      path: /spec/pytorchReplicaSpecs/Master/template/spec/affinity
      value:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: node.kubernetes.io/instance-type
                operator: In
                values: [g5.12xlarge]
  target:
    kind: PyTorchJob
    name: sample-pytorchjob
"""


def _master_only(root: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """``convert --write`` over the vendored base under the :data:`MASTER_ONLY` overlay."""
    (root / "base").mkdir()
    (root / "overlay").mkdir()
    (root / "base" / BASE.name).write_bytes(BASE.read_bytes())
    (root / "base/kustomization.yaml").write_text(f"resources:\n- {BASE.name}\n")
    (root / "overlay/kustomization.yaml").write_text(MASTER_ONLY)
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--write", *flags, "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(REPO / "function"), "PATH": ""},
    )
    assert "Traceback" not in run.stderr
    return run


def test_a_job_an_overlay_keeps_unchanged_is_counted_as_left_with_errors(tmp_path: Path) -> None:
    """The overlay's error is placed at its kustomization, not at the job's file: the summary
    said ``1 Training Operator job(s): 0 converted, 0 left unchanged with errors``."""
    run = _master_only(tmp_path)
    assert run.returncode == 1
    assert (tmp_path / "base" / BASE.name).read_bytes() == BASE.read_bytes()
    assert "overlay/kustomization.yaml:4: error: PyTorchJob sample-pytorchjob" in run.stderr
    assert run.stderr.rstrip().endswith(
        "1 Training Operator job(s): 0 converted, 1 left unchanged with errors"
    )


def test_what_a_retargeted_patch_changes_in_the_conversion_is_told_at_the_patch(
    tmp_path: Path,
) -> None:
    """With ``--template-mismatch master`` the Master-only affinity converts into the runtime
    patch of every node: the Worker pods now get it, and the run said nothing (the warnings of
    the patched job's conversion were dropped, the base's own have none)."""
    run = _master_only(tmp_path, "--template-mismatch", "master")
    assert run.returncode == 0, run.stderr
    told = [
        line
        for line in run.stderr.splitlines()
        if line.startswith("overlay/kustomization.yaml:4: warning: PyTorchJob sample-pytorchjob")
    ]
    assert told, run.stderr
    assert all("Worker.template.spec.affinity" in line for line in told)
    assert all("[role-templates]" in line for line in told)
    data = yaml.safe_load((tmp_path / "overlay/kustomization.yaml").read_text())
    assert data["patches"][0]["target"]["kind"] == "TrainJob"
