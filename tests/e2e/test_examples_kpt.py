"""examples/kpt with the real kpt: ``kpt fn eval --exec`` (no container runtime).

``--image`` and ``kpt fn render`` (the Kptfile pipeline runs the image) are in
test_container.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kpt"
BIN = Path(sys.executable).parent
KPT = shutil.which("kpt")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        KPT is None, reason="kpt is not on PATH: install kpt (tested with 1.0.0-beta.56)"
    ),
    pytest.mark.skipif(
        not (BIN / "trainjob-migrate").exists(),
        reason=f"no trainjob-migrate console script next to {sys.executable}: pip install -e .",
    ),
]


def eval_exec(pkg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command of the Kptfile's comment: kpt fn eval . --exec "trainjob-migrate fn" ..."""
    assert KPT is not None
    return subprocess.run(
        [KPT, "fn", "eval", ".", "--exec", "trainjob-migrate fn", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=pkg,
        check=False,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def test_kpt_fn_eval_exec_converts_the_package(tmp_path: Path) -> None:
    pkg = Path(shutil.copytree(EXAMPLE, tmp_path / "kpt"))
    proc = eval_exec(pkg, "--", "targetVersion=2.3")
    assert proc.returncode == 0, proc.stderr
    expected = snapshot(EXAMPLE / ".expected")
    assert expected, "examples/kpt/.expected is empty"
    got = snapshot(pkg)
    for name, content in expected.items():
        assert got[name].decode() == content.decode(), name
    assert got["Kptfile"] == (EXAMPLE / "Kptfile").read_bytes()
    assert set(got) == set(snapshot(EXAMPLE)), "kpt added or removed files"

    again = eval_exec(pkg, "--", "targetVersion=2.3")
    assert again.returncode == 0, again.stderr
    assert snapshot(pkg) == got, "a second run changed the package"


def test_the_three_ways_agree_on_the_options() -> None:
    """The Kptfile pipeline configures what the eval commands in its comment pass."""
    kptfile = yaml.safe_load((EXAMPLE / "Kptfile").read_text())
    (mutator,) = kptfile["pipeline"]["mutators"]
    assert mutator["configMap"] == {"targetVersion": "2.3"}
    text = (EXAMPLE / "Kptfile").read_text()
    assert '--exec "trainjob-migrate fn" -- targetVersion=2.3' in text
    assert f"--image {mutator['image']} -- targetVersion=2.3" in text
    assert (EXAMPLE / ".krmignore").read_text().split() == [".expected"]
