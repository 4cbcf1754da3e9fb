"""``yamlio.load_node``: one compose for a document's object and node tree, libyaml's own
composer where no limit can be reached, the bounded one elsewhere: same objects, same errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from trainjob_migrate import yamlio
from trainjob_migrate.errors import InputError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
from hostile_cases import CASES, nested_map

LIGHT = [c for c in CASES if not c.heavy]


def _outcome(read, text: str) -> object:
    try:
        return ("ok", read(text))
    except InputError as exc:
        return ("error", str(exc))


@pytest.mark.parametrize("case", LIGHT, ids=[c.name for c in LIGHT])
def test_same_objects_and_errors_as_load_on_hostile_input(
    case, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    try:
        text = case.build().decode("utf-8")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8: refused before any YAML is read")
    expected = _outcome(yamlio.load, text)
    assert _outcome(lambda t: yamlio.load_node(t)[0], text) == expected
    assert _outcome(lambda t: yamlio.load_with_sources(t, "items")[0], text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a: " + nested_map(199) + "\n",  # the limit itself, then one past it
        "a: " + nested_map(200) + "\n",
        "a:\n" + "  " + "- " * 199 + "x\n",
        "a:\n" + "  " + "- " * 200 + "x\n",
        "a:\n" + "".join(" " * (2 * n) + f"k{n}:\n" for n in range(1, 202)) + "   " * 202 + "v\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: 1\na: 2\n",
        "a: [1, 2\n",
        "a: 1\n---\nb: 2\n",
    ],
    ids=[
        "flow-199",
        "flow-200",
        "block-199",
        "block-200",
        "indented-201",
        "alias",
        "tag",
        "duplicate",
        "broken",
        "two-documents",
    ],
)
def test_the_limits_hold_on_either_path(text: str) -> None:
    assert _outcome(lambda t: yamlio.load_node(t)[0], text) == _outcome(yamlio.load, text)


def test_deep_or_tagged_documents_take_the_bounded_composer() -> None:
    assert yamlio._below_limits("kind: Pod\nspec:\n  containers:\n  - name: a\n    args: [x]\n")
    assert not yamlio._below_limits("a: " + "[" * 196 + "]" * 196 + "\n")
    assert not yamlio._below_limits("a:\n" + " " * 100 + "b: 1\n")
    assert not yamlio._below_limits("a: - - - - - \n" + "- " * 100 + "x\n")
    for marked in ("a: &x 1\n", "a: *x\n", "a: !x 1\n"):
        assert not yamlio._below_limits(marked)


def test_the_node_tree_is_the_documents() -> None:
    obj, node = yamlio.load_node("a:\n  b: [1, 2]\nc: x\n")
    assert obj == {"a": {"b": [1, 2]}, "c": "x"}
    assert [key.value for key, _ in node.value] == ["a", "c"]
    assert node.value[1][0].start_mark.line == 2


def _typed(value: object) -> object:
    """``value`` with the type of every scalar (True == 1, but a bool is no int here)."""
    if isinstance(value, dict):
        return {_typed(k): _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def test_the_same_objects_as_load_on_every_test_document() -> None:
    from trainjob_migrate.repo.documents import split

    root = Path(__file__).resolve().parents[1]
    compared = 0
    for path in sorted(root.rglob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for doc in split(text):
            written = text[doc.start : doc.end]
            expected = _outcome(yamlio.load, written)
            got = _outcome(lambda t: yamlio.load_node(t)[0], written)
            assert _typed(got) == _typed(expected), (path, doc.index)
            compared += 1
    assert compared > 500


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf: '1'\ng: 0x1F\nh: .inf\n1: x\nnull: y\n",
        "a: &x {b: 1}\nc: *x\n",
        "<<: {a: 1}\nb: 2\n",
        "a: !!int x\n",
        "? [a]\n: 1\n",
        "a: 1\nb: 2\na: 3\n",
    ],
    ids=["scalars", "alias", "merge", "bad-int", "list-key", "duplicate"],
)
def test_the_same_objects_and_errors_as_load(text: str) -> None:
    expected = _outcome(yamlio.load, text)
    assert _typed(_outcome(lambda t: yamlio.load_node(t)[0], text)) == _typed(expected)
    # the function's reader builds its ResourceList the same way
    got = _outcome(lambda t: yamlio.load_with_sources(t, "items")[0], text)
    assert _typed(got) == _typed(expected)
