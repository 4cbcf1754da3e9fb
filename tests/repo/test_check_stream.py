"""``check`` streamed (text and github, group by group: ``repo/groups.py``) writes the bytes,
and exits with the code, of ``check`` collected (every file at once, one string): over the
repository's trees, and over trees whose related files (kustomize overlays, Katib trial
templates in ConfigMaps, Trainer v2 objects and runtimes, the Trainer release, TrainJob
names of a folder) lie between unrelated ones, in every order a walk and a sort disagree on."""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from trainjob_migrate import report
from trainjob_migrate.commands import check, common, options
from trainjob_migrate.repo import build, engine, fsio, groups, render

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "repo"
DOCTOR = ROOT / "tests" / "doctor" / "fixtures"


@pytest.fixture(autouse=True)
def _no_kubectl(monkeypatch: pytest.MonkeyPatch) -> None:
    """A kustomization that does not build is a result of the tree either way: whether kubectl
    runs (seconds) tells nothing about streaming."""
    monkeypatch.setattr(build, "command", lambda: None)


def _args(paths: list[str], output: str, flags: tuple[str, ...]) -> common.Args:
    args = check.plain_args(paths)
    args.output = output
    args.verbose = "-v" in flags
    args.quiet = "-q" in flags
    args.ignore_convertible = "--ignore-convertible" in flags
    return args


def _streamed(
    paths: list[str], output: str, flags: tuple[str, ...] = (), out: io.StringIO | None = None
) -> tuple[str, int]:
    args = _args(paths, output, flags)
    out = io.StringIO() if out is None else out
    with common.inputs(paths) as found, options.spelled_for_cli():
        code = check.streamed(
            found,
            paths,
            options.build_config(args),
            options.build_selector(args),
            args,
            out,
        )
    return out.getvalue(), code


def _collected(
    paths: list[str], output: str, flags: tuple[str, ...] = (), out: io.StringIO | None = None
) -> tuple[str, int]:
    args = _args(paths, output, flags)
    out = io.StringIO() if out is None else out
    with common.inputs(paths) as found, options.spelled_for_cli():
        outcome = engine.convert(found, options.build_config(args), options.build_selector(args))
        code = check.collected(outcome, paths, found, args, out)
    return out.getvalue(), code


def _same(paths: list[str], flags: tuple[str, ...] = ()) -> str:
    """The streamed output (github's), checked against the collected one, with the groups
    converted one at a time and (by default) in runs of a few together."""
    for output in check.STREAMED:
        collected = _collected(paths, output, flags)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(check, "BATCH_BYTES", 0)
            assert _streamed(paths, output, flags) == collected, (output, flags, "one")
        streamed = _streamed(paths, output, flags)
        assert streamed == collected, (output, flags)
    return streamed[0]


@pytest.mark.parametrize(
    "tree",
    [
        GOLDEN / "containers" / "before",
        GOLDEN / "overlays" / "before",
        GOLDEN / "realistic" / "before",
        ROOT / "examples",
        DOCTOR / "clean",
    ],
    ids=lambda p: str(Path(p).relative_to(ROOT)),
)
def test_the_repositorys_trees_stream_as_they_collect(tree: Path) -> None:
    text = _same([str(tree)], ("-v",))
    assert text.count("\n") > 1  # findings, then the summary


# --- trees whose related files lie apart ---------------------------------------------------

JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: {name}
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
          - name: pytorch
            image: pytorch:2
"""
BROKEN = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: {name}
spec:
  pytorchReplicaSpecs: [not, a, map]
"""
TRAINJOB = """\
apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata:
  name: {name}
spec:
  runtimeRef:
    name: {runtime}
"""
SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n"


def _unrelated(root: Path) -> None:
    """Files of no group, between and around the related ones (names a walk visits in
    another order than a sort: ``a/b.yaml``, ``a/b/c.yaml``, ``a/b-c.yaml``, ``a/c.yaml``)."""
    for rel, text in {
        "a/b.yaml": JOB.format(name="ab"),
        "a/b/c.yaml": BROKEN.format(name="abc"),
        "a/b-c.yaml": SERVICE.format(name="s"),
        "a/c.yaml": JOB.format(name="ac") + "---\n" + SERVICE.format(name="t"),
        "m/n.yaml": "key: [unclosed\n",
        "m/o.yml": JOB.format(name="mo").replace("pytorch:2", "pytorch:3"),
        "zz/last.yaml": BROKEN.format(name="last"),
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def _overlays(root: Path) -> None:
    shutil.copytree(GOLDEN / "overlays" / "before", root / "k")


def _katib(root: Path) -> None:
    before = GOLDEN / "containers" / "before"
    (root / "b-exp").mkdir()
    (root / "y-templates").mkdir()
    shutil.copy(before / "katib-experiments.yaml", root / "b-exp")
    shutil.copy(before / "trial-templates.yaml", root / "y-templates")


RUNTIME = """\
apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainingRuntime
metadata:
  name: torch
spec:
  mlPolicy:
    numNodes: 1
    torch: {}
  template:
    spec:
      replicatedJobs:
      - name: node
        template:
          spec:
            template:
              spec:
                containers:
                - name: node
                  image: pytorch:2
"""


def _runtimes(root: Path) -> None:
    """A TrainJob in one folder, the runtime it names in another (v2check's catalog), a
    TrainJob beside a job of the same name."""
    (root / "a/jobs").mkdir(parents=True)
    (root / "a/jobs/trainjob.yaml").write_text(
        TRAINJOB.format(name="tj", runtime="torch") + "---\n" + JOB.format(name="tj")
    )
    (root / "a/jobs/missing.yaml").write_text(TRAINJOB.format(name="m", runtime="nowhere"))
    (root / "z").mkdir()
    (root / "z/runtime.yaml").write_text(RUNTIME)


def _release(root: Path) -> None:
    shutil.copytree(DOCTOR / "clean" / "trainer", root / "zz" / "trainer")


def _collision(root: Path) -> None:
    (root / "same").mkdir()
    (root / "same/a.yaml").write_text(JOB.format(name="twin"))
    (root / "same/b").mkdir()
    (root / "same/b/x.yaml").write_text(JOB.format(name="twin"))
    (root / "same/c.yaml").write_text(JOB.format(name="twin"))
    (root / "same/d.yaml").write_text(TRAINJOB.format(name="other", runtime="torch"))
    # no TrainJob beside them: each file a group, the TrainJob names carried from one to the
    # next (the second "solo" meets the first, across the subfolder between them)
    (root / "solo/b").mkdir(parents=True)
    for rel in ("solo/a.yaml", "solo/b/x.yaml", "solo/c.yaml"):
        (root / rel).write_text(JOB.format(name="solo"))
    # a TrainJob of another group (apiVersion), after the job of its name: a clash all the same
    (root / "odd").mkdir()
    (root / "odd/a.yaml").write_text(JOB.format(name="odd"))
    (root / "odd/z.yaml").write_text(
        TRAINJOB.format(name="odd", runtime="x").replace("trainer.kubeflow.org", "example.com")
    )


RELATIONS = {
    "overlays": _overlays,
    "katib": _katib,
    "runtimes": _runtimes,
    "release": _release,
    "collision": _collision,
}


def _combinations() -> Iterator[tuple[str, ...]]:
    names = tuple(RELATIONS)
    yield from ((name,) for name in names)
    yield names


@pytest.mark.parametrize("relations", list(_combinations()), ids="+".join)
def test_related_files_between_unrelated_ones_stream_as_they_collect(
    tmp_path: Path, relations: tuple[str, ...]
) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    _unrelated(root)
    for name in relations:
        RELATIONS[name](root)
    text = _same([str(root)], ("-v",))
    assert "a/b/c.yaml" in text and "zz/last.yaml" in text
    _same([str(root)], ("-q",))
    # the tree is read in groups: the related files together, each unrelated one alone
    with common.inputs([str(root)]) as found:
        shown = [report.shown(f.display) for f in found]
        plan = groups.plan(found, shown)
    apart = [g for g in plan.groups if len({Path(shown[n]).parent for n in g}) > 1]
    assert apart or relations in {("collision",), ("release",)}  # those lie in one folder
    assert any(len(g) > 1 for g in plan.groups)
    if "collision" in relations:
        solo = [n for n, path in enumerate(shown) if "/solo/" in path]
        assert all([n] in plan.groups for n in solo)  # each alone
        # the same v1 job twice in a folder: both convert, a warning on the later one
        same = [line for line in text.splitlines() if "is the same v1 job" in line]
        clash = [line for line in same if "/solo/" in line]
        assert len(clash) == 1 and "/solo/c.yaml," in clash[0]  # (github's format)
        assert [line for line in same if "/same/" in line]  # twin: a.yaml and c.yaml
        assert "would be named 'odd'" in text
    assert sum(len(g) == 1 for g in plan.groups) >= 5  # the unrelated files


def test_several_paths_and_stdin_stream_as_they_collect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    _unrelated(root)
    _overlays(root)
    stdin = JOB.format(name="piped") + "---\n" + BROKEN.format(name="piped-broken")
    paths = [str(root / "zz"), "-", str(root / "a" / "c.yaml"), str(root)]
    for output in check.STREAMED:
        got = []
        for run in (_streamed, _collected):
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
            got.append(run(paths, output, ("-v",)))
        assert got[0] == got[1]
        assert got[0][0].count("-:" if output == "text" else "file=-,") >= 2  # stdin's


# --- memory and latency: a tree of independent files --------------------------------------


def _independent(root: Path, files: int) -> Path:
    """``files`` jobs, each in a folder of its own (no file depends on another), with values
    of their own (long: never interned) that a collected check holds to the end."""
    for n in range(files):
        folder = root / f"team-{n % 7}" / f"app-{n:04d}"
        folder.mkdir(parents=True)
        env = "".join(
            f"            - {{name: V{i}, value: '{'x' * 40}-{n}-{i}'}}\n" for i in range(40)
        )
        text = JOB.format(name=f"job-{n}").replace(
            "image: pytorch:2\n", "image: pytorch:2\n            env:\n" + env
        )
        (folder / "job.yaml").write_text(text)
    return root


class _Drain(io.StringIO):
    """stdout as a pipe is: what is written is gone (not held by the process)."""

    def write(self, text: str) -> int:
        return len(text)


def _peak(run: Callable[[list[str], str], object], tree: Path) -> int:
    tracemalloc.start()
    try:
        run([str(tree)], "text")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_streamed_checks_memory_does_not_grow_with_independent_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the writer's memo of scalar texts is bounded (render._CACHED), and at this size it
    # would be most of what grows: not what streaming holds
    monkeypatch.setattr(render, "_CACHED", 0)
    # one group converted at a time (by default, groups of less than 1 MiB together)
    monkeypatch.setattr(check, "BATCH_BYTES", 0)
    small = _independent(tmp_path / "small", 10)
    large = _independent(tmp_path / "large", 90)

    def streamed(paths: list[str], output: str) -> object:
        return _streamed(paths, output, out=_Drain())

    def collected(paths: list[str], output: str) -> object:
        return _collected(paths, output, out=_Drain())

    # the modules a check imports, and what it compiles on first use (a worker of the
    # parallel run may meet this test first): not what it holds
    for tree in (small, large):
        streamed([str(tree)], "text")
        collected([str(tree)], "text")
    grew = _peak(streamed, large) - _peak(streamed, small)
    per_file = (_peak(collected, large) - _peak(collected, small)) / 80
    assert per_file > 20_000  # a job's documents and results, held to the end: measurable
    # streamed, what 80 more files cost is not their documents but what is known of each
    # file to the end: the walk's list, the plan's numbers, the count of its folder's files
    # left (about 1 KiB a file, a twentieth of this job's documents)
    assert grew / 80 < per_file / 10, (grew, per_file)


def test_findings_are_written_before_the_last_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _independent(tmp_path / "tree", 12)
    events: list[str] = []
    read = fsio.read

    def reading(path: str | os.PathLike[str], limit: int) -> bytes:
        events.append(f"read {os.fspath(path)}")
        return read(path, limit)

    class Out(io.StringIO):
        def write(self, text: str) -> int:
            events.append("write")
            return super().write(text)

    monkeypatch.setattr(fsio, "read", reading)
    args = _args([str(tree)], "text", ())
    with common.inputs([str(tree)]) as found:
        last = f"read {found[-1].path}"
        code = check.streamed(found, [str(tree)], options.build_config(args), None, args, Out())
    assert code == check.EXIT_CONVERTIBLE
    assert events.count(last) == 2  # the scan of the tree, then the group's conversion
    final_read = len(events) - 1 - events[::-1].index(last)
    assert "write" in events[:final_read]  # the first findings came out before


def test_a_result_about_a_job_elsewhere_is_matched_in_its_group(tmp_path: Path) -> None:
    """Two copies of one application (dev/ and prod/ trees): an overlay that keeps its base's
    job is about that job, not made ambiguous by the other copy's job of the same name (which
    showed both blocked jobs as converting cleanly, and their errors as about no job)."""
    for copy in ("dev", "prod"):
        _overlays(tmp_path / copy)
    paths = [str(tmp_path)]
    _same(paths)
    text = _streamed(paths, "text")[0]
    for copy in ("dev", "prod"):
        assert f"{copy}/k/tune/job.yaml:" in text
        verdict = next(line for line in text.splitlines() if f"{copy}/k/tune/job.yaml:" in line)
        assert (
            "error: PyTorchJob ml/tune: a Training Operator v1 job remains that cannot" in verdict
        )
    alone = _streamed([str(tmp_path / "dev")], "text")[0].splitlines()[-1]
    assert "0 convert cleanly, 4 need attention" in text.splitlines()[-1]
    assert alone.startswith("2 Training Operator job(s)") and "0 convert cleanly" in alone
    summary = json.loads(_collected(paths, "json")[0])["summary"]
    assert (summary["convertible"], summary["needAttention"]) == (0, 4)


def test_a_controller_deployment_alone_joins_the_group_converted_first(tmp_path: Path) -> None:
    """groups' byte marks of release sightings name what ``release.sightings`` reads (the
    controller image written out again in groups.py): a tree whose only sighting is the
    controller's Deployment has it in the first group, which decides every group's target."""
    from trainjob_migrate import release, yamlio

    deployment = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubeflow-trainer-controller-manager
spec:
  template:
    spec:
      containers:
      - name: manager
        image: ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.1.0
"""
    assert release.sightings(yamlio.load(deployment))  # what the pipeline detects
    (tmp_path / "a").mkdir()
    (tmp_path / "a/job.yaml").write_text(JOB.format(name="j"))
    (tmp_path / "z").mkdir()
    (tmp_path / "z/deploy.yaml").write_text(deployment)
    with common.inputs([str(tmp_path)]) as found:
        plan = groups.plan(found, [report.shown(f.display) for f in found])
        first = [found[n].display for n in plan.groups[0]]
    assert [Path(p).name for p in first] == ["deploy.yaml"]
    assert "for Trainer 2.1 " in _same([str(tmp_path)], ("-v",))  # the job of the other group
