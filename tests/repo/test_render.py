"""render.dump writes indented lists as PyYAML's pure-Python emitter does, byte for byte."""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trainjob_migrate import yamlio
from trainjob_migrate.repo import positions, render

GOLDEN = Path(__file__).parents[1] / "golden"

# See tests/test_property_lossless.py: libcst's import warning would hide a failure.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import libcst  # noqa: F401

# Strings that stress quoting and block scalars: line breaks (also the ones YAML counts and
# ``\n`` splitting does not), indicators, leading and trailing spaces, unicode, long keys.
_TEXT = st.text(
    alphabet=st.sampled_from(
        [
            *"ab -:#'\"|>&*!%@`{}[],?\n\t\\",
            "\r",
            "\x85",
            "\u2028",
            "é",
            "\u00a0",
            "\ufeff",
            "😀",
            "\x07",
            "~",
            "0",
            "1",
            ".",
        ]
    ),
    max_size=12,
)
_KEYS = st.one_of(_TEXT, st.text(alphabet="ab", min_size=120, max_size=140))
_SCALARS = st.one_of(
    _TEXT,
    st.sampled_from(["yes", "on", "null", "0o17", "1e3", "2025-01-01", "", " x", "x "]),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=25,
)


@settings(
    max_examples=int(os.environ.get("TRAINJOB_FUZZ_EXAMPLES", "0")) or 400,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.dictionaries(_KEYS, _DATA, max_size=5))
def test_indented_lists_are_the_pure_python_emitters_bytes(data: dict[str, Any]) -> None:
    text, node = render.dump(data, indent_lists=True)
    assert text == yamlio.dump(data, indent_lists=True)
    if node is not None:  # its lines are the lines of the indented text
        assert positions.lines(node) == positions.lines(yamlio.compose(text))


@functools.cache  # four tests read them, none changes them
def _golden_objects() -> tuple[Any, ...]:
    found = []
    for path in sorted(GOLDEN.rglob("*.yaml")):
        try:
            found.extend(
                d for d in yamlio.load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict)
            )
        except (UnicodeDecodeError, yamlio.InputError):
            continue
    return tuple(found)


@functools.cache
def _generic(indent_lists: bool) -> tuple[str, ...]:
    """What the generic writer writes for every golden object (the pure-Python emitter's
    0.7 s with ``indent_lists``): the text both writers' tests compare with."""
    return tuple(yamlio.dump(obj, indent_lists=indent_lists) for obj in _golden_objects())


@pytest.mark.parametrize("indent_lists", [False, True])
def test_every_golden_object_is_written_alike(indent_lists: bool) -> None:
    objects = _golden_objects()
    assert len(objects) > 50
    for obj, generic in zip(objects, _generic(indent_lists), strict=True):
        text, _ = render.dump(obj, indent_lists=indent_lists)
        assert text == generic


# Strings of manifests: names, images, commands, scripts (block scalars), numbers as text.
_MANIFEST_TEXT = st.one_of(
    st.text(alphabet="abz09-./: _=\n", max_size=30),
    st.sampled_from(["yes", "on", "null", "0o17", "1e3", "4Gi", "500m", "v1", "a: b", "x #y"]),
    st.sampled_from(["  lead\nx\n", "a\n\nb", "trail \nx", "a\n", "\n"]),
)
_MANIFEST_DATA = st.recursive(
    st.one_of(_MANIFEST_TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text("abc.-/", max_size=8), inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(
    max_examples=int(os.environ.get("TRAINJOB_FUZZ_EXAMPLES", "0")) or 400,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.dictionaries(_KEYS, _DATA, max_size=5),
        st.dictionaries(st.text("abc", min_size=1, max_size=3), _MANIFEST_DATA, max_size=5),
    ),
    st.booleans(),
)
def test_the_one_pass_writer_writes_the_generic_bytes_and_lines(
    data: dict[str, Any], indent_lists: bool
) -> None:
    written = render.write(data, indent_lists=indent_lists)
    if written is None:
        return  # left to render.dump (tested above)
    text, lines = written
    assert text == yamlio.dump(data, indent_lists=indent_lists)
    assert lines == positions.lines(yamlio.compose(text))


@pytest.mark.parametrize("indent_lists", [False, True])
def test_the_one_pass_writer_writes_nearly_every_golden_object(indent_lists: bool) -> None:
    objects = _golden_objects()
    written = [
        (render.write(obj, indent_lists=indent_lists), generic)
        for obj, generic in zip(objects, _generic(indent_lists), strict=True)
    ]
    here = [(w, generic) for w, generic in written if w is not None]
    assert len(here) > 0.9 * len(objects)  # the writer is the rule, the generic one the exception
    for (text, lines), generic in here:
        assert text == generic
        assert lines == positions.lines(yamlio.compose(text))
