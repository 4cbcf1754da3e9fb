"""examples/ci and .pre-commit-hooks.yaml: the check a repository runs on every pull request.

Offline, so neither GitHub Actions nor pre-commit itself runs: the workflow's check step is
run as written, in a copy of the example, and each pre-commit hook's ``entry`` is run on the
files pre-commit would pass it (its ``types_or``), as pre-commit runs them. The manifest is
checked against pre-commit's manifest keys.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixtures import ELASTIC_JOB

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ci"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW = EXAMPLE / ".github" / "workflows" / "trainjob-migrate.yaml"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.e2e

# pre-commit's manifest (pre_commit/clientlib.py MANIFEST_HOOK_DICT)
REQUIRED_KEYS = {"id", "name", "entry", "language"}
OPTIONAL_KEYS = {
    "alias",
    "files",
    "exclude",
    "types",
    "types_or",
    "exclude_types",
    "additional_dependencies",
    "args",
    "always_run",
    "fail_fast",
    "pass_filenames",
    "description",
    "language_version",
    "log_file",
    "minimum_pre_commit_version",
    "require_serial",
    "stages",
    "verbose",
}
# identify's tags for the extensions of Kubernetes manifests
EXTENSION_TAGS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}
ANNOTATION = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+)")


def hooks() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load(HOOKS.read_text())
    return loaded


def source_url() -> str:
    match = re.search(r"^ARG SOURCE_URL=(\S+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert match, "the Dockerfile names the project's source URL"
    return match.group(1)


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )


def failed(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


@pytest.fixture
def cli() -> Path:
    """The console script, provided it has ``check`` (and ``convert``)."""
    script = BIN / "trainjob-migrate"
    if not script.exists():
        pytest.skip(
            f"no trainjob-migrate console script next to {sys.executable}: pip install -e ."
        )
    for command in ("check", "convert"):
        probe = subprocess.run([str(script), command, "--help"], capture_output=True, check=False)
        if probe.returncode != 0:
            pytest.skip(f"`trainjob-migrate {command} --help` fails: not in this build yet")
    return script


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return Path(
        shutil.copytree(EXAMPLE, tmp_path / "repo", ignore=shutil.ignore_patterns(".expected"))
    )


# --------------------------------------------------------------------------- GitHub Actions


def workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def check_step() -> list[str]:
    steps = workflow()["jobs"]["check"]["steps"]
    (step,) = (s for s in steps if s.get("run", "").startswith("trainjob-migrate check"))
    return shlex.split(step["run"])


def test_workflow_runs_on_every_pull_request_with_read_only_permissions() -> None:
    wf = workflow()
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers
    assert wf["permissions"] == {"contents": "read"}
    steps = wf["jobs"]["check"]["steps"]
    install = next(s["run"] for s in steps if "pip install" in s.get("run", ""))
    assert f"git+{source_url()}@" in install


def test_workflow_check_step_fails_on_remaining_jobs_and_annotates_them(
    cli: Path, repo: Path
) -> None:
    proc = run(check_step(), repo)
    assert proc.returncode == 2, failed(proc)  # a PyTorchJob that converts cleanly
    assert proc.stdout == (EXAMPLE / ".expected" / "check-github.txt").read_text()
    annotations = [m for line in proc.stdout.splitlines() if (m := ANNOTATION.match(line))]
    assert [(m.group(2)) for m in annotations] == ["manifests/training.yaml"]
    line = int(annotations[0].group(3))
    source = (repo / "manifests" / "training.yaml").read_text().splitlines()
    assert "kind: PyTorchJob" in "\n".join(source[line - 2 : line + 1]), "the job's line"


def test_workflow_check_step_passes_once_converted(cli: Path, repo: Path) -> None:
    converted = run([str(cli), "convert", "--write", "."], repo)
    assert converted.returncode == 0, failed(converted)
    proc = run(check_step(), repo)
    assert proc.returncode == 0, failed(proc)
    assert not any(ANNOTATION.match(line) for line in proc.stdout.splitlines())


def test_workflow_check_step_exits_3_on_a_job_that_needs_attention(cli: Path, repo: Path) -> None:
    (repo / "manifests" / "elastic.yaml").write_text(ELASTIC_JOB)
    proc = run(check_step(), repo)
    assert proc.returncode == 3, failed(proc)
    errors = [
        m.group(2)
        for line in proc.stdout.splitlines()
        if (m := ANNOTATION.match(line)) and m.group(1) == "error"
    ]
    assert "manifests/elastic.yaml" in errors


# --------------------------------------------------------------------------- pre-commit


def test_pre_commit_manifest() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    ids = [hook["id"] for hook in hooks()]
    assert len(ids) == len(set(ids))
    for hook in hooks():
        assert set(hook) >= REQUIRED_KEYS, hook["id"]
        assert set(hook) <= REQUIRED_KEYS | OPTIONAL_KEYS, hook["id"]
        assert hook["language"] == "python", "pre-commit installs the repository with pip"
        assert shlex.split(hook["entry"])[0] in scripts, "entry is the project's console script"
        assert set(hook["types_or"]) <= set(EXTENSION_TAGS.values())
        assert hook.get("pass_filenames", True), "check and convert take the files as PATHs"


def test_example_pre_commit_config_uses_these_hooks() -> None:
    config = yaml.safe_load((EXAMPLE / ".pre-commit-config.yaml").read_text())
    (entry,) = config["repos"]
    assert entry["repo"] == source_url()
    assert {h["id"] for h in entry["hooks"]} <= {h["id"] for h in hooks()}
    commented = re.findall(r"#\s*- id: (\S+)", (EXAMPLE / ".pre-commit-config.yaml").read_text())
    assert set(commented) <= {h["id"] for h in hooks()}


def staged(repo: Path, hook: dict[str, Any]) -> list[str]:
    """The files pre-commit passes a hook: every file of the repo whose type it takes."""
    return sorted(
        p.relative_to(repo).as_posix()
        for p in repo.rglob("*")
        if p.is_file() and EXTENSION_TAGS.get(p.suffix) in hook["types_or"]
    )


def run_hook(hook_id: str, repo: Path) -> subprocess.CompletedProcess[str]:
    (hook,) = (h for h in hooks() if h["id"] == hook_id)
    return run([*shlex.split(hook["entry"]), *hook.get("args", []), *staged(repo, hook)], repo)


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in repo.rglob("*") if p.is_file()}


def test_pre_commit_check_hook_fails_then_convert_hook_fixes(cli: Path, repo: Path) -> None:
    check = run_hook("trainjob-migrate-check", repo)
    assert check.returncode == 2, failed(check)
    assert "manifests/training.yaml" in check.stdout

    before = snapshot(repo)
    convert = run_hook("trainjob-migrate-convert", repo)
    assert convert.returncode == 0, failed(convert)
    after = snapshot(repo)
    # pre-commit fails a hook that modified files: the commit stops for review
    assert [k for k in before if before[k] != after[k]] == ["manifests/training.yaml"]
    expected = EXAMPLE / ".expected" / "manifests" / "training.yaml"
    assert after["manifests/training.yaml"].decode() == expected.read_text()

    again = run_hook("trainjob-migrate-check", repo)
    assert again.returncode == 0, failed(again)


def test_pre_commit_convert_hook_fails_on_a_job_it_cannot_convert(cli: Path, repo: Path) -> None:
    (repo / "manifests" / "elastic.yaml").write_text(ELASTIC_JOB)
    convert = run_hook("trainjob-migrate-convert", repo)
    assert convert.returncode != 0, failed(convert)
    assert (repo / "manifests" / "elastic.yaml").read_text() == ELASTIC_JOB
