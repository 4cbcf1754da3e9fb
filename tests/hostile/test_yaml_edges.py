"""Regression tests for what fuzzing found at the wire (each with its minimal input)."""

from __future__ import annotations

import json

import pytest
from fuzz_invariants import check, run_fn

from trainjob_migrate import krm, yamlio

HEADER = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"


def items_after_a_run(text: str) -> list[object]:
    run = check(text.encode())
    return krm.parse(run.stdout).items


@pytest.mark.parametrize(
    "tail",
    [
        "script: |+\n      echo hi\n\n\n",  # kept blank lines (were silently dropped)
        "script: |\n      echo hi  \n",  # trailing spaces on the last line (were dropped)
        "script: |+\n\n",  # a kept block of one blank line
        "script: |\n      no line break at the end of the input",  # (gained one)
        "script: |-\n      stripped\n",
    ],
)
def test_a_block_scalar_ending_an_item_keeps_its_value(tail: str) -> None:
    text = HEADER + "- kind: ConfigMap\n  data:\n    " + tail
    if not tail.endswith("input"):
        text += "- kind: Secret\n"
    assert items_after_a_run(text) == krm.parse(text).items


@pytest.mark.parametrize(
    "value", ["\n", "\n\n", "a\n\n", " \n", "x  \n", "...", "a\n...\n", "\n0", "  \n x"]
)
def test_strings_at_the_edge_of_block_scalars_are_written_as_valid_yaml(value: str) -> None:
    """PyYAML ends a document with ``...`` after a kept block scalar: inside the item list
    that marker was invalid YAML (the whole output unreadable). A string item starting with
    a blank line or a space gets an indentation indicator (``|2-``) that re-indenting broke."""
    for item in (value, {"k": value}, [value], [[value]]):
        rl = {
            "apiVersion": "config.kubernetes.io/v1",
            "kind": "ResourceList",
            "items": [item, {"kind": "Next"}],
        }
        for data in (json.dumps(rl), yamlio.dump(rl)):
            assert items_after_a_run(data) == rl["items"]


@pytest.mark.parametrize(
    ("plain", "value"),
    [
        ("=", "="),
        ("1:30", "1:30"),
        ("190:20:30.15", "190:20:30.15"),
        ("on", "on"),
        ("2025-01-01", "2025-01-01"),
        ("0x1F", 31),
        ("1_000", 1000),
        ("true", True),
    ],
)
def test_scalars_are_read_as_kubernetes_reads_them(plain: str, value: object) -> None:
    """YAML 1.1 read ``=`` as a "value" tag (an error) and ``1:30`` as the int 90."""
    assert yamlio.load(f"x: {plain}") == {"x": value}


def test_odd_line_breaks_do_not_corrupt_kept_sources() -> None:
    """libyaml reads NEL, LS and PS as line breaks; re-indenting by LF alone would not."""
    text = HEADER + '    - kind: A\n      x: 1\x85      y: 2\n    - kind: B\n      c: "x\u2028y"\n'
    assert items_after_a_run(text) == krm.parse(text).items


def test_json_reads_like_yaml_where_the_json_module_differs() -> None:
    base = '{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [%s]}'
    # NaN is no JSON number: YAML reads the flow mapping, where NaN is a string
    assert krm.parse(base % '{"x": NaN}').items == [{"x": "NaN"}]
    # a surrogate pair is a character; a lone surrogate is refused (it cannot be written)
    assert krm.parse(base % '{"x": "\\ud83d\\ude00"}').items == [{"x": "\U0001f600"}]
    assert "invalid Unicode" in run_fn((base % '{"x": "\\udc00"}').encode()).stderr
    # a duplicate key is named, as in YAML
    assert "duplicate key 'a'" in run_fn((base % '{"a": 1, "a": 2}').encode()).stderr


def test_the_input_size_limit_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(yamlio.MAX_INPUT_ENV, "0.001")
    run = run_fn((HEADER + "- kind: ConfigMap\n" * 100).encode())
    assert run.code == 1
    assert "over the limit of 0.000999451 MiB" in run.stderr
    assert f"{yamlio.MAX_INPUT_ENV}=<MiB>" in run.stderr
    monkeypatch.setenv(yamlio.MAX_INPUT_ENV, "lots")
    assert "expected a positive number of MiB" in run_fn(b"{}").stderr
    monkeypatch.setenv(yamlio.MAX_INPUT_ENV, "64")
    assert yamlio.max_input_bytes() == 64 * 1024 * 1024
    assert yamlio.max_nodes() == 4 * 1024 * 1024


def test_the_node_limit_applies_to_json_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(yamlio.MAX_INPUT_ENV, "0.01")  # 655 nodes
    body = ",".join(["[]"] * 700)
    text = '{"apiVersion": "v1", "kind": "ResourceList", "items": [' + body + "]}"
    run = run_fn(text.encode())
    assert "more than 655 nodes" in run.stderr


def test_a_non_string_key_in_a_job_is_named_not_a_crash() -> None:
    job = (
        "- apiVersion: kubeflow.org/v1\n  kind: PyTorchJob\n  metadata: {name: j}\n"
        "  spec:\n    runPolicy: {false: null}\n    pytorchReplicaSpecs:\n      Worker:\n"
        "        template: {spec: {containers: [{name: pytorch, image: t, command: [torchrun, t.py]}]}}\n"
    )
    run = run_fn((HEADER + job).encode())
    assert "internal error" not in run.stderr
    assert "spec.runPolicy: key false is not a string" in run.stderr, run.stderr
