"""The exceptions that stop a run: everything else a user can meet is a result.

Each carries the exit code of the CLI contract (README, "Exit codes"; results.EXIT_*).
"""

from __future__ import annotations


class MigrateError(Exception):
    """A problem that stops the run; its message is shown to the user as is."""

    exit_code = 1


class UsageError(MigrateError):
    """The command line is wrong: an unknown option, a missing or extra argument."""

    exit_code = 64


class NoInputError(MigrateError):
    """A path named on the command line does not exist or cannot be opened."""

    exit_code = 66


class OutputError(MigrateError):
    """The output (``--out DIR``) cannot be created or written."""

    exit_code = 73


class ConfigError(MigrateError):
    """The functionConfig (or the equivalent CLI flags) is invalid."""

    exit_code = 78


class InputError(MigrateError):
    """The input cannot be read: not YAML, not a ResourceList, not UTF-8."""
