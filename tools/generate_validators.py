#!/usr/bin/env python3
"""Generate fast validator modules from the JSON Schemas in ``schemas/``, with fastjsonschema.

``function/trainjob_migrate/_generated/<schema>.py`` (``-`` and ``.`` spelled ``_``) holds
one ``is_valid(instance) -> bool`` per schema: plain Python, no import beyond ``re``, so a
run that validates a job pays neither the import of jsonschema nor the building of its
validators. ``trainjob_migrate.validation`` asks it first and falls back to jsonschema
only to describe what is wrong with an invalid object (its messages and paths), so the
generated code decides *whether* an object is valid, never *what* is reported.

The schema is first rewritten without changing what it accepts:

- every subschema that declares ``properties`` moves to ``$defs`` and is referenced
  by ``$ref``, identical ones once: fastjsonschema makes a function of each, so the
  code is not one 30-level-deep function and Kubernetes' repeated types (a
  LabelSelector, a Container, a Volume) are written once;
- ``const: x`` becomes ``enum: [x]`` (same meaning; fastjsonschema 2.22 fails on
  ``const`` without detailed exceptions);
- ``$schema``, ``$id`` and ``$comment`` are dropped (``$id`` would only lengthen names).

The code fastjsonschema writes is then made standalone and quick to import (a start of
``fn`` loads two of these modules):

- it depends on fastjsonschema and ``decimal`` no more: its exception names are
  ``ValueError`` (only *whether* an instance is valid is asked; any exception already means
  "ask jsonschema"), and ``isinstance(x, (int, float, Decimal))`` is ``(int, float)`` (our
  loaders never make a Decimal); no class is made at import;
- its error messages are dropped: each failed check raises the bare exception, and no
  function takes or builds the path (``name_prefix``) a message would name, nor the
  ``custom_formats`` that ``format`` is never checked with (a third less code, and no
  string built at each nested call);
- a type checked is not checked again, and lengths and indexes nothing reads are not
  computed (a tenth less);
- patterns are compiled on first use, and a pattern this tool knows (the Kubernetes
  quantity) is a function of str methods instead (``_KNOWN_PATTERNS``);
- the validators of fields most objects do not have (probes, affinity, security contexts,
  exotic volume sources, status: ``_RARE_FIELDS``) are in a second module,
  ``<module>_rare``, imported the first time one is met: a start loads under half the code.

fastjsonschema implements drafts 4 to 7, our schemas are 2020-12: only keywords
whose meaning is the same in draft 7 and 2020-12 are accepted (a schema using any
other keyword is an error here, not a silently different validator), ``format`` is
not asserted (as jsonschema does by default) and defaults are not applied.

Run ``python tools/generate_validators.py`` to regenerate and ``--check`` to verify (exit
1 when a generated module differs from what this tool writes). Needs fastjsonschema at
the version pinned in ``pyproject.toml`` (the ``test`` extra): the output depends on it.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tools beside this one
from generated_files import write_or_check

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMAS: Final = REPO_ROOT / "schemas"
DEFAULT_OUT: Final = REPO_ROOT / "function" / "trainjob_migrate" / "_generated"
COMMAND: Final = "python tools/generate_validators.py"
FASTJSONSCHEMA_VERSION: Final = "2.22.3"

# Keywords that mean the same in draft 7 (fastjsonschema) and draft 2020-12 (our schemas),
# given that ``items`` is a single schema and ``$ref`` has no siblings (both checked).
_SUBSCHEMA: Final = frozenset({"items", "not", "if", "then", "else", "additionalProperties"})
_SUBSCHEMA_LISTS: Final = frozenset({"allOf", "anyOf", "oneOf"})
_SUBSCHEMA_MAPS: Final = frozenset({"properties", "patternProperties", "$defs"})
_ASSERTIONS: Final = frozenset(
    {
        "type", "enum", "const", "required", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties", "$ref",
    }
)  # fmt: skip
_ANNOTATIONS: Final = frozenset({"$schema", "$id", "$comment", "description", "title"})
_KNOWN: Final = _SUBSCHEMA | _SUBSCHEMA_LISTS | _SUBSCHEMA_MAPS | _ASSERTIONS | _ANNOTATIONS
_DROPPED_AT_ROOT: Final = ("$schema", "$id", "$comment")


class GenerateError(Exception):
    """The schema holds something whose meaning fastjsonschema's draft 7 could change."""


def prepare(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema rewritten for fastjsonschema: same instances accepted (see module doc)."""
    _check(schema, "#")
    root = {k: v for k, v in schema.items() if k not in _DROPPED_AT_ROOT}
    defs: dict[str, Any] = {}  # name -> subschema (hoisted)
    names: dict[str, str] = {}  # canonical JSON of a subschema -> its name in defs
    existing = root.pop("$defs", {})
    # Existing definitions keep their names (their $refs already point there).
    defs.update(existing)
    for name, sub in existing.items():
        defs[name] = _hoist_within(sub, defs, names, name)
    body = _hoist_within(root, defs, names, "root")
    if defs:
        body["$defs"] = dict(sorted(defs.items()))
    return body


def _check(node: Any, where: str) -> None:
    if isinstance(node, bool):
        return
    if not isinstance(node, dict):
        raise GenerateError(f"{where}: a schema must be an object or a boolean")
    unknown = sorted(set(node) - _KNOWN)
    if unknown:
        raise GenerateError(
            f"{where}: keyword(s) {', '.join(unknown)} not supported (their draft 7 meaning "
            "may differ from 2020-12, or fastjsonschema lacks them)"
        )
    if "$ref" in node and set(node) - {"$ref", *_ANNOTATIONS}:
        raise GenerateError(f"{where}: $ref with sibling keywords (ignored by draft 7)")
    if "$ref" in node and not str(node["$ref"]).startswith("#/$defs/"):
        raise GenerateError(f"{where}: only local $refs (#/$defs/...) are supported")
    if isinstance(node.get("items"), list):
        raise GenerateError(f"{where}: array-form items (prefixItems in 2020-12)")
    for key in _SUBSCHEMA & set(node):
        _check(node[key], f"{where}/{key}")
    for key in _SUBSCHEMA_LISTS & set(node):
        for i, sub in enumerate(node[key]):
            _check(sub, f"{where}/{key}/{i}")
    for key in _SUBSCHEMA_MAPS & set(node):
        for name, sub in node[key].items():
            _check(sub, f"{where}/{key}/{name}")


def _hoist_within(node: Any, defs: dict[str, Any], names: dict[str, str], label: str) -> Any:
    """``node`` with its subschemas hoisted (children first), itself left in place."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "const":
            out["enum"] = [value]
        elif key in _SUBSCHEMA:
            out[key] = _hoisted(value, defs, names, f"{label}_{_ITEM.get(key, key)}")
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [
                _hoisted(sub, defs, names, f"{label}_{key}{i}") for i, sub in enumerate(value)
            ]
        elif key in ("properties", "patternProperties"):
            out[key] = {
                name: _hoisted(sub, defs, names, _label(name)) for name, sub in value.items()
            }
        else:
            out[key] = value
    return out


_ITEM: Final = {"items": "item", "additionalProperties": "value"}


def _label(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "x"


def _hoisted(node: Any, defs: dict[str, Any], names: dict[str, str], label: str) -> Any:
    """A ``$ref`` to ``node`` in ``defs`` when it declares properties, else ``node`` itself."""
    inner = _hoist_within(node, defs, names, label)
    if not isinstance(inner, dict) or "properties" not in inner:
        return inner
    key = json.dumps(inner, sort_keys=True)
    name = names.get(key)
    if name is None:
        name = _unique(label, defs)
        names[key] = name
        defs[name] = inner
    return {"$ref": f"#/$defs/{name}"}


def _unique(label: str, defs: dict[str, Any]) -> str:
    name, n = label, 2
    while name in defs:
        name, n = f"{label}{n}", n + 1
    return name


def module_name(schema_name: str) -> str:
    return re.sub(r"[^a-z0-9]", "_", schema_name.lower())


def render(schema_name: str, schema_text: str) -> dict[str, str]:
    """The text of the generated module for ``schemas/<schema_name>.json``, by file name: the
    module, and the one of its rare fields' validators (:func:`_split_rare`) where it has some."""
    import fastjsonschema  # a build-time dependency only

    if fastjsonschema.VERSION != FASTJSONSCHEMA_VERSION:
        raise GenerateError(
            f"fastjsonschema {fastjsonschema.VERSION} is installed; this tool's output is "
            f"pinned to {FASTJSONSCHEMA_VERSION} (pip install 'fastjsonschema=="
            f"{FASTJSONSCHEMA_VERSION}')"
        )
    prepared = prepare(json.loads(schema_text))
    code = fastjsonschema.compile_to_code(
        prepared, use_default=False, use_formats=False, detailed_exceptions=False
    )
    code = _standalone(code)
    digest = hashlib.sha256(schema_text.encode("utf-8")).hexdigest()
    header = f'''\
# Generated by `{COMMAND}` from schemas/{schema_name}.json
# (sha256 {digest}) with fastjsonschema {FASTJSONSCHEMA_VERSION}. Do not edit.
# mypy: ignore-errors
"""Is an instance valid against schemas/{schema_name}.json? (See tools/generate_validators.py.)"""

SCHEMA_SHA256 = "{digest}"

'''
    footer = f'''

def is_valid(instance):
    """True when ``instance`` is valid against schemas/{schema_name}.json."""
    try:
        validate(instance)
    except JsonSchemaValueException:
        return False
    return True
'''
    module = module_name(schema_name)
    main, rare = _split_rare(code.rstrip() + "\n\n" + footer, module)
    files = {f"{module}.py": header + main}
    if rare:
        files[f"{module}{_RARE_SUFFIX}.py"] = f'''\
# Generated by `{COMMAND}` from schemas/{schema_name}.json
# (sha256 {digest}) with fastjsonschema {FASTJSONSCHEMA_VERSION}. Do not edit.
# mypy: ignore-errors
"""The validators of schemas/{schema_name}.json for fields most objects do not have: imported
by {module} the first time one is met. (See tools/generate_validators.py.)"""

{rare}'''
    return files


#: Fields most jobs and Trainer objects do not have (probes, affinity, security contexts,
#: exotic volume sources, status...). Only what a start loads depends on this list, never what
#: is valid: the validators of these fields (and of what only they hold) go to a second module,
#: ``<module>_rare``, which the first one imports when an object has one of them. Loading the
#: validators costs a one-job run more than anything else it imports.
_RARE_FIELDS: Final = frozenset(
    {
        "affinity", "topologySpreadConstraints", "ephemeralContainers", "securityContext",
        "dnsConfig", "hostAliases", "readinessGates", "os", "overhead", "resourceClaims",
        "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "resizePolicy",
        "projected", "ephemeral", "iscsi", "rbd", "scaleIO", "cephfs", "cinder", "azureDisk",
        "azureFile", "flexVolume", "fc", "flocker", "glusterfs", "portworxVolume", "quobyte",
        "storageos", "vsphereVolume", "photonPersistentDisk", "gcePersistentDisk",
        "awsElasticBlockStore", "gitRepo", "image", "status", "elasticPolicy",
    }
)  # fmt: skip
_RARE_SUFFIX: Final = "_rare"
_FUNCTION_NAME: Final = re.compile(r"^def (\w+)\(")
#: a validator's call: ``validate____defs_x(data__field)``, on a field's value, an item or a value
#: of it (``data__field_item``, ``data__field_value``) or something else
_VALIDATOR_CALL: Final = re.compile(
    r"\b(?P<name>validate____defs_\w+)\((?:data__(?P<field>[A-Za-z0-9]+)(?:_item|_value)?\)|[^)]*\))"
)


def _split_rare(code: str, module: str) -> tuple[str, str]:
    """``code`` without the validators that only rare fields reach (:data:`_RARE_FIELDS`), and
    the code of those (empty when there are none).

    A validator every call of which is on a rare field becomes a stub in the module, which
    imports the rare module and calls its own; the validators only such ones reach move there
    (it imports what else it calls from the module).
    """
    parts = _FUNCTIONS.split(code)
    head, functions = parts[0], {}
    for part in parts[1:]:
        found = _FUNCTION_NAME.match(part)
        if found is None:
            raise GenerateError(f"a function of unknown form: {part[:80]}")
        functions[found[1]] = part
    callees: dict[str, set[str]] = {}
    on_rare: dict[str, set[bool]] = {}  # validator -> whether each of its calls is on a rare field
    for name, text in functions.items():
        body = text.partition("\n")[2]
        callees[name] = set()
        for call in _VALIDATOR_CALL.finditer(body):
            callees[name].add(call["name"])
            on_rare.setdefault(call["name"], set()).add(call["field"] in _RARE_FIELDS)
    rare_roots = {name for name, kinds in on_rare.items() if kinds == {True}}
    hot: set[str] = set()
    todo = ["validate", "is_valid", *(n for n in functions if not n.startswith("validate"))]
    while todo:
        name = todo.pop()
        if name in hot or name not in functions:
            continue
        hot.add(name)
        if name not in rare_roots:
            todo.extend(callees[name])
    hot -= rare_roots
    cold = [name for name in functions if name not in hot]
    if not cold:
        return code, ""
    main = [head]
    for name, text in functions.items():
        if name in rare_roots:
            main.append(
                f"def {name}(data):\n"
                f"    from trainjob_migrate._generated.{module}{_RARE_SUFFIX} import {name} as rare\n\n"
                f"    return rare(data)\n\n\n"
            )
        elif name in hot:
            main.append(text)
    cold_text = "".join(functions[name] for name in cold).rstrip() + "\n"
    known = {*hot, "JsonSchemaValueException", "NoneType", "REGEX_PATTERNS"}
    used = sorted(n for n in set(re.findall(r"\b\w+\b", cold_text)) if n in known)
    imports = "".join(f"    {n},\n" for n in used)
    rare = f"from trainjob_migrate._generated.{module} import (\n{imports})\n\n\n{cold_text}"
    return "".join(main), rare


_DECIMAL_IMPORT: Final = "from decimal import Decimal"
_DECIMAL_CHECK: Final = "(int, float, Decimal))"

_IMPORT: Final = re.compile(r"^from fastjsonschema import (?P<names>[\w, ]+)$", re.MULTILINE)


def _standalone(code: str) -> str:
    """Make the code independent of fastjsonschema at run time, and of the decimal module;
    define no class a start has to make."""
    match = _IMPORT.search(code)
    if match is None:
        raise GenerateError("fastjsonschema's output no longer imports its exception classes")
    # Only whether an instance is valid is asked: any ValueError means "not valid" (and, as
    # any exception, sends the instance on to jsonschema), so its own classes are ValueError.
    aliases = "".join(
        f"{name.strip()} = ValueError  # is_valid: any ValueError means not valid\n"
        for name in match["names"].split(",")
    )
    code = code[: match.start()] + aliases + code[match.end() :]
    # Decimal appears only in number checks, isinstance(x, (int, float, Decimal)), and
    # importing decimal would cost a start more than the validator itself. Our loaders (yaml,
    # json) never make a Decimal, so the check is (int, float): stricter at most, which is
    # safe ("not valid" here only sends the instance on to jsonschema). Any other use of
    # Decimal (multipleOf) keeps the real import.
    uses = re.findall(r"^.*\bDecimal\b.*$", code, re.MULTILINE)
    if all(u == _DECIMAL_IMPORT or _DECIMAL_CHECK in u for u in uses):
        code = code.replace(_DECIMAL_IMPORT + "\n", "", 1)
        code = code.replace(_DECIMAL_CHECK, "(int, float))")
    return _without_redundancy(_without_messages(_lazy_patterns(code)))


_PATTERNS_BLOCK: Final = re.compile(
    r"^REGEX_PATTERNS = \{\n(?P<entries>.*?)\n\}$", re.MULTILINE | re.DOTALL
)
_PATTERN_ENTRY: Final = re.compile(
    r"^    (?P<key>'(?:[^'\\]|\\.)*'): re\.compile\((?P<args>.*)\)(?P<comma>,?)$"
)
_LAZY_PATTERNS: Final = """\
class _Patterns(dict):
    \"\"\"REGEX_PATTERNS, each compiled on first use: a run needs few of them (start-up time).\"\"\"

    __slots__ = ()

    def __missing__(self, key):
        pattern = self[key] = re.compile(*_PATTERN_SOURCES[key])
        return pattern


_PATTERN_SOURCES = {
%s
}
REGEX_PATTERNS = _Patterns()"""

#: The Kubernetes resource.Quantity pattern (controller-gen writes it into every CRD that has
#: resources), as fastjsonschema compiles it.
_QUANTITY: Final = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]"
    r"|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?\Z"
)
#: compiled pattern -> (name, code) of a function that says what the pattern's ``search``
#: does, told by str methods, called instead: compiling the quantity pattern cost a one-job
#: run a third of a millisecond (tests/test_validators.py compares each with its pattern)
_KNOWN_PATTERNS: Final = {
    _QUANTITY: (
        "_quantity",
        """\
def _quantity(value):
    \"\"\"The Kubernetes quantity pattern, told by str methods (see tools/generate_validators.py).\"\"\"
    at = _number_end(value, 1 if value[:1] in ("+", "-") else 0)
    if at < 0:
        return False
    suffix = value[at:]
    if suffix in ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E"):
        return True
    if suffix[0] not in ("e", "E"):
        return False
    at += 2 if value[at + 1:at + 2] in ("+", "-") else 1
    return _number_end(value, at) == len(value)


def _number_end(value, at):
    \"\"\"Where the number (digits, dot, digits; either may be missing, not both) that starts
    at ``at`` ends; -1 when none starts there.\"\"\"
    rest = value[at:]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    if digits:
        at += digits
        if value[at:at + 1] != ".":
            return at
        rest = value[at + 1:]
        return at + 1 + len(rest) - len(rest.lstrip("0123456789"))
    if value[at:at + 1] != ".":
        return -1
    rest = value[at + 1:]
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return at + 1 + digits if digits else -1
""",
    ),
}


def _lazy_patterns(code: str) -> str:
    """``REGEX_PATTERNS = {key: re.compile(...)}`` becomes a dict that compiles on first use;
    a pattern of :data:`_KNOWN_PATTERNS` is not in it: its function is called instead."""
    block = _PATTERNS_BLOCK.search(code)
    if block is None:
        if "REGEX_PATTERNS" in code:
            raise GenerateError("fastjsonschema's REGEX_PATTERNS is no longer in the known form")
        return code
    entries, functions = [], []
    for line in block["entries"].split("\n"):
        entry = _PATTERN_ENTRY.fullmatch(line)
        if entry is None:
            raise GenerateError(f"unexpected REGEX_PATTERNS entry: {line[:80]}")
        args = ast.literal_eval(f"({entry['args']},)")
        if len(args) == 1 and args[0] in _KNOWN_PATTERNS:
            name, text = _KNOWN_PATTERNS[args[0]]
            use = f"REGEX_PATTERNS[{entry['key']}].search("
            if use not in code:
                raise GenerateError(f"{name}: its pattern is used in an unknown form")
            code = code.replace(use, f"{name}(")
            functions.append(text)
        else:
            entries.append(f"    {entry['key']}: ({entry['args']},),")
    lazy = [_LAZY_PATTERNS % "\n".join(entries)] if entries else []
    return code[: block.start()] + "\n\n".join([*functions, *lazy]) + code[block.end() :]


#: ``raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string")``
_RAISE: Final = re.compile(r"^(?P<indent> *)raise JsonSchemaValueException\(.*\)$", re.MULTILINE)
#: ``validate____defs_x(data__y, custom_formats, (name_prefix or "data") + ".y")``
_CALL: Final = re.compile(
    r'^(?P<head> *validate\w*\(\w+), custom_formats, \(name_prefix or "data"\) \+ .*\)$',
    re.MULTILINE,
)
_DEF: Final = re.compile(
    r"^def (?P<name>validate\w*)\(data, custom_formats=\{\}, name_prefix=None\):$", re.MULTILINE
)


#: a type check that raises, then the same test kept in a variable and tested: the variable
#: is always true there (``data_is_dict = isinstance(data, dict)`` / ``if data_is_dict:``)
_RECHECK: Final = re.compile(
    r"^(?P<indent> *)if not isinstance\((?P<var>\w+), \((?P<types>dict|list, tuple)\)\):\n"
    r"(?P=indent)    raise JsonSchemaValueException\n"
    r"(?P=indent)(?P<flag>(?P=var)_is_(?:dict|list)) = "
    r"isinstance\((?P=var), (?:dict|\(list, tuple\))\)\n"
    r"(?P=indent)if (?P=flag):$",
    re.MULTILINE,
)
#: ``data__x_len = len(data__x)``, unused unless a length is checked
_LENGTH: Final = re.compile(r"^ *(?P<var>\w+_len) = len\(\w+\)\n", re.MULTILINE)
#: ``for data__x_x, data__x_item in enumerate(data__x):``, the index unused unless named
_ENUMERATE: Final = re.compile(
    r"^(?P<head> *for )(?P<index>\w+_x), (?P<item>\w+) in enumerate\((?P<var>\w+)\):$",
    re.MULTILINE,
)


def _without_redundancy(code: str) -> str:
    """The same checks in less code (a start loads less; a check runs faster): a type test
    already made is not made again, and unused lengths and indexes are not computed."""
    # function by function: the names of a function's variables are its own
    return "".join(_function_without_redundancy(f) for f in _FUNCTIONS.split(code))


_FUNCTIONS: Final = re.compile(r"^(?=def )", re.MULTILINE)


def _function_without_redundancy(code: str) -> str:
    flags = [m["flag"] for m in _RECHECK.finditer(code)]
    code = _RECHECK.sub(
        r"\g<indent>if not isinstance(\g<var>, (\g<types>)):\n"
        r"\g<indent>    raise JsonSchemaValueException\n"
        r"\g<indent>if True:  # the type is checked above",
        code,
    )
    left = [flag for flag in flags if re.search(rf"\b{flag}\b", code)]
    if left:
        raise GenerateError(f"{left[0]} is used beyond the check it was made for")
    code = _LENGTH.sub(lambda m: "" if code.count(m["var"]) == 1 else m[0], code)
    return _ENUMERATE.sub(
        lambda m: m[0] if code.count(m["index"]) > 1 else f"{m['head']}{m['item']} in {m['var']}:",
        code,
    )


def _without_messages(code: str) -> str:
    """The code without its error messages, nor the paths and formats they are built from."""
    code = _RAISE.sub(r"\g<indent>raise JsonSchemaValueException", code)
    code = _CALL.sub(r"\g<head>)", code)
    code = _DEF.sub(r"def \g<name>(data):", code)
    for left in ("name_prefix", "custom_formats"):
        if left in code:
            line = next(line for line in code.splitlines() if left in line)
            raise GenerateError(
                f"fastjsonschema's code uses {left} in an unknown form: {line[:80]}"
            )
    return code


def generate(schemas: Path) -> dict[str, str]:
    """Return {module file name: content} for every schema (and the package's __init__)."""
    files: dict[str, str] = {}
    names: list[str] = []
    for path in sorted(schemas.glob("*.json")):
        names.append(path.stem)
        files.update(render(path.stem, path.read_text("utf-8")))
    listing = "\n".join(f"#: - ``{module_name(n)}``: schemas/{n}.json" for n in names)
    files["__init__.py"] = f'''\
"""Validators generated by `{COMMAND}` from schemas/*.json. Do not edit.

One module per schema, each with ``is_valid(instance) -> bool``; imported on demand
by ``trainjob_migrate.validation``. The validators of fields most objects do not have are in
``<module>_rare``, which the module imports the first time one is met.
"""

{listing}
'''
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--schemas", type=Path, default=DEFAULT_SCHEMAS, help="JSON Schema directory"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output package directory")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file would change"
    )
    args = parser.parse_args(argv)
    try:
        files = generate(args.schemas)
    except (GenerateError, ImportError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out: Path = args.out
    extra = sorted(p for p in out.glob("*.py") if p.name not in files) if out.is_dir() else []
    code = write_or_check(
        files,
        out,
        check=args.check,
        command=COMMAND,
        what="generated validator files",
        extra=dict.fromkeys(extra, "no schema generates it"),
    )
    if not args.check:
        for path in extra:
            path.unlink()
            print(f"removed {path}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
