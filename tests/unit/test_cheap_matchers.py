"""What stands for a regular expression on the start-up path (so that a run does not compile it)
says exactly what the expression says: each is compared with the pattern it replaces, on
strings made of the characters that matter to it and on any string."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from yaml.nodes import ScalarNode

from trainjob_migrate import results_yaml, validation, yamlio
from trainjob_migrate.rules import replicas

#: characters numbers, dates, booleans and nulls are made of, and a few that end them
_NUMBERISH = st.text(
    alphabet="0123456789_.+-eEbBoOxXaAfFiInNtTyYlLsSuU~:Tt Gz\n\u0663\u00b2",
    max_size=12,
)
_ANY = st.one_of(_NUMBERISH, st.text(max_size=12))

#: the patterns replaced, as they were written
_PLAIN = re.compile(r"[A-Za-z_/](?:(?!: | #)[ -~])*(?<![: ])")
_RFC1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SCHEMA_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")
_OLD_NUMBERS = {
    "tag:yaml.org,2002:int": re.compile(
        r"""^(?:[-+]?0b[0-1_]+
            |[-+]?0[0-7_]+
            |[-+]?(?:0|[1-9][0-9_]*)
            |[-+]?0x[0-9a-fA-F_]+)$""",
        re.VERBOSE,
    ),
    "tag:yaml.org,2002:float": re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
            |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
        re.VERBOSE,
    ),
}
_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:value"}


class _OldResolver(yaml.resolver.BaseResolver):
    """The loader's implicit resolvers as they were: patterns compiled at import."""

    yaml_implicit_resolvers: dict[Any, Any] = {  # noqa: RUF012 - PyYAML's class-level registry
        first: [(t, _OLD_NUMBERS.get(t, r)) for t, r in resolvers if t not in _DROPPED]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }


_OldResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _NewResolver(yaml.resolver.BaseResolver):
    yaml_implicit_resolvers = yamlio._Loader.yaml_implicit_resolvers


_AMBIGUOUS = re.compile(yamlio._AMBIGUOUS.pattern)


@settings(max_examples=3000, deadline=None)
@given(_ANY)
@example("2.3")
@example("4")
@example("-0x1F")
@example("1e3")
@example("2025-01-31T10:00:00Z")
@example("\u0663\u0663\u0663\u0663-1-1")
@example("yes\n")
@example("256Gi")
@example("--nnodes=2")
@example(".inf")
@example("+")
@example("")
def test_ambiguous_is_the_pattern(value: str) -> None:
    assert yamlio.ambiguous(value) == (_AMBIGUOUS.match(value) is not None)


@settings(max_examples=3000, deadline=None)
@given(_ANY.filter(bool))
@example("1:30")
@example("1:30.5")
@example("0o17")
@example("true")
@example("True\n")
@example("-.inf")
def test_the_loader_resolves_scalars_as_before(value: str) -> None:
    old = _OldResolver().resolve(ScalarNode, value, (True, False))
    assert _NewResolver().resolve(ScalarNode, value, (True, False)) == old


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(alphabet="aZ_/ :#-~\t\x7f\u00e9", max_size=8), st.text(max_size=8)))
@example("a: b")
@example("a #b")
@example("a:")
@example("a ")
@example("/x")
def test_the_plain_shape_of_results_is_the_pattern(value: str) -> None:
    assert results_yaml._plain_shape(value) == (_PLAIN.fullmatch(value) is not None)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(alphabet="az09-.\nA_", max_size=8), st.text(max_size=8)))
@example("job\n")
@example("job-")
@example("a")
def test_the_trainjob_name_check_is_the_pattern(value: str) -> None:
    assert replicas._rfc1035(value) == (_RFC1035.match(value) is not None)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(alphabet="az09-.\nA_/", max_size=8), st.text(max_size=8)))
@example("trainjob-2.3")
@example(".x")
def test_the_schema_name_check_is_the_pattern(value: str) -> None:
    assert validation._schema_name(value) == (_SCHEMA_NAME.fullmatch(value) is not None)


@pytest.mark.parametrize(
    "data",
    [
        b"a: 1\n",
        b"\xef\xbb\xbfa: 1\n",
        b"\xef\xbb\xbf\xef\xbb\xbfa",
        b"ab\xff",
        b"\xef\xbb\xbfa\xff",
    ],
)
def test_decode_is_utf_8_sig(data: bytes) -> None:
    try:
        expected: Any = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        expected = (exc.start, exc.reason)
    try:
        got: Any = yamlio.decode(data)
    except UnicodeDecodeError as exc:
        got = (exc.start, exc.reason)
    assert got == expected
