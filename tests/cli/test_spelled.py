"""Messages name options as flags on the command line (options.spell_for_cli)."""

from __future__ import annotations

import re

import pytest

from trainjob_migrate.commands import options

MESSAGES = [
    "set generateRuntime=true, or drop the field",
    "strict=false; option elastic: elastic=fixed needs numNodes",
    "option mode: mode=report (modeX, option modeX, xmode=1) targetVersion=2.3)",
    "runtimeName=torch-distributed runtimeKind=TrainingRuntime, option retryBudget",
    "nothing to spell here",
]


@pytest.mark.parametrize("message", MESSAGES)
def test_the_names_a_message_holds_spell_it_as_all_names_do(message: str):
    """The pattern is built for the names in the message only (cheaper to compile)."""
    every = options._spelled(tuple(options.OPTION_FLAGS))
    assert options.spell_for_cli(message) == re.sub(every, _flag, message)


def _flag(match: re.Match[str]) -> str:
    """spell_for_cli's replacement, applied with the pattern of every option name."""
    return options.spell_for_cli(match.group(0))


def test_spelled_as_flags():
    assert options.spell_for_cli("set generateRuntime=true, strict=false; option elastic") == (
        "set --generate-runtime, no --strict; option --elastic"
    )
