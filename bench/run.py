#!/usr/bin/env python3
"""Benchmark trainjob-migrate against the floor of any Python tool built on PyYAML.

    .venv/bin/python bench/run.py          # every case, default sizes and run counts (~5 min)
    .venv/bin/python bench/run.py --quick  # small sizes, one run: checks the bench itself works
    .venv/bin/python bench/run.py --case cold-start --runs 31
    PYTHONPATH=/elsewhere/function .venv/bin/python bench/run.py   # another checkout's package

Each case runs a *subject* (trainjob-migrate) and its *floor* (the least any
implementation must do, with the same interpreter) as separate processes,
alternating, after one warm-up run of each, and prints the median wall time and
the peak resident memory (max RSS) of each, and their ratios against the targets.
Cases (see ``CASES``):

- ``cold-start``: ``trainjob-migrate fn`` on a one-job ResourceList vs
  ``python -c 'import yaml'``;
- ``cold-start-v2``: ``trainjob-migrate fn`` on a ResourceList of one TrainJob and the
  TrainingRuntime it references (both validated: schema, CEL, webhook rules) vs the same
  floor; the cost of validation, reported, with no target;
- ``plugin-start``: ``trainjob-migrate kustomize-plugin CONFIG`` (what ``kubectl kustomize
  --enable-alpha-plugins`` runs) on the same job as a YAML stream vs ``fn`` on the one-job
  ResourceList: the plugin shares ``fn``'s lean start;
- ``check-start``: ``trainjob-migrate check FILE`` on a file of one PyTorchJob (what every
  pre-commit run pays) vs ``python -c 'import yaml'``;
- ``fn-100`` and ``fn-10000``: ``trainjob-migrate fn`` on 100 / 10,000 PyTorchJobs
  (mixed with as many other objects) vs a bare libyaml load (``CSafeLoader``) and
  dump (``CSafeDumper``) of the same ResourceList;
- ``convert-repo``: ``trainjob-migrate convert --out DIR TREE`` on a manifest repository of
  5,000 files holding 2,000 PyTorchJobs (``inputs.repository``) vs reading every file of
  the tree and parsing every document with ``CSafeLoader``;
- ``dry-run-file``: the dry run (``trainjob-migrate convert FILE``, a diff on stdout) of one
  file of 4,000 PyTorchJobs and 4,000 other objects vs ``convert --out DIR FILE`` on the same
  file: the diff is aligned document by document (``repo/unidiff.py``), not by difflib over
  the file, which is quadratic.

A case is a name, a function that writes its inputs (``inputs.py``) into a work
directory and returns its commands (subject, floor, then references shown without
a ratio), and its targets: a new benchmark is one more entry in ``CASES``.

Timings are noisy on a shared machine: medians over several runs, never asserted
by tests. The package is byte-compiled first (as ``pip install`` of a wheel does)
and children run without ``PYTHONDONTWRITEBYTECODE``, so no run pays for compiling.
Always exits 0 once it has measured (2 when a subject fails outright).
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inputs

# The floor of a load+dump: the same options the function's own writer uses.
LOAD_DUMP = (
    "import sys, yaml\n"
    "data = yaml.load(sys.stdin.buffer, Loader=yaml.CSafeLoader)\n"
    "sys.stdout.write(yaml.dump(data, Dumper=yaml.CSafeDumper, default_flow_style=False,"
    " sort_keys=False, allow_unicode=True, width=1 << 20))\n"
)
#: The same without the cyclic garbage collector (as the function runs): shown for reference.
LOAD_DUMP_NO_GC = "import gc; gc.disable()\n" + LOAD_DUMP
#: A copy of the tree, file by file (what writing a mirror tree costs at the least).
COPY_TREE = (
    "import os, sys\n"
    "for top, dirs, names in os.walk(sys.argv[1]):\n"
    "    rel = os.path.relpath(top, sys.argv[1])\n"
    "    os.makedirs(os.path.join(sys.argv[2], rel), exist_ok=True)\n"
    "    for name in names:\n"
    "        with open(os.path.join(top, name), 'rb') as f, "
    "open(os.path.join(sys.argv[2], rel, name), 'wb') as g:\n"
    "            g.write(f.read())\n"
)
#: The floor of a repository conversion: read every YAML file of the tree (in the order
#: ``convert`` walks it) and parse every document with libyaml; nothing is written.
READ_PARSE_TREE = (
    "import os, sys, yaml\n"
    "for top, dirs, names in os.walk(sys.argv[1]):\n"
    "    dirs[:] = sorted(d for d in dirs if not d.startswith('.'))\n"
    "    for name in sorted(names):\n"
    "        if name.endswith(('.yaml', '.yml')) and not name.startswith('.'):\n"
    "            with open(os.path.join(top, name), 'rb') as f:\n"
    "                for _ in yaml.load_all(f.read(), Loader=yaml.CSafeLoader):\n"
    "                    pass\n"
)


@dataclasses.dataclass(frozen=True)
class Command:
    label: str
    argv: list[str]
    stdin: Path | None = None
    #: exit codes that mean "ran to completion" (fn exits 1 when a job has an error result)
    ok_codes: tuple[int, ...] = (0,)
    #: the output must hold at least this many TrainJobs (a refused input also exits 1)
    min_trainjobs: int = 0
    #: where the output goes when not to stdout (``convert --out``): checked there
    out_dir: Path | None = None
    #: the output is a YAML stream of objects (the kustomize plugin), not a ResourceList
    stream: bool = False


@dataclasses.dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_kib: int


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    title: str
    #: writes inputs into the directory; returns (subject, floor, references...)
    prepare: Callable[[Path, argparse.Namespace], tuple[Command, ...]]
    runs: int  # default number of measured runs of each command
    time_target: float | None = None  # subject/floor time ratio to stay under
    memory_target: float | None = None  # subject/floor peak memory ratio to stay under


def cli_command(*args: str) -> list[str]:
    """``trainjob-migrate ARGS`` as installed for this interpreter (console script), else -m."""
    script = Path(sysconfig.get_path("scripts")) / "trainjob-migrate"
    if script.is_file():
        return [sys.executable, str(script), *args]
    return [sys.executable, "-m", "trainjob_migrate", *args]


def fn_command() -> list[str]:
    return cli_command("fn")


def _write_resource_list(work: Path, jobs: int) -> Path:
    # Named after the generator's source too: a --work directory never serves stale inputs.
    version = hashlib.sha256(Path(inputs.__file__).read_bytes()).hexdigest()[:12]
    path = work / f"resource-list-{jobs}-{version}.yaml"
    if not path.exists():
        path.write_text(inputs.resource_list(jobs), encoding="utf-8")
    return path


def _cold_start(work: Path, args: argparse.Namespace) -> tuple[Command, ...]:  # noqa: ARG001
    stdin = _write_resource_list(work, 1)
    return (
        Command("trainjob-migrate fn (1 PyTorchJob)", fn_command(), stdin, (0, 1), 1),
        Command("python -c 'import yaml'", [sys.executable, "-c", "import yaml"]),
        Command("(reference) python -c pass", [sys.executable, "-c", "pass"]),
        # What the package's data model imports before any of its code runs.
        Command(
            "(reference) import yaml, dataclasses, typing",
            [sys.executable, "-c", "import yaml, dataclasses, typing"],
        ),
    )


def _plugin_start(work: Path, args: argparse.Namespace) -> tuple[Command, ...]:  # noqa: ARG001
    resource_list = _write_resource_list(work, 1)
    stream = resource_list.with_name(resource_list.stem + "-stream.yaml")
    if not stream.exists():  # the items alone, as kustomize passes them to a legacy plugin
        items = yaml.load(resource_list.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        stream.write_text(yaml.safe_dump_all(items["items"], sort_keys=False), encoding="utf-8")
    config = work / "plugin-config.yaml"
    config.write_text(
        "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
        "metadata:\n  name: migrate\n",
        encoding="utf-8",
    )
    return (
        Command(
            "trainjob-migrate kustomize-plugin (1 PyTorchJob)",
            cli_command("kustomize-plugin", str(config)),
            stream,
            (0, 1),
            1,
            stream=True,
        ),
        Command("trainjob-migrate fn (1 PyTorchJob)", fn_command(), resource_list, (0, 1), 1),
        Command("(reference) python -c 'import yaml'", [sys.executable, "-c", "import yaml"]),
    )


def _check_start(work: Path, args: argparse.Namespace) -> tuple[Command, ...]:  # noqa: ARG001
    resource_list = _write_resource_list(work, 1)
    manifest = resource_list.with_name(resource_list.stem + "-job.yaml")
    if not manifest.exists():
        items = yaml.load(resource_list.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        job = next(i for i in items["items"] if i["kind"] == "PyTorchJob")
        manifest.write_text(yaml.safe_dump(job, sort_keys=False), encoding="utf-8")
    return (
        # exit 3: a Training Operator job remains (check's finding)
        Command(
            "trainjob-migrate check FILE (1 PyTorchJob)",
            cli_command("check", str(manifest)),
            None,
            (3,),
        ),
        Command("python -c 'import yaml'", [sys.executable, "-c", "import yaml"]),
        Command(
            "(reference) trainjob-migrate fn (1 PyTorchJob)", fn_command(), resource_list, (0, 1)
        ),
    )


def _write_v2_resource_list(work: Path) -> Path:
    """One converted TrainJob and the TrainingRuntime it references: a repository after the
    migration, which the function validates (CRD schema, CEL rules, webhook rules)."""
    version = hashlib.sha256(Path(inputs.__file__).read_bytes()).hexdigest()[:12]
    path = work / f"resource-list-v2-{version}.yaml"
    if not path.exists():
        path.write_text(inputs.v2_resource_list(), encoding="utf-8")
    return path


def _cold_start_v2(work: Path, args: argparse.Namespace) -> tuple[Command, ...]:  # noqa: ARG001
    stdin = _write_v2_resource_list(work)
    return (
        Command("trainjob-migrate fn (1 TrainJob + runtime, validated)", fn_command(), stdin),
        Command("python -c 'import yaml'", [sys.executable, "-c", "import yaml"]),
        Command(
            "(reference) trainjob-migrate fn (1 PyTorchJob)",
            fn_command(),
            _write_resource_list(work, 1),
            (0, 1),
            1,
        ),
    )


def _throughput(jobs: int) -> Callable[[Path, argparse.Namespace], tuple[Command, ...]]:
    def prepare(work: Path, args: argparse.Namespace) -> tuple[Command, ...]:
        n = args.jobs if args.jobs is not None else (min(jobs, 20) if args.quick else jobs)
        stdin = _write_resource_list(work, n)
        return (
            Command(
                f"trainjob-migrate fn ({n} PyTorchJobs)", fn_command(), stdin, (0, 1), int(n * 0.9)
            ),  # a few generated jobs are elastic: refused, left as they are
            Command(
                "libyaml load + dump (CSafeLoader/CSafeDumper)",
                [sys.executable, "-c", LOAD_DUMP],
                stdin,
            ),
            Command(
                "(reference) the same, cyclic GC off",
                [sys.executable, "-c", LOAD_DUMP_NO_GC],
                stdin,
            ),
        )

    return prepare


def _convert_repo(work: Path, args: argparse.Namespace) -> tuple[Command, ...]:
    if args.quick:
        files, jobs = 100, 40
    else:
        files, jobs = inputs.REPO_FILES, inputs.REPO_JOBS
    if args.jobs is not None:  # the same share of files as the full tree
        files, jobs = max(10, args.jobs * files // jobs), args.jobs
    version = hashlib.sha256(Path(inputs.__file__).read_bytes()).hexdigest()[:12]
    tree = work / f"repo-{files}-{jobs}-{version}"
    if not tree.exists():
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        inputs.repository(partial, files=files, jobs=jobs)
        partial.rename(tree)
    scratch = _memory_dir(work)
    print(f"\n(convert-repo: the tree is {tree}; output goes to {scratch})")
    out, copy = scratch / "convert-out", scratch / "copy-out"
    return (
        # every file is written (copied or converted) into the mirror tree, empty at each run
        Command(
            f"trainjob-migrate convert --out ({files} files, {jobs} PyTorchJobs)",
            cli_command("convert", "--out", str(out), str(tree)),
            None,
            (0, 1),
            int(jobs * 0.9),
            out,
        ),
        Command(
            "read + parse every file (CSafeLoader)",
            [sys.executable, "-c", READ_PARSE_TREE, str(tree)],
        ),
        Command(
            "(reference) the same, cyclic GC off",
            [sys.executable, "-c", "import gc; gc.disable()\n" + READ_PARSE_TREE, str(tree)],
        ),
        Command(
            "(reference) read + write every file (a copy)",
            [sys.executable, "-c", COPY_TREE, str(tree), str(copy)],
            out_dir=copy,
        ),
    )


def _dry_run_file(work: Path, args: argparse.Namespace) -> tuple[Command, ...]:
    jobs = args.jobs if args.jobs is not None else (20 if args.quick else 4000)
    version = hashlib.sha256(Path(inputs.__file__).read_bytes()).hexdigest()[:12]
    stream = work / f"stream-{jobs}-{version}.yaml"
    if not stream.exists():  # the items of the ResourceList, as one multi-document file
        items = yaml.load(inputs.resource_list(jobs), Loader=yaml.CSafeLoader)["items"]
        for item in items:
            item["metadata"].pop("annotations", None)
        stream.write_text(
            yaml.dump_all(items, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8"
        )
    out = _memory_dir(work) / "dry-run-out"
    return (
        Command(
            f"trainjob-migrate convert FILE (dry run, {jobs} PyTorchJobs)",
            cli_command("convert", str(stream)),
            None,
            (0, 1),
        ),
        Command(
            "trainjob-migrate convert --out DIR FILE",
            cli_command("convert", "--out", str(out), str(stream)),
            None,
            (0, 1),
            int(jobs * 0.8),
            out,
        ),
    )


#: directories made on a RAM file system, removed at the end
_SCRATCH: list[Path] = []


def _memory_dir(work: Path) -> Path:
    """Where ``convert --out`` writes: a RAM file system (/dev/shm) when there is one.

    The floor writes nothing; on a disk, writing 5,000 new files costs what the disk and its
    mount options make it (0.2 to 1.6 s on the development VM's ext4, run to run), not what
    the tool does. The copy reference shows the writing alone, on the same file system.
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        scratch = Path(tempfile.mkdtemp(prefix="trainjob-migrate-bench-", dir=shm))
        _SCRATCH.append(scratch)
        return scratch
    return work


CASES: tuple[Case, ...] = (
    Case(
        "cold-start",
        "cold start: one PyTorchJob vs importing PyYAML",
        _cold_start,
        runs=21,
        time_target=1.5,
    ),
    Case(
        "cold-start-v2",
        "cold start with Trainer v2 objects to validate vs importing PyYAML (not a target: "
        "the validators and the CEL runtime are loaded)",
        _cold_start_v2,
        runs=11,
    ),
    Case(
        "plugin-start",
        "cold start of the kustomize legacy plugin vs fn, one PyTorchJob",
        _plugin_start,
        runs=21,
        time_target=1.2,
    ),
    Case(
        "check-start",
        "check of one file (a pre-commit run) vs importing PyYAML",
        _check_start,
        runs=21,
        time_target=1.6,
    ),
    Case("fn-100", "throughput: 100 PyTorchJobs (+100 other objects)", _throughput(100), runs=7),
    Case(
        "fn-10000",
        "throughput: 10,000 PyTorchJobs (+10,000 other objects)",
        _throughput(10_000),
        runs=3,
        time_target=2.5,
        memory_target=3.0,
    ),
    Case(
        "convert-repo",
        "repository conversion: 5,000 files, 2,000 PyTorchJobs",
        _convert_repo,
        runs=5,
        time_target=3.0,
    ),
    Case(
        "dry-run-file",
        "dry run of one file of 4,000 PyTorchJobs vs --out of the same file",
        _dry_run_file,
        runs=3,
        time_target=3.0,
    ),
)


class Spawner:
    """Runs commands through ``spawner.py`` (a small process: see there why)."""

    def __init__(self, env: dict[str, str]) -> None:
        script = Path(__file__).resolve().parent / "spawner.py"
        self._process = subprocess.Popen(
            [sys.executable, "-S", str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )

    def run(self, command: Command, out: Path) -> Sample:
        assert self._process.stdin is not None and self._process.stdout is not None
        request = {
            "argv": command.argv,
            "stdin": str(command.stdin) if command.stdin else None,
            "stdout": str(out),
        }
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        reply = json.loads(self._process.stdout.readline())
        if reply["exit"] not in command.ok_codes:
            print(
                f"bench: {command.label} exited {reply['exit']}: {' '.join(command.argv)}",
                file=sys.stderr,
            )
            raise SystemExit(2)
        return Sample(reply["seconds"], reply["max_rss_kib"])  # KiB on Linux

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait()


def measure(
    spawner: Spawner, commands: Sequence[Command], runs: int, work: Path
) -> list[list[Sample]]:
    out = work / "out.yaml"
    for command in commands:
        _fresh(command)
        spawner.run(command, out)  # warm-up: page cache, byte code
        _check_output(command, out)
    samples: list[list[Sample]] = [[] for _ in commands]
    order = list(range(len(commands)))
    for _ in range(runs):
        # Alternate the order so that drift of the machine hits every command alike.
        for i in order:
            _fresh(commands[i])
            samples[i].append(spawner.run(commands[i], out))
        order.reverse()
    return samples


def _fresh(command: Command) -> None:
    """An output directory is empty before each run, as for a first ``convert --out``."""
    if command.out_dir is not None:
        shutil.rmtree(command.out_dir, ignore_errors=True)
        os.sync()  # the removal's writes are not left for the measured run to wait on


def _check_output(command: Command, out: Path) -> None:
    if not command.min_trainjobs:
        return
    if command.out_dir is not None:  # documents of files: "kind: TrainJob" at column 0
        found = sum(
            p.read_text(encoding="utf-8").count("\nkind: TrainJob\n")
            for p in command.out_dir.rglob("*.yaml")
        )
    elif command.stream:  # documents of a stream: at column 0, the first one on line 1
        found = ("\n" + out.read_text(encoding="utf-8")).count("\nkind: TrainJob\n")
    else:  # items of a ResourceList
        found = out.read_text(encoding="utf-8").count("\n  kind: TrainJob\n")
    if found < command.min_trainjobs:
        print(
            f"bench: {command.label} wrote {found} TrainJobs, expected at least "
            f"{command.min_trainjobs}: it did not do the work being measured",
            file=sys.stderr,
        )
        raise SystemExit(2)


def _median(samples: Sequence[Sample]) -> tuple[float, float]:
    return (
        statistics.median(s.seconds for s in samples),
        statistics.median(s.max_rss_kib for s in samples) / 1024,
    )


def _seconds(value: float) -> str:
    return f"{value * 1000:8.1f} ms" if value < 10 else f"{value:8.2f} s "


def _verdict(ratio: float, target: float | None) -> str:
    if target is None or not _JUDGE:
        return ""
    return f"  (target <= {target:g}x: {'met' if ratio <= target else 'MISSED'})"


#: False with --quick or --jobs: the sizes are not the targets' sizes, nothing is judged
_JUDGE = True


def report(
    case: Case, commands: Sequence[Command], samples: Sequence[list[Sample]]
) -> tuple[float, float]:
    medians = [_median(s) for s in samples]
    (t_ours, m_ours), (t_base, m_base) = medians[0], medians[1]
    t_ratio, m_ratio = t_ours / t_base, m_ours / m_base
    width = max(20, *(len(c.label) for c in commands))
    print(f"\n{case.name}: {case.title}  (median of {len(samples[0])})")
    print(f"  {'':{width}}  {'wall time':>11}  {'peak RSS':>12}")
    for command, (seconds, mib) in zip(commands, medians, strict=True):
        print(f"  {command.label:{width}}  {_seconds(seconds)}  {mib:8.1f} MiB")
    print(f"  {'ratio':{width}}  {t_ratio:9.2f}x  {m_ratio:10.2f}x")
    print(
        f"  time ratio {t_ratio:.2f}x{_verdict(t_ratio, case.time_target)}; "
        f"memory ratio {m_ratio:.2f}x{_verdict(m_ratio, case.memory_target)}"
    )
    return t_ratio, m_ratio


def _environment() -> str:
    libyaml = "libyaml" if getattr(yaml, "__with_libyaml__", False) else "NO libyaml"
    return (
        f"Python {platform.python_version()} ({sys.executable}), PyYAML {yaml.__version__} "
        f"({libyaml}), {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )


def _compile_package() -> None:
    """Byte-compile the package as ``pip install`` of a wheel does (an editable install
    under PYTHONDONTWRITEBYTECODE would otherwise compile every module at every start)."""
    spec = importlib.util.find_spec("trainjob_migrate")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"bench: trainjob_migrate is not importable by {sys.executable}")
    for location in spec.submodule_search_locations:
        compileall.compile_dir(location, quiet=1)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--case",
        action="append",
        choices=[c.name for c in CASES],
        help="run only this case (repeatable); default: all",
    )
    parser.add_argument(
        "--runs", type=int, help="measured runs of each command (default: per case)"
    )
    parser.add_argument(
        "--jobs", type=int, help="PyTorchJobs in the throughput and repository cases (override)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small inputs and one run: checks that the bench works, measures little",
    )
    parser.add_argument("--work", type=Path, help="directory for inputs (default: a temporary one)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.runs is not None and args.runs < 1:
        raise SystemExit("bench: --runs must be at least 1")
    global _JUDGE  # noqa: PLW0603 - set once, from the command line
    _JUDGE = not args.quick and args.jobs is None and args.runs != 1
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    _compile_package()
    print(f"trainjob-migrate bench: {_environment()}")
    if not _JUDGE:
        print("(--quick, --jobs or one run: targets are not judged)")
    selected = [c for c in CASES if not args.case or c.name in args.case]
    work = args.work or Path(tempfile.mkdtemp(prefix="trainjob-migrate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    summary: list[tuple[Case, float, float]] = []
    spawner = Spawner(env)
    try:
        for case in selected:
            commands = case.prepare(work, args)
            runs = args.runs or (1 if args.quick else case.runs)
            samples = measure(spawner, commands, runs, work)
            summary.append((case, *report(case, commands, samples)))
    finally:
        spawner.close()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        for scratch in _SCRATCH:
            shutil.rmtree(scratch, ignore_errors=True)
    print("\nsummary (subject / floor, medians)")
    for case, t_ratio, m_ratio in summary:
        print(
            f"  {case.name:12} time {t_ratio:5.2f}x{_verdict(t_ratio, case.time_target):28}"
            f"  memory {m_ratio:5.2f}x{_verdict(m_ratio, case.memory_target)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
