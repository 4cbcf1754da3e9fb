"""Golden tests of the KRM function: one ResourceList call per case and target release.

A case is a folder under ``golden/fn/``: every ``*.yaml`` whose name does not start
with ``_`` is input (documents in file order), ``_fnconfig.yaml`` the optional
functionConfig, ``_case.yaml`` the targets to run (default 2.3 and 2.1) and the
mapping.md b.1 rows the case exercises. ``_expected.<target>.yaml`` is the whole
output ResourceList, results included. ``UPDATE_GOLDEN=1`` rewrites expectations:
review that diff against mapping.md as you would code.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate import validation, yamlio
from trainjob_migrate.commands import fn
from trainjob_migrate.templates import envsubst

CASES = Path(__file__).parent / "fn"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DEFAULT_TARGETS = ("2.3", "2.1")
#: b.1 rows with no v1 field: 43 (gang scheduling is an operator flag), 44 (runtimeRef,
#: emitted for every job), 45 (initializer, never emitted) are checked by every case.
ALL_ROWS = set(range(1, 47))


def _load(text: str) -> Any:
    """``yaml.safe_load`` through libyaml: the same objects, nine times as fast (the suite reads
    every expectation, 0.8 MB, several times; the pure-Python parser took 1.6 s a pass)."""
    return yaml.load(text, Loader=yaml.CSafeLoader)


def _case_meta(case: Path) -> dict[str, Any]:
    meta_file = case / "_case.yaml"
    return _load(meta_file.read_text()) or {} if meta_file.exists() else {}


def _runs() -> list[tuple[Path, str]]:
    return [
        (case, target)
        for case in sorted(p for p in CASES.iterdir() if p.is_dir())
        for target in _case_meta(case).get("targets", DEFAULT_TARGETS)
    ]


def _resource_list(case: Path, target: str) -> str:
    items: list[Any] = []
    for path in sorted(case.glob("*.yaml")):
        if not path.name.startswith("_"):
            items.extend(d for d in yamlio.load_all(path.read_text()) if d is not None)
    config_file = case / "_fnconfig.yaml"
    config = (
        yamlio.load(config_file.read_text())
        if config_file.exists()
        else {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "function-input"}}
    )
    if target == "detect":
        pass  # no targetVersion: the release the input installs is the target
    elif config.get("kind") == "ConfigMap":
        config.setdefault("data", {})["targetVersion"] = target
    else:
        config.setdefault("spec", {})["targetVersion"] = target
    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
        "functionConfig": config,
    }
    return yamlio.dump(rl)  # the fixtures as written: no timestamps turned into datetimes


def run_fn(text: str) -> tuple[str, str, int]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = fn.run(io.BytesIO(text.encode()), stdout, stderr)
    return stdout.getvalue(), stderr.getvalue(), code


@pytest.mark.parametrize(("case", "target"), _runs(), ids=[f"{c.name}@{t}" for c, t in _runs()])
def test_golden(case: Path, target: str) -> None:
    out, err, code = run_fn(_resource_list(case, target))
    expected_file = case / f"_expected.{target}.yaml"
    if UPDATE:
        expected_file.write_text(out)
    assert expected_file.exists(), f"no expectation: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert out == expected_file.read_text()
    results = _load(out).get("results") or []
    has_error = any(r["severity"] == "error" for r in results)
    assert code == (1 if has_error else 0)
    assert "Traceback" not in err
    if has_error:  # one stderr line per error, for kustomize and Argo CD users
        assert err.count("[error]") == sum(r["severity"] == "error" for r in results)


@pytest.mark.parametrize(("case", "target"), _runs(), ids=[f"{c.name}@{t}" for c, t in _runs()])
def test_golden_output_is_stable(case: Path, target: str) -> None:
    """Running the function on its own output changes no item (idempotence)."""
    expected = _load((case / f"_expected.{target}.yaml").read_text())
    again = dict(expected)
    again.pop("results", None)
    out, _, _ = run_fn(yaml.dump(again, Dumper=yaml.CSafeDumper, sort_keys=False))
    assert _load(out)["items"] == expected["items"]


def _emitted() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for case, target in _runs():
        expected_file = case / f"_expected.{target}.yaml"
        if not expected_file.exists():
            continue  # test_golden reports the missing expectation
        expected = _load(expected_file.read_text())
        for item in expected["items"]:
            objects = item.get("items", [item]) if item.get("kind") == "List" else [item]
            found.extend(
                (f"{case.name}@{target}", target, obj)
                for obj in objects
                if obj.get("apiVersion") == "trainer.kubeflow.org/v1alpha1"
            )
    return found


@pytest.mark.parametrize(
    ("run", "target", "obj"), _emitted(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_emitted_objects_validate_against_upstream_schema(
    run: str, target: str, obj: dict[str, Any]
) -> None:
    if target == "detect":
        target = obj["metadata"]["annotations"]["trainjob-migrate.dev/target-version"]
    schema = f"trainjob-{target}" if obj["kind"] == "TrainJob" else f"{obj['kind'].lower()}-2.3"
    # a template's placeholders validate as values of the type the schema expects there
    assert validation.validate(envsubst.typed_sample(obj, schema), schema) == []
    assert "initializer" not in obj["spec"]  # b.1 row 45: never for torch-distributed


def test_every_mapping_row_is_exercised() -> None:
    covered = {
        row for case in CASES.iterdir() if case.is_dir() for row in _case_meta(case).get("rows", [])
    }
    assert ALL_ROWS - covered == set()


def test_emitted_trainjobs_exist() -> None:
    """Guards the schema test above against an empty parametrisation."""
    assert len([o for _, _, o in _emitted() if o["kind"] == "TrainJob"]) > 40


def _mapping_rules() -> list[str]:
    """The rule sections of docs/mapping.md ("## Mapping rules", one "### <rule id>" each)."""
    text = (Path(__file__).parents[2] / "docs" / "mapping.md").read_text()
    section = text.split("\n## Mapping rules\n", 1)[1].split("\n## ", 1)[0]
    return [line[4:].strip() for line in section.splitlines() if line.startswith("### ")]


def test_every_mapping_rule_is_exercised_by_a_golden_case() -> None:
    """The ``rows`` of the cases number a table mapping.md no longer has, so the row check
    above cannot see a rule no case reaches: each rule section of mapping.md is named by a
    result of some expectation, or (a rule that reports nothing) its output is there."""
    rules = _mapping_rules()
    assert len(rules) > 15, rules  # the split above found the section
    named: set[str] = set()
    mpi_policies = 0
    for case, target in _runs():
        expected = _load((case / f"_expected.{target}.yaml").read_text())
        named |= {r["tags"]["rule"] for r in expected.get("results") or [] if "tags" in r}
        mpi_policies += sum(
            "mpi" in (item.get("spec", {}).get("mlPolicy") or {})
            for item in expected["items"]
            if item.get("kind") == "TrainingRuntime"
        )
    # mpi-generated-runtime reports nothing of its own: its output is the TrainingRuntime
    assert mpi_policies > 0, "no golden case emits a TrainingRuntime with mlPolicy.mpi"
    assert set(rules) - named - {"mpi-generated-runtime"} == set()
