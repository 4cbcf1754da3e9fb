"""With a server running, `fn` and `kustomize-plugin CONFIG` write the very bytes and exit with
the very code they do without one: clean jobs, warnings, errors, invalid options, input that
is not YAML, empty or over the size limit (the last ones run in the client's own process)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from serverkit import Server

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"
PLUGIN = REPO / "examples" / "kustomize-legacy-plugin"


def _resource_list(
    items: list[dict[str, object]], config: dict[str, object] | None = None
) -> bytes:
    rl: dict[str, object] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList"}
    if config is not None:
        rl["functionConfig"] = config
    rl["items"] = items
    return yaml.safe_dump(rl, sort_keys=False).encode()


def _items() -> list[dict[str, object]]:
    items: list[dict[str, object]] = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))["items"]
    return items


def _job() -> dict[str, object]:
    return next(i for i in _items() if i["kind"] == "PyTorchJob")


def _refused() -> dict[str, object]:
    """A job the conversion refuses (an error result): replicas that are no number."""
    job = copy.deepcopy(_job())
    job["metadata"]["name"] = "refused"  # type: ignore[index]
    job["spec"]["pytorchReplicaSpecs"]["Worker"] = {"replicas": "two"}  # type: ignore[index]
    return job


def _many() -> bytes:
    """Many jobs and a refused one: output over several pipe buffers, exit 1."""
    items = []
    for n in range(60):
        for original in _items():
            item = copy.deepcopy(original)
            item["metadata"]["name"] = f"{item['metadata']['name']}-{n}"  # type: ignore[index]
            items.append(item)
    return _resource_list([*items, _refused()])


def _trainer_v2(valid: bool) -> bytes:
    """A repository after the migration: fn's own output, whose TrainJobs a run validates
    (schema, CEL rules); ``valid`` False: one of them breaks its schema."""
    result = subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "fn"],
        input=QUICKSTART.read_bytes(),
        capture_output=True,
        env={**os.environ, "TRAINJOB_MIGRATE_SERVER": "off"},
        check=True,
    )
    rl = yaml.safe_load(result.stdout)
    if not valid:
        trainjob = next(i for i in rl["items"] if i["kind"] == "TrainJob")
        trainjob["spec"]["trainer"]["numNodes"] = "many"
    return yaml.safe_dump(rl, sort_keys=False).encode()


#: name -> (stdin, extra environment, whether the server answers it)
FN_INPUTS: dict[str, tuple[bytes, dict[str, str], bool]] = {
    "quickstart (warnings)": (QUICKSTART.read_bytes(), {}, True),
    "one clean job": (_resource_list([_job()]), {}, True),
    "a refused job (errors)": (_resource_list([_job(), _refused()]), {}, True),
    "invalid functionConfig": (
        _resource_list(
            [_job()], {"apiVersion": "v1", "kind": "ConfigMap", "data": {"targetVersion": "9.9"}}
        ),
        {},
        True,
    ),
    "many jobs": (_many(), {}, True),
    "Trainer v2 objects": (_trainer_v2(valid=True), {}, True),
    "an invalid TrainJob": (_trainer_v2(valid=False), {}, True),
    "not YAML": (b"{[: this is: not yaml\n", {}, True),
    "not UTF-8": (b"kind: ResourceList\nitems: [\xff\xfe]\n", {}, True),
    "empty": (b"", {}, True),
    "over the size limit": (
        QUICKSTART.read_bytes(),
        {"TRAINJOB_MIGRATE_MAX_INPUT_MB": "0.001"},
        False,
    ),
    "a smaller limit it fits": (
        QUICKSTART.read_bytes(),
        {"TRAINJOB_MIGRATE_MAX_INPUT_MB": "1"},
        True,
    ),
    "an invalid limit": (QUICKSTART.read_bytes(), {"TRAINJOB_MIGRATE_MAX_INPUT_MB": "lots"}, False),
}


def _stream(items: list[dict[str, object]]) -> bytes:
    return yaml.safe_dump_all(items, sort_keys=False).encode()


_CONFIG = (PLUGIN / "trainjob-migration.yaml").read_bytes()
_INVALID_CONFIG = _CONFIG.replace(b'targetVersion: "2.3"', b'targetVersion: "9.9"')

#: name -> (config file's bytes or None for no file, stdin, whether the server answers it)
PLUGIN_INPUTS: dict[str, tuple[bytes | None, bytes, bool]] = {
    "example (warnings)": (_CONFIG, (PLUGIN / "training.yaml").read_bytes(), True),
    "one clean job": (_CONFIG, _stream([_job()]), True),
    "a refused job (errors)": (_CONFIG, _stream([_job(), _refused()]), True),
    "invalid config": (_INVALID_CONFIG, _stream([_job()]), True),
    "config not YAML": (b"{[: no", _stream([_job()]), True),
    "no config file": (None, _stream([_job()]), False),
    "not YAML": (_CONFIG, b"- just\n- a list\n", True),
    "empty": (_CONFIG, b"", True),
}


def test_fn_writes_the_same_bytes_with_and_without_the_server(server: Server):
    expected = server.served()
    for name, (stdin, env, answered) in FN_INPUTS.items():
        served, alone = server.run(["fn"], stdin, **env)
        assert served == alone, name
        expected += answered
        server.wait_served(expected)  # it was the server's answer (or, said so, not)
    assert b"kind: TrainJob" in server.run(["fn"], QUICKSTART.read_bytes())[0].out


@pytest.mark.parametrize("name", sorted(PLUGIN_INPUTS))
def test_the_plugin_writes_the_same_bytes_with_and_without_the_server(
    server: Server, name: str, tmp_path: Path
):
    config, stdin, answered = PLUGIN_INPUTS[name]
    if config is not None:
        (tmp_path / "migration.yaml").write_bytes(config)
    before = server.served()
    # a relative path, as kustomize passes it: the client reads it in its own directory
    served, alone = server.run(["kustomize-plugin", "migration.yaml"], stdin, cwd=tmp_path)
    assert served == alone
    server.wait_served(before + answered)
    if name == "example (warnings)":
        assert (
            served.code == 0 and b"\nkind: TrainJob\n" in served.out and b"[warning]" in served.err
        )


def _to(where: str, path: Path, argv: list[str], env: dict[str, str], stdin: bytes) -> bytes:
    """stdout's bytes of a run whose stdout is a pipe, a new file, or a file after its start."""
    if where == "pipe":
        return subprocess.run(
            [sys.executable, "-m", "trainjob_migrate", *argv],
            input=stdin,
            capture_output=True,
            env=env,
            timeout=60,
            check=False,
        ).stdout
    path.write_bytes(b"" if where == "start" else b"# before\n")
    with path.open("r+b") as out:
        out.seek(0, os.SEEK_END)
        subprocess.run(
            [sys.executable, "-m", "trainjob_migrate", *argv],
            input=stdin,
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
            timeout=60,
            check=False,
        )
    return path.read_bytes()


@pytest.mark.parametrize("where", ["pipe", "start", "middle"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_byte_order_mark_is_written_as_without_the_server(
    server: Server, tmp_path: Path, encoding: str, where: str
):
    """Python writes a codec's byte order mark at the start of a file, none after it, and on a
    pipe what the codec itself writes (utf-8-sig's, not utf-16's): the server's answer too."""
    env = {**server.env, "PYTHONIOENCODING": encoding}
    stdin = QUICKSTART.read_bytes()
    before = server.served()
    served = _to(where, tmp_path / "served", ["fn"], env, stdin)
    server.wait_served(before + 1)
    alone = _to(where, tmp_path / "alone", ["fn"], {**env, "TRAINJOB_MIGRATE_SERVER": "off"}, stdin)
    body = "kind: TrainJob".encode("utf-16-le" if encoding == "utf-16" else "utf-8")
    assert body in alone
    assert served == alone


def test_stdout_and_stderr_in_one_pipe_keep_the_order_of_their_own_process(server: Server):
    """`2>&1`: a run in its own process writes its stderr lines at once and its stdout at the
    exit (a pipe's block buffer); the server's answer would put all of stdout first."""
    argv = [sys.executable, "-m", "trainjob_migrate", "kustomize-plugin", "trainjob-migration.yaml"]
    stdin = (PLUGIN / "training.yaml").read_bytes()
    both = []
    for extra in ({}, {"TRAINJOB_MIGRATE_SERVER": "off"}):
        result = subprocess.run(
            argv,
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=PLUGIN,
            env={**server.env, **extra},
            timeout=60,
            check=False,
        )
        both.append(result.stdout)
    assert b"[warning]" in both[1] and b"\nkind: TrainJob\n" in both[1]
    assert both[0] == both[1]


def test_a_run_whose_output_is_discarded_is_served(server: Server):
    """stdout and stderr both the null device: one file, but no order to keep."""
    before = server.served()
    with open(os.devnull, "wb") as null:  # noqa: PTH123
        result = subprocess.run(
            [sys.executable, "-m", "trainjob_migrate", "fn"],
            input=QUICKSTART.read_bytes(),
            stdout=null,
            stderr=null,
            env=server.env,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0
    server.wait_served(before + 1)
