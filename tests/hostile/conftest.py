"""The hostile-input tests share the fuzz tests' invariants (tests/fuzz/fuzz_invariants.py)."""

from __future__ import annotations

import sys
from pathlib import Path

FUZZ = str(Path(__file__).resolve().parents[1] / "fuzz")
if FUZZ not in sys.path:
    sys.path.insert(0, FUZZ)
