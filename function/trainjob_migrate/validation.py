"""Validate objects against the JSON Schemas shipped in ``schemas/`` (generated from upstream CRDs).

Each schema error becomes a :class:`SchemaIssue` with a KRM-style field path
(``spec.trainer.numNodes``, ``containers[0]``, ``metadata.labels[app.kubernetes.io/name]``).

Two validators per schema, each used for what it does best:

- whether an object is valid is decided by the code that ``tools/generate_validators.py``
  generated from the schema with fastjsonschema (``trainjob_migrate._generated``): plain
  Python, imported on first use in about a millisecond, ten times faster than jsonschema;
- what is wrong with an invalid object is told by jsonschema (its errors become the
  issues), imported, and the schema read, only then.

The generated code may only be stricter than jsonschema (it says "not valid", jsonschema
finds no issue: the object is valid); tests/test_validators.py checks that both agree on the
golden files, the upstream examples and schema-guided random objects.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence, Sized

from trainjob_migrate.paths import format_path
from trainjob_migrate.records import Frozen, init

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from jsonschema.protocols import Validator

#: where ``schemas/<name>.json`` are (package data: a plain directory). os.path, not pathlib
#: or importlib.resources: neither is otherwise imported by a run, and they cost its start.
SCHEMA_DIR: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")  # noqa: PTH100, PTH118, PTH120
_GENERATED: Final = "trainjob_migrate._generated"

UNKNOWN_FIELD: Final = "unknown-field"

#: what a schema's name is made of (``[a-z0-9][a-z0-9.-]*``): see _schema_name
_NAME_CHARS: Final = "abcdefghijklmnopqrstuvwxyz0123456789.-"
_MAX_SHOWN: Final = 40  # characters of a string value quoted in a message
_MAX_ENUM: Final = 8  # allowed values listed in an enum message
# The Kubernetes resource.Quantity pattern, as controller-gen writes it into every CRD.
_QUANTITY: Final = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]"
    r"|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_PATTERN_HINTS: Final = {_QUANTITY: "a Kubernetes quantity such as 500m, 2 or 4Gi"}
_SIZE_BOUNDS: Final = {
    "minLength": ("at least", "character"),
    "maxLength": ("at most", "character"),
    "minItems": ("at least", "item"),
    "maxItems": ("at most", "item"),
    "minProperties": ("at least", "field"),
    "maxProperties": ("at most", "field"),
}
_COMPARISONS: Final = {
    "minimum": ">=",
    "maximum": "<=",
    "exclusiveMinimum": ">",
    "exclusiveMaximum": "<",
}


class SchemaIssue(Frozen):
    """One way an object breaks a schema.

    ``kind`` is ``unknown-field`` for a field the schema does not declare, otherwise the
    JSON Schema keyword that failed (``type``, ``required``, ``enum``, ``maxLength``, ...).
    """

    __slots__ = ("path", "message", "kind")
    path: str
    message: str
    kind: str

    def __init__(self, path: str, message: str, kind: str) -> None:
        init(self, path, message, kind)


@functools.cache
def load_validator(name: str) -> Validator:
    """Return the (cached) draft 2020-12 validator for ``schemas/<name>.json``.

    The schemas are generated and checked in CI, so they are not re-checked here.
    """
    # Imported here, not at module level: only an invalid object needs jsonschema.
    import json

    from jsonschema import Draft202012Validator

    path = os.path.join(SCHEMA_DIR, f"{name}.json")  # noqa: PTH118 - see SCHEMA_DIR
    if not _schema_name(name) or not os.path.isfile(path):  # noqa: PTH113
        raise ValueError(f"no schema named {name!r} in {SCHEMA_DIR}")
    with open(path, encoding="utf-8") as stream:  # noqa: PTH123
        schema: dict[str, Any] = json.load(stream)
    validator: Validator = Draft202012Validator(schema)
    return validator


@functools.cache
def generated_check(name: str) -> Callable[[Any], bool] | None:
    """The generated ``is_valid`` of ``schemas/<name>.json``; None when none was generated."""
    if not _schema_name(name):
        return None
    try:
        # __import__, not importlib.import_module: importlib (and warnings) cost a start
        module = __import__(
            f"{_GENERATED}.{name.replace('.', '_').replace('-', '_')}", fromlist=("is_valid",)
        )
    except ImportError:
        return None
    check: Callable[[Any], bool] = module.is_valid
    return check


def _schema_name(name: str) -> bool:
    """Whether ``name`` could name a schema: ``[a-z0-9][a-z0-9.-]*``, told without compiling a
    pattern at every start."""
    return name[:1] not in ("", ".", "-") and not name.strip(_NAME_CHARS)


def _passes_generated(obj: Any, name: str) -> bool:
    check = generated_check(name)
    if check is None:
        return False
    try:
        return check(obj)
    except Exception:  # noqa: BLE001 - e.g. a non-string key: jsonschema will decide
        return False


def is_valid(obj: Mapping[str, Any], name: str) -> bool:
    """Whether ``obj`` is valid against ``schemas/<name>.json`` (jsonschema only if in doubt)."""
    return _passes_generated(obj, name) or load_validator(name).is_valid(obj)


def validate(obj: Mapping[str, Any], name: str) -> list[SchemaIssue]:
    """Validate ``obj`` against ``schemas/<name>.json``; no issues means valid."""
    if _passes_generated(obj, name):
        return []
    return collect_issues(load_validator(name), obj)


def collect_issues(validator: Validator, obj: Mapping[str, Any]) -> list[SchemaIssue]:
    """Turn every error ``validator`` finds in ``obj`` into issues, de-duplicated, in path order."""
    found: dict[SchemaIssue, tuple[tuple[int, int, str], ...]] = {}
    for error in validator.iter_errors(obj):
        for parts, issue in _issues(error):
            found.setdefault(issue, _sort_key(parts))
    return sorted(found, key=lambda issue: (found[issue], issue.kind, issue.message))


def _sort_key(parts: Sequence[str | int]) -> tuple[tuple[int, int, str], ...]:
    # List indexes sort numerically ([2] before [10]); keys alphabetically.
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in parts)


_Located = tuple[tuple[str | int, ...], SchemaIssue]


def _issues(error: Any) -> Iterator[_Located]:
    """Yield the issues of one ``jsonschema.ValidationError`` (``Any``: jsonschema's boundary)."""
    keyword: str = error.validator
    at: tuple[str | int, ...] = tuple(error.absolute_path)
    instance: Any = error.instance
    value: Any = error.validator_value

    if keyword == "additionalProperties" and isinstance(instance, Mapping):
        schema: Mapping[str, Any] = error.schema
        declared = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        for key in instance:
            if isinstance(key, str):
                if key in declared or any(re.search(p, key) for p in patterns):
                    continue
                where: tuple[str | int, ...] = (*at, key)
                message = f"unknown field {_quote(key)}"
            else:  # YAML allows `false:` or `1:` as a key; a manifest's field names are strings
                where = (*at, _literal(key))
                message = f"unknown field {_literal(key)} (a field name must be a string)"
            yield where, SchemaIssue(format_path(where), message, UNKNOWN_FIELD)
        return
    if keyword == "required" and isinstance(instance, Mapping):
        for key in value:
            if key not in instance:
                where = (*at, key)
                yield (
                    where,
                    SchemaIssue(
                        format_path(where), f"missing required field {_quote(key)}", keyword
                    ),
                )
        return
    if keyword in ("anyOf", "oneOf") and error.context:
        # One issue from the branch that came closest, not one per failed branch; best_match
        # returns the error itself when no branch stands out.
        from jsonschema.exceptions import best_match

        best: Any = best_match([error])
        if best is not error:
            yield from _issues(best)
            return
    if keyword in ("anyOf", "oneOf"):
        # Without context, oneOf failed because more than one branch matched.
        form = "none of the allowed forms" if error.context else "more than one allowed form"
        message = f"matches {form}; got {_describe(instance)}"
        yield at, SchemaIssue(format_path(at), message, keyword)
        return
    message = _message(keyword, value, instance, error.message)
    if keyword == "type" and _unquoted_quantity(error.schema, instance):
        # `cpu: 0.5` is a YAML number, which a CRD's int-or-string quantity refuses (a Pod's
        # own field would take it): the same text quoted is the quantity meant
        message = f'{message}; quote it: "{instance!r}"'
    yield at, SchemaIssue(format_path(at), message, keyword)


def _unquoted_quantity(schema: Mapping[str, Any], instance: Any) -> bool:
    return isinstance(instance, float) and schema.get("pattern") == _QUANTITY


def _message(keyword: str, value: Any, instance: Any, fallback: str) -> str:
    if keyword == "type":
        expected = " or ".join(value) if isinstance(value, list) else str(value)
        return f"expected {expected}, got {_describe(instance)}"
    if keyword == "enum":
        shown = ", ".join(_literal(v) for v in value[:_MAX_ENUM])
        more = f" (and {len(value) - _MAX_ENUM} more)" if len(value) > _MAX_ENUM else ""
        return f"must be one of {shown}{more}; got {_literal(instance)}"
    if keyword == "const":
        return f"must be {_literal(value)}; got {_literal(instance)}"
    if keyword == "pattern":
        hint = _PATTERN_HINTS.get(value, f"match the pattern {value}")
        return f"must be {hint}; got {_literal(instance)}"
    if keyword in _SIZE_BOUNDS and isinstance(instance, Sized):
        limit, noun = _SIZE_BOUNDS[keyword]
        verb = "be" if noun == "character" else "have"
        plural = "" if value == 1 else "s"
        return f"must {verb} {limit} {value} {noun}{plural}; got {len(instance)}"
    if keyword in _COMPARISONS:
        return f"must be {_COMPARISONS[keyword]} {value}; got {_literal(instance)}"
    if keyword == "multipleOf":
        return f"must be a multiple of {value}; got {_literal(instance)}"
    if keyword == "uniqueItems":
        return "items must be unique"
    return fallback if len(fallback) <= 160 else fallback[:157] + "..."


def _describe(instance: Any) -> str:
    """Name a value for a message: ``string "3"``, ``integer 3``, ``boolean true``, ``null``."""
    if instance is None:
        return "null"
    if isinstance(instance, bool):
        return f"boolean {_literal(instance)}"
    if isinstance(instance, int):
        return f"integer {instance}"
    if isinstance(instance, float):
        return f"number {instance}"
    if isinstance(instance, str):
        return f"string {_literal(instance)}"
    if isinstance(instance, Mapping):
        return "object"
    if isinstance(instance, Sequence):
        return "array"
    return type(instance).__name__


def _literal(value: Any) -> str:
    """Render a scalar as JSON (strings shortened); objects and arrays by name only."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    import json  # error messages only (start-up time)

    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _quote(text: str) -> str:
    import json

    shown = text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."
    return json.dumps(shown, ensure_ascii=False)
