"""positions.line_list with positions.paths of the object gives positions.lines, in a
twentieth of the memory (what the repository engine keeps for every job until it is written)."""

from __future__ import annotations

from pathlib import Path

from trainjob_migrate import yamlio
from trainjob_migrate.repo import positions
from trainjob_migrate.repo.documents import split

TESTS = Path(__file__).resolve().parents[1]


def test_lines_in_order_with_the_objects_paths_are_the_lines() -> None:
    compared = 0
    for path in sorted(TESTS.rglob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for doc in split(text):
            try:
                obj, node = yamlio.load_node(text[doc.start : doc.end])
            except yamlio.InputError:
                continue
            in_order = positions.line_list(node)
            if in_order is None:
                continue
            assert dict(zip(positions.paths(obj), in_order, strict=True)) == positions.lines(node)
            compared += 1
    assert compared > 500


def test_a_key_that_is_no_string_has_no_list() -> None:
    for text in ("1: a\n", "a:\n  true: b\n"):
        assert positions.line_list(yamlio.load_node(text)[1]) is None
    obj, node = yamlio.load_node("a:\n- b: 1\n  c: [1, {d: 2}]\ne: {}\n")
    assert positions.paths(obj) == [
        (), ("a",), ("a", 0), ("a", 0, "b"), ("a", 0, "c"), ("a", 0, "c", 0),
        ("a", 0, "c", 1), ("a", 0, "c", 1, "d"), ("e",),
    ]  # fmt: skip
    assert positions.line_list(node) == [0, 0, 1, 1, 2, 2, 2, 2, 3]
