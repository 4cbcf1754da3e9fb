#!/usr/bin/env python3
"""Generate the JSON Schemas in ``schemas/`` from the upstream Kubeflow CRDs in ``upstream/``.

Each CRD's served/storage ``openAPIV3Schema`` becomes a compact, standalone JSON Schema
(draft 2020-12), strict like ``kubectl --validate=strict``: unknown fields are rejected.
Run ``python tools/generate_schemas.py`` to regenerate and ``--check`` to verify (exit 1 when a
generated file differs). Only the standard library and PyYAML are used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tools beside this one
from generated_files import write_or_check

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_UPSTREAM: Final = REPO_ROOT / "upstream"
DEFAULT_OUT: Final = REPO_ROOT / "schemas"
COMMAND: Final = "python tools/generate_schemas.py"
DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX: Final = "https://trainjob-migrate.dev/schemas/"


@dataclass(frozen=True, slots=True)
class Source:
    """One generated schema: its name and the upstream CRD it is made from."""

    name: str  # output file is <name>.json
    repo: str  # upstream repository the CRD was copied from
    tag: str  # upstream release tag
    upstream_path: str  # path of the CRD inside that repository at that tag
    release: str  # human name of the release

    @property
    def path(self) -> str:
        """Where the CRD is under ``upstream/`` (see tools/vendor_upstream.py)."""
        return f"{self.repo}/{self.tag}/{self.upstream_path}"


def _v1(name: str, plural: str) -> Source:
    return Source(
        name=f"{name}-v1",
        repo="kubeflow/trainer",
        tag="v1.9.4",
        upstream_path=f"manifests/base/crds/kubeflow.org_{plural}.yaml",
        release="Kubeflow Training Operator v1.9.4 (release-1.9 line)",
    )


def _trainer(tag: str) -> tuple[Source, ...]:
    minor = tag[1:].rsplit(".", 1)[0]  # v2.3.0 -> 2.3
    return tuple(
        Source(
            name=f"{name}-{minor}",
            repo="kubeflow/trainer",
            tag=tag,
            upstream_path=f"manifests/base/crds/trainer.kubeflow.org_{name}s.yaml",
            release=f"Kubeflow Trainer {tag}",
        )
        for name in ("trainjob", "trainingruntime", "clustertrainingruntime")
    )


def _target_releases() -> tuple[str, ...]:
    """The Trainer release whose CRDs stand for each target (``Target.release``: the newest
    patch of the minor release): the package's one list of releases."""
    sys.path.insert(0, str(REPO_ROOT / "function"))
    from trainjob_migrate.targets import all_targets

    return tuple(t.release for t in all_targets())


TRAINER_TAGS: Final = _target_releases()

SOURCES: Final[tuple[Source, ...]] = (
    _v1("pytorchjob", "pytorchjobs"),
    _v1("tfjob", "tfjobs"),
    _v1("mpijob", "mpijobs"),
    _v1("xgboostjob", "xgboostjobs"),
    _v1("jaxjob", "jaxjobs"),
    _v1("paddlejob", "paddlejobs"),
    Source(
        name="mpijob-v2beta1",
        repo="kubeflow/mpi-operator",
        tag="v0.8.0",
        upstream_path="manifests/base/kubeflow.org_mpijobs.yaml",
        release="Kubeflow MPI Operator v0.8.0",
    ),
    *(source for tag in TRAINER_TAGS for source in _trainer(tag)),
)

# Keywords copied unchanged (their meaning is the same in OpenAPI v3 and JSON Schema 2020-12).
_COPIED: Final = frozenset(
    {
        "type", "format", "enum", "required", "pattern",
        "minimum", "maximum", "multipleOf",
        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties",
    }
)  # fmt: skip
_SUBSCHEMA: Final = frozenset({"items", "not"})
_SUBSCHEMA_LISTS: Final = frozenset({"anyOf", "allOf", "oneOf"})
# Keywords handled by hand in convert_schema (translated into JSON Schema terms).
_TRANSLATED: Final = frozenset(
    {
        "properties", "additionalProperties", "nullable",
        "exclusiveMinimum", "exclusiveMaximum",
        "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource",
    }
)  # fmt: skip
# Dropped: documentation, defaults (applied by the API server, not validated) and the
# x-kubernetes-* annotations that carry merge semantics or CEL rules (not evaluable here).
_DROPPED: Final = frozenset(
    {
        "description", "default", "example", "title", "externalDocs",
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
        "x-kubernetes-validations",
    }
)  # fmt: skip
_KNOWN: Final = _COPIED | _SUBSCHEMA | _SUBSCHEMA_LISTS | _TRANSLATED | _DROPPED
_INT_OR_STRING_ANYOF: Final = ({"type": "integer"}, {"type": "string"})


class GenerateError(Exception):
    """The CRD holds something this generator cannot translate faithfully."""


def convert_schema(node: Any, where: str = "") -> dict[str, Any]:
    """Translate one OpenAPI v3 (structural CRD) schema node into JSON Schema 2020-12."""
    if not isinstance(node, Mapping):
        raise GenerateError(f"{where}: schema node is a {type(node).__name__}, not a mapping")
    unknown = sorted(set(node) - _KNOWN)
    if unknown:
        raise GenerateError(f"{where}: unsupported keyword(s) {', '.join(unknown)}")

    out: dict[str, Any] = {key: node[key] for key in _COPIED if key in node}
    if "enum" in out and out.get("type") == "string":
        bad = [v for v in out["enum"] if not isinstance(v, str)]
        if bad:  # a YAML 1.1 surprise such as an unquoted `On` read as a boolean
            raise GenerateError(f"{where}: string enum holds non-strings {bad!r}")
    for key in _SUBSCHEMA & set(node):
        out[key] = convert_schema(node[key], f"{where}.{key}")
    for key in _SUBSCHEMA_LISTS & set(node):
        out[key] = [convert_schema(sub, f"{where}.{key}[{i}]") for i, sub in enumerate(node[key])]
    if "properties" in node:
        out["properties"] = {
            prop: convert_schema(sub, f"{where}.{prop}") for prop, sub in node["properties"].items()
        }
    if "additionalProperties" in node:
        extra = node["additionalProperties"]
        out["additionalProperties"] = (
            extra if isinstance(extra, bool) else convert_schema(extra, f"{where}[*]")
        )
    # OpenAPI 3.0 spells exclusive bounds as booleans next to minimum/maximum.
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(exclusive) is True:
            if bound not in out:
                raise GenerateError(f"{where}: {exclusive} without {bound}")
            out[exclusive] = out.pop(bound)

    if node.get("x-kubernetes-embedded-resource") is True:
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    if node.get("x-kubernetes-int-or-string") is True:
        any_of = out.pop("anyOf", None)
        if any_of is not None and sorted(any_of, key=json.dumps) != list(_INT_OR_STRING_ANYOF):
            raise GenerateError(f"{where}: int-or-string with an unexpected anyOf {any_of!r}")
        out["type"] = ["integer", "string"]
    preserve_unknown = node.get("x-kubernetes-preserve-unknown-fields") is True
    if "properties" in out and "additionalProperties" not in out and not preserve_unknown:
        out["additionalProperties"] = False
    if node.get("nullable") is True:
        _allow_null(out)
    return out


def _allow_null(schema: dict[str, Any]) -> None:
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            schema[key] = [*schema[key], {"type": "null"}]


def _served_version(crd: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    versions = [v for v in crd["spec"]["versions"] if v.get("served")]
    storage = [v for v in versions if v.get("storage")]
    chosen = storage or versions
    if len(chosen) != 1:
        names = [v.get("name") for v in crd["spec"]["versions"]]
        raise GenerateError(f"{where}: cannot pick one served/storage version among {names}")
    version: Mapping[str, Any] = chosen[0]
    return version


def _crd_document(path: Path) -> Mapping[str, Any]:
    with path.open("rb") as stream:
        docs = [d for d in yaml.load_all(stream, Loader=yaml.CSafeLoader) if d]
    crds = [d for d in docs if d.get("kind") == "CustomResourceDefinition"]
    if len(crds) != 1:
        raise GenerateError(f"{path}: expected one CustomResourceDefinition, found {len(crds)}")
    crd: Mapping[str, Any] = crds[0]
    return crd


def _dump(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n"


@dataclass(frozen=True, slots=True)
class _Built:
    source: Source
    text: str
    kind: str
    api_version: str
    sha256: str


def build_schema(source: Source, upstream: Path) -> _Built:
    """Build the text of one generated schema file."""
    path = upstream / source.path
    raw = path.read_bytes()
    crd = _crd_document(path)
    version = _served_version(crd, source.path)
    api_version = f"{crd['spec']['group']}/{version['name']}"
    kind = crd["spec"]["names"]["kind"]
    root = convert_schema(version["schema"]["openAPIV3Schema"], kind)
    schema = {
        "$schema": DRAFT,
        "$id": f"{ID_PREFIX}{source.name}.json",
        "$comment": (
            f"Generated by `{COMMAND}` from {source.repo}@{source.tag}:{source.upstream_path}"
            f" ({source.release}; CRD {crd['metadata']['name']}, version {version['name']})."
            " Do not edit."
        ),
        **root,
    }
    return _Built(source, _dump(schema), kind, api_version, hashlib.sha256(raw).hexdigest())


def render_sources(built: Sequence[_Built]) -> str:
    """Render ``schemas/SOURCES.md``: where each generated schema came from."""
    rows = "\n".join(
        f"| `{b.source.name}.json` | {b.kind} (`{b.api_version}`) | {b.source.release} |"
        f" `{b.source.repo}@{b.source.tag}:{b.source.upstream_path}` | `{b.source.path}` |"
        f" `{b.sha256[:16]}` |"
        for b in built
    )
    return f"""\
# schemas/ — provenance (generated by `{COMMAND}`; do not edit)

Every `*.json` here except `function-config.json` (hand-written) is generated from the upstream
CRDs vendored in `upstream/` (commits, hashes and licenses in `upstream/SOURCES.md`). Regenerate
with `{COMMAND}`; `{COMMAND} --check` exits 1 when a file here is out of date.

| schema | kind (apiVersion) | release | upstream file | local copy (under upstream/) | sha256[:16] |
|---|---|---|---|---|---|
{rows}

How the CRD's served/storage `openAPIV3Schema` is translated (JSON Schema draft 2020-12):

- `description`, `default`, `example` and the `x-kubernetes-*` annotations are dropped; CEL rules
  (`x-kubernetes-validations`) are not recorded (they cannot be evaluated here).
- `x-kubernetes-int-or-string: true` becomes `"type": ["integer", "string"]` (its `anyOf` removed);
  `nullable: true` also allows `null`.
- Every object with `properties`, no `additionalProperties` and no
  `x-kubernetes-preserve-unknown-fields: true` gets `"additionalProperties": false` (the root too),
  as with `kubectl --validate=strict`. `metadata` stays a free-form object, as in the CRD.
- Output is `json.dumps(sort_keys=True, separators=(",", ":"))` plus a newline.
"""


def generate(upstream: Path, out: Path = DEFAULT_OUT) -> dict[str, str]:
    """Return {file name: content} for every generated file."""
    built = [build_schema(source, upstream) for source in SOURCES]
    files = {f"{b.source.name}.json": b.text for b in built}
    files["SOURCES.md"] = render_sources(built)
    config = out / "function-config.json"
    if config.is_file():
        files[config.name] = sync_target_versions(config.read_text(encoding="utf-8"))
    return files


_TARGET_ENUM: Final = re.compile(r'("targetVersion": \{"enum": \[)([^\]]*)(\])')


def sync_target_versions(text: str) -> str:
    """The hand-written ``function-config.json`` with its ``targetVersion`` enums made from the
    package's one list of releases (``targets.VERSIONS``): as strings (ConfigMap data), and
    also as YAML numbers where the schema accepts them (the typed kind's ``targetVersion: 2.3``)."""
    sys.path.insert(0, str(REPO_ROOT / "function"))
    from trainjob_migrate.targets import VERSIONS

    def enum(match: re.Match[str]) -> str:
        numbers = any(not v.strip().startswith('"') for v in match.group(2).split(","))
        values = [json.dumps(v) for v in VERSIONS] + (list(VERSIONS) if numbers else [])
        return f"{match.group(1)}{', '.join(values)}{match.group(3)}"

    return _TARGET_ENUM.sub(enum, text)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--upstream",
        type=Path,
        default=DEFAULT_UPSTREAM,
        help="the vendored upstream files (default: upstream/ of this repository)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any file would change"
    )
    args = parser.parse_args(argv)
    upstream: Path = args.upstream
    out: Path = args.out
    if not upstream.is_dir():
        parser.error(f"upstream directory not found: {upstream}")
    try:
        files = generate(upstream, out)
    except (GenerateError, OSError, yaml.YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    return write_or_check(
        files, out, check=args.check, command=COMMAND, what="generated files", display=_display
    )


if __name__ == "__main__":
    raise SystemExit(main())
