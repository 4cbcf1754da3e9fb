"""The start of `trainjob-migrate fn` imports nothing a valid run does not need (bench/ times it).

Structural, not timed: a module listed here costs a KRM function run milliseconds at every
start (jsonschema alone is three times `import yaml`), and each has a reason to be absent.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"

#: module -> why a valid YAML run does without it
NOT_ON_THE_FN_PATH = {
    "jsonschema": "validators are generated (validation.py); jsonschema only describes errors",
    "argparse": "cli.main dispatches `fn` before building the parser",
    "json": "only a JSON input or an error message needs it",
    "importlib.resources": "validation.SCHEMA_DIR is a plain path",
    "pathlib": "nothing on the path needs it",
    "decimal": "the generated validators use a stand-in",
}


def test_a_valid_run_imports_no_heavy_module():
    code = (
        "import sys\n"
        "before = set(sys.modules)  # what the interpreter's own start imported (site, .pth)\n"
        "from trainjob_migrate.cli import main\n"
        "code = main(['fn'])\n"
        f"heavy = {sorted(NOT_ON_THE_FN_PATH)!r}\n"
        "sys.stderr.write(repr(sorted(m for m in heavy if m in set(sys.modules) - before)))\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=QUICKSTART.read_bytes(), capture_output=True,
        check=False, env={"PYTHONPATH": str(REPO / "function")},
    )
    assert result.returncode == 0, result.stderr.decode()
    assert b"kind: TrainJob" in result.stdout
    imported = result.stderr.decode().splitlines()[-1]
    assert imported == "[]", {m: NOT_ON_THE_FN_PATH[m] for m in eval(imported)}
