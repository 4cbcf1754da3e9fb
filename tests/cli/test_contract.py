"""The CLI contract: every subcommand through the same table of cases.

Each case runs in-process (``cli.main([...])``, stdin and the standard streams replaced) and
checks the exit code of the table in README ("Exit codes"), that an error is one line on
stderr naming the command, and that no Python text (a traceback, ``[Errno 2]``, a codec or
PyYAML message) reaches the user.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from trainjob_migrate import cli

JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: clean
spec:
  nprocPerNode: "2"
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
ELASTIC = JOB.replace("name: clean", "name: elastic").replace(
    '  nprocPerNode: "2"\n', '  nprocPerNode: "2"\n  elasticPolicy:\n    maxReplicas: 4\n'
)
PLUGIN_CONFIG = (
    "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
    "metadata: {name: m}\nspec: {targetVersion: '2.3'}\n"
)
BAD_CONFIG = (
    "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
    "metadata: {name: m}\nspec: {runtimeName: Bad Name}\n"
)

#: Python's words, never the user's
PYTHON_TEXT = re.compile(
    r"Traceback|\[Errno|codec can't|unhashable|object has no attribute|NoneType|"
    r"expected one argument|invalid choice"
)

COMMANDS = ("fn", "convert", "check", "compare", "doctor", "kustomize-plugin")


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    (tmp_path / "job.yaml").write_text(JOB)
    (tmp_path / "plugin.yaml").write_text(PLUGIN_CONFIG)
    (tmp_path / "bad.yaml").write_text(BAD_CONFIG)
    (tmp_path / "jsondir").mkdir()
    job = json.dumps(yaml.safe_load(JOB))
    (tmp_path / "jsondir" / "job.json").write_text(job)
    monkeypatch.chdir(tmp_path)

    def go(*argv: str, stdin: str = "") -> Run:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        assert not PYTHON_TEXT.search(captured.out + captured.err), captured
        return Run(code, captured.out, captured.err)

    return go


def _one_error_line(result: Run, command: str, *needles: str) -> None:
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"trainjob-migrate {command}: error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


RESOURCE_LIST = json.dumps(
    {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [yaml.safe_load(JOB)],
    }
)

#: command -> its arguments for a given path (fn takes none: its input is stdin)
ARGS: dict[str, Callable[[str], list[str]]] = {
    "convert": lambda p: ["convert", p],
    "check": lambda p: ["check", p],
    "doctor": lambda p: ["doctor", p],
    "compare": lambda p: ["compare", "--convert", p],
    "kustomize-plugin": lambda p: ["kustomize-plugin", p],
}


@pytest.mark.parametrize("command", sorted(ARGS))
def test_a_missing_path_is_66_and_names_it(run: Callable[..., Run], command: str) -> None:
    result = run(*ARGS[command]("missing.yaml"))
    assert result.code == 66
    _one_error_line(result, command, "missing.yaml", "no such file or directory")


def test_fn_takes_no_path(run: Callable[..., Run]) -> None:
    result = run("fn", "missing.yaml")
    assert result.code == 64
    _one_error_line(result, "fn", "unexpected argument 'missing.yaml'")


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["convert", "jsondir"], 0),
        (["check", "jsondir"], 2),
        (["doctor", "jsondir"], 2),
        (["compare", "--convert", "jsondir/job.json"], 0),
    ],
)
def test_a_directory_scan_reads_json(run: Callable[..., Run], argv: list[str], code: int) -> None:
    result = run(*argv)
    assert result.code == code
    assert "PyTorchJob" in result.out + result.err
    if argv[0] != "compare":
        assert "1 Training Operator job(s)" in result.out + result.err


def test_convert_keeps_a_json_file_json(run: Callable[..., Run], tmp_path: Path) -> None:
    assert run("convert", "--write", "-q", "jsondir").code == 0
    converted = json.loads((tmp_path / "jsondir" / "job.json").read_text())
    assert converted["kind"] == "TrainJob"


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["fn"], 0),
        (["convert", "-"], 0),
        (["check", "-"], 2),
        (["doctor", "-"], 2),
        (["compare", "--convert", "-"], 0),
        (["kustomize-plugin", "plugin.yaml"], 0),
    ],
)
def test_stdin(run: Callable[..., Run], argv: list[str], code: int) -> None:
    result = run(*argv, stdin=RESOURCE_LIST if argv == ["fn"] else JOB)
    assert result.code == code, result.err
    assert "TrainJob" in result.out or "PyTorchJob" in result.out


def test_convert_stdin_prints_its_summary_on_stderr(run: Callable[..., Run]) -> None:
    result = run("convert", "-", stdin=JOB)
    assert "kind: TrainJob" in result.out
    assert result.err.splitlines()[-1].startswith("stdin, ")
    assert "1 Training Operator job(s): 1 converted" in result.err


@pytest.mark.parametrize(
    ("argv", "flag"),
    [(["convert", "--write", "-"], "--write"), (["convert", "--out", "o", "-"], "--out")],
)
def test_writing_stdin_is_a_usage_error(
    run: Callable[..., Run], argv: list[str], flag: str
) -> None:
    result = run(*argv, stdin=JOB)
    assert result.code == 64
    _one_error_line(result, "convert", f"{flag} does not apply to '-'")
    assert result.out == ""


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_64_with_a_suggestion(run: Callable[..., Run], command: str) -> None:
    argv = [
        command,
        "--targetVersion",
        "2.3",
        *(ARGS[command]("job.yaml")[1:] if command in ARGS else []),
    ]
    if command == "kustomize-plugin":
        argv = [command, "--targetVersion", "2.3", "plugin.yaml"]
    result = run(*argv)
    assert result.code == 64
    _one_error_line(result, command, "unknown option --targetVersion")
    if command not in ("fn", "kustomize-plugin"):
        assert "did you mean --target-version?" in result.err
    elif command == "fn":  # it takes its options from its functionConfig
        assert "(kpt fn eval ... -- targetVersion=VALUE)" in result.err
    else:
        assert "from its config's spec (targetVersion: VALUE)" in result.err


@pytest.mark.parametrize("command", ["convert", "check", "doctor", "compare"])
def test_an_option_without_its_value_is_64(run: Callable[..., Run], command: str) -> None:
    result = run(command, "job.yaml", "--mode")
    assert result.code == 64
    _one_error_line(result, command, "option --mode needs a value")


def test_an_unknown_command_is_64_with_a_suggestion(run: Callable[..., Run]) -> None:
    result = run("conver", "job.yaml")
    assert result.code == 64
    assert result.err == (
        "trainjob-migrate: error: unknown command 'conver'; did you mean convert? "
        "(see trainjob-migrate --help)\n"
    )


@pytest.mark.parametrize("command", ["convert", "check", "doctor", "compare"])
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--runtime-name", "Bad Name"],
            "option --runtime-name: 'Bad Name' is not allowed; use a Kubernetes name",
        ),
        (["--name-suffix", "_V2"], "option --name-suffix: '_V2' is not allowed; use 1 to 20"),
        (["--target-version", "9.9"], "option --target-version: '9.9' is not allowed"),
        (["--elastic", "maybe"], "option --elastic: 'maybe' is not allowed; allowed values"),
        (["--retry-budget", "v9"], "option --retry-budget: 'v9' is not allowed; allowed values"),
        (["--retry-budget", "v1"], "option --retry-budget: v1 needs --generate-runtime"),
    ],
)
def test_a_bad_option_value_by_flag_is_78(
    run: Callable[..., Run], command: str, flags: list[str], message: str
) -> None:
    result = run(*ARGS[command]("job.yaml")[:1], *flags, *ARGS[command]("job.yaml")[1:])
    assert result.code == 78
    _one_error_line(result, command, message)
    assert result.out == ""


def test_retry_budget_v1_carries_an_unlimited_job_backoff_limit(run: Callable[..., Run]) -> None:
    result = run("convert", "--retry-budget", "v1", "--generate-runtime", "-", stdin=JOB)
    assert result.code == 0
    runtime, _ = yaml.safe_load_all(result.out)
    (job,) = runtime["spec"]["template"]["spec"]["replicatedJobs"]
    assert job["template"]["spec"]["backoffLimit"] == 2**31 - 1
    assert "failurePolicy" not in runtime["spec"]["template"]["spec"]


@pytest.mark.parametrize("command", ["convert", "check", "doctor", "compare"])
def test_a_bad_option_value_by_config_is_78_with_the_same_words(
    run: Callable[..., Run], command: str
) -> None:
    result = run(
        *ARGS[command]("job.yaml")[:1], "--config", "bad.yaml", *ARGS[command]("job.yaml")[1:]
    )
    assert result.code == 78
    # the same message as the flag's, the option named as the user wrote it: in the file
    _one_error_line(
        result, command, "--config bad.yaml: option runtimeName: 'Bad Name' is not allowed; use a"
    )


def test_a_bad_option_value_in_the_plugin_config_is_78(run: Callable[..., Run]) -> None:
    result = run("kustomize-plugin", "bad.yaml", stdin=JOB)
    assert result.code == 78
    _one_error_line(result, "kustomize-plugin", "option runtimeName: 'Bad Name' is not allowed")


def test_a_bad_function_config_is_a_result_and_exit_1(run: Callable[..., Run]) -> None:
    rl = json.loads(RESOURCE_LIST)
    rl["functionConfig"] = yaml.safe_load(BAD_CONFIG)
    result = run("fn", stdin=json.dumps(rl))
    assert result.code == 1
    (message,) = [r["message"] for r in yaml.safe_load(result.out)["results"]]
    assert "option runtimeName: 'Bad Name' is not allowed" in message  # the key, not a flag
    assert "option runtimeName: 'Bad Name' is not allowed" in result.err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["convert", "{v}", "job.yaml"], 0),
        (["check", "{v}", "job.yaml"], 2),
        (["doctor", "{v}", "job.yaml"], 2),
        (["compare", "{v}", "--convert", "job.yaml"], 0),
        (["fn", "{v}"], 0),
        (["kustomize-plugin", "{v}", "plugin.yaml"], 0),
    ],
)
@pytest.mark.parametrize("verbosity", ["-v", "-q", "--verbose", "--quiet"])
def test_v_and_q_everywhere(
    run: Callable[..., Run], argv: list[str], code: int, verbosity: str
) -> None:
    stdin = RESOURCE_LIST if argv[0] == "fn" else JOB
    result = run(*(verbosity if a == "{v}" else a for a in argv), stdin=stdin)
    assert result.code == code
    if verbosity in ("-q", "--quiet") and argv[0] in ("convert", "check", "doctor", "compare"):
        summary = result.err if argv[0] == "convert" else result.out
        assert len(summary.splitlines()) == 1, summary


@pytest.mark.parametrize("suffix", ["-v2", "-new", "-q"])
def test_name_suffix_may_start_with_a_dash(run: Callable[..., Run], suffix: str) -> None:
    """As documented (``--name-suffix -v2``): argparse alone takes ``-v2`` for ``-v``."""
    result = run("convert", "--mode", "side-by-side", "--name-suffix", suffix, "-", stdin=JOB)
    assert result.code == 0, result.err
    assert f"name: clean{suffix}\n" in result.out


# every code of the table (README, "Exit codes")


def test_exit_1_when_a_job_is_left_with_an_error(run: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "elastic.yaml").write_text(ELASTIC)
    result = run("convert", "elastic.yaml")
    assert result.code == 1
    assert "--elastic fixed" in result.err and "elastic=fixed" not in result.err


def test_check_exit_3_and_4(run: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "elastic.yaml").write_text(ELASTIC)
    assert run("check", "elastic.yaml").code == 3
    (tmp_path / "broken.yaml").write_bytes(b"kind: \xff\n")
    assert run("check", "broken.yaml").code == 4


def test_exit_73_when_out_cannot_be_written(run: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("")
    result = run("convert", "--out", "afile", "job.yaml")
    assert result.code == 73
    _one_error_line(result, "convert", "--out afile: exists and is not a directory")


def test_exit_70_on_an_internal_error(
    run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    from trainjob_migrate.commands import check

    def boom(*_: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(check, "run", boom)
    result = cli.main(["check", "job.yaml"])
    assert result == 70


def test_exit_codes_are_disjoint_and_documented() -> None:
    from trainjob_migrate.commands import check
    from trainjob_migrate.results import (
        EXIT_CANTCREAT,
        EXIT_CONFIG,
        EXIT_CRASH,
        EXIT_ERROR,
        EXIT_NOINPUT,
        EXIT_OK,
        EXIT_USAGE,
    )

    codes = [
        EXIT_OK,
        EXIT_ERROR,
        check.EXIT_CONVERTIBLE,
        check.EXIT_ATTENTION,
        check.EXIT_UNREADABLE,
        check.EXIT_INVALID_V2,
        EXIT_USAGE,
        EXIT_NOINPUT,
        EXIT_CRASH,
        EXIT_CANTCREAT,
        EXIT_CONFIG,
    ]
    assert len(set(codes)) == len(codes)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("### Exit codes", 1)[1].split("\n\n", 2)[1]
    assert sorted(int(m) for m in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)) == sorted(codes)
