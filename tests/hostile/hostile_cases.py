"""Hostile inputs for the KRM function: each builds the bytes sent on stdin.

Shared by ``test_hostile_input.py`` (one test each) and ``measure.py`` (the table of what
happened, time and peak memory, run in a subprocess each). ``expect`` is a regular
expression the single error message must match, or ``None`` when the input is processed
(exit 0 or 1 with per-item results, never refused as a whole).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"

JOB = """\
- apiVersion: kubeflow.org/v1
  kind: PyTorchJob
  metadata: {name: job, namespace: ml}
  spec:
    pytorchReplicaSpecs:
      Worker:
        replicas: 2
        template:
          spec:
            containers:
            - name: pytorch
              image: example.com/train:1
              command: [torchrun, train.py]
"""


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    what: str
    build: Callable[[], bytes]
    expect: str | None
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    #: in the pass/fail suite only as a subprocess (bounded memory and time), or not at all
    heavy: bool = False


def rl(items: str) -> bytes:
    return (HEADER + "items:\n" + items).encode()


def billion_laughs() -> bytes:
    lines = [
        "- apiVersion: v1",
        "  kind: ConfigMap",
        "  metadata: {name: lol}",
        "  data:",
        '    a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"    a{i}: &a{i} [{refs}]")
    return rl("\n".join(lines) + "\n")


def quadratic_aliases() -> bytes:
    body = ", ".join(["x"] * 20_000)
    refs = "\n".join(f"    k{i}: *big" for i in range(100))
    return rl(f"- kind: ConfigMap\n  data:\n    big: &big [{body}]\n{refs}\n")


def modest_aliases() -> bytes:
    """Aliases as people use them: one template for Master and Worker."""
    return rl(
        "- apiVersion: kubeflow.org/v1\n  kind: PyTorchJob\n  metadata: {name: tpl}\n"
        "  spec:\n    pytorchReplicaSpecs:\n"
        "      Master:\n        replicas: 1\n        template: &tpl\n          spec:\n"
        "            containers:\n            - name: pytorch\n"
        "              image: example.com/t:1\n              command: [torchrun, t.py]\n"
        "              env: &env [{name: A, value: '1'}, {name: B, value: '2'}]\n"
        "      Worker: {replicas: 3, template: *tpl}\n"
    )


def recursive_alias() -> bytes:
    return rl("- &loop\n  kind: ConfigMap\n  data: {self: *loop}\n")


def deep(kind: str, depth: int) -> Callable[[], bytes]:
    def build() -> bytes:
        if kind == "flow":
            return rl("- {kind: ConfigMap, data: {x: " + "[" * depth + "]" * depth + "}}\n")
        if kind == "block":
            return rl("- kind: ConfigMap\n  data:\n    x:\n" + "      " + "- " * depth + "x\n")
        body = "[" * depth + "]" * depth
        return f'{{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [{{"kind": "ConfigMap", "x": {body}}}]}}'.encode()

    return build


def nested_map(depth: int, leaf: str = "v") -> str:
    """A flow mapping ``depth`` levels deep: {k: {k: ... v}}."""
    return "{k: " * depth + leaf + "}" * depth


def deep_via_alias() -> bytes:
    # each part is within the limit; the alias puts one inside the other
    return rl(f"- kind: ConfigMap\n  a: &a {nested_map(150)}\n  b: {nested_map(100, '*a')}\n")


def at_depth_limit_passthrough() -> bytes:
    # the item, data and x are 3 levels; the ResourceList and items 2 more: 200 in all
    return rl("- kind: ConfigMap\n  data:\n    x: " + nested_map(196) + "\n")


def at_depth_limit_in_a_job() -> bytes:
    # ResourceList, items, job, spec, pytorchReplicaSpecs, Worker, template, spec,
    # containers, [0]: 10 levels; the unknown field adds the rest up to 200
    return rl(JOB + "              unknown: " + nested_map(190) + "\n")


def at_depth_limit_with_alias() -> bytes:
    # forces the writer (an alias is never written out): no source text to keep
    return rl(f"- kind: ConfigMap\n  a: &a {nested_map(100)}\n  b: {nested_map(97, '*a')}\n")


def python_tag() -> bytes:
    return rl(
        "- kind: ConfigMap\n  data:\n"
        "    x: !!python/object/apply:os.system ['touch /tmp/trainjob-migrate-pwned']\n"
    )


def tag(text: str) -> Callable[[], bytes]:
    return lambda: rl(f"- kind: ConfigMap\n  data:\n    x: {text}\n")


def duplicate_key_yaml() -> bytes:
    return rl(
        JOB.replace(
            "  metadata: {name: job, namespace: ml}",
            "  metadata: {name: job, namespace: ml, name: other}",
        )
    )


def duplicate_key_json() -> bytes:
    return (
        b'{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": '
        b'[{"kind": "ConfigMap", "metadata": {"name": "a", "name": "b"}}]}'
    )


def latin1() -> bytes:
    return rl("- kind: ConfigMap\n  data: {x: caf\u00e9}\n").decode().encode("latin-1")


def utf16() -> bytes:
    return rl("- kind: ConfigMap\n").decode().encode("utf-16")


def bom() -> bytes:
    return b"\xef\xbb\xbf" + rl(JOB)


def crlf() -> bytes:
    return rl("- kind: ConfigMap  # kept\n  data: {x: '1'}\n" + JOB).replace(b"\n", b"\r\n")


def nul_raw() -> bytes:
    return rl("- kind: ConfigMap\n  data: {x: a\x00b}\n")


def nul_escaped() -> bytes:
    return rl('- kind: ConfigMap\n  data: {x: "a\\0b"}\n')


def big(mb: int) -> Callable[[], bytes]:
    def build() -> bytes:
        item = b"- {kind: ConfigMap, data: {x: '" + b"y" * 1000 + b"'}}\n"
        return rl("") + item * (mb * 1024 * 1024 // len(item) + 1)

    return build


def realistic(mb: float) -> Callable[[], bytes]:
    """``mb`` MiB of PyTorchJobs (all converted): the heaviest real work per byte."""

    def build() -> bytes:
        size, parts, i = 0, [], 0
        while size < mb * 1024 * 1024:
            part = JOB.replace("name: job,", f"name: job-{i},")
            parts.append(part)
            size += len(part)
            i += 1
        return rl("".join(parts))

    return build


def dense_nodes() -> bytes:
    return rl("- [" + ",".join(["[]"] * 70_000) + "]\n")


def huge_int() -> bytes:
    return rl("- kind: ConfigMap\n  x: " + "9" * 5000 + "\n")


def bad_int_tag() -> bytes:
    return rl("- kind: ConfigMap\n  x: !!int forty-two\n")


def lone_surrogate() -> bytes:
    return b'{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [{"x": "\\ud800"}]}'


def kept_block_scalar() -> bytes:
    return rl("- kind: ConfigMap\n  data:\n    script: |+\n      echo hi\n\n\n- kind: Secret\n")


def json_trailing_newlines() -> bytes:
    return json.dumps(
        {
            "apiVersion": "config.kubernetes.io/v1",
            "kind": "ResourceList",
            "items": [{"kind": "ConfigMap", "data": {"x": "a\n\n"}}, {"kind": "B"}],
        }
    ).encode()


def control_chars_in_name() -> bytes:
    return rl(
        JOB.replace("name: job,", 'name: "job\\nforged line \\e[31m",').replace(
            "image: example.com/train:1", "image: 1"
        )
    )


def path_escape_annotation() -> bytes:
    return rl(
        JOB.replace(
            "metadata: {name: job, namespace: ml}",
            "metadata: {name: job, namespace: ml, annotations: "
            "{config.kubernetes.io/path: ../../etc/passwd, config.kubernetes.io/index: '0'}}",
        )
        + "- kind: ConfigMap\n  metadata:\n    name: abs\n    annotations:\n"
        "      config.kubernetes.io/path: /etc/cron.d/x\n"
    )


CASES = [
    Case(
        "billion-laughs",
        "9 levels of 9 aliases (10^9 strings once written out)",
        billion_laughs,
        r"aliases expand the document by more than 100000 nodes",
    ),
    Case(
        "quadratic-aliases",
        "a 20 000-item list aliased 100 times",
        quadratic_aliases,
        r"aliases expand the document by more than 100000 nodes",
    ),
    Case(
        "modest-aliases",
        "one pod template aliased by Master and Worker (as people write)",
        modest_aliases,
        None,
    ),
    Case(
        "recursive-alias",
        "an alias inside its own anchor",
        recursive_alias,
        r"alias \*loop refers to the node that contains it",
    ),
    Case(
        "deep-flow-100k",
        "[[[...]]] nested 100 000 deep (used to crash: C stack overflow)",
        # libyaml >= 0.2.5 as PyYAML 6.0.4 bundles it refuses flow nesting itself, first
        deep("flow", 100_000),
        r"nesting deeper than 200 levels|exceeded maximum nesting depth",
    ),
    Case(
        "deep-block-100k",
        "'- - - ... x' nested 100 000 deep (used to crash: segfault)",
        deep("block", 100_000),
        r"nesting deeper than 200 levels",
    ),
    Case(
        "deep-json-100k",
        "JSON [[[...]]] 100 000 deep (used to: internal error, exit 3)",
        deep("json", 100_000),
        r"nesting deeper than 200 levels",
    ),
    Case(
        "deep-json-500",
        "JSON nested 500 deep (json module reads it; over the limit)",
        deep("json", 500),
        r"nesting deeper than 200 levels",
    ),
    Case(
        "deep-via-alias",
        "two 150- and 100-deep parts, one aliased into the other",
        deep_via_alias,
        r"alias \*a makes the document nest deeper than 200 levels",
    ),
    Case(
        "depth-limit-passthrough",
        "a ConfigMap exactly at the depth limit (200)",
        at_depth_limit_passthrough,
        None,
    ),
    Case(
        "depth-limit-in-job",
        "a PyTorchJob with an unknown field down to the depth limit",
        at_depth_limit_in_a_job,
        None,
    ),
    Case(
        "depth-limit-written-out",
        "at the depth limit through an alias (written out)",
        at_depth_limit_with_alias,
        None,
    ),
    Case(
        "python-object-tag",
        "!!python/object/apply:os.system [...]",
        python_tag,
        r"YAML tag '!!python/object/apply:os.system' is not supported",
    ),
    Case("binary-tag", "!!binary", tag("!!binary aGVsbG8="), r"YAML tag '!!binary'"),
    Case("set-tag", "!!set", tag("!!set {a, b}"), r"YAML tag '!!set'"),
    Case(
        "timestamp-tag",
        "!!timestamp (would be a datetime)",
        tag("!!timestamp 2025-01-01"),
        r"YAML tag '!!timestamp'",
    ),
    Case(
        "custom-tag", "!Ref (CloudFormation-style local tag)", tag("!Ref thing"), r"YAML tag '!Ref'"
    ),
    Case(
        "duplicate-key-yaml",
        "metadata with name twice (YAML)",
        duplicate_key_yaml,
        r"duplicate key 'name'",
    ),
    Case(
        "duplicate-key-json",
        "metadata with name twice (JSON)",
        duplicate_key_json,
        r"duplicate key 'name'",
    ),
    Case("latin-1", "Latin-1 bytes (é as 0xE9)", latin1, r"input is not UTF-8 \(byte \d+\)"),
    Case("utf-16", "UTF-16 with its BOM", utf16, r"input is not UTF-8 \(byte 0\)"),
    Case("utf-8-bom", "a UTF-8 byte-order mark first", bom, None),
    Case("crlf", "CRLF line breaks", crlf, None),
    Case("nul-raw", "a raw NUL byte in a value", nul_raw, r"unacceptable character #x0000"),
    Case("nul-escaped", 'an escaped NUL ("a\\0b")', nul_escaped, None),
    Case(
        "huge-int", "an integer of 5000 digits", huge_int, r"cannot read '9+\.\.\.' as an integer"
    ),
    Case("bad-int-tag", "!!int forty-two", bad_int_tag, r"cannot read 'forty-two' as an integer"),
    Case(
        "lone-surrogate",
        'JSON "\\ud800"',
        lone_surrogate,
        r"found invalid Unicode character escape code",
    ),
    Case(
        "kept-block-scalar",
        "a |+ block scalar ends an item (lost its blank lines before)",
        kept_block_scalar,
        None,
    ),
    Case(
        "json-trailing-newlines",
        "JSON string 'a\\n\\n' (was written as invalid YAML)",
        json_trailing_newlines,
        None,
    ),
    Case(
        "control-chars-in-name",
        "a job name with a line break and a terminal escape",
        control_chars_in_name,
        None,
    ),
    Case(
        "path-escape-annotations",
        "path annotations ../../etc/passwd and /etc/cron.d/x",
        path_escape_annotation,
        None,
    ),
    Case(
        "dense-nodes-1mb-limit",
        "140 001 nodes in 210 KB, with a 1 MiB limit",
        dense_nodes,
        r"more than 65536 YAML nodes",
        env={"TRAINJOB_MIGRATE_MAX_INPUT_MB": "1"},
    ),
    Case(
        "100MB",
        "100 MiB of ConfigMaps",
        big(100),
        r"it is 100\.0 MiB, over the limit of 32",
        heavy=True,
    ),
    Case(
        "jobs-19MB",
        "19 MiB of PyTorchJobs (2.07 M nodes, just under the node limit), all converted",
        realistic(19),
        None,
        heavy=True,
    ),
    Case(
        "jobs-28MB",
        "28 MiB of PyTorchJobs (over the node limit, under the size limit)",
        realistic(28),
        r"more than 2097152 YAML nodes",
        heavy=True,
    ),
]
