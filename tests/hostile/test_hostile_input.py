"""Hostile input: each case of hostile_cases.py is refused with a clear one-line error, or
processed with every fuzz invariant kept (no traceback, exit code matches the results,
nothing lost, deterministic, idempotent).

The inputs that used to exhaust the interpreter (alias bombs, deep nesting, 100 MB, an
endless stream) also run in a subprocess under an address-space limit of 512 MiB and a
generous timeout: memory and time are bounded by construction, not by luck. The table of
time and peak memory per case comes from ``python tests/hostile/measure.py``.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fuzz_invariants import check, run_fn
from hostile_cases import CASES, Case, nested_map, rl

from trainjob_migrate import krm, yamlio

LIGHT = [c for c in CASES if not c.heavy]
PWNED = Path("/tmp/trainjob-migrate-pwned")
MEMORY_LIMIT = 512 * 1024 * 1024
TIMEOUT = 120  # seconds; each case takes well under 5 (see SECURITY.md): only a hang fails


@pytest.mark.parametrize("case", LIGHT, ids=[c.name for c in LIGHT])
def test_hostile_input(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    run = check(case.build())
    refused = "rule: input" in run.stdout
    if case.expect is None:
        assert not refused, run.stderr
    else:
        assert refused and run.code == 1
        assert re.search(case.expect, run.stderr), run.stderr
        assert run.stderr.count("\n") == 1


def test_object_tags_are_never_executed() -> None:
    PWNED.unlink(missing_ok=True)
    run = run_fn(next(c for c in CASES if c.name == "python-object-tag").build())
    assert run.code == 1
    assert not PWNED.exists()


def test_modest_aliases_convert() -> None:
    run = check(next(c for c in CASES if c.name == "modest-aliases").build())
    assert run.code == 0
    assert run.stdout.count("kind: TrainJob\n") == 1
    assert "&" not in run.stdout and "*tpl" not in run.stdout


@pytest.mark.parametrize(
    ("build", "at_limit"),
    [
        (lambda d: rl("- kind: ConfigMap\n  data:\n    x: " + nested_map(d) + "\n"), 196),
        (
            lambda d: rl(
                f"- kind: ConfigMap\n  a: &a {nested_map(100)}\n  b: {nested_map(d, '*a')}\n"
            ),
            97,
        ),
    ],
    ids=["plain", "through-an-alias"],
)
def test_the_depth_limit_is_exact(build, at_limit: int) -> None:
    assert yamlio.MAX_DEPTH == 200
    ok = check(build(at_limit))
    assert "rule: input" not in ok.stdout and ok.code == 0
    refused = run_fn(build(at_limit + 1))
    assert "deeper than 200 levels" in refused.stderr


def test_crlf_is_read_as_lf_and_sources_are_kept() -> None:
    run = check(next(c for c in CASES if c.name == "crlf").build())
    assert "\r" not in run.stdout
    assert "- kind: ConfigMap  # kept\n" in run.stdout


def test_an_escaped_nul_round_trips() -> None:
    run = check(next(c for c in CASES if c.name == "nul-escaped").build())
    assert krm.parse(run.stdout).items[0]["data"]["x"] == "a\x00b"


def test_control_characters_in_names_stay_on_one_stderr_line() -> None:
    run = check(next(c for c in CASES if c.name == "control-chars-in-name").build())
    errors = [line for line in run.stderr.splitlines() if "[error]" in line]
    assert len(errors) == 1
    assert "job\\nforged line \\x1b[31m" in errors[0]
    assert "\x1b" not in run.stderr


def test_path_annotations_are_only_reported_never_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The function writes nothing but stdout: a path annotation is data to it (the CLI
    resolves paths through trainjob_migrate.safepath)."""
    monkeypatch.chdir(tmp_path)
    opened: list[str] = []
    real_open = open

    def spy(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    run = check(next(c for c in CASES if c.name == "path-escape-annotations").build())
    out = yaml.safe_load(run.stdout)
    assert {r["file"]["path"] for r in out["results"] if "file" in r} == {"../../etc/passwd"}
    assert not [f for f in opened if "passwd" in f or "cron" in f]
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------------------
# bounded memory and time, in a subprocess


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _subprocess(stdin: bytes | int) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "trainjob_migrate", "fn"],
        input=stdin if isinstance(stdin, bytes) else None,
        stdin=stdin if isinstance(stdin, int) else None,
        capture_output=True,
        timeout=TIMEOUT,
        preexec_fn=_limit_memory,
        check=False,
    )


BOUNDED = [
    "billion-laughs",
    "quadratic-aliases",
    "deep-flow-100k",
    "deep-block-100k",
    "deep-json-100k",
    "100MB",
]


@pytest.mark.parametrize("name", BOUNDED)
def test_refused_in_bounded_memory_and_time(name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    proc = _subprocess(case.build())
    assert proc.returncode == 1, proc.stderr.decode()[-500:]  # not -11 (segfault), not 3
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and re.search(case.expect or "", err), err
    out = yaml.safe_load(proc.stdout)
    assert out["kind"] == "ResourceList" and out["items"] == []


def test_an_endless_input_is_refused() -> None:
    with Path("/dev/zero").open("rb") as zero:
        proc = _subprocess(zero.fileno())
    assert proc.returncode == 1
    assert b"input refused: it is more than 288.0 MiB, over the limit of 32 MiB" in proc.stderr


@pytest.mark.parametrize(
    "item",
    [
        "{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: s}",
        "{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, metadata: m}",
    ],
)
def test_malformed_workloads_and_crds_are_not_a_crash(item: str) -> None:
    check(rl(f"- {item}\n"))
