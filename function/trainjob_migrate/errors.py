"""The exceptions that stop a run: everything else a user can meet is a result."""

from __future__ import annotations


class MigrateError(Exception):
    """A problem that stops the run; its message is shown to the user as is."""


class ConfigError(MigrateError):
    """The functionConfig (or the equivalent CLI flags) is invalid."""


class InputError(MigrateError):
    """The input cannot be read: not YAML, not a ResourceList, not UTF-8."""
