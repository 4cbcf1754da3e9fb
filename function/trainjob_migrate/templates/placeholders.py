"""What is a template variable, what is a Kubernetes env reference, what is a template file.

One definition for ``fn``, ``convert`` and ``check``:

- an **envsubst placeholder** is ``$VAR``, ``${VAR}``, ``${VAR:-default}`` or ``${VAR-default}``
  (what a script renders with ``envsubst`` or the shell before ``kubectl apply``), except in
  a shell script in ``command``/``args`` (the shell's variables; carried as text);
- a **dependent env reference** ``$(VAR)`` is Kubernetes, not a template: the kubelet expands
  it from the container's env in ``command``, ``args`` and env values (``$$(VAR)`` escapes it);
- a **template file** (Jinja, Helm) is one whose YAML *structure* holds template syntax:
  a line that is only a ``{{ … }}``/``{% … %}`` (control lines, ``include … | nindent``),
  template syntax in a key or outside a scalar (the text is no YAML, or YAML that gives a
  non-string), or a scalar that is one expression or names Helm's objects. A Jinja chat
  template inside a Python string in ``args`` is a string like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from trainjob_migrate import lazy
from trainjob_migrate.templates import Quoted, dollar_strings

__all__ = ["Quoted", "dollar_strings"]  # defined in the package: no regex to compile at start

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from trainjob_migrate.paths import Path

#: ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}`` (a ``$$`` before it escapes
#: nothing for envsubst; ``$(`` is Kubernetes and never matches)
PLACEHOLDER: Final = lazy.pattern(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
#: ``$(VAR)``: expanded by the kubelet from the container's env (``$$(VAR)`` is a literal)
DEPENDENT: Final = lazy.pattern(r"(?<!\$)\$\((?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\)")
#: the names of the placeholders :mod:`jinja` masks a template's expressions with
MASK_PREFIX: Final = "TJM_TEMPLATE_"
#: … and its blocks (``{{- toYaml .Values.x | nindent N }}`` as all of a key's value)
BLOCK_PREFIX: Final = "TJM_TEMPLATE_BLOCK_"
#: where template syntax may stand; a file without it is plain YAML (the only pattern every
#: run uses: the others are compiled at first use, lazy.pattern)
TEMPLATE_MARK: Final = re.compile(r"\{\{|\{%")
#: a line that is template syntax only: control lines and whole-line expressions
_TEMPLATE_LINE: Final = lazy.pattern(r"^[ \t]*(?:-[ \t]+)?(?:\{\{.*\}\}|\{%.*%\}|\{#.*#\})[ \t]*$")
#: a scalar that is one expression, or names what only Helm's templates know
_TEMPLATE_SCALAR: Final = lazy.pattern(
    r"^\s*\{\{.*\}\}\s*$|^\s*\{%.*%\}\s*$"
    r"|\{\{-?\s*(?:\.(?:Values|Release|Chart|Capabilities|Files|Template)\b|include\s|template\s"
    r"|\$\.)"
)


def variable(match: re.Match[str]) -> str:
    """The variable name of a :data:`PLACEHOLDER` match."""
    return match.group("braced") or match.group("bare")


def has_placeholder(text: str) -> bool:
    return "$" in text and PLACEHOLDER.search(text) is not None


def references(text: str) -> list[str]:
    """The names a string refers to with ``$(VAR)``."""
    return [m.group("name") for m in DEPENDENT.finditer(text)] if "$(" in text else []


def strings(obj: Any, prefix: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every string value of ``obj`` with its path, in document order."""
    if isinstance(obj, str):
        yield prefix, obj
    elif isinstance(obj, dict):
        for key, child in obj.items():
            yield from strings(child, (*prefix, str(key)))
    elif isinstance(obj, list):
        for index, child in enumerate(obj):
            yield from strings(child, (*prefix, index))


def placeholders(obj: Any) -> list[tuple[Path, str]]:
    """Each string holding a placeholder, with its path (document order); not shell scripts."""
    return [(p, s) for p, s in strings(obj) if has_placeholder(s) and not shell_text(p, s)]


def shell_text(path: Path, value: str) -> bool:
    """A ``command``/``args`` item with blanks is a shell script (``bash -c "…"``): its
    ``$VAR`` are the shell's at run time as much as a template's, and the conversion carries
    the text as it is either way (it parses no value out of a script)."""
    return any(c.isspace() for c in value) and not _COMMAND.isdisjoint(path)


_COMMAND: Final = frozenset({"command", "args"})


def template_line(text: str) -> int | None:
    """The first line (1-based) showing that ``text`` is a Jinja/Helm template, not YAML;
    None for plain YAML (which may hold ``{{`` inside its strings)."""
    if TEMPLATE_MARK.search(text) is None:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        if _TEMPLATE_LINE.match(line):
            return number
    from trainjob_migrate import yamlio
    from trainjob_migrate.errors import InputError

    try:
        documents = list(yamlio.load_all(text))
    except InputError:
        first = TEMPLATE_MARK.search(text)
        assert first is not None
        return text.count("\n", 0, first.start()) + 1
    for doc in documents:
        found = _structural(doc)
        if found is not None:
            return _line_of(text, found)
    return None


def _structural(obj: Any) -> str | None:
    """Template syntax that YAML did not keep inside a string: the text to find its line by."""
    stack = [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _TEMPLATE_SCALAR.search(value):
                return value
        elif isinstance(value, dict):
            for key, child in value.items():
                if not isinstance(key, str):  # `{{ x }}:` or `key: {{ x }}` as flow maps
                    return "{"
                if TEMPLATE_MARK.search(key):
                    return key
                if isinstance(child, dict) and _flow_template(child):
                    return "{"
                stack.append(child)
        elif isinstance(value, list):
            stack.extend(value)
    return None


def _flow_template(value: dict[Any, Any]) -> bool:
    """``{{ x }}`` read as YAML: a flow map whose one key is a flow map (or a null-valued one)."""
    return (
        len(value) == 1
        and next(iter(value.values())) is None
        and (not isinstance(next(iter(value)), str) or next(iter(value)).startswith("{"))
    )


def _line_of(text: str, found: str) -> int:
    first = found.splitlines()[0] if found else ""
    at = text.find(first) if first else -1
    if at < 0:
        mark = TEMPLATE_MARK.search(text)
        at = mark.start() if mark else 0
    return text.count("\n", 0, at) + 1
