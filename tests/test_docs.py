"""The documents in ``docs/`` are what ``tools/generate_docs.py`` writes from the code."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from trainjob_migrate import catalogue
from trainjob_migrate.sources.pytorch import SOURCE

RULES = SOURCE.rules
from trainjob_migrate.targets import VERSIONS, get

REPO = Path(__file__).resolve().parents[1]
TOOL = REPO / "tools" / "generate_docs.py"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_docs", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_docs_match_the_code(tool: ModuleType) -> None:
    for name, text in tool.generate().items():
        assert (REPO / "docs" / name).read_text(encoding="utf-8") == text, (
            f"docs/{name} is out of date: python tools/generate_docs.py"
        )


def test_mapping_names_every_rule_its_paths_and_every_target(tool: ModuleType) -> None:
    text = tool.mapping()
    for rule in RULES:
        assert f"\n### {rule.ID}\n" in text
        assert all(f"`{SOURCE.pattern(path)}`" in text for path in rule.CONSUMES)
    for version in VERSIONS:
        target = get(version)
        assert f"Trainer {version}" in text
        assert f"`spec.{target.override_shape}`" in text
        assert f"`{target.runtime_image}`" in text
    # the field table: a field the launch rule reads more closely than the container rule
    command = "spec.pytorchReplicaSpecs.*.template.spec.containers[pytorch].command"
    assert f"| `{command}` | [`launch`](#launch) |" in text


def test_rules_lists_every_registered_id(tool: ModuleType) -> None:
    text = tool.rules()
    for rule_id in catalogue.entries():
        assert f"| [`{rule_id}`](#{rule_id}) |" in text
        assert f"\n### {rule_id}\n" in text


def test_check_fails_on_a_stale_document_and_writing_fixes_it(tmp_path: Path) -> None:
    (tmp_path / "mapping.md").write_text("old\n")
    run = [sys.executable, str(TOOL), "--out", str(tmp_path)]
    stale = subprocess.run([*run, "--check"], capture_output=True, text=True, check=False)
    assert stale.returncode == 1
    assert "mapping.md: differs" in stale.stderr and "rules.md: missing" in stale.stderr
    assert subprocess.run(run, capture_output=True, check=False).returncode == 0
    fresh = subprocess.run([*run, "--check"], capture_output=True, text=True, check=False)
    assert fresh.returncode == 0, fresh.stderr
