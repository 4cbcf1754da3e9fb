"""The suite runs on every available core by default: pyproject.toml's pytest ``addopts`` say
``-n auto --dist worksteal`` (pytest-xdist, in the ``test`` extra). One test, or a debugger:
``-n 0`` (in-process; ``--pdb`` implies it).

Where pytest-xdist is not installed, or is disabled with ``-p no:xdist``, those two options
would be unknown and pytest would refuse to start: they are accepted here and ignored, and the
suite runs in-process, serially, as before.
"""

from __future__ import annotations

import os

import pytest

# A resident server the developer runs (`trainjob-migrate server start`) would answer the
# suite's `fn` and plugin processes: their output is the same, but not their imports or their
# timing. Every test runs without it; tests/server starts its own servers and sets the
# variables they need (serverkit.environment drops this one).
os.environ["TRAINJOB_MIGRATE_SERVER"] = "off"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.hasplugin("xdist"):
        return
    group = parser.getgroup("xdist", "pytest-xdist is absent or disabled: tests run in-process")
    # `_addoption`: pytest reserves lower-case short options for plugins, as xdist is one
    group._addoption("-n", "--numprocesses", dest="numprocesses", help="ignored without xdist")
    group.addoption("--dist", dest="dist", default="no", help="ignored without xdist")
