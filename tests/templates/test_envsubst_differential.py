"""Rendering the converted template gives what converting the rendered original gives.

For every envsubst fixture (``envsubst/*.yaml-template``, written for these tests) and every
row of a table of variable values: GNU ``envsubst`` (Debian's gettext-base) of the
template ``convert --write`` makes equals, as YAML data, the conversion of the
``envsubst``-rendered original, and every TrainJob in it validates against the target's
CRD. GNU envsubst leaves ``${VAR:-default}`` as it is, so the shell's meaning of those
forms is checked the same way with a small shell-semantics renderer.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from trainjob_migrate import validation
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.repo import engine, walk
from trainjob_migrate.results import Result, Severity
from trainjob_migrate.targets import get

FIXTURES = Path(__file__).parent / "envsubst"
ENVSUBST = shutil.which("envsubst")
needs_envsubst = pytest.mark.skipif(
    ENVSUBST is None, reason="GNU envsubst is not on PATH (Debian: apt-get install gettext-base)"
)

#: rows of values; a fixture uses the variables it names (GNU envsubst empties the others)
VALUES: list[dict[str, str]] = [
    {
        "JOB_NAME": "bert-a",
        "NAMESPACE": "team-a",
        "NUM_NODES": "1",
        "NUM_WORKERS": "1",
        "GPU_PER_NODE": "1",
        "EFA_PER_NODE": "0",
        "EFA_RDMA": "1",  # a number in an env value: must stay a string
        "IMAGE_URI": "123456789012.dkr.ecr.us-west-2.amazonaws.com/bert:latest",
        "IMAGE": "ghcr.io/acme/train:1",
        "EPOCHS": "3",
        "NCCL_DEBUG": "INFO",
        "NPROC": "8",
        "REGISTRY": "ghcr.io/acme",
        "TAG": "1.4",
        "LR": "0.001",  # a float in args: must stay a string
        "BUCKET": "corpus",
        "MEMORY": "64Gi",
        "RUN_ID": "r1",
        "GPUS": "4",
        "LOG_LEVEL": "debug",
    },
    {
        "JOB_NAME": "llama-pretrain-with-a-long-name",
        "NAMESPACE": "ml",
        "NUM_NODES": "16",
        "NUM_WORKERS": "15",
        "GPU_PER_NODE": "8",
        "EFA_PER_NODE": "32",
        "EFA_RDMA": "true",
        "IMAGE_URI": "nvcr.io/nvidia/pytorch:24.05-py3",
        "IMAGE": "train",
        "EPOCHS": "100",
        "NCCL_DEBUG": "WARN",
        "NPROC": "2",
        "REGISTRY": "localhost:5000",
        "TAG": "2",
        "LR": "1e-4",
        "BUCKET": "b",
        "MEMORY": "1000",
        "RUN_ID": "2024",
        "GPUS": "1",
        "LOG_LEVEL": "off",
    },
]
TARGETS = ["2.1", "2.3"]


def _fixtures(converts: bool) -> list[Path]:
    computed = {"master-worker-computed.yaml-template"}
    return sorted(p for p in FIXTURES.iterdir() if (p.name not in computed) == converts)


def _convert(text: str, tmp_path: Path, target: str) -> tuple[str, list[Result]]:
    """What ``convert --write`` makes of a file holding ``text`` (its text, and results)."""
    path = tmp_path / "job.yaml-template"
    path.write_text(text)
    config = FunctionConfig().replace(target_version=target, target_given=True)
    outcome = engine.convert(list(walk.files([path])), config)
    (file,) = outcome.files
    return (file.new if file.new is not None else file.raw).decode(), outcome.results


def _gnu_envsubst(text: str, env: Mapping[str, str]) -> str:
    assert ENVSUBST is not None
    return subprocess.run(
        [ENVSUBST], input=text, env=dict(env), capture_output=True, text=True, check=True
    ).stdout


_SHELL = re.compile(r"\$(?:\{([A-Za-z_]\w*)(?:(:?-)([^}]*))?\}|([A-Za-z_]\w*))")


def _shell(text: str, env: Mapping[str, str]) -> str:
    """The shell's expansion of ``$VAR``, ``${VAR}``, ``${VAR:-d}``, ``${VAR-d}`` (only those)."""

    def one(m: re.Match[str]) -> str:
        name, op, default = m.group(1) or m.group(4), m.group(2), m.group(3)
        value = env.get(name)
        if (op == ":-" and not value) or (op == "-" and value is None):
            return default
        return value or ""

    return _SHELL.sub(one, text)


def _data(text: str) -> list[Any]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _assert_commutes(
    fixture: Path,
    env: Mapping[str, str],
    render: Callable[[str, Mapping[str, str]], str],
    tmp_path: Path,
    target: str,
) -> None:
    original = fixture.read_text()
    converted, results = _convert_in(original, tmp_path, "template", target)
    assert not [r for r in results if r.severity == Severity.ERROR], results
    assert converted != original
    rendered_then_converted, later = _convert_in(
        render(original, env), tmp_path, "rendered", target
    )
    assert not [r for r in later if r.severity == Severity.ERROR], later
    assert _as_run(_data(render(converted, env))) == _as_run(_data(rendered_then_converted))
    for doc in _data(rendered_then_converted):
        if doc.get("kind") == "TrainJob" and "${" not in yaml.safe_dump(doc):
            assert validation.validate(doc, get(target).schema) == [], doc


_NPROC_FLAG = re.compile(r" --nproc[-_]per[-_]node[= ](\d+)")


def _as_run(docs: list[Any]) -> list[Any]:
    """What the pods run: a script's torchrun ``--nproc_per_node=N`` kept in the template (its
    value was a variable there) starts N processes as ``numProcPerNode: N`` does (the rendered
    job's conversion moves the literal); the same count, written two ways."""
    out = []
    for original in docs:
        doc = original
        trainer = (doc.get("spec") or {}).get("trainer") if isinstance(doc, dict) else None
        if isinstance(trainer, dict) and "numProcPerNode" not in trainer:
            doc = copy.deepcopy(original)
            trainer = doc["spec"]["trainer"]
            for key in ("command", "args"):
                for i, item in enumerate(trainer.get(key) or []):
                    found = _NPROC_FLAG.search(item)
                    if found:
                        trainer["numProcPerNode"] = int(found.group(1))
                        trainer[key][i] = item[: found.start()] + item[found.end() :]
        out.append(doc)
    return out


def _convert_in(text: str, tmp_path: Path, name: str, target: str) -> tuple[str, list[Result]]:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return _convert(text, folder, target)


@needs_envsubst
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("row", range(len(VALUES)))
@pytest.mark.parametrize("fixture", _fixtures(converts=True), ids=lambda p: p.name)
def test_envsubst_of_the_converted_template_is_the_conversion_of_the_rendering(
    fixture: Path, row: int, target: str, tmp_path: Path
) -> None:
    _assert_commutes(fixture, VALUES[row], _gnu_envsubst, tmp_path, target)


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "NUM_NODES": "3",
            "GPUS": "2",
            "IMAGE": "ghcr.io/acme/bert:2",
            "JOB_NAME": "x",
            "LOG_LEVEL": "warn",
        },
    ],
    ids=["defaults", "set"],
)
def test_defaults_render_the_same_with_the_shell(env: dict[str, str], tmp_path: Path) -> None:
    _assert_commutes(FIXTURES / "defaults.yaml-template", env, _shell, tmp_path, "2.3")


@pytest.mark.parametrize("fixture", _fixtures(converts=False), ids=lambda p: p.name)
def test_a_value_the_template_cannot_compute_is_an_error_and_the_file_stays(
    fixture: Path, tmp_path: Path
) -> None:
    original = fixture.read_text()
    converted, results = _convert(original, tmp_path, "2.3")
    assert converted == original
    (error,) = [r for r in results if r.severity == Severity.ERROR]
    assert error.rule == "placeholder"
    assert "numNodes would be 1 + $NUM_WORKERS" in error.message
    assert error.field == "spec.pytorchReplicaSpecs.Worker.replicas"
    assert (
        error.file is not None
        and error.file.line == original.splitlines().index("      replicas: $NUM_WORKERS") + 1
    )
    for env in VALUES:  # while each rendering converts, to 1 + NUM_WORKERS nodes
        text, _ = _convert_in(_shell(original, env), tmp_path, env["NUM_WORKERS"], "2.3")
        (trainjob,) = _data(text)
        assert trainjob["spec"]["trainer"]["numNodes"] == 1 + int(env["NUM_WORKERS"])


@needs_envsubst
def test_a_string_field_stays_a_string_once_rendered(tmp_path: Path) -> None:
    """``value: $NCCL_DEBUG`` with NCCL_DEBUG=1 renders an integer from the original (which
    the API server rejects); the converted template quotes it, and renders a string."""
    converted, _ = _convert((FIXTURES / "worker-only.yaml-template").read_text(), tmp_path, "2.3")
    (trainjob,) = _data(_gnu_envsubst(converted, {**VALUES[0], "NCCL_DEBUG": "1"}))
    assert {"name": "NCCL_DEBUG", "value": "1"} in trainjob["spec"]["trainer"]["env"]
    assert trainjob["spec"]["trainer"]["numNodes"] == 1  # unquoted: an integer
    assert validation.validate(trainjob, get("2.3").schema) == []
