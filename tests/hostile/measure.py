"""Run every hostile input through ``python -m trainjob_migrate fn`` and print a table.

    python tests/hostile/measure.py            # all cases (about 2 minutes)
    python tests/hostile/measure.py crlf 100MB # some

One subprocess per case (stdin from a file, like kpt's pipe), with its own wall time and
peak resident memory (``wait4``). Not a test: numbers vary by machine; the pass/fail
checks are in ``test_hostile_input.py``.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_cases import CASES, Case


def measure(stdin_path: str, env: dict[str, str]) -> tuple[int, str, str, float, int]:
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        Path(stdin_path).open("rb") as stdin,
    ):
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: exactly what kpt runs
            os.dup2(stdin.fileno(), 0)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            os.execvpe(
                sys.executable,
                [sys.executable, "-m", "trainjob_migrate", "fn"],
                {**os.environ, **env},
            )
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return (
            os.waitstatus_to_exitcode(status),
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            elapsed,
            usage.ru_maxrss,
        )


def outcome(code: int, stdout: str, stderr: str) -> str:
    if code < 0:
        return f"killed by signal {-code}"
    if "rule: input" in stdout:
        message = stderr.strip().removeprefix("trainjob-migrate: error: ")
        message = re.sub(
            r"; (run on fewer files|keep only one|flatten|manifests hold).*", "", message
        )
        return f"refused, exit {code}: {message[:110]}"
    trainjobs = stdout.count("\n  kind: TrainJob\n") + stdout.count("\n- kind: TrainJob\n")
    errors = sum(line.startswith("trainjob-migrate: [error]") for line in stderr.splitlines())
    return f"processed, exit {code}: {trainjobs} TrainJob(s), {errors} error result(s)"


def main(names: list[str]) -> None:
    cases: list[tuple[Case | None, str]] = [
        (c, c.name) for c in CASES if not names or c.name in names
    ]
    if not names or "endless" in names:
        cases.append((None, "endless"))
    print("| input | what | outcome | time | peak RSS |")
    print("|---|---|---|---:|---:|")
    for case, name in cases:
        with tempfile.NamedTemporaryFile(delete=False) as f:
            if case is not None:
                f.write(case.build())
            path = f.name if case is not None else "/dev/zero"
        try:
            code, out, err, elapsed, rss = measure(path, case.env if case else {})
        finally:
            Path(f.name).unlink()
        what = case.what if case else "/dev/zero on stdin (never ends)"
        print(
            f"| {name} | {what} | {outcome(code, out, err)} | {elapsed:.2f} s | "
            f"{rss / 1024:.0f} MiB |",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
