"""``trainjob-migrate explain``: a rule's text from the registry; unknown ids get suggestions."""

from __future__ import annotations

import pytest

from trainjob_migrate import catalogue, cli
from trainjob_migrate.results import EXIT_USAGE


def _explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["explain", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_mapping_rule_with_what_it_reads(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _explain(capsys, "run-policy")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "run-policy (mapping rule)"
    entry = catalogue.get("run-policy")
    assert entry is not None and lines[2] == f"{entry.description}."
    assert "- `cleanPodPolicy` `None` is what v2 does; `All`/`Running` are lost;" in lines
    assert out.endswith("Reads from the v1 job:\n  spec.runPolicy\n")


def test_an_adhoc_rule_is_wrapped_and_has_its_severity(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _explain(capsys, "structure")
    assert code == 0
    assert max(map(len, out.splitlines())) <= 88
    assert out.endswith("Severity: error\n")


@pytest.mark.parametrize(
    ("word", "hint"),
    [
        ("elastic", "did you mean elastic-policy?"),
        ("colision", "did you mean name-collision?"),
        ("Launch", "did you mean launch?"),
        ("zzz", "trainjob-migrate explain --list shows every rule"),
    ],
)
def test_unknown_rule_is_a_usage_error_with_suggestions(
    capsys: pytest.CaptureFixture[str], word: str, hint: str
) -> None:
    code, out, err = _explain(capsys, word)
    assert (code, out) == (EXIT_USAGE, "")
    assert err == f"trainjob-migrate explain: error: no rule {word!r}; {hint}\n"


def test_list_names_every_rule_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _explain(capsys, "--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == list(catalogue.entries())


@pytest.mark.parametrize("args", [(), ("--list", "launch")])
def test_rule_or_list_exactly_one(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, out, err = _explain(capsys, *args)
    assert (code, out) == (EXIT_USAGE, "")
    assert err.startswith("trainjob-migrate explain: error: give")


@pytest.mark.parametrize("rule_id", list(catalogue.entries()))
def test_every_registered_rule_explains(capsys: pytest.CaptureFixture[str], rule_id: str) -> None:
    code, out, err = _explain(capsys, rule_id)
    assert (code, err) == (0, "")
    assert out.startswith(f"{rule_id} (") and out.endswith("\n")
