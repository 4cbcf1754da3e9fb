"""The rule registry covers every id a result can carry, and nothing else.

Two proofs: the results of real runs (the fn golden corpus, the repository fixture, the
doctor fixtures, a bad input) carry only registered ids; and a scan of the package's
source finds every id written as a rule argument (a string, a module constant, a
``RuleId`` member) registered, and every registered id written somewhere.
"""

from __future__ import annotations

import ast
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from trainjob_migrate import catalogue, cli
from trainjob_migrate.commands import fn

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "function" / "trainjob_migrate"
GOLDEN_FN = REPO / "tests" / "golden" / "fn"
GOLDEN_REPO = REPO / "tests" / "golden" / "repo" / "realistic" / "before"
DOCTOR = REPO / "tests" / "doctor" / "fixtures"
REGISTERED = set(catalogue.entries())


def test_entries_are_described() -> None:
    for rule_id, entry in catalogue.entries().items():
        assert entry.id == rule_id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule_id), rule_id
        assert entry.description and "\n" not in entry.description, rule_id
        assert len(entry.description) <= 100, rule_id
        assert entry.help.strip(), rule_id
        assert "``" not in entry.description + entry.help, rule_id  # RST made Markdown


def test_mapping_rule_text_comes_from_the_module_docstring() -> None:
    from trainjob_migrate.rules import replicas

    entry = catalogue.get(replicas.ID)
    assert entry is not None and entry.kind is catalogue.Kind.MAPPING
    assert entry.description == (
        "`replicas` of every replica type (Master and Worker) become `trainer.numNodes`, always explicit"
    )
    assert "A missing `replicas` counts as 1" in entry.help
    check = catalogue.get("webhook-service")
    assert check is not None and check.description.startswith("Webhook configurations point")


def test_unknown_id_is_none() -> None:
    assert catalogue.get("no-such-rule") is None


# --- what real runs produce ---------------------------------------------------------


def _tags(results: list[dict]) -> set[str]:
    return {r["tags"]["rule"] for r in results}


def test_golden_fn_results_are_registered() -> None:
    """The golden tests prove the ``_expected`` files are what the function writes."""
    seen: set[str] = set()
    for expected in sorted(GOLDEN_FN.glob("*/_expected*.yaml")):
        seen |= _tags(yaml.safe_load(expected.read_text()).get("results") or [])
    assert len(seen) > 8
    assert seen <= REGISTERED, seen - REGISTERED


def test_repository_and_doctor_results_are_registered(capsys: pytest.CaptureFixture[str]) -> None:
    seen: set[str] = set()
    runs = [["check", str(GOLDEN_REPO)]] + [
        ["doctor", str(case)] for case in sorted(DOCTOR.iterdir())
    ]
    for args in runs:
        cli.main([*args, "-o", "json"])
        seen |= _tags(json.loads(capsys.readouterr().out)["results"])
        cli.main([*args, "-o", "sarif"])
        seen |= {r["ruleId"] for r in json.loads(capsys.readouterr().out)["runs"][0]["results"]}
    assert {"read", "placeholder", "kustomize", "webhook-service", "inventory"} <= seen
    assert {"v1-job-convertible", "v1-job-needs-attention"} <= seen
    assert seen <= REGISTERED, seen - REGISTERED


def test_bad_function_input_is_registered() -> None:
    out = io.StringIO()
    assert fn.run(io.BytesIO(b"kind: [\n"), out, io.StringIO()) == 1
    assert _tags(yaml.safe_load(out.getvalue())["results"]) == {"input"}


# --- what the source says -----------------------------------------------------------

#: call name -> position of the rule id among its arguments (and its keyword)
_RULE_ARGUMENT = {
    "Result": 2,  # Result(message, severity, rule, ...)
    "report": 1,  # ctx.report(severity, rule, path, message)
    "result": 1,  # manifest.result(severity, rule, path, message)
    "error": 0,  # ctx.error(rule, path, message), and info, lossy, empty, runtime_only
    "info": 0,
    "lossy": 0,
    "empty": 0,
    "runtime_only": 0,
}


def _modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] != "_generated" and parts[:2] != ("runtimes", "data"):
            yield path


def _constants(tree: ast.Module) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in tree.body:
        target = value = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            out[target.id] = value.value
    return out


def _resolve(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)  # a parameter (``rule``) resolves to None
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "RuleId"
    ):
        return str(catalogue.RuleId[node.attr])
    return None


def _written_ids() -> dict[str, str]:
    """Rule id -> where it is written (the first place)."""
    found: dict[str, str] = {}
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        where = path.relative_to(PACKAGE).as_posix()
        if "ID" in constants:  # a rule or check module names itself
            found.setdefault(constants["ID"], where)
        for node in ast.walk(tree):
            if path.name == "catalogue.py":
                break  # the registry itself proves nothing
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "RuleId"
            ):
                found.setdefault(str(catalogue.RuleId[node.attr]), where)
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in _RULE_ARGUMENT:
                continue
            position = _RULE_ARGUMENT[name]
            arg = next((k.value for k in node.keywords if k.arg == "rule"), None)
            if arg is None and len(node.args) > position:
                arg = node.args[position]
            rule = _resolve(arg, constants) if arg is not None else None
            # ``.error``/``.info`` of other objects (argparse) take a message, not an id
            if rule is not None and (position > 0 or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule)):
                found.setdefault(rule, f"{where}:{node.lineno}")
    return found


#: ids written in the source that no result carries out of the package, and why
_NEVER_EMITTED = {"": "repo/engine.py: a job's location, a lookup key for its line"}


def test_every_rule_id_in_the_source_is_registered() -> None:
    written = {k: v for k, v in _written_ids().items() if k not in _NEVER_EMITTED}
    assert {"structure", "unmapped-field", "output-schema", "internal", "read"} <= set(written)
    unregistered = {rule: where for rule, where in written.items() if rule not in REGISTERED}
    assert unregistered == {}


def test_every_registered_id_is_written_somewhere() -> None:
    assert REGISTERED - set(_written_ids()) == set()
