"""``convert --write`` on a repository of containers of jobs: the golden tree, and every byte
outside the embedded jobs and the fields their containers rewrote is kept.

``tests/golden/repo/containers/before``: a Katib Experiment (and one whose TFJob trial stays),
a trial-template ConfigMap, an Argo WorkflowTemplate with a block-scalar manifest and a
Workflow with a JSON one, a compiled pipeline, a ConfigMap holding YAML and JSON jobs, an
AppWrapper. ``UPDATE_GOLDEN=1`` rewrites ``after``.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate import containers
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.containers import walk
from trainjob_migrate.paths import parse_path
from trainjob_migrate.repo import engine
from trainjob_migrate.repo import walk as files_walk

FIXTURE = Path(__file__).parents[1] / "golden" / "repo" / "containers"
BEFORE, AFTER = FIXTURE / "before", FIXTURE / "after"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> engine.RepoOutcome:
    work = tmp_path_factory.mktemp("repo") / "repo"
    shutil.copytree(BEFORE, work)
    found = engine.convert(list(files_walk.files([work])), FunctionConfig())
    if UPDATE:
        shutil.rmtree(AFTER, ignore_errors=True)
        shutil.copytree(BEFORE, AFTER)
        for f in found.files:
            if f.new is not None:
                (AFTER / f.found.display.split("/")[-1]).write_bytes(f.new)
    return found


def test_the_files_equal_the_golden_tree(outcome: engine.RepoOutcome) -> None:
    for f in outcome.files:
        name = Path(f.found.display).name
        assert (f.new if f.new is not None else f.raw) == (AFTER / name).read_bytes(), name


def test_counts_by_container(outcome: engine.RepoOutcome) -> None:
    assert outcome.embedded == {
        # each Master+Worker job adds the success-rule warning (sources/pytorch/success.py)
        "appwrapper": [1, 0, 2],
        "argo": [2, 2, 3],
        "configmap": [4, 3, 1],
        "katib": [2, 1, 4],
        "kfp": [1, 1, 0],
    }
    assert containers.summary(outcome.embedded).startswith("10 job(s) inside other objects")


def test_only_the_jobs_and_what_refers_to_them_change(outcome: engine.RepoOutcome) -> None:
    changed = [f for f in outcome.files if f.new is not None]
    assert len(changed) == 5
    for f in changed:
        old, new = f.raw.decode().split("\n"), f.new.decode().split("\n")
        allowed = _allowed_lines(f.raw.decode(), f.found.display, outcome)
        for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old, new).get_opcodes():
            if tag == "equal":
                continue
            lines = set(range(i1, i2)) or {i1 - 1}  # an insertion: the line it follows
            assert lines <= allowed, (f.found.display, tag, old[i1:i2])


def _allowed_lines(text: str, display: str, outcome: engine.RepoOutcome) -> set[int]:
    """Lines of the embedded jobs, and of the fields the plug-ins rewrote (0-based)."""
    allowed: set[int] = set()
    rewritten = {
        (r.file.index, r.field)
        for r in outcome.results
        if r.file is not None and r.file.path == display and r.field and r.rule in containers.NAMES
    }
    for index, (node, obj) in enumerate(
        zip(yaml.compose_all(text), yaml.safe_load_all(text), strict=True)
    ):
        paths = [*walk.find(obj), *(parse_path(f) for i, f in rewritten if i == index)]
        for path in paths:
            found = _node(node, path)
            if found is not None:
                end = found.end_mark.line - (1 if found.end_mark.column == 0 else 0)
                allowed.update(range(found.start_mark.line, end + 1))
    return allowed


def _node(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step] if step < len(node.value) else None
        else:
            return None
        if node is None:
            return None
    return node


def test_a_finding_inside_a_job_string_has_the_line_of_its_field(
    outcome: engine.RepoOutcome,
) -> None:
    text = (BEFORE / "job-templates.yaml").read_text().split("\n")
    found = [
        r
        for r in outcome.results
        if r.file is not None
        and r.file.path.endswith("job-templates.yaml")
        and (r.field or "").endswith("containers[0].command[1]")
    ]
    assert found and all(r.file is not None and r.file.line for r in found)
    assert all("--nproc-per-node=2" in text[r.file.line - 1] for r in found if r.file)
