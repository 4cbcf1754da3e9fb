"""``fn``, ``convert`` and ``check`` agree on what is a template: one definition, one conversion.

A Kubernetes dependent env reference (``$(WORLD_SIZE)``) is no placeholder, and an envsubst
placeholder (``$NUM_NODES``) is carried the same way whether kpt hands the job to ``fn``
as a ResourceList item or ``convert`` reads it from the repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate.commands import options

DEPENDENT = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ddp
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
            - name: pytorch
              image: ghcr.io/acme/ddp:1
              command: [python, train.py]
              args: ["--world-size=$(WORLD_SIZE)", "--rank=$(RANK)", "--master=$(MASTER_ADDR)"]
    Worker:
      replicas: 2
      template:
        spec:
          containers:
            - name: pytorch
              image: ghcr.io/acme/ddp:1
              command: [python, train.py]
              args: ["--world-size=$(WORLD_SIZE)", "--rank=$(RANK)", "--master=$(MASTER_ADDR)"]
"""
ENVSUBST = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ${JOB_NAME}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: $NUM_NODES
      template:
        spec:
          containers:
            - name: pytorch
              image: $IMAGE
              command: [torchrun, --nproc-per-node=$GPUS, train.py]
              resources:
                limits:
                  nvidia.com/gpu: $GPUS
"""


def _run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def _without_kpt_annotations(obj: dict[str, Any]) -> dict[str, Any]:
    annotations = {
        k: v
        for k, v in obj["metadata"].get("annotations", {}).items()
        if not k.startswith(("config.kubernetes.io/", "internal.config.kubernetes.io/"))
    }
    return {**obj, "metadata": {**obj["metadata"], "annotations": annotations}}


@pytest.mark.parametrize("text", [DEPENDENT, ENVSUBST], ids=["dependent-env", "envsubst"])
def test_fn_convert_and_check_agree(text: str, tmp_path: Path) -> None:
    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [yaml.safe_load(text)],
    }
    fn = _run("fn", stdin=yaml.safe_dump(rl, sort_keys=False))
    assert fn.returncode == 0, fn.stdout + fn.stderr
    fn_out = yaml.safe_load(fn.stdout)
    (from_fn,) = fn_out["items"]

    (tmp_path / "job.yaml").write_text(text)
    convert = _run("convert", "--out", "out", "job.yaml", cwd=tmp_path)
    assert convert.returncode == 0, convert.stderr
    (from_convert,) = yaml.safe_load_all((tmp_path / "out" / "job.yaml").read_text())
    assert from_fn["kind"] == "TrainJob"
    assert _without_kpt_annotations(from_fn) == _without_kpt_annotations(from_convert)

    check = _run("check", "--output", "json", "job.yaml", cwd=tmp_path)
    warned = any(r["severity"] == "warning" for r in fn_out["results"])
    # convertible (2), or "converts, with warnings" (3) when fn warned about the same job
    assert check.returncode == (3 if warned else 2), check.stdout
    report = json.loads(check.stdout)
    # the same results; the CLI names options as flags (--launch-env), fn as keys (launchEnv)
    fn_messages = sorted(options.spell_for_cli(r["message"]) for r in fn_out["results"])
    check_messages = sorted(r["message"] for r in report["results"])
    assert fn_messages == check_messages


def test_check_names_the_variables_a_converted_template_needs(tmp_path: Path) -> None:
    (tmp_path / "job.yaml-template").write_text(ENVSUBST)
    check = _run("check", "job.yaml-template", cwd=tmp_path)
    assert check.returncode == 2, check.stdout
    assert "(the converted template needs JOB_NAME, NUM_NODES, IMAGE, GPUS)" in check.stdout
