"""Anchors defined again: YAML lets an anchor name be reused; an alias refers to the latest
definition before it. ``kpt fn source`` puts two files that each use PyYAML's default
``&id001`` into one ResourceList, so the function must read it (issue 11)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from trainjob_migrate import yamlio
from trainjob_migrate.commands import fn
from trainjob_migrate.errors import InputError


def _job(name: str, value: str) -> str:
    env = [{"name": "SEED", "value": value}]
    job = {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": name},
        "spec": {
            "pytorchReplicaSpecs": {
                role: {
                    "replicas": 1 if role == "Master" else 2,
                    "template": {
                        "spec": {"containers": [{"name": "pytorch", "image": "i", "env": env}]}
                    },
                }
                for role in ("Master", "Worker")
            }
        },
    }
    text = yaml.safe_dump(job)  # PyYAML's default anchors: &id001 / *id001
    assert "&id001" in text
    assert "*id001" in text
    return text


def _resource_list(*jobs: str) -> str:
    items = "".join("- " + "\n  ".join(job.rstrip("\n").split("\n")) + "\n" for job in jobs)
    return f"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}"


def _run_fn(text: str) -> tuple[int, dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    code = fn.run(io.BytesIO(text.encode()), out, err)
    return code, yaml.safe_load(out.getvalue())


def _seeds(rl: dict[str, object]) -> list[str]:
    items = rl["items"]
    assert isinstance(items, list)
    return [
        e["value"] for item in items for e in item["spec"]["trainer"]["env"] if e["name"] == "SEED"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", {"a": 1, "b": 1, "c": 2, "d": 2}),
        (
            "a: &x [1]\nb: *x\nc: &x {k: v}\nd: *x\n",
            {"a": [1], "b": [1], "c": {"k": "v"}, "d": {"k": "v"}},
        ),
        # defined again inside its own node: the inner definition is the latest one
        ("a: &x [&x 1, *x]\nb: *x\n", {"a": [1, 1], "b": 1}),
    ],
)
def test_an_alias_refers_to_the_latest_definition(text: str, expected: object) -> None:
    assert yamlio.load(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, *x]\n",  # recursive
        "a: &x 1\nb: &x [*x]\n",  # the latest definition of x is still open
        "a: *x\nb: &x 1\n",  # undefined at the alias
    ],
)
def test_recursive_and_undefined_aliases_are_still_refused(text: str) -> None:
    with pytest.raises(InputError):
        yamlio.load(text)


def test_alias_expansion_bound_counts_the_latest_definition() -> None:
    # x: 1,001 nodes; y: ten aliases of x (10,011); x again: five aliases of y (50,056).
    # Aliases so far add 60,065 nodes; one more *x adds 50,056 (the latest x): over 100,000.
    # Sized by the first x it would add 1,001 and pass.
    text = (
        "a: &x [" + ", ".join(["1"] * 1000) + "]\n"
        "b: &y [" + ", ".join(["*x"] * 10) + "]\n"
        "c: &x [" + ", ".join(["*y"] * 5) + "]\n"
    )
    assert len(yamlio.load(text + "d: *y\n")["d"]) == 10
    with pytest.raises(InputError, match=r"aliases expand .* \(alias \*x alone adds 50056\)"):
        yamlio.load(text + "d: *x\n")


def test_fn_reads_two_items_with_the_same_default_anchor() -> None:
    code, rl = _run_fn(_resource_list(_job("a", "1"), _job("b", "2")))
    assert code == 0, rl.get("results")
    assert _seeds(rl) == ["1", "2"]
    assert [i["kind"] for i in rl["items"]] == ["TrainJob", "TrainJob"]


KPT = shutil.which("kpt")


@pytest.mark.e2e
@pytest.mark.skipif(KPT is None, reason="kpt is not on PATH (needed for kpt fn source)")
def test_kpt_fn_source_of_two_pyyaml_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(_job("a", "1"))
    (tmp_path / "b.yaml").write_text(_job("b", "2"))
    assert KPT is not None
    source = subprocess.run(
        [KPT, "fn", "source", str(tmp_path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert source.count("&id001") == 2
    code, rl = _run_fn(source)
    assert code == 0, rl.get("results")
    assert _seeds(rl) == ["1", "2"]
