"""Write generated files, or check that the committed ones match: one loop for every generator.

``write_or_check(files, out, check=..., command=..., what=...)``: ``files`` maps a name in
``out`` to its text. Writing writes what differs; checking writes nothing, lists what differs
or is missing on stderr (naming the command that regenerates it) and returns 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path


def stale_files(files: Mapping[str, str], out: Path) -> list[tuple[Path, str]]:
    """(path, "differs" | "missing") for every file whose committed text is not ``files``'."""
    stale = []
    for name, text in files.items():
        target = out / name
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            stale.append((target, "differs" if current is not None else "missing"))
    return stale


def write_or_check(
    files: Mapping[str, str],
    out: Path,
    *,
    check: bool,
    command: str,
    what: str,
    display: Callable[[Path], str] = str,
    extra: Mapping[Path, str] | None = None,
) -> int:
    """``extra``: further stale paths (e.g. files no source generates any more) and why."""
    stale = [*stale_files(files, out), *(extra or {}).items()]
    if check:
        if stale:
            print(f"out of date (regenerate with `{command}`):", file=sys.stderr)
            for target, why in stale:
                print(f"  {display(target)}: {why}", file=sys.stderr)
            return 1
        print(f"{len(files)} {what} up to date in {display(out)}")
        return 0
    for target, _ in stale:
        if target.name in files and target.parent == out:
            out.mkdir(parents=True, exist_ok=True)
            target.write_text(files[target.name], encoding="utf-8", newline="\n")
            print(f"wrote {display(target)}")
    return 0
