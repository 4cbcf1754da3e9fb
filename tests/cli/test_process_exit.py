"""The lean runs (fn, kustomize-plugin, a plain check) end the process without the
interpreter's teardown (cli._exit_now): what they write must still all arrive, with the exit
code the command returned — compared with the same command run in-process."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from trainjob_migrate.cli import main

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"


def _large_resource_list() -> bytes:
    """The quickstart's items, 120 times over under other names: several pipe buffers of
    output, and an error result (a refused job) for a non-zero exit code."""
    rl = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))
    items = []
    for n in range(120):
        for original in rl["items"]:
            item = copy.deepcopy(original)
            item["metadata"]["name"] = f"{item['metadata']['name']}-{n}"
            items.append(item)
    broken = copy.deepcopy(next(i for i in items if i["kind"] == "PyTorchJob"))
    broken["metadata"]["name"] = "refused"
    broken["spec"]["pytorchReplicaSpecs"]["Worker"] = {"replicas": "two"}
    items.append(broken)
    rl["items"] = items
    return yaml.safe_dump(rl, sort_keys=False).encode()


def _in_process(argv: list[str], stdin: bytes) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(sys, "stdin", stdin_stream)
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _as_process(argv: list[str], stdin: bytes) -> tuple[int, str, str]:
    # buffered, as kustomize and kpt run it (an environment may set PYTHONUNBUFFERED)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    run = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", *argv],
        input=stdin,
        capture_output=True,
        check=False,
        env=env,
    )
    return run.returncode, run.stdout.decode(), run.stderr.decode()


def test_fn_as_a_process_writes_what_it_writes_in_process():
    stdin = _large_resource_list()
    code, out, err = _as_process(["fn"], stdin)
    assert len(out) > 4 * 65536  # more than a pipe holds
    assert code == 1, err  # the refused job
    assert (code, out, err) == _in_process(["fn"], stdin)


def test_fn_as_a_process_writes_a_small_output_whole():
    """Less than the stdout buffer: written only by the flush before the exit."""
    stdin = QUICKSTART.read_bytes()
    code, out, err = _as_process(["fn"], stdin)
    assert 0 < len(out) < 8192
    assert (code, out, err) == _in_process(["fn"], stdin)


def test_a_plain_check_as_a_process_exits_with_its_code(tmp_path: Path):
    rl = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))
    job = next(i for i in rl["items"] if i["kind"] == "PyTorchJob")
    job["metadata"].pop("annotations", None)
    manifest = tmp_path / "job.yaml"
    manifest.write_text(yaml.safe_dump(job, sort_keys=False), encoding="utf-8")
    code, out, err = _as_process(["check", str(manifest)], b"")
    assert code in (2, 3), out + err  # a v1 job remains
    assert "PyTorchJob" in out
    assert (code, out, err) == _in_process(["check", str(manifest)], b"")


def test_the_plugin_as_a_process_writes_the_stream(tmp_path: Path):
    config = tmp_path / "migration.yaml"
    config.write_text(
        "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
        "metadata:\n  name: migrate\n",
        encoding="utf-8",
    )
    # without the refused job: a plugin with an error fails the build, writing no stream
    items = yaml.safe_load(_large_resource_list())["items"][:-1]
    stream = yaml.safe_dump_all(items, sort_keys=False).encode()
    code, out, err = _as_process(["kustomize-plugin", str(config)], stream)
    assert code == 0, err
    assert out.count("\nkind: TrainJob\n") > 100
    assert (code, out, err) == _in_process(["kustomize-plugin", str(config)], stream)


def test_the_plugin_reads_stdin_bounded(tmp_path: Path):
    """As fn and `convert -` (krm.read_input): /dev/zero on stdin stops at the input limit."""
    config = tmp_path / "migration.yaml"
    config.write_text(
        "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
        "metadata:\n  name: migrate\n",
        encoding="utf-8",
    )
    with Path("/dev/zero").open("rb") as zero:
        run = subprocess.run(
            [sys.executable, "-m", "trainjob_migrate", "kustomize-plugin", str(config)],
            stdin=zero,
            capture_output=True,
            timeout=60,
            env={**os.environ, "TRAINJOB_MIGRATE_MAX_INPUT_MB": "1"},
            check=False,
        )
    assert run.returncode == 1
    assert b"over the limit of 1 MiB" in run.stderr
    assert run.stdout == b""
