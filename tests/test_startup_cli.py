"""Each command of the CLI imports only what its run needs, as `fn` does (tests/test_startup.py).

Structural, not timed (bench/ times `check` of one file, what every pre-commit run pays): a
module listed here costs every start of the command, and each has a reason to be absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import bare_python
from trainjob_migrate import cli
from trainjob_migrate.commands import check

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "examples" / "quickstart" / "resource-list.yaml"

#: module -> why no command needs it on one plain YAML file of one job
NOT_AT_THE_START = {
    "dataclasses": "value classes are records (records.py): dataclasses imports inspect, ast, "
    "dis, tokenize and compiles each class's methods",
    "inspect": "dataclasses imported it",
    "typing": "annotations are strings, and names from typing are imported only under "
    "`TYPE_CHECKING = False`, for mypy",
    "pathlib": "paths are os.path strings (walk.Found.path): pathlib imports urllib.parse and "
    "ipaddress",
    "contextlib": "the commands' context managers are classes (common.inputs, "
    "options.spelled_for_cli)",
    "importlib": "a module by name is __import__ed (cli, report): importlib imports warnings",
    "jsonschema": "validators are generated (validation.py)",
    "cel_expr_python": "the CEL runtime validates Trainer v2 objects: none in the input",
    "trainjob_migrate.v2check": "imported only when the input holds a Trainer v2 object",
    "trainjob_migrate.compare": "compare's own",
    "trainjob_migrate.doctor": "doctor's own",
    "tempfile": "only stdin (-) is spooled to a scratch file",
    "subprocess": "kustomize builds only a tree with a kustomization (repo/build.py)",
    "trainjob_migrate.repo.build": "only a tree with a kustomization is built",
    "trainjob_migrate.repo.patching": "only a kustomization's patches are re-targeted",
    "trainjob_migrate.repo.splice": "only a container of jobs is rewritten in place",
    "trainjob_migrate.templates.jinja": "only a Helm or Jinja template is masked",
    "xml.etree.ElementTree": "a report's module is imported for its format only (junit)",
}

#: what compare and doctor still import, and why (not yet lean)
_RUNTIMES = {
    "typing": "trainjob_migrate.runtimes and its generated data import it (Final, Protocol)",
    "contextlib": "typing imports it",
}

#: command line -> (its exit code, what its output holds, module -> why it does without it;
#: module -> why it still imports one of NOT_AT_THE_START)
COMMANDS: dict[tuple[str, ...], tuple[int, bytes, dict[str, str], dict[str, str]]] = {
    ("check", "job.yaml"): (
        3,  # a v1 job remains
        b"PyTorchJob",
        {
            "argparse": "`check PATH...` runs without a parser (cli._plain_check)",
            "gettext": "argparse imported it",
            "locale": "argparse's messages asked gettext for a catalogue",
            "trainjob_migrate.repo.transaction": "check only asks whether a journal waits "
            "(repo/journal.py)",
            "trainjob_migrate.repo.plan": "check writes nothing",
            "difflib": "only a dry run's diff (repo/unidiff.py)",
            "json": "only a JSON file, a JSON report or a journal needs it",
            "secrets": "temporary names are drawn only when writing",
            "trainjob_migrate.commands.convert": "another command's",
        },
        {},
    ),
    ("check", "-o", "github", "job.yaml"): (
        3,
        b"::warning file=job.yaml",
        {
            "trainjob_migrate.repo.transaction": "check only asks whether a journal waits",
            "json": "only a JSON file, a JSON report or a journal needs it",
        },
        {},
    ),
    ("convert", "job.yaml"): (
        0,
        b"+kind: TrainJob",
        {
            "trainjob_migrate.repo.transaction": "a dry run writes nothing",
            "trainjob_migrate.repo.plan": "a dry run writes nothing",
            "secrets": "temporary names are drawn only when writing",
            "trainjob_migrate.commands.check": "another command's",
        },
        {},
    ),
    ("convert", "--out", "out", "job.yaml"): (
        0,
        b"",
        {
            "difflib": "only a dry run shows a diff (repo/unidiff.py)",
            "trainjob_migrate.repo.unidiff": "only a dry run shows a diff",
        },
        {},
    ),
    ("compare", "--convert", "job.yaml"): (
        0,  # nothing lost
        b"-> TrainJob",
        {
            "trainjob_migrate.repo.engine": "compare reads its two files, not a repository",
            "trainjob_migrate.commands.check": "another command's",
        },
        {**_RUNTIMES, "trainjob_migrate.compare": "its own"},
    ),
    ("doctor", "job.yaml"): (
        3,  # as check: a v1 job remains
        b"inventory: 1 PyTorchJob",
        {"trainjob_migrate.repo.transaction": "doctor writes nothing"},
        {**_RUNTIMES, "trainjob_migrate.doctor": "its own"},
    ),
}


def _one_job() -> bytes:
    """A file of the quickstart's first PyTorchJob (no comment, no template)."""
    rl = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))
    first = next(i for i in rl["items"] if i["kind"] == "PyTorchJob")
    return yaml.safe_dump(first, sort_keys=False).encode()


def _run(argv: tuple[str, ...], cwd: Path) -> tuple[int, set[str], bytes]:
    """Exit code, the modules ``main(argv)`` imported (beyond the interpreter's own start) and
    its stdout; -S: no site, so no .pth file of the environment imports anything first."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "from trainjob_migrate.cli import main\n"
        f"code = main({list(argv)!r})\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write('\\n' + repr(sorted(set(sys.modules) - before)))\n"
        "sys.exit(code)\n"
    )
    result = bare_python.run(code, cwd=cwd)
    imported = set(eval(result.stderr.decode().splitlines()[-1]))
    return result.returncode, imported, result.stdout


@pytest.mark.parametrize("argv", sorted(COMMANDS), ids=" ".join)
def test_a_command_on_one_file_imports_only_what_it_uses(argv: tuple[str, ...], tmp_path: Path):
    (tmp_path / "job.yaml").write_bytes(_one_job())
    exit_code, expected, own, still = COMMANDS[argv]
    code, imported, out = _run(argv, tmp_path)
    assert code == exit_code and expected in out, out  # it ran, and did its work
    if "--out" in argv:
        assert b"kind: TrainJob" in (tmp_path / "out" / "job.yaml").read_bytes()
    absent = {m: why for m, why in {**NOT_AT_THE_START, **own}.items() if m not in still}
    assert {m: why for m, why in absent.items() if m in imported} == {}
    assert set(still) <= imported  # an exception that no longer applies: take it out


@pytest.mark.parametrize(
    "paths",
    [["job.yaml"], ["a.yaml", "dir", "check", "convert"], ["with space.yaml", "x=y.yml"]],
)
def test_check_of_paths_alone_gets_the_arguments_the_parser_gives(paths: list[str]):
    """`check PATH...` runs without a parser (cli._plain_check): its arguments are the
    parser's, every default included (an option added to check must be added there too)."""
    assert cli._plain_check(["check", *paths]) == paths
    parsed, extra = cli.build_parser("check").parse_known_args(["check", *paths])
    assert extra == []
    assert vars(check.plain_args(paths)) == vars(parsed)


@pytest.mark.parametrize(
    "argv",
    [["check"], ["check", "-q", "job.yaml"], ["check", "job.yaml", "--strict"], ["check", "-"]],
)
def test_check_with_an_option_or_stdin_goes_through_the_parser(argv: list[str]):
    assert cli._plain_check(argv) is None
