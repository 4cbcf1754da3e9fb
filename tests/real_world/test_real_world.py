"""Every entry point over real public manifests (tests/vendored/real-world/, with provenance).

Per file and per set of options (``default``; ``lenient``: what a user who read the errors sets
next: ``--elastic fixed --generate-runtime --template-mismatch master``):

1. nothing crashes: no traceback, no ``internal`` result, only the documented exit codes;
2. every v1 job is converted, or left byte for byte with an error result naming it: never
   half-converted (a converted file holds no v1 job any more);
3. ``fn`` keeps its own invariants on the file as a ResourceList (the fuzz oracle:
   no item lost, lossless at the wire, deterministic, idempotent);
4. ``fn``, ``convert``, ``check`` and ``doctor`` agree on the jobs found and on which of them
   convert;
5. ``compare`` (the pods each side runs) finds nothing lost that a result does not name;
6. what each file converts to and what is reported is the golden record under
   ``tests/real_world/golden/<options>/`` (``UPDATE_GOLDEN=1`` rewrites it), so a change of
   behaviour shows in review.

The expensive runs (one ``convert --out`` and one ``check -o json`` process over the whole
folder per set of options, and one ``doctor -o json``, all started together) are shared by
every parametrized case.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from trainjob_migrate import runtimes, sources, targets, yamlio
from trainjob_migrate.compare import compare
from trainjob_migrate.config import from_options
from trainjob_migrate.containers import walk as containers_walk
from trainjob_migrate.convert import convert
from trainjob_migrate.errors import InputError
from trainjob_migrate.repo import walk

sys.path.insert(0, str(Path(__file__).parents[1] / "fuzz"))
import fuzz_invariants  # the fuzz tests' oracle, shared

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path("tests/vendored/real-world")  # relative to REPO: the paths results print
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

#: name -> (CLI flags, the same as a functionConfig)
OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "default": ((), {}),
    "lenient": (
        ("--elastic", "fixed", "--generate-runtime", "--template-mismatch", "master"),
        {"elastic": "fixed", "generateRuntime": "true", "templateMismatch": "master"},
    ),
}
FILES = sorted(
    p.relative_to(REPO / CORPUS).as_posix()
    for p in (REPO / CORPUS).rglob("*")
    if p.is_file() and p.name.endswith(walk.SUFFIXES)
)
#: the exit codes each command documents (convert: 0 or 1; check: 0, 2, 3, 4, 5)
CONVERT_CODES, CHECK_CODES = {0, 1}, {0, 2, 3, 4, 5}
#: the rules whose findings are about a whole object (its kind, its runtime, its verdict, a
#: template it cannot be read from): every other finding names the field it is about
WHOLE_OBJECT_RULES = frozenset(
    {
        "summary",
        "unsupported-kind",
        "mpi-runtime",
        "read",
        "v1-job-convertible",
        "v1-job-needs-attention",
        "katib",
        "configmap",
    }
)


class Runs(NamedTuple):
    out: Path  # convert --out
    convert: subprocess.CompletedProcess[str]
    check: subprocess.CompletedProcess[str]
    report: dict[str, Any]  # check -o json
    doctor: subprocess.CompletedProcess[str] | None  # default options only
    diagnosis: dict[str, Any] | None  # doctor -o json


def _start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "function")}
    return subprocess.Popen(
        [sys.executable, "-m", "trainjob_migrate", *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _finish(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@functools.cache
def _all_runs() -> dict[str, Runs]:
    """Every command over the folder, for every set of options: started together."""
    started = {}
    for options, (flags, _) in OPTIONS.items():
        out = Path(tempfile.mkdtemp(prefix=f"real-world-{options}-"))
        started[options] = (
            out,
            _start("convert", "-v", "--out", str(out), *flags, str(CORPUS)),
            _start("check", "-o", "json", *flags, str(CORPUS)),
            # doctor reads as check does: once (its own checks do not depend on the options)
            _start("doctor", "-o", "json", str(CORPUS)) if not flags else None,
        )
    runs = {}
    for options, (out, converting, checking, diagnosing) in started.items():
        converted, checked = _finish(converting), _finish(checking)
        doctor = _finish(diagnosing) if diagnosing is not None else None
        diagnosis = _json(doctor) if doctor is not None else None
        runs[options] = Runs(out, converted, checked, _json(checked), doctor, diagnosis)
    return runs


def _json(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    return json.loads(run.stdout) if run.stdout.startswith("{") else {}


def _runs(options: str) -> Runs:
    return _all_runs()[options]


@pytest.fixture(scope="module", autouse=True)
def _clean_up() -> Any:
    yield
    if _all_runs.cache_info().currsize:
        for runs in _all_runs().values():
            shutil.rmtree(runs.out, ignore_errors=True)
    _all_runs.cache_clear()


def _source(name: str) -> bytes:
    return (REPO / CORPUS / name).read_bytes()


def _converted(runs: Runs, name: str) -> bytes:
    return (runs.out / name).read_bytes()


def _jobs(runs: Runs, name: str) -> list[dict[str, Any]]:
    return [j for j in runs.report.get("jobs", []) if j["file"] == f"{CORPUS}/{name}"]


def _results(runs: Runs, name: str) -> list[dict[str, Any]]:
    return [
        r
        for r in runs.report.get("results", [])
        if (r.get("file") or {}).get("path") == f"{CORPUS}/{name}"
    ]


def _lines(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"{CORPUS}/{name}:")]


def _plain_yaml(name: str) -> list[Any] | None:
    try:
        return [d for d in yamlio.load_all(_source(name).decode()) if d is not None]
    except InputError:
        return None  # a Helm/Jinja template: not YAML until rendered


def _v1_jobs(docs: list[Any]) -> list[Any]:
    """The v1 jobs in ``docs``, top-level or inside another object (a container)."""
    found = []
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        if sources.is_job(doc):
            found.append(doc)
            continue
        for path in containers_walk.find(doc):
            value: Any = doc
            for step in path:
                value = value[step]
            found.append(value)
    return found


params = pytest.mark.parametrize(("options", "name"), [(o, f) for o in OPTIONS for f in FILES])


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 30


def test_a_directory_walk_reads_every_yaml_manifest_of_the_corpus() -> None:
    """aws-samples/aws-do-eks names its envsubst templates ``*.yaml.template``: ``check`` and
    ``convert`` of a directory skipped them, so a pre-commit check passed over their MPIJobs
    (a ``*.template`` of no YAML suffix stays unread: it may be anything)."""
    manifests = {
        p.relative_to(REPO / CORPUS).as_posix()
        for p in (REPO / CORPUS).rglob("*")
        if p.is_file() and (".yaml" in p.name or ".yml" in p.name)
    }
    read = {found.rel for found in walk.files([REPO / CORPUS])}
    assert manifests - read == set()


@params
def test_nothing_crashes(options: str, name: str) -> None:
    runs = _runs(options)
    for run, codes in (
        (runs.convert, CONVERT_CODES),
        (runs.check, CHECK_CODES),
        (runs.doctor, CHECK_CODES),
    ):
        if run is None:
            continue
        assert run.returncode in codes, run.stderr[-2000:]
        assert "Traceback" not in run.stderr
    lines = _lines(runs.convert.stdout + runs.convert.stderr, name)
    assert not [line for line in lines if "internal error" in line or "[internal]" in line]
    results = _results(runs, name)
    assert not [r for r in results if (r.get("tags") or {}).get("rule") == "internal"]
    if runs.diagnosis is not None:  # doctor finds the jobs check finds, the same verdicts
        diagnosed = [j for j in runs.diagnosis["jobs"] if j["file"] == f"{CORPUS}/{name}"]
        assert diagnosed == _jobs(runs, name)
    for r in results:  # every finding names its place: file, line, object and field
        assert r["file"].get("line"), r
        assert r.get("resourceRef") or (r.get("tags") or {}).get("rule") == "read", r
        assert r.get("field") or r["tags"]["rule"] in WHOLE_OBJECT_RULES, r


@params
def test_every_job_is_converted_or_left_as_it_was_with_an_error(options: str, name: str) -> None:
    runs = _runs(options)
    jobs = _jobs(runs, name)
    results = _results(runs, name)
    before, after = _source(name), _converted(runs, name)
    if not jobs:  # no v1 job (a TrainJob already), or a template left as it is: an error why
        assert after == before
        if _plain_yaml(name) is None:
            assert [r for r in results if r["severity"] == "error" and r["tags"]["rule"] == "read"]
        return
    verdicts = {j["verdict"] for j in jobs}
    assert len(verdicts) == 1, f"{name}: the corpus has one verdict a file ({jobs})"
    if verdicts == {"attention"}:
        assert after == before, f"{name}: half-converted"
        for job in jobs:
            assert [
                r
                for r in results
                if r["severity"] == "error"
                and r["resourceRef"]["kind"] == job["kind"]
                and r["resourceRef"]["name"] == job["name"]
            ], f"{name}: {job['kind']} {job['name']} left without an error naming it"
    else:
        assert after != before
        docs = [d for d in yamlio.load_all(after.decode()) if d is not None]
        assert _v1_jobs(docs) == [], f"{name}: a v1 job remains in a converted file"


@params
def test_fn_keeps_its_invariants_and_agrees_with_check(options: str, name: str) -> None:
    docs = _plain_yaml(name)
    if docs is None:
        pytest.skip("a Helm/Jinja template: fn reads rendered YAML")
    items = []
    for index, doc in enumerate(docs):
        meta = dict(doc.get("metadata") or {})
        meta["annotations"] = {
            **(meta.get("annotations") or {}),
            "config.kubernetes.io/path": name,
            "config.kubernetes.io/index": str(index),
        }
        items.append({**doc, "metadata": meta})
    resource_list = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
        "functionConfig": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "options"},
            "data": OPTIONS[options][1],
        },
    }
    run = fuzz_invariants.check(yamlio.dump(resource_list).encode())
    out = yamlio.load(run.stdout)
    errors = {
        (r["resourceRef"]["kind"], r["resourceRef"]["name"])
        for r in out.get("results") or []
        if r["severity"] == "error" and r.get("resourceRef")
    }
    runs = _runs(options)
    # a name another file of the folder takes too (nccl-tests.yaml and nccl-tests-gb200.yaml:
    # one MPIJob nccl-tests each) is a clash only the folder shows, not fn over this file
    clashes = {
        (r["resourceRef"]["kind"], r["resourceRef"]["name"])
        for r in _results(runs, name)
        if r["tags"]["rule"] == "name-collision"
    }
    for job in _jobs(runs, name):  # check's verdict is fn's
        if (job["kind"], job["name"]) in clashes:
            continue
        refused = (job["kind"], job["name"]) in errors
        assert refused == (job["verdict"] == "attention"), (name, job)
    for item in out["items"]:  # a job fn leaves (or a container with one) has an error
        if isinstance(item, dict) and _v1_jobs([item]):
            ref = (item.get("kind"), (item.get("metadata") or {}).get("name") or "")
            assert ref in errors, f"{name}: fn left {ref} without an error"


@params
def test_compare_finds_nothing_lost_that_no_result_names(options: str, name: str) -> None:
    docs = _plain_yaml(name)
    jobs = [d for d in docs or [] if isinstance(d, dict) and sources.is_job(d)]
    if not jobs:
        pytest.skip("no top-level v1 job to compare")
    config = from_options(OPTIONS[options][1])
    target = targets.get(config.target_version)
    for job in jobs:
        conversion = convert(job, config, target)
        if not conversion.converted or conversion.trainjob is None:
            continue
        catalog = runtimes.Catalog.of(config.target_version, [*docs, *conversion.objects])
        named = {r.field for r in conversion.results if r.field}
        for diff in compare(job, conversion.trainjob, target, catalog).lost:
            assert any(
                s == f or s.startswith((f"{f}.", f"{f}[")) or f.startswith((f"{s}.", f"{s}["))
                for s in diff.sources
                for f in named
            ), f"{name}: compare finds {diff.field} lost ({diff.sources}) and no result names it"


@pytest.mark.parametrize("options", OPTIONS)
def test_conversions_and_findings_are_the_golden_record(options: str) -> None:
    runs = _runs(options)
    record = GOLDEN / options
    findings = "".join(f"{line}\n" for line in runs.convert.stdout.splitlines())
    findings += "".join(f"{line}\n" for line in runs.convert.stderr.splitlines())
    changed = {
        name: _converted(runs, name) for name in FILES if _converted(runs, name) != _source(name)
    }
    if UPDATE:
        shutil.rmtree(record, ignore_errors=True)
        record.mkdir(parents=True)
        (record / "findings.txt").write_text(findings)
        for name, data in changed.items():
            (record / "converted" / name).parent.mkdir(parents=True, exist_ok=True)
            (record / "converted" / name).write_bytes(data)
    assert (record / "findings.txt").read_text() == findings
    recorded = {
        p.relative_to(record / "converted").as_posix(): p.read_bytes()
        for p in sorted((record / "converted").rglob("*"))
        if p.is_file()
    }
    assert recorded == changed
