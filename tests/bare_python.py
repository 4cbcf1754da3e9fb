"""Run code in a fresh interpreter that has imported nothing of its environment: ``-S`` (no
site, so no .pth file imports typing or anything else first), with the package and PyYAML on
its path. What the start-up tests (test_startup*.py) see imported is the code's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def run(
    code: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    path = os.pathsep.join([str(REPO / "function"), str(Path(yaml.__file__).parents[1])])
    return subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        check=False,
        input=stdin,
        env={"PYTHONPATH": path},
        cwd=cwd,
    )
