"""Jinja and Helm templates: masked, converted, restored; unsafe ones left byte-identical.

- masking round-trips: every template fixture comes back byte for byte (no helm needed);
- Jinja: ``jinja2`` rendering of the converted template equals, as YAML data, the
  conversion of the rendered original, which validates against the target's CRD;
- Helm: the same with a real ``helm template`` when ``helm`` is on PATH, and always with
  the chart's Go-template subset (``.Values``/``.Release`` lookups, ``quote``, ``if``)
  translated to Jinja and rendered by ``jinja2``;
- templates that cannot be converted safely (blocks from ``toYaml | nindent``/``include``,
  a control line inside a job, a ``range`` emitting jobs) stay byte-identical after
  ``convert --write``, each with an error at its file and line naming the reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate import validation
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.repo import engine, walk
from trainjob_migrate.results import Severity
from trainjob_migrate.targets import get
from trainjob_migrate.templates import jinja

jinja2 = pytest.importorskip(
    "jinja2", reason="jinja2 is a test dependency (pip install -e '.[test]')"
)

HERE = Path(__file__).parent
CHART = HERE / "helm" / "training"
JINJA = HERE / "jinja" / "launcher.yaml"
HELM = shutil.which("helm")
#: chart templates that convert (expressions in scalars; blocks moved to their new depth)
SAFE = ["pytorchjob.yaml", "pytorchjob-blocks.yaml"]
#: chart templates that cannot be masked: (line, reason) of their finding
UNSAFE = {
    "pytorchjob-if-inside.yaml": (18, "a control line inside a job"),
    "pytorchjobs-range.yaml": (1, "a loop"),
}
#: chart templates masked, but whose job the conversion leaves: (line, reason)
LEFT = {"pytorchjob-resources-block.yaml": (15, "generates all of")}
JINJA_VALUES = [
    {
        "distributed": True,
        "run_name": "sft-7b",
        "team": "nlp",
        "num_nodes": 2,
        "registry": "ghcr.io/acme",
        "version": "1.0",
        "gpus": 8,
        "config": "configs/sft.yaml",
        "project": "2024",  # a number in a quoted string: stays a string
    },
    {
        "distributed": True,
        "run_name": "x",
        "team": "nlp-2",  # a label value: a YAML number here would be no valid manifest
        "num_nodes": 16,
        "registry": "localhost:5000",
        "version": "2",
        "gpus": 1,
        "config": "c",
        "project": "p",
    },
]
RELEASE = {"Name": "llm", "Namespace": "ml"}


def _templates() -> list[Path]:
    return [JINJA, *sorted((CHART / "templates").glob("*.yaml"))]


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.name)
def test_masking_round_trips(path: Path) -> None:
    text = path.read_text()
    masked = jinja.mask(text)
    if path.name in UNSAFE:
        line, reason = UNSAFE[path.name]
        assert isinstance(masked, jinja.Unsafe)
        assert masked.line == line and reason in masked.reason
        return
    assert isinstance(masked, jinja.Masked)
    assert "{{" not in masked.text and "{%" not in masked.text
    assert len(masked.text.split("\n")) == len(text.split("\n"))  # lines stay where they are
    assert jinja.restore(masked.text, masked) == text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("metadata:\n  {{ .Values.key }}: x\n", "an expression"),
        ("spec:\n  {{ .Values.spec }}\n", "generates YAML"),
        ("a: {% if x %}1{% endif %}\n", "a statement inside a line"),
        ("a: {{ toYaml .Values.x }}\n", "generates YAML"),
        ("a: {{ .Values.x\n  }}\n", "several lines"),
    ],
)
def test_unsafe_shapes(text: str, reason: str) -> None:
    masked = jinja.mask("kind: PyTorchJob\n" + text)
    assert isinstance(masked, jinja.Unsafe), text
    assert reason in masked.reason


def _convert(text: str, folder: Path, target: str = "2.3") -> tuple[str, list[Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "job.yaml"
    path.write_text(text)
    config = FunctionConfig().replace(target_version=target, target_given=True)
    outcome = engine.convert(list(walk.files([path])), config)
    (file,) = outcome.files
    return (file.new if file.new is not None else file.raw).decode(), outcome.results


def _data(text: str) -> list[Any]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _assert_commutes(text: str, render: Any, tmp_path: Path, target: str) -> None:
    converted, results = _convert(text, tmp_path / "template", target)
    assert not [r for r in results if r.severity == Severity.ERROR], results
    assert converted != text
    expected, later = _convert(render(text), tmp_path / "rendered", target)
    assert not [r for r in later if r.severity == Severity.ERROR], later
    assert _data(render(converted)) == _data(expected)
    trainjobs = [d for d in _data(expected) if d.get("kind") == "TrainJob"]
    assert trainjobs
    for doc in trainjobs:
        assert validation.validate(doc, get(target).schema) == []


def _jinja(values: dict[str, Any]) -> Any:
    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return lambda text: environment.from_string(text).render(**values)


@pytest.mark.parametrize("target", ["2.1", "2.3"])
@pytest.mark.parametrize("row", range(len(JINJA_VALUES)))
def test_jinja_render_of_the_converted_template_is_the_conversion_of_the_rendering(
    row: int, target: str, tmp_path: Path
) -> None:
    _assert_commutes(JINJA.read_text(), _jinja(JINJA_VALUES[row]), tmp_path, target)


def test_helpers_and_values_are_not_touched(tmp_path: Path) -> None:
    work = tmp_path / "chart"
    shutil.copytree(CHART, work)
    config = FunctionConfig().replace(target_version="2.3", target_given=True)
    outcome = engine.convert(list(walk.files([work])), config)
    new = {Path(f.found.path).name: f.new for f in outcome.files}
    assert new["values.yaml"] is None and new["Chart.yaml"] is None
    assert "_helpers.tpl" not in new  # not YAML: never read
    assert all(new[name] is not None for name in SAFE)


#: the Go-template subset of the chart's templates, as Jinja (helpers as functions)
_GO = [
    (re.compile(r"\{\{(-?)\s*if\s+\.Values\.(\w+)\s*\}\}"), r"{%\1 if Values.\2 %}"),
    (re.compile(r"\{\{(-?)\s*end\s*\}\}"), r"{%\1 endif %}"),
    (
        re.compile(r"\{\{\s*\.(Values|Release)\.([\w.]+)\s*\|\s*quote\s*\}\}"),
        r"{{ \1.\2 | tojson }}",
    ),
    (re.compile(r"\{\{\s*\.(Values|Release)\.([\w.]+)\s*\}\}"), r"{{ \1.\2 }}"),
    (
        re.compile(r"\{\{(-?)\s*toYaml\s+\.Values\.(\w+)\s*\|\s*nindent\s+(\d+)\s*\}\}"),
        r"{{\1 Values.\2 | toyaml | nindent(\3) }}",
    ),
    (
        re.compile(r'\{\{(-?)\s*include\s+"([\w.]+)"\s+\.\s*\|\s*nindent\s+(\d+)\s*\}\}'),
        r'{{\1 include("\2") | nindent(\3) }}',
    ),
    (re.compile(r'\{\{\s*include\s+"([\w.]+)"\s+\.\s*\}\}'), r'{{ include("\1") }}'),
]
#: _helpers.tpl, as the chart defines it
_HELPERS = {
    "training.name": "{Name}-training",
    "training.labels": "app.kubernetes.io/name: training\napp.kubernetes.io/instance: {Name}",
}


def _helm_subset(values: dict[str, Any]) -> Any:
    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    environment.filters["toyaml"] = lambda v: yaml.safe_dump(v, sort_keys=True).rstrip("\n")
    environment.filters["nindent"] = lambda text, n: (
        "\n" + "\n".join(" " * n + line for line in str(text).split("\n"))
    )

    def render(text: str) -> str:
        for pattern, replacement in _GO:
            text = pattern.sub(replacement, text)
        assert "{{ ." not in text and "{{- ." not in text, text  # the fixture stays in the subset
        return environment.from_string(text).render(
            Values=values,
            Release=RELEASE,
            include=lambda name: _HELPERS[name].format(**RELEASE),
        )

    return render


def _chart_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return values


@pytest.mark.parametrize("name", SAFE)
@pytest.mark.parametrize("workers", [1, 4])
def test_helm_subset_render_of_the_converted_template_is_the_conversion_of_the_rendering(
    name: str, workers: int, tmp_path: Path
) -> None:
    values = {**_chart_values(), "workers": workers}
    text = (CHART / "templates" / name).read_text()
    _assert_commutes(text, _helm_subset(values), tmp_path, "2.3")


@pytest.mark.e2e
@pytest.mark.skipif(
    HELM is None, reason="helm is not on PATH (https://helm.sh/docs/intro/install/)"
)
def test_helm_template_of_the_converted_chart_is_the_conversion_of_the_rendering(
    tmp_path: Path,
) -> None:
    assert HELM is not None
    work = tmp_path / "chart"
    shutil.copytree(CHART, work)
    for name in [*UNSAFE, *LEFT]:
        (work / "templates" / name).unlink()

    def render(text: str) -> str:
        (work / "templates" / "pytorchjob.yaml").write_text(text)
        return subprocess.run(
            [HELM, "template", "llm", str(work), "--namespace", "ml"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    _assert_commutes((CHART / "templates" / "pytorchjob.yaml").read_text(), render, tmp_path, "2.3")


def test_unsafe_templates_stay_byte_identical_with_a_finding(tmp_path: Path) -> None:
    work = tmp_path / "chart"
    shutil.copytree(CHART, work)
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "convert", "--write", "."],
        cwd=work, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in run.stderr
    for name, (line, reason) in {**UNSAFE, **LEFT}.items():
        assert (work / "templates" / name).read_bytes() == (CHART / "templates" / name).read_bytes()
        finding = next(x for x in run.stderr.splitlines() if f"templates/{name}:" in x)
        assert f"templates/{name}:{line}: error:" in finding and reason in finding, finding
    for name in SAFE:
        assert (work / "templates" / name).read_bytes() != (CHART / "templates" / name).read_bytes()


def test_a_job_whose_kind_or_api_version_is_an_expression_is_reported(tmp_path: Path) -> None:
    text = (CHART / "templates" / "pytorchjob.yaml").read_text()
    text = text.replace("apiVersion: kubeflow.org/v1", "apiVersion: {{ .Values.apiVersion }}")
    converted, results = _convert(text, tmp_path)
    assert converted == text
    (error,) = [r for r in results if r.severity == Severity.ERROR]
    assert "apiVersion or kind is an expression" in error.message
    assert error.file is not None and error.file.line == 4  # its kind line


def test_a_helm_variable_set_on_its_own_line_is_a_control_line(tmp_path: Path) -> None:
    """``{{- $gpus := .Values.gpus -}}`` emits nothing (Helm's ``{% set %}``), as the top of
    kubeflow/arena's charts/pytorchjob/templates/pytorchjob.yaml sets four: it was refused as
    a line that "generates YAML", and every chart that starts so was left unconverted."""
    text = (
        "{{- $gpuCount := .Values.gpuCount -}}\n"
        "{{- $name = .Release.Name }}\n"
        "apiVersion: kubeflow.org/v1\n"
        "kind: PyTorchJob\n"
        "metadata:\n"
        "  name: {{ .Release.Name }}\n"
        "spec:\n"
        "  pytorchReplicaSpecs:\n"
        "    Master:\n"
        "      replicas: 1\n"
        "      template:\n"
        "        spec:\n"
        "          containers:\n"
        "            - name: pytorch\n"
        "              image: {{ .Values.image }}\n"
        "              command: [torchrun, train.py]\n"
    )
    masked = jinja.mask(text)
    assert isinstance(masked, jinja.Masked)
    assert jinja.restore(masked.text, masked) == text
    converted, results = _convert(text, tmp_path)
    assert not [r for r in results if r.severity == Severity.ERROR], results
    assert converted.startswith(
        "{{- $gpuCount := .Values.gpuCount -}}\n{{- $name = .Release.Name }}\n"
    )
    assert "kind: TrainJob" in converted and "image: {{ .Values.image }}" in converted
