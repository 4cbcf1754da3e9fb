"""The dry run's diff: aligned document by document in near-linear time, in the unified
format; applying it to the old text gives the new text (issue 11)."""

from __future__ import annotations

import difflib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from trainjob_migrate.repo import unidiff

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def _apply(old: list[str], diff: list[str]) -> list[str]:
    """Apply a unified diff, checking every context and removed line and every hunk header."""
    out: list[str] = []
    at = 0
    lines = iter(diff[2:])
    pending = list(lines)
    k = 0
    while k < len(pending):
        match = _HUNK.match(pending[k].rstrip("\n"))
        assert match, pending[k]
        a_start, a_len = int(match[1]), int(match[2] or 1)
        b_len = int(match[4] or 1)
        start = a_start - 1 if a_len else a_start
        out.extend(old[at:start])
        at = start
        k += 1
        seen_a = seen_b = 0
        while k < len(pending) and not pending[k].startswith("@@"):
            line = pending[k]
            tag, text = line[0], line[1:]
            if tag in " -":
                assert old[at] == text, (old[at], text)
                at += 1
                seen_a += 1
            if tag in " +":
                out.append(text)
                seen_b += 1
            k += 1
        assert (seen_a, seen_b) == (a_len, b_len)
    out.extend(old[at:])
    return out


def _doc(n: int, kind: str) -> str:
    return f"---\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: n{n}\ndata:\n  k: v{n}\n"


def test_a_small_change_is_what_difflib_says() -> None:
    old = (_doc(1, "ConfigMap") + _doc(2, "PyTorchJob") + _doc(3, "ConfigMap")).splitlines(True)
    new = (_doc(1, "ConfigMap") + _doc(2, "TrainJob") + _doc(3, "ConfigMap")).splitlines(True)
    ours = list(unidiff.unified(old, new, "a/x", "b/x"))
    assert ours == list(difflib.unified_diff(old, new, "a/x", "b/x"))


def test_no_change_no_diff() -> None:
    text = _doc(1, "ConfigMap").splitlines(True)
    assert list(unidiff.unified(text, text, "a", "b")) == []


def test_thousands_of_changed_documents_stay_aligned() -> None:
    old = "".join(_doc(n, "PyTorchJob") + _doc(n, "ConfigMap") for n in range(3000))
    new = "".join(_doc(n, "TrainJob") + _doc(n, "ConfigMap") for n in range(3000))
    a, b = old.splitlines(True), new.splitlines(True)
    diff = list(unidiff.unified(a, b, "a/x", "b/x"))
    assert _apply(a, diff) == b
    assert sum(line.startswith("-kind: PyTorchJob") for line in diff) == 3000
    assert sum(line.startswith("-") for line in diff) == 3001  # one line a job, and the header


def test_a_huge_document_is_shown_replaced() -> None:
    a = ["apiVersion: v1\n", "kind: List\n", "items:\n"] + [f"- {n}\n" for n in range(5000)]
    b = ["apiVersion: v1\n", "kind: List\n", "items:\n"] + [f"- {n}x\n" for n in range(5000)]
    diff = list(unidiff.unified(a, b, "a/x", "b/x"))
    assert _apply(a, diff) == b


_LINE = st.sampled_from(["---\n", "a: 1\n", "b: 2\n", "kind: X\n", "...\n", "c: 3", "\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_LINE, max_size=40), st.lists(_LINE, max_size=40))
def test_applying_the_diff_gives_the_new_text(a: list[str], b: list[str]) -> None:
    # (lines without a newline only at the end, as splitlines gives them)
    a = [line if line.endswith("\n") else line + "\n" for line in a]
    b = [line if line.endswith("\n") else line + "\n" for line in b]
    diff = list(unidiff.unified(a, b, "a/x", "b/x"))
    assert _apply(a, diff) == b
    assert (diff == []) == (a == b)
