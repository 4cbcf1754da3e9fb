"""Objects of the wrong shape where a map, string or list is expected: a finding on that
document from ``fn`` and from the repository commands (one structure check), never an abort
or an "internal error" (issue 11, found by fuzzing)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from trainjob_migrate import structure
from trainjob_migrate.commands import fn
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.repo import engine, walk

GOOD = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: good}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers:
          - {name: pytorch, image: img}
"""


def _job(name: str, *, meta: str | None = None, limits: str = "{cpu: 1}", extra: str = "") -> str:
    return f"""\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {meta if meta is not None else "{name: " + name + "}"}
spec:
  pytorchReplicaSpecs:{extra}
    Worker:
      replicas: 2
      template:
        spec:
          containers:
          - name: pytorch
            image: img
            resources: {{limits: {limits}}}
"""


def _in_list(meta: str) -> str:
    job = _job("x", meta=meta)
    items = "- " + "\n  ".join(job.rstrip("\n").split("\n"))
    return f"apiVersion: v1\nkind: List\nitems:\n{items}\n"


# (document, expected rule, text in the message)
CASES = {
    "tag-map-on-scalar": ("apiVersion: v1\nkind: !!map x\n", "read", "!!map"),
    "tag-seq-on-map": ("apiVersion: v1\nkind: ConfigMap\ndata: !!seq {a: b}\n", "read", "!!seq"),
    "list-metadata-number": (_in_list("5"), "structure", "metadata"),
    "list-metadata-string": (_in_list("abc"), "structure", "metadata"),
    "list-metadata-list": (_in_list("[1, 2]"), "structure", "metadata"),
    "metadata-number": (_job("x", meta="7"), "structure", "metadata"),
    "annotations-string": (_job("x", meta="{name: x, annotations: x}"), "structure", "annotations"),
    "labels-list": (_job("x", meta="{name: x, labels: [a]}"), "structure", "labels"),
    "null-key-in-limits": (_job("x", limits="{null: 1}"), "structure", "key null"),
    "float-replica-key": (_job("x", extra="\n    1.5: 3"), "structure", "key 1.5"),
    "float-replica-key-map": (_job("x", extra="\n    1.5: {replicas: x}"), "structure", "key 1.5"),
    "bool-key": (_job("x", extra="\n    true: {}"), "structure", "key true"),
}


@pytest.mark.parametrize("case", CASES)
def test_fn_reports_the_document(case: str) -> None:
    document, rule, text = CASES[case]
    # one ResourceList is one document: a YAML error refuses it (with a ResourceList)
    items = [document] if rule == "read" else [document, GOOD]
    body = "".join("- " + "\n  ".join(d.rstrip("\n").split("\n")) + "\n" for d in items)
    data = f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{body}"
    out, err = io.StringIO(), io.StringIO()
    code = fn.run(io.BytesIO(data.encode()), out, err)
    assert code == 1
    rl = yaml.safe_load(out.getvalue())
    assert rl["kind"] == "ResourceList"
    messages = [
        f"{r.get('field', {}).get('path', '')}: {r['message']}"
        for r in rl["results"]
        if r["severity"] == "error"
    ]
    assert any(text in m for m in messages), messages
    assert not any("internal" in m for m in messages), messages
    if rule != "read":
        kinds = [i.get("kind") for i in rl["items"]]
        assert kinds[-1] == "TrainJob", "the other item is still converted"


@pytest.mark.parametrize("case", CASES)
def test_repository_reports_the_document(case: str, tmp_path: Path) -> None:
    document, rule, text = CASES[case]
    (tmp_path / "a.yaml").write_text(document + "---\n" + GOOD)
    outcome = engine.convert(list(walk.files([tmp_path])), FunctionConfig())
    errors = [r for r in outcome.results if r.severity == "error"]
    assert errors
    assert all(r.rule == rule for r in errors), errors
    assert any(text in f"{r.field}: {r.message}" for r in errors), errors
    assert all(r.file is not None and r.file.path.endswith("a.yaml") for r in errors)
    assert outcome.converted == 1, "the other document is still converted"
    new = outcome.files[0].new
    assert new is not None
    assert new.startswith(document.encode()), "the broken document is left untouched"


def test_one_check_for_both() -> None:
    job = yaml.safe_load(_job("x", limits="{null: 1}"))
    assert structure.problems(job) == [
        (
            "spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].resources.limits",
            "key null is not a string; quote it ('null')",
        )
    ]
    assert structure.problems(yaml.safe_load(GOOD)) == []
