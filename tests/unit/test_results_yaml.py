"""results_yaml writes a ResourceList's results as the generic writer (yamlio.dump) does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from trainjob_migrate import krm, yamlio
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity
from trainjob_migrate.results_yaml import dump_results

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "fn"


def _generic(results: list[Result]) -> str:
    """What krm.serialize wrote before results_yaml: the representer and emitter."""
    return yamlio.dump({"results": [r.to_dict() for r in results]})


def _result(entry: dict[str, Any]) -> Result:
    ref = entry.get("resourceRef")
    file = entry.get("file")
    return Result(
        entry["message"],
        Severity(entry["severity"]),
        entry["tags"]["rule"],
        ResourceRef(ref["apiVersion"], ref["kind"], ref["name"], ref.get("namespace"))
        if ref
        else None,
        entry.get("field", {}).get("path"),
        FileRef(file["path"], file.get("index", 0)) if file else None,
    )


def _golden_results() -> list[list[Result]]:
    runs = []
    for expected in sorted(GOLDEN.glob("*/_expected.*.yaml")):
        results = yaml.safe_load(expected.read_text(encoding="utf-8")).get("results") or []
        runs.append([_result(entry) for entry in results])
    return runs


def test_the_golden_corpus_is_written_byte_for_byte_as_before():
    runs = [run for run in _golden_results() if run]
    assert sum(map(len, runs)) > 200
    for results in runs:
        assert dump_results(results) == _generic(results)


#: strings each YAML writer treats apart: quotes, indicators, booleans, numbers, dates, breaks
ODD = [
    "",
    " ",
    "a",
    "yes",
    "No",
    "on",
    "y",
    "~",
    "null",
    "1",
    "0x1F",
    "1e3",
    "1:30",
    "2024-01-02",
    "-",
    "- a",
    "a: b",
    "a:b",
    "a:",
    "a #b",
    "a#b",
    "#a",
    "'a'",
    'say "hi"',
    "it's",
    "a\nb",
    "a\n\n",
    "trailing ",
    " leading",
    "tab\there",
    "é",
    "emoji 🙂",
    "\x07bell",
    "\u2028",
    "---",
    "...",
    "<<",
    "=",
    "a, b [c] {d}",
    "%x",
    "@x",
    "!x",
    "&x",
    "*x",
    "|x",
    ">x",
    "?x",
    "? x",
    "spec.pytorchReplicaSpecs.Worker.template.spec.containers[0].image",
    "/path/to/file.yaml",
    "_x",
]
_strings = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from(list("aZ_/ :#-'\"\n.,[]{}y0é\t")), max_size=12),
)
_results = st.builds(
    Result,
    _strings,
    st.sampled_from(list(Severity)),
    _strings,
    st.none() | st.builds(ResourceRef, _strings, _strings, _strings, st.none() | _strings),
    st.none() | _strings,
    st.none() | st.builds(FileRef, _strings, st.integers(min_value=0, max_value=10**6)),
)


@settings(max_examples=int(os.environ.get("RESULTS_YAML_EXAMPLES", "400")), deadline=None)
@given(st.lists(_results, min_size=1, max_size=4))
def test_random_results_are_written_as_the_generic_writer_does(results: list[Result]):
    assert dump_results(results) == _generic(results)


@pytest.mark.parametrize("value", ODD)
def test_each_odd_string_in_every_place(value: str):
    result = Result(
        value, Severity.INFO, value, ResourceRef(value, value, value, value), value, FileRef(value)
    )
    assert dump_results([result]) == _generic([result])
    assert dump_results([result, result]) == _generic([result, result])


@pytest.mark.parametrize("config", [None, {"data": {"a": "b"}}, {"data": {"a": "kept\n\n"}}])
@pytest.mark.parametrize("last", ["plain", "kept\n\n"])
def test_serialize_writes_the_tail_as_one_document_did(config: Any, last: str):
    """functionConfig and results, written apart, are the bytes of one dump of both."""
    results = [Result("first", Severity.ERROR, "r"), Result(last, Severity.INFO, "r")]
    rl = krm.ResourceList(items=[], function_config=config, results=results)
    tail: dict[str, Any] = {}
    if config is not None:
        tail["functionConfig"] = config
    tail["results"] = [r.to_dict() for r in results]
    expected = yamlio.dump({"apiVersion": rl.api_version, "kind": "ResourceList"})
    assert krm.serialize(rl) == expected + "items: []\n" + yamlio.dump(tail)
