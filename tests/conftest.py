"""The suite runs on every available core by default: pyproject.toml's pytest ``addopts`` say
``-n auto --dist worksteal`` (pytest-xdist, in the ``test`` extra). One test, or a debugger:
``-n 0`` (in-process; ``--pdb`` implies it).

Where pytest-xdist is not installed, or is disabled with ``-p no:xdist``, those two options
would be unknown and pytest would refuse to start: they are accepted here and ignored, and the
suite runs in-process, serially, as before.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.hasplugin("xdist"):
        return
    group = parser.getgroup("xdist", "pytest-xdist is absent or disabled: tests run in-process")
    # `_addoption`: pytest reserves lower-case short options for plugins, as xdist is one
    group._addoption("-n", "--numprocesses", dest="numprocesses", help="ignored without xdist")
    group.addoption("--dist", dest="dist", default="no", help="ignored without xdist")
