"""Mask the ``{{ … }}``/``{% … %}`` of a Jinja or Helm template so it parses as YAML; restore them.

A template is converted only when that is safe:

- an expression in a scalar (``replicas: {{ .Values.workers }}``, ``image: "{{ .Values.image }}"``,
  ``name: {{ include "x.name" . }}-train``) becomes an envsubst-style placeholder
  ``${TJM_TEMPLATE_<n>}`` (one per distinct expression) that the conversion carries like any
  other (:mod:`~trainjob_migrate.templates.envsubst`: typed, named, never computed with) and
  :func:`restore` writes back, in the scalar form the template had;
- a block that is all of a key's value (``nodeSelector:`` then
  ``{{- toYaml .Values.nodeSelector | nindent 12 }}``) becomes a placeholder on the key's
  line, carried whole as a map, and is written back under the key where it lands, its
  ``nindent`` set to the new depth;
- a control line (``{{- if … }}``/``{{- end }}``, ``{% if %}``/``{% endif %}``, a variable set
  with ``{{- $x := … }}`` or ``{% set %}``, a comment)
  becomes a YAML comment of the same line, and is kept where it stands: before or after a
  document's fields, never inside a job (the fields it guards could not be told apart).

Anything else is :class:`Unsafe`, with the line and the reason, and the file is left
byte-identical: an expression in a key, one that generates YAML elsewhere (``toYaml`` in a
line, a block beside other fields), a loop (``range``, ``for``: it emits jobs or fields
repeatedly), a statement inside a line, an expression over several lines, a control line
inside a job. Every line keeps its number, so findings point at the template's own lines.
"""

from __future__ import annotations

import re

from trainjob_migrate.results import ResourceRef, Result
from trainjob_migrate.templates.placeholders import BLOCK_PREFIX, MASK_PREFIX

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

_LINE: Final = re.compile(r"^(?P<indent>[ \t]*)(?P<body>\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})[ \t]*$")
_INLINE: Final = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
#: a control line: emits no YAML of its own (``{{- $gpus := .Values.gpus -}}``, a Helm variable
#: set at the top of a chart's template, is Jinja's ``{% set %}``)
_CONTROL: Final = re.compile(
    r"^(?:\{\{-?\s*(?:if|else|else\s+if|end|with)\b.*\}\}|\{\{-?\s*/\*.*\*/\s*-?\}\}"
    r"|\{\{-?\s*\$\w+\s*:?=[^=].*\}\}"
    r"|\{%-?\s*(?:if|elif|else|endif|set|with|endwith)\b.*%\}|\{#.*#\})$"
)
_LOOP: Final = re.compile(r"^(?:\{\{-?\s*range\b|\{%-?\s*(?:for|endfor|macro|call|block)\b)")
_GENERATES: Final = re.compile(r"\b(?:toYaml|toJson|tpl|nindent|indent)\b")
_TOKEN: Final = re.compile(rf"\$\{{{MASK_PREFIX}(\d+)\}}")
#: a whole-line block that is all of a key's value: ``{{- toYaml .Values.x | nindent 12 }}``
_BLOCK: Final = re.compile(
    r"^\{\{-\s*(?:toYaml\s+[\w.$]+|include\s+\"[^\"]+\"\s+[\w.$]+)\s*\|\s*nindent\s+(\d+)\s*\}\}$"
)
_KEY_LINE: Final = re.compile(r"^(?P<indent>[ \t]*)(?P<key>[^\s#:'\"{}\[\]-][^#:{}]*):[ \t]*$")
_BLOCK_TOKEN: Final = re.compile(rf"\$\{{{BLOCK_PREFIX}(\d+)\}}")
_BLOCK_LINE: Final = re.compile(
    rf"^(?P<indent>[ \t]*)(?P<key>[^\n]*?): \$\{{{BLOCK_PREFIX}(?P<n>\d+)\}}[ \t]*$", re.MULTILINE
)
_NINDENT: Final = re.compile(r"nindent\s+\d+")
_COMMENT: Final = re.compile(rf"^(?P<indent>[ \t]*)#{MASK_PREFIX}LINE_(\d+)[ \t]*$", re.MULTILINE)
_WHOLE: Final = re.compile(
    rf"(?<=: |- )(?P<q>['\"]?)\$\{{{MASK_PREFIX}(?P<n>\d+)\}}(?P=q)(?=[ \t]*(?:#.*)?$)",
    re.MULTILINE,
)


class Unsafe:
    """Why a template cannot be converted safely, and the line (1-based) that shows it."""

    __slots__ = ("line", "reason")

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason


class Masked:
    """A template's text with its expressions masked, and what :func:`restore` needs."""

    __slots__ = ("text", "expressions", "scalars", "lines", "blocks")

    def __init__(self) -> None:
        self.text = ""
        self.expressions: list[str] = []  # by token number: the ``{{ … }}`` text
        self.scalars: dict[int, str] = {}  # token number -> the whole scalar it was (quotes)
        self.lines: list[str] = []  # by line-token number: the control line's text
        #: by block number: the key line and the block line (``{{- toYaml … | nindent N }}``)
        self.blocks: list[tuple[str, str]] = []

    def restore_text(self, text: str) -> str:
        """A message's placeholders back as the template's expressions."""
        text = _BLOCK_TOKEN.sub(lambda m: self.blocks[int(m.group(1))][1].strip(), text)
        return _TOKEN.sub(lambda m: self.expressions[int(m.group(1))], text)


def unmasked(result: Result, masked: Masked | None) -> Result:
    """A result about a masked template: its expressions, not their placeholders."""
    if masked is None:
        return result
    ref = None if result.resource is None else unmasked_ref(result.resource, masked)
    message = masked.restore_text(result.message)
    return Result(message, result.severity, result.rule, ref, result.field, result.file)


def unmasked_ref(ref: ResourceRef, masked: Masked | None) -> ResourceRef:
    if masked is None or MASK_PREFIX not in ref.display():
        return ref
    namespace = None if ref.namespace is None else masked.restore_text(ref.namespace)
    generate = None if ref.generate_name is None else masked.restore_text(ref.generate_name)
    name = masked.restore_text(ref.name)
    return ResourceRef(ref.api_version, ref.kind, name, namespace, generate)


def mask(text: str) -> Masked | Unsafe:
    out = Masked()
    lines = text.split("\n")
    masked_lines: list[str] = []
    for number, line in enumerate(lines, 1):
        whole = _LINE.match(line)
        if whole is not None:
            body = whole.group("body")
            if _LOOP.match(body):
                return Unsafe(
                    number, f"a loop ({_short(body)}): it emits jobs or fields repeatedly"
                )
            key = _KEY_LINE.match(masked_lines[-1]) if masked_lines else None
            if key is not None and _only_child(lines, number, len(key.group("indent"))):
                block = _BLOCK.match(body)
                if block is not None and int(block.group(1)) > len(key.group("indent")):
                    masked_lines[-1] += f" ${{{BLOCK_PREFIX}{len(out.blocks)}}}"
                    out.blocks.append((lines[number - 2], line))
                    masked_lines.append("")  # the line stays, empty
                    continue
            if not _CONTROL.match(body):
                return Unsafe(
                    number,
                    f"{_short(body)} generates YAML on a line of its own: the conversion cannot "
                    "see the fields it makes",
                )
            masked_lines.append(f"{whole.group('indent')}#{MASK_PREFIX}LINE_{len(out.lines)}")
            out.lines.append(line)
            continue
        if ("{{" in line and "}}" not in line) or ("{%" in line and "%}" not in line):
            return Unsafe(number, "an expression over several lines")
        masked_line = _mask_line(line, number, out) if "{" in line else line
        if isinstance(masked_line, Unsafe):
            return masked_line
        masked_lines.append(masked_line)
    out.text = "\n".join(masked_lines)
    return _check(out)


def _only_child(lines: list[str], number: int, indent: int) -> bool:
    """Whether line ``number`` (1-based) is the last line deeper than ``indent``."""
    for line in lines[number:]:
        if line.strip():
            return len(line) - len(line.lstrip()) <= indent or line.startswith("---")
    return True


def _mask_line(line: str, number: int, out: Masked) -> str | Unsafe:
    pieces: list[str] = []
    at = 0
    tokens: list[int] = []
    for match in _INLINE.finditer(line):
        body = match.group(0)
        if not body.startswith("{{"):
            return Unsafe(number, f"a statement inside a line ({_short(body)})")
        if _GENERATES.search(body):
            return Unsafe(number, f"{_short(body)} generates YAML: the conversion cannot see it")
        if body not in out.expressions:  # one placeholder per expression: one value
            out.expressions.append(body)
        token = out.expressions.index(body)
        pieces += [line[at : match.start()], f"${{{MASK_PREFIX}{token}}}"]
        tokens.append(token)
        at = match.end()
    pieces.append(line[at:])
    masked = "".join(pieces)
    if len(tokens) == 1:
        value = re.match(r"^\s*(?:- )?(?:[^\s#'\"{][^#]*?:\s+)?(?P<v>.*?)\s*$", line)
        scalar = value.group("v") if value else ""
        whole = scalar.strip("'\"") == out.expressions[tokens[0]] and (
            scalar == out.expressions[tokens[0]] or scalar[0] == scalar[-1]
        )
        if whole and out.scalars.setdefault(tokens[0], scalar) != scalar:
            out.scalars[tokens[0]] = ""  # written two ways: as the output writes it
    return masked


def _check(out: Masked) -> Masked | Unsafe:
    """The masked text is YAML, no expression stands in a key or outside a string, and no
    control line stands inside a job."""
    from trainjob_migrate import sources, yamlio
    from trainjob_migrate.errors import InputError
    from trainjob_migrate.repo.documents import split

    for doc in split(out.text):
        if not doc.has_body():
            continue
        body = out.text[doc.body_start : doc.body_end]
        try:
            obj = yamlio.load(body)
        except InputError as exc:
            offset = yamlio.error_line(exc)
            line = doc.body_line + (offset - 1 if offset else 0)
            return Unsafe(line, "an expression makes part of the YAML structure")
        seen = _strings(obj)
        if seen is None:
            return Unsafe(doc.body_line, "an expression in a key")
        if sources.is_job(obj) and f"#{MASK_PREFIX}LINE_" in body:
            offset = body[: body.index(f"#{MASK_PREFIX}LINE_")].count("\n")
            return Unsafe(
                doc.body_line + offset,
                "a control line inside a job: the fields it guards cannot be mapped safely",
            )
        for number in map(int, _TOKEN.findall(body)):
            if number not in seen:
                line = doc.body_line + body[: body.index(f"{MASK_PREFIX}{number}}}")].count("\n")
                return Unsafe(line, "an expression outside a string")
    return out


def _strings(obj: Any) -> set[int] | None:
    """The token numbers in string values; None if one is in a key."""
    found: set[int] = set()
    stack = [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.update(map(int, _TOKEN.findall(value)))
        elif isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and MASK_PREFIX in key:
                    return None
                stack.append(child)
        elif isinstance(value, list):
            stack.extend(value)
    return found


def restore(text: str, masked: Masked) -> str | Unsafe:
    """The template of ``text`` (a masked text, converted); Unsafe when the expressions could
    not be written back as the template had them."""
    restored = _COMMENT.sub(lambda m: masked.lines[int(m.group(2))], text)
    restored = _restore_blocks(restored, masked)

    def whole(match: re.Match[str]) -> str:
        number = int(match.group("n"))
        quote = match.group("q")
        return masked.scalars.get(number) or f"{quote}{masked.expressions[number]}{quote}"

    restored = _WHOLE.sub(whole, restored)
    restored = _TOKEN.sub(lambda m: masked.expressions[int(m.group(1))], restored)
    again = mask(restored)
    if isinstance(again, Unsafe):
        return again
    if _data(again.text, again) != _data(text, masked):
        line = next(
            (
                n
                for n, (a, b) in enumerate(
                    zip(restored.split("\n"), text.split("\n"), strict=False), 1
                )
                if a != b
            ),
            1,
        )
        return Unsafe(line, "an expression could not be written back in the same form")
    return restored


def _restore_blocks(text: str, masked: Masked) -> str:
    """Each block back: as it was where the key line stands as masked (then followed by its
    empty line), else under the key at its new depth, ``nindent`` set to that depth."""
    out: list[str] = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        match = _BLOCK_LINE.match(line)
        if match is None:
            out.append(line)
            continue
        key_line, block_line = masked.blocks[int(match.group("n"))]
        following = lines[number + 1] if number + 1 < len(lines) else None
        if following == "" and line == f"{key_line} ${{{BLOCK_PREFIX}{match.group('n')}}}":
            out.append(key_line)
            lines[number + 1] = block_line  # the empty line it stood on
            continue
        indent, key = match.group("indent"), match.group("key")
        depth = len(indent) + (4 if key.startswith("- ") else 2)
        expression = _NINDENT.sub(f"nindent {depth}", block_line.strip())
        out += [f"{indent}{key}:", " " * depth + expression]
    return "\n".join(out)


def _data(text: str, masked: Masked) -> list[Any]:
    """The documents of a masked text, with the expressions as their text (comparable;
    a block's ``nindent`` is its depth, which may change)."""
    from trainjob_migrate import yamlio

    return [
        _NINDENT.sub("nindent", masked.restore_text(repr(doc))) for doc in yamlio.load_all(text)
    ]


def _short(body: str) -> str:
    return body if len(body) <= 60 else body[:57] + "..."
