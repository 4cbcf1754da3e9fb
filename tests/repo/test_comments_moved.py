"""Comments inside a converted job follow their field when the converter copies it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: an envsubst template in the shape of aws-samples/awsome-distributed-training's
#: 3.test_cases/pytorch/FSDP/kubernetes/fsdp.yaml-template: commented-out settings among the env
TEMPLATE = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: fsdp
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: $NUM_NODES
      template:
        spec:
          containers:
            - name: pytorch
              image: ${IMAGE_URI}
              env:
              # for P5 FI_* should be uncommented
              - name: LOGLEVEL
                value: "DEBUG"
              #- name: FI_PROVIDER
              #  value: $FI_PROVIDER
              - name: HF_TOKEN
                value: "${HF_TOKEN}"
              command: ["python", "/fsdp/train.py"]
"""


def test_comments_on_env_entries_of_an_envsubst_template_move_with_them(tmp_path: Path) -> None:
    """The template's job is converted with samples and written back as a new tree: the
    comments were matched to their env entries by identity only, and all four were dropped
    without a word."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "fsdp.yaml-template").write_text(TEMPLATE)
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--out", "out", "in"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    out = (tmp_path / "out" / "fsdp.yaml-template").read_text()
    assert "kind: TrainJob" in out
    lines = [line.strip() for line in out.splitlines()]
    # each comment above the env entry it was above, now in spec.trainer.env
    at = lines.index("# for P5 FI_* should be uncommented")
    assert lines[at + 1] == "- name: LOGLEVEL"
    at = lines.index("#- name: FI_PROVIDER")
    assert lines[at + 1 : at + 3] == ["#  value: $FI_PROVIDER", "- name: HF_TOKEN"]


#: a commented-out nodeSelector above `containers:` (aws-samples' llama3 and FSDP manifests),
#: the same comment on Master and Worker, and one on a field that stays
COMMENTED_OUT = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: ft
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          #nodeSelector:
          #  pool: a100
          containers:
            - name: pytorch
              image: example.com/ft:1
              # a 22GB image
              imagePullPolicy: Always
    Worker:
      replicas: 2
      template:
        spec:
          containers:
            - name: pytorch
              image: example.com/ft:1  # pinned
              # a 22GB image
              imagePullPolicy: Always
"""


def test_comments_whose_field_has_no_place_are_kept_above_the_trainjob(tmp_path: Path) -> None:
    """They were dropped without a word: a commented-out setting is what a reviewer must see."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "job.yaml").write_text(COMMENTED_OUT)
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--out", "out", "in"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    out = (tmp_path / "out" / "job.yaml").read_text()
    head, body = out.split("apiVersion: trainer.kubeflow.org/v1alpha1\n")
    assert head.splitlines() == [
        (
            "# (trainjob-migrate: this comment was at "
            "spec.pytorchReplicaSpecs.Master.template.spec.containers of the v1 job, which has no "
            "place of its own in the TrainJob)"
        ),
        "#nodeSelector:",
        "#  pool: a100",
        (
            "# (trainjob-migrate: this comment was at "
            "spec.pytorchReplicaSpecs.Master.template.spec.containers[0].imagePullPolicy and "
            "spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].imagePullPolicy of the v1 "
            "job, which has no place of its own in the TrainJob)"
        ),
        "# a 22GB image",
    ]
    assert "image: example.com/ft:1  # pinned" in body  # a comment whose field stays: in place


#: the shape of GoogleCloudPlatform/kubernetes-engine-samples' hpc/mpi/hpl-demo.tpl.yaml (and of
#: many hand-written jobs): a trailing comment on the first key of a container
FIRST_KEY = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: p
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
          - image: docker.io/org/train:1.2 # pinned for reproducibility
            name: pytorch # the container v1 looks for
            command: [torchrun, train.py]
"""


def test_a_trailing_comment_on_a_list_items_first_key_follows_that_key(tmp_path: Path) -> None:
    """``- image: x  # c`` was taken as a comment on the whole container (the outermost field
    starting on the line), which the TrainJob has no place for: the comment went above the
    TrainJob under a note, while the image it follows is spec.trainer.image."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "job.yaml").write_text(FIRST_KEY)
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--out", "out", "in"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    out = (tmp_path / "out" / "job.yaml").read_text()
    lines = [line.strip() for line in out.splitlines()]
    assert "image: docker.io/org/train:1.2  # pinned for reproducibility" in lines
    # a key whose value has no place keeps the note, naming that key
    note = (
        "# (trainjob-migrate: this comment was at spec.pytorchReplicaSpecs.Master.template.spec"
        ".containers[0].name of the v1 job, which has no place of its own in the TrainJob)"
    )
    assert lines[:2] == [note, "# the container v1 looks for"]


#: Master and Worker whose image lines end in different comments: both images become
#: spec.trainer.image, which has one line
TWO_TRAILING = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: demo
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
            - name: pytorch
              image: repo/img:1  # master image
              command: ["torchrun", "train.py"]
    Worker:
      replicas: 1
      template:
        spec:
          containers:
            - name: pytorch
              image: repo/img:1  # worker image, pinned for cuda 12
              command: ["torchrun", "train.py"]
"""


def test_two_trailing_comments_on_one_new_line_are_both_kept(tmp_path: Path) -> None:
    """The first trailing comment took spec.trainer.image's line and the second, a different
    one, was dropped without a word: it is kept above the document with a note, as a comment
    whose field has no place is."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "job.yaml").write_text(TWO_TRAILING)
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--out", "out", "in"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    out = (tmp_path / "out" / "job.yaml").read_text()
    assert "kind: TrainJob" in out
    assert "image: repo/img:1  # master image" in out
    assert out.count("# worker image, pinned for cuda 12") == 1
    assert "Worker.template.spec.containers[0].image" in out
