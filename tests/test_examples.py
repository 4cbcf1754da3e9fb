"""Every example under examples/ runs and gives its expected output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_matches_expected_output() -> None:
    example = EXAMPLES / "quickstart"
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "fn"],
        input=(example / "resource-list.yaml").read_bytes(),
        capture_output=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode() == (example / ".expected" / "output.yaml").read_text()
