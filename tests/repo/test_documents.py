"""Splitting files into documents and splicing bodies back: byte-exact everywhere else."""

from __future__ import annotations

import pytest

from trainjob_migrate.repo.documents import SourceText, replace_bodies, split

TEXT = "# head\napiVersion: v1\nkind: A\n\n---\n# about B\nkind: B\n...\n--- # c\nkind: C\n"


def test_split_finds_bodies_between_markers_and_comments() -> None:
    docs = split(TEXT)
    assert [TEXT[d.body_start : d.body_end] for d in docs] == [
        "apiVersion: v1\nkind: A\n",
        "kind: B\n",
        "kind: C\n",
    ]
    assert [(d.first_line, d.body_line) for d in docs] == [(1, 2), (5, 7), (9, 10)]
    assert "".join(TEXT[d.start : d.end] for d in docs) == TEXT


def test_replacing_one_body_keeps_every_other_byte() -> None:
    out = replace_bodies(TEXT, split(TEXT), {1: "kind: NEW\nspec: {}\n"})
    assert out == TEXT.replace("kind: B\n", "kind: NEW\nspec: {}\n")


def test_a_document_of_comments_only_has_no_body() -> None:
    docs = split("---\n# nothing here\n---\nkind: A\n")
    assert [d.has_body() for d in docs] == [False, True]


@pytest.mark.parametrize(
    "raw",
    [b"kind: A\r\nspec: {}\r\n", b"\xef\xbb\xbfkind: A\n", b"\xef\xbb\xbfkind: A\r\n"],
)
def test_bom_and_crlf_round_trip(raw: bytes) -> None:
    source = SourceText.decode(raw)
    assert "\r" not in source.text and not source.text.startswith("\ufeff")
    assert source.encode(source.text) == raw
