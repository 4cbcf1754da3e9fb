"""The start of `trainjob-migrate fn` imports nothing a valid run does not need (bench/ times it).

Structural, not timed: a module listed here costs a KRM function run milliseconds at every
start (jsonschema alone is three times `import yaml`), and each has a reason to be absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import bare_python

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"

#: module -> why a valid YAML run does without it
NOT_ON_THE_FN_PATH = {
    "jsonschema": "validators are generated (validation.py); jsonschema only describes errors",
    "argparse": "cli.main dispatches `fn` before building the parser",
    "json": "only a JSON input or an error message needs it",
    "importlib.resources": "validation.SCHEMA_DIR is a plain path",
    "pathlib": "nothing on the path needs it",
    "decimal": "the generated validators use a stand-in",
    "dataclasses": "value classes are plain classes with __slots__ (records.py)",
    "inspect": "dataclasses imported it",
    "cel_expr_python": "the CEL runtime validates Trainer v2 objects: none in a v1 job's input",
    "trainjob_migrate.v2check": "imported only when the input holds a Trainer v2 object",
    "typing": "annotations are strings (from __future__ import annotations), and names from "
    "typing are imported only under `TYPE_CHECKING = False`, for mypy",
    "copy": "deepcopy (and weakref with it) only for a fieldRef or selector rewritten (v1common)",
    "bisect": "only an input with anchors needs it (yamlio._source)",
    "encodings.utf_8_sig": "yamlio.decode strips a byte order mark itself",
}


def _one_job() -> bytes:
    """The quickstart's ResourceList with its first PyTorchJob only (the cold-start case)."""
    rl = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))
    first = next(i for i in rl["items"] if i["kind"] == "PyTorchJob")
    rl["items"] = [first]
    return yaml.safe_dump(rl, sort_keys=False).encode()


@pytest.mark.parametrize("one_job", [True, False], ids=["one job", "quickstart"])
def test_a_valid_run_imports_no_heavy_module(one_job: bool):
    code = (
        "import sys\n"
        "before = set(sys.modules)  # what the interpreter's own start imported\n"
        "from trainjob_migrate.cli import main\n"
        "code = main(['fn'])\n"
        f"heavy = {sorted(NOT_ON_THE_FN_PATH)!r}\n"
        "sys.stderr.write(repr(sorted(m for m in heavy if m in set(sys.modules) - before)))\n"
        "sys.exit(code)\n"
    )
    # -S: no site, so no .pth file of the environment imports anything (typing, say) first;
    # PyYAML is found where this interpreter has it.
    result = bare_python.run(code, _one_job() if one_job else QUICKSTART.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.count(b"\n  kind: TrainJob\n") == (1 if one_job else 2)
    imported = result.stderr.decode().splitlines()[-1]
    assert imported == "[]", {m: NOT_ON_THE_FN_PATH[m] for m in eval(imported)}


_PLUGIN_CONFIG = (
    "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
    "metadata:\n  name: migrate\n"
)


def _imports(argv: list[str], stdin: bytes, cwd: Path) -> tuple[int, set[str], bytes]:
    """Exit code, the modules a run of ``main(argv)`` imported (beyond the interpreter's own
    start), and its stdout."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from trainjob_migrate.cli import main\n"
        f"code = main({argv!r})\n"
        "sys.stderr.write('\\n' + repr(sorted(set(sys.modules) - before)))\n"
        "sys.exit(code)\n"
    )
    result = bare_python.run(code, stdin, cwd=cwd)
    return result.returncode, set(eval(result.stderr.decode().splitlines()[-1])), result.stdout


def test_the_kustomize_plugin_starts_as_lean_as_fn(tmp_path: Path):
    """`kustomize-plugin CONFIG` (what kustomize runs at every build) is dispatched before any
    parser is built and imports what `fn` imports, its own module aside."""
    (tmp_path / "config.yaml").write_text(_PLUGIN_CONFIG, encoding="utf-8")
    rl = yaml.safe_load(_one_job())
    stream = yaml.safe_dump_all(rl["items"], sort_keys=False).encode()
    code, plugin, out = _imports(["kustomize-plugin", "config.yaml"], stream, tmp_path)
    assert code == 0 and out.count(b"\nkind: TrainJob\n") == 1, out
    assert sorted(m for m in NOT_ON_THE_FN_PATH if m in plugin) == []
    code, fn, out = _imports(["fn"], _one_job(), tmp_path)
    assert code == 0 and out.count(b"\n  kind: TrainJob\n") == 1, out
    assert plugin - fn == {"trainjob_migrate.commands.legacy_plugin"}


#: command -> the modules of the other commands it must not import (cli builds its parser alone)
OTHER_COMMANDS = {
    "check": (
        "trainjob_migrate.commands.compare",
        "trainjob_migrate.commands.convert",
        "trainjob_migrate.commands.doctor",
        "trainjob_migrate.commands.explain",
        "trainjob_migrate.compare",
        "trainjob_migrate.doctor",
    ),
    "convert": (
        "trainjob_migrate.commands.compare",
        "trainjob_migrate.commands.check",
        "trainjob_migrate.commands.doctor",
        "trainjob_migrate.compare",
        "trainjob_migrate.doctor",
    ),
}


#: module -> why `check` on one YAML file does without it (what every pre-commit run pays)
NOT_ON_THE_CHECK_PATH = {
    "pickle": "repo/parallel.py forks a second process only for a large tree",
    "secrets": "temporary names are drawn only when writing (repo/transaction.py)",
    "xml.etree.ElementTree": "a report's module is imported only for its format (junit)",
    "json": "only a JSON file, a JSON report or a journal needs it",
    "tempfile": "only stdin (-) is spooled to a scratch file",
    "difflib": "only a misspelt option or command is matched",
    "shutil": "argparse's formatter asks it the terminal's width: common.Parser asks os",
}


def test_check_of_one_file_imports_only_what_it_uses(tmp_path: Path):
    (tmp_path / "job.yaml").write_bytes(_one_job())
    code, imported, out = _imports(["check", "job.yaml"], b"", tmp_path)
    assert code == 3 and b"PyTorchJob" in out, out  # 3: a v1 job remains
    assert sorted(m for m in NOT_ON_THE_CHECK_PATH if m in imported) == []


@pytest.mark.parametrize("command", sorted(OTHER_COMMANDS))
def test_a_command_imports_no_other_command(command: str, tmp_path: Path):
    (tmp_path / "job.yaml").write_bytes(_one_job())
    code = (
        "import sys\n"
        "from trainjob_migrate.cli import main\n"
        f"code = main([{command!r}, {str(tmp_path / 'job.yaml')!r}])\n"
        f"other = {OTHER_COMMANDS[command]!r}\n"
        "sys.stderr.write('\\n' + repr(sorted(m for m in other if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=False, cwd=tmp_path
    )
    imported = result.stderr.decode().splitlines()[-1]
    assert imported == "[]", imported


#: what a run of one PyTorchJob (and objects that hold no job) has no use for
NOT_FOR_ONE_JOB = (
    # other objects may hold jobs: none does (holders.may_hold_jobs tells it without it)
    "trainjob_migrate.containers",
    # other kinds' plug-ins (the registry imports a kind's package when a job of it is met)
    "trainjob_migrate.sources.mpi",
    "trainjob_migrate.sources.xgboost",
    "trainjob_migrate.sources.jax",
    "trainjob_migrate.sources.tensorflow",
    "trainjob_migrate.sources.paddle",
    "trainjob_migrate.sources.mxnet",
    "trainjob_migrate.templates.envsubst",  # no placeholder in the job
    "trainjob_migrate.apiserver",  # the job is valid as written
)

#: objects beside the job that hold none (what the bench's cold start has beside its job)
_PLAIN_OBJECTS = [
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings"},
        "data": {"train.yaml": "epochs: 3\nkind: Settings\n", "mode": "fast"},
    },
]


@pytest.mark.parametrize("others", [False, True], ids=["one job", "with a Service and a ConfigMap"])
def test_a_one_job_run_imports_nothing_of_other_objects_or_kinds(others: bool):
    stdin = _one_job()
    if others:
        rl = yaml.safe_load(stdin)
        rl["items"].extend(_PLAIN_OBJECTS)
        stdin = yaml.safe_dump(rl, sort_keys=False).encode()
    code = (
        "import sys\n"
        "from trainjob_migrate.cli import main\n"
        "code = main(['fn'])\n"
        f"unneeded = {NOT_FOR_ONE_JOB!r}\n"
        "sys.stderr.write('\\n' + repr(sorted(m for m in unneeded if m in sys.modules)))\n"
        "sys.exit(code)\n"
    )
    result = bare_python.run(code, stdin)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.count(b"\n  kind: TrainJob\n") == 1
    assert result.stdout.count(b"\n  kind: Service\n") == (1 if others else 0)
    assert result.stderr.decode().splitlines()[-1] == "[]"


#: the only pattern a run of one job (with a Service and a ConfigMap) compiles: quantity.parse's
#: (the job's GPUs are counted); the validators tell the quantity pattern by str methods, and
#: every other pattern is compiled on first use (lazy.pattern)
_COMPILED_BY_ONE_JOB = "[KMGTPE]i"


def test_a_one_job_run_compiles_no_pattern_it_does_not_use():
    rl = yaml.safe_load(_one_job())
    rl["items"].extend(_PLAIN_OBJECTS)
    code = (
        "import re, sys\n"
        "import yaml\n"
        "compiled = []\n"
        "_compile = re.compile\n"
        "def spy(pattern, flags=0):\n"
        "    compiled.append(pattern)\n"
        "    return _compile(pattern, flags)\n"
        "re.compile = spy  # after yaml, whose own patterns are the floor's\n"
        "from trainjob_migrate.cli import main\n"
        "code = main(['fn'])\n"
        "re.compile('(probe)')  # the spy sees what is compiled\n"
        "sys.stderr.write('\\n' + repr(sorted(set(map(str, compiled)))))\n"
        "sys.exit(code)\n"
    )
    result = bare_python.run(code, yaml.safe_dump(rl, sort_keys=False).encode())
    assert result.returncode == 0, result.stderr.decode()
    compiled = eval(result.stderr.decode().splitlines()[-1])
    assert "(probe)" in compiled
    assert [p for p in compiled if p != "(probe)" and _COMPILED_BY_ONE_JOB not in p] == []


#: everything a run answered by a resident server imports (server/client.py): no PyYAML, no
#: results or errors, nothing of a conversion
SERVED_RUN_IMPORTS = {
    "__future__",
    "_socket",  # not socket: its module imports selectors and enum's socket classes
    "gc",
    "trainjob_migrate",
    "trainjob_migrate.cli",
    "trainjob_migrate.nogc",
    "trainjob_migrate.limits",  # the input limit, shared with yamlio (os only)
    "trainjob_migrate.server",
    "trainjob_migrate.server.client",
    "trainjob_migrate.server.paths",
    "trainjob_migrate.server.protocol",
}


def _whole_process(
    argv: list[str], socket: Path, stdin: bytes, cwd: Path
) -> tuple[set[str], bytes]:
    """The modules ``main()`` imports as the whole process (the console script's call, which
    asks a server), and its stdout."""
    code = (
        "import os, sys\n"
        f"os.environ['TRAINJOB_MIGRATE_SOCKET'] = {str(socket)!r}\n"
        "before = set(sys.modules)\n"
        f"sys.argv = ['trainjob-migrate', *{argv!r}]\n"
        "from trainjob_migrate import cli\n"
        "cli._exit_now = lambda code: None  # os._exit would end it before the report\n"
        "code = cli.main()\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write('\\n' + repr(sorted(set(sys.modules) - before)))\n"
        "sys.exit(code)\n"
    )
    result = bare_python.run(code, stdin, cwd=cwd)
    assert result.returncode == 0, result.stderr.decode()
    return set(eval(result.stderr.decode().splitlines()[-1])), result.stdout


def test_a_run_the_server_answers_imports_only_the_client(tmp_path: Path):
    """`fn` and `kustomize-plugin CONFIG` ask a resident server before importing anything of a
    run; without one (no socket), the client costs them no import beyond its own modules."""
    tmp_path.chmod(0o700)
    socket = tmp_path / "s.sock"
    env = {**os.environ, "TRAINJOB_MIGRATE_SOCKET": str(socket)}
    command = [sys.executable, "-m", "trainjob_migrate", "server"]
    started = subprocess.run([*command, "start"], env=env, capture_output=True, check=False)
    assert started.returncode == 0, started.stderr.decode()
    try:
        (tmp_path / "config.yaml").write_text(_PLUGIN_CONFIG, encoding="utf-8")
        rl = yaml.safe_load(_one_job())
        stream = yaml.safe_dump_all(rl["items"], sort_keys=False).encode()
        for argv, stdin, kind in (
            (["fn"], _one_job(), b"\n  kind: TrainJob\n"),
            (["kustomize-plugin", "config.yaml"], stream, b"\nkind: TrainJob\n"),
        ):
            imported, out = _whole_process(argv, socket, stdin, tmp_path)
            assert out.count(kind) == 1, out
            assert imported == SERVED_RUN_IMPORTS, argv
        imported, out = _whole_process(["fn"], tmp_path / "none.sock", _one_job(), tmp_path)
        assert out.count(b"\n  kind: TrainJob\n") == 1
        # no server: one failed lstat, and the client's modules are not imported
        client = {m for m in SERVED_RUN_IMPORTS if m.startswith("trainjob_migrate.server")}
        assert imported & (client | {"_socket"}) == {"trainjob_migrate.server"}
    finally:
        subprocess.run([*command, "stop"], env=env, capture_output=True, check=False)
