#!/usr/bin/env python3
"""Benchmark trainjob-migrate against the floor of any Python tool built on PyYAML.

    .venv/bin/python bench/run.py          # every case, default sizes and run counts (~5 min)
    .venv/bin/python bench/run.py --quick  # small sizes, one run: checks the bench itself works
    .venv/bin/python bench/run.py --case cold-start --runs 31
    PYTHONPATH=/elsewhere/function .venv/bin/python bench/run.py   # another checkout's package

Each case runs a *subject* (trainjob-migrate) and its *floor* (the least any
implementation must do, with the same interpreter) as separate processes,
alternating, after one warm-up run of each, and prints for each command the median
wall time, CPU time (user + system, of its children too: ``wait4``) and peak resident
memory (max RSS, of its largest process), then the ratios subject/floor of each *pair*
it compares, judged against the targets of issue 15 ("Speed, second round") where it
gives one (``CASES``). Cases, each with its floor:

- ``cold-start``: ``trainjob-migrate fn`` on a one-job ResourceList vs
  ``python -c 'import yaml'``; wall time <= 1.3x (``fn`` answered by a resident server is
  shown for reference);
- ``cold-start-v2``: ``trainjob-migrate fn`` on a ResourceList of one TrainJob and the
  TrainingRuntime it references (both validated: schema, CEL, webhook rules) vs the same
  floor; the cost of validation, reported, with no target;
- ``plugin-start``: ``trainjob-migrate kustomize-plugin CONFIG`` (what ``kubectl kustomize
  --enable-alpha-plugins`` runs) on the same job as a YAML stream vs ``fn`` on the one-job
  ResourceList: the plugin shares ``fn``'s lean start; wall time <= 1.2x;
- ``check-start``: ``trainjob-migrate check FILE`` on a file of one PyTorchJob (what every
  pre-commit run pays) vs ``python -c 'import yaml'``; wall time <= 1.6x;
- ``kustomize-plugin-build``: ``kubectl kustomize --enable-alpha-plugins`` of a
  kustomization of one PyTorchJob and the TrainJobMigration transformer, run by a legacy
  exec plugin that execs this interpreter's ``trainjob-migrate kustomize-plugin``, vs the
  same build with a plugin that is ``cat`` (stdin to stdout: the protocol's least), and for
  reference the build with a plugin that starts this interpreter, imports PyYAML and copies
  stdin (the least a plugin in Python on PyYAML pays) and the build without the
  transformer; the target judges the build whose plugin is answered by a resident server
  (``trainjob-migrate server start`` on a socket of the bench's own), wall time <= 1.5x, and
  the plugin run in its own process is shown beside it (its ratio, ``[no server]``, has no
  target: no process that imports PyYAML meets it). ``kustomize build`` when
  there is no ``kubectl``; skipped, saying so, when there is neither;
- ``fn-100`` and ``fn-10000``: ``trainjob-migrate fn`` on 100 / 10,000 PyTorchJobs
  (mixed with as many other objects) vs a bare libyaml load (``CSafeLoader``) and
  dump (``CSafeDumper``) of the same ResourceList with the cyclic garbage collector off
  (as the function runs; GC on for reference); fn-10000: wall time <= 1.25x (and the
  older peak RSS <= 3x);
- ``convert-repo``: ``trainjob-migrate convert --out DIR TREE`` on a manifest repository of
  5,000 files holding 2,000 PyTorchJobs (``inputs.repository``) vs reading every file of
  the tree and parsing every document with ``CSafeLoader``, three pairs side by side:
  ``[1 CPU]``, both pinned to one CPU (``sched_setaffinity`` before ``exec``: what a
  shared CI runner's core gives; ``convert`` forks no second half), CPU time <= 3x;
  ``[free CPU]``, both unpinned with a second CPU ``convert`` may use, wall time <= 2.5x
  (not measured on a one-CPU machine); ``[keep-all]``, the pinned ``convert`` (one
  process: its peak RSS is all its memory) vs a loader that keeps every parsed document
  to the end, peak RSS <= 2x;
- ``convert-repo-20000``: the pinned ``convert --out`` of a 20,000-file tree with the
  same share of jobs (8,000), generated once into ``--work``, vs the keeping loader on
  one CPU; peak RSS <= 200 MiB, an absolute target (the ratio is shown); two runs;
- ``check-repo-20000``: ``trainjob-migrate check TREE`` (text output) of the 20,000-file
  tree, pinned to one CPU, with no kubectl or kustomize on PATH (its 3,000 kustomizations
  are not built: that is kubectl's time, not the tool's), vs a streaming read + parse
  (``[1 CPU]``) and the keeping loader (``[keep-all]``): how check's memory and time grow
  with a monorepo; no target (shown);
- ``dry-run-file``: the dry run (``trainjob-migrate convert FILE``, a diff on stdout) of one
  file of 4,000 PyTorchJobs and 4,000 other objects vs ``convert --out DIR FILE`` on the same
  file: the diff is aligned document by document (``repo/unidiff.py``), not by difflib over
  the file, which is quadratic; wall time <= 3x (an older target). Both share any cost per
  document that grows with the file, which their ratio cannot show: a libyaml load + dump of
  the file is printed beside them for reference.

A case is a name, a function that writes its inputs (``inputs.py``) into a work
directory and returns its plan (every command, the pairs it compares; ``pair()`` for
one subject, its floor, then references shown without a ratio), and its targets: a new
benchmark is one more entry in ``CASES``. ``--quick`` runs every case once on small
inputs (the 20,000-file tree is then 400 files) and judges nothing.

Every command runs with ``TRAINJOB_MIGRATE_SOCKET`` naming a socket that does not exist
(the lookup of a server costs what it costs without one, and a server the user runs answers
nothing here), but the rows "via a resident server", whose server the bench starts and stops.

Timings are noisy on a shared machine: medians over several runs, never asserted
by tests. The package is byte-compiled first (as ``pip install`` of a wheel does)
and children run without ``PYTHONDONTWRITEBYTECODE``, so no run pays for compiling (and
without ``PYTHONUNBUFFERED``: their output is buffered, as under kustomize or kpt).
Always exits 0 once it has measured (2 when a subject fails outright).
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import enum
import hashlib
import importlib.util
import json
import os
import platform
import shlex
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
#: The same for a stream of documents (a multi-document file)
LOAD_DUMP_ALL = (
    "import sys, yaml\n"
    "docs = list(yaml.load_all(sys.stdin.buffer, Loader=yaml.CSafeLoader))\n"
    "sys.stdout.write(yaml.dump_all(docs, Dumper=yaml.CSafeDumper, default_flow_style=False,"
    " sort_keys=False, allow_unicode=True, width=1 << 20))\n"
)
#: LOAD_DUMP without the cyclic garbage collector (as the function runs): fn-10000's floor.
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
#: The memory floor of a repository conversion: the same, keeping every parsed document
#: until the end (the least a tool holding the whole repository in memory needs).
READ_PARSE_KEEP_TREE = (
    "import os, sys, yaml\n"
    "kept = []\n"
    "for top, dirs, names in os.walk(sys.argv[1]):\n"
    "    dirs[:] = sorted(d for d in dirs if not d.startswith('.'))\n"
    "    for name in sorted(names):\n"
    "        if name.endswith(('.yaml', '.yml')) and not name.startswith('.'):\n"
    "            with open(os.path.join(top, name), 'rb') as f:\n"
    "                kept.extend(yaml.load_all(f.read(), Loader=yaml.CSafeLoader))\n"
)


class Metric(enum.Enum):
    """What a target bounds, measured by the spawner for each run of a command."""

    WALL = "wall time"
    CPU = "CPU time"  # user + system, its reaped children's included (wait4)
    RSS = "peak RSS"  # of its largest process (a forked child's pages are its own)


class Pair(enum.Enum):
    """Which subject and floor of a case a ratio and its targets compare (its label)."""

    MAIN = ""  # the case's one subject and its floor
    ONE_CPU = "1 CPU"  # both pinned to one CPU: what a shared runner's core gives
    FREE_CPU = "free CPU"  # both unpinned, with a second CPU the subject may use
    KEEP_ALL = "keep-all"  # against a loader that keeps every parsed document (memory)
    NO_SERVER = "no server"  # the subject run in its own process, where a server answers MAIN


@dataclasses.dataclass(frozen=True)
class Target:
    """A bound on one measure of a pair: a ratio subject/floor, or (``absolute``) the
    subject's own figure, in MiB for memory and seconds for times."""

    metric: Metric
    bound: float
    pair: Pair = Pair.MAIN
    absolute: bool = False

    def describe(self) -> str:
        if not self.absolute:
            return f"<= {self.bound:g}x"
        return f"<= {self.bound:g} {'MiB' if self.metric is Metric.RSS else 's'}"


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
    #: the CPUs it may run on (set before exec), None: any
    cpus: tuple[int, ...] | None = None
    #: variables added to its environment
    env: dict[str, str] | None = None


@dataclasses.dataclass(frozen=True)
class Comparison:
    pair: Pair
    subject: Command
    floor: Command


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a case runs (every command, in the order shown) and which of them it compares."""

    commands: tuple[Command, ...]
    comparisons: tuple[Comparison, ...]
    #: printed with the case (a pair that could not be measured here, and why)
    notes: tuple[str, ...] = ()


def pair(subject: Command, floor: Command, *references: Command) -> Plan:
    """The plan of most cases: one subject, its floor, references shown without a ratio."""
    return Plan((subject, floor, *references), (Comparison(Pair.MAIN, subject, floor),))


class Skip(Exception):
    """Raised by a case's ``prepare``: the case is not measured, for the reason given."""


@dataclasses.dataclass(frozen=True)
class Sample:
    seconds: float
    cpu_seconds: float
    max_rss_kib: int


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    title: str
    #: writes inputs into the directory; returns what to run and compare
    prepare: Callable[[Path, argparse.Namespace], Plan]
    runs: int  # default number of measured runs of each command
    targets: tuple[Target, ...] = ()


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


def _cold_start(work: Path, args: argparse.Namespace) -> Plan:  # noqa: ARG001
    stdin = _write_resource_list(work, 1)
    return pair(
        Command("trainjob-migrate fn (1 PyTorchJob)", fn_command(), stdin, (0, 1), 1),
        Command("python -c 'import yaml'", [sys.executable, "-c", "import yaml"]),
        Command("(reference) python -c pass", [sys.executable, "-c", "pass"]),
        Command(
            "(reference) trainjob-migrate fn via a resident server",
            fn_command(),
            stdin,
            (0, 1),
            1,
            env=_server(work),
        ),
        # What the package's data model imports before any of its code runs.
        Command(
            "(reference) import yaml, dataclasses, typing",
            [sys.executable, "-c", "import yaml, dataclasses, typing"],
        ),
    )


def _job_stream(work: Path) -> Path:
    """The one-job ResourceList's items alone, as kustomize passes them to a legacy plugin."""
    resource_list = _write_resource_list(work, 1)
    stream = resource_list.with_name(resource_list.stem + "-stream.yaml")
    if not stream.exists():
        items = yaml.load(resource_list.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        stream.write_text(yaml.safe_dump_all(items["items"], sort_keys=False), encoding="utf-8")
    return stream


def _plugin_start(work: Path, args: argparse.Namespace) -> Plan:  # noqa: ARG001
    config = work / "plugin-config.yaml"
    config.write_text(
        "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
        "metadata:\n  name: migrate\n",
        encoding="utf-8",
    )
    stream = _job_stream(work)
    return pair(
        Command(
            "trainjob-migrate kustomize-plugin (1 PyTorchJob)",
            cli_command("kustomize-plugin", str(config)),
            stream,
            (0, 1),
            1,
            stream=True,
        ),
        Command(
            "trainjob-migrate fn (1 PyTorchJob)",
            fn_command(),
            _write_resource_list(work, 1),
            (0, 1),
            1,
        ),
        Command("(reference) python -c 'import yaml'", [sys.executable, "-c", "import yaml"]),
        Command(
            "(reference) trainjob-migrate kustomize-plugin via a resident server",
            cli_command("kustomize-plugin", str(config)),
            stream,
            (0, 1),
            1,
            stream=True,
            env=_server(work),
        ),
    )


def _one_job_manifest(work: Path) -> Path:
    """The one PyTorchJob of the one-job ResourceList, as a file of its own."""
    resource_list = _write_resource_list(work, 1)
    manifest = resource_list.with_name(resource_list.stem + "-job.yaml")
    if not manifest.exists():
        items = yaml.load(resource_list.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        job = next(i for i in items["items"] if i["kind"] == "PyTorchJob")
        manifest.write_text(yaml.safe_dump(job, sort_keys=False), encoding="utf-8")
    return manifest


def _check_start(work: Path, args: argparse.Namespace) -> Plan:  # noqa: ARG001
    manifest = _one_job_manifest(work)
    return pair(
        # exit 3: a Training Operator job remains (check's finding)
        Command(
            "trainjob-migrate check FILE (1 PyTorchJob)",
            cli_command("check", str(manifest)),
            None,
            (3,),
        ),
        Command("python -c 'import yaml'", [sys.executable, "-c", "import yaml"]),
        Command(
            "(reference) trainjob-migrate fn (1 PyTorchJob)",
            fn_command(),
            _write_resource_list(work, 1),
            (0, 1),
        ),
    )


#: where kustomize looks for the legacy exec plugin of the transformer's kind, under
#: KUSTOMIZE_PLUGIN_HOME: <group>/<version>/<lowercase kind>/<Kind>
_PLUGIN_PATH = Path("fn.trainjob-migrate.dev/v1alpha1/trainjobmigration/TrainJobMigration")


#: the resident servers started by cases (at most one), stopped when the bench ends
_SERVERS: list[dict[str, str]] = []


def _server(work: Path) -> dict[str, str]:
    """The environment of commands answered by a resident server: one the bench starts (once)
    on a socket of its own, stopped at the end (``_stop_servers``)."""
    if not _SERVERS:
        folder = Path(tempfile.mkdtemp(prefix="tjm-bench-"))  # 0700, and a short path
        env = {**os.environ, "TRAINJOB_MIGRATE_SOCKET": str(folder / "s.sock")}
        env.pop("TRAINJOB_MIGRATE_SERVER", None)
        started = subprocess.run(
            [*cli_command("server", "start"), "--idle-timeout", "900"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            raise SystemExit(f"bench: the server did not start: {started.stderr.strip()}")
        _SERVERS.append({"TRAINJOB_MIGRATE_SOCKET": env["TRAINJOB_MIGRATE_SOCKET"]})
    del work  # the server's folder is its own: a --work directory may have a long path
    return _SERVERS[0]


def _stop_servers() -> None:
    for server in _SERVERS:
        env = {**os.environ, **server}
        subprocess.run(cli_command("server", "stop"), env=env, capture_output=True, check=False)
        shutil.rmtree(Path(server["TRAINJOB_MIGRATE_SOCKET"]).parent, ignore_errors=True)
    _SERVERS.clear()


def _kustomize_build(work: Path, args: argparse.Namespace) -> Plan:  # noqa: ARG001
    """``kubectl kustomize --enable-alpha-plugins`` of one PyTorchJob with the transformer,
    run once by the plugin (this interpreter's console script) and once by ``cat``."""
    kubectl, kustomize = shutil.which("kubectl"), shutil.which("kustomize")
    if kubectl:
        build = [kubectl, "kustomize", "--enable-alpha-plugins"]
    elif kustomize:
        build = [kustomize, "build", "--enable-alpha-plugins"]
    else:
        raise Skip("neither kubectl nor kustomize is on PATH")
    job = yaml.safe_load(_one_job_manifest(work).read_text(encoding="utf-8"))
    job["metadata"].pop("annotations", None)  # kpt's placement: not in a kustomize source
    root = work / "kustomize-build"
    shutil.rmtree(root, ignore_errors=True)
    homes = {
        "migrate": root / "plugin-migrate",
        "cat": root / "plugin-cat",
        "pyyaml": root / "plugin-pyyaml",
    }
    scripts = {
        "migrate": shlex.join(cli_command("kustomize-plugin")) + ' "$@"',
        "cat": "cat",  # the resources on stdin back unchanged: the legacy protocol's least
        # the least any plugin in Python on PyYAML pays: start, import yaml, copy stdin
        "pyyaml": shlex.join(
            [sys.executable, "-c", "import sys, yaml; sys.stdout.write(sys.stdin.read())"]
        ),
    }
    for name, home in homes.items():
        plugin = home / _PLUGIN_PATH
        plugin.parent.mkdir(parents=True)
        plugin.write_text(f"#!/bin/sh\nexec {scripts[name]}\n", encoding="utf-8")
        plugin.chmod(0o755)
    with_plugin, without = root / "with-transformer", root / "without-transformer"
    for folder, transformers in ((with_plugin, ["migration.yaml"]), (without, [])):
        folder.mkdir()
        (folder / "job.yaml").write_text(yaml.safe_dump(job, sort_keys=False), encoding="utf-8")
        (folder / "migration.yaml").write_text(
            "apiVersion: fn.trainjob-migrate.dev/v1alpha1\nkind: TrainJobMigration\n"
            "metadata:\n  name: migrate\nspec:\n  targetVersion: '2.3'\n",
            encoding="utf-8",
        )
        kustomization = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["job.yaml"],
            **({"transformers": transformers} if transformers else {}),
        }
        (folder / "kustomization.yaml").write_text(
            yaml.safe_dump(kustomization, sort_keys=False), encoding="utf-8"
        )
    tool = f"{Path(build[0]).name} {build[1]}"
    served = Command(
        f"{tool}, plugin: trainjob-migrate kustomize-plugin via a resident server",
        [*build, str(with_plugin)],
        min_trainjobs=1,
        stream=True,
        env={"KUSTOMIZE_PLUGIN_HOME": str(homes["migrate"]), **_server(work)},
    )
    alone = Command(
        f"{tool}, plugin: trainjob-migrate kustomize-plugin (no server)",
        [*build, str(with_plugin)],
        min_trainjobs=1,
        stream=True,
        env={"KUSTOMIZE_PLUGIN_HOME": str(homes["migrate"])},
    )
    cat = Command(
        f"{tool}, plugin: cat",
        [*build, str(with_plugin)],
        env={"KUSTOMIZE_PLUGIN_HOME": str(homes["cat"])},
    )
    return Plan(
        (
            served,
            cat,
            alone,
            Command(
                f"(reference) {tool}, plugin: python + import yaml",
                [*build, str(with_plugin)],
                env={"KUSTOMIZE_PLUGIN_HOME": str(homes["pyyaml"])},
            ),
            Command(f"(reference) {tool}, no transformer", [*build, str(without)]),
        ),
        (Comparison(Pair.MAIN, served, cat), Comparison(Pair.NO_SERVER, alone, cat)),
    )


def _write_v2_resource_list(work: Path) -> Path:
    """One converted TrainJob and the TrainingRuntime it references: a repository after the
    migration, which the function validates (CRD schema, CEL rules, webhook rules)."""
    version = hashlib.sha256(Path(inputs.__file__).read_bytes()).hexdigest()[:12]
    path = work / f"resource-list-v2-{version}.yaml"
    if not path.exists():
        path.write_text(inputs.v2_resource_list(), encoding="utf-8")
    return path


def _cold_start_v2(work: Path, args: argparse.Namespace) -> Plan:  # noqa: ARG001
    stdin = _write_v2_resource_list(work)
    return pair(
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


def _throughput(jobs: int) -> Callable[[Path, argparse.Namespace], Plan]:
    def prepare(work: Path, args: argparse.Namespace) -> Plan:
        n = args.jobs if args.jobs is not None else (min(jobs, 20) if args.quick else jobs)
        stdin = _write_resource_list(work, n)
        return pair(
            Command(
                f"trainjob-migrate fn ({n} PyTorchJobs)", fn_command(), stdin, (0, 1), int(n * 0.9)
            ),  # a few generated jobs are elastic: refused, left as they are
            Command(
                "libyaml load + dump (CSafeLoader/CSafeDumper), cyclic GC off",
                [sys.executable, "-c", LOAD_DUMP_NO_GC],
                stdin,
            ),
            Command(
                "(reference) the same, cyclic GC on",
                [sys.executable, "-c", LOAD_DUMP],
                stdin,
            ),
        )

    return prepare


def _tree(work: Path, files: int, jobs: int) -> Path:
    """The manifest repository of ``files`` files and ``jobs`` PyTorchJobs, written once
    into the work directory (named after the generator's source: never stale)."""
    version = hashlib.sha256(Path(inputs.__file__).read_bytes()).hexdigest()[:12]
    tree = work / f"repo-{files}-{jobs}-{version}"
    if not tree.exists():
        print(f"\n(writing {tree}: {files} files, {jobs} PyTorchJobs)", flush=True)
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        inputs.repository(partial, files=files, jobs=jobs)
        partial.rename(tree)
    return tree


def _repo_size(args: argparse.Namespace, files: int, quick_files: int) -> tuple[int, int]:
    """(files, jobs) of a repository case: ``files`` with the full tree's share of jobs;
    ``quick_files`` with --quick; --jobs jobs in as many files as that share gives."""
    share = inputs.REPO_JOBS / inputs.REPO_FILES
    if args.jobs is not None:
        return max(10, round(args.jobs / share)), args.jobs
    if args.quick:
        files = quick_files
    return files, round(files * share)


def _one_cpu() -> tuple[tuple[int, ...], bool]:
    """(the CPU a pinned command runs on, whether another CPU is free for an unpinned one)."""
    cpus = sorted(os.sched_getaffinity(0))
    return (cpus[0],), len(cpus) > 1


def _convert(label: str, tree: Path, out: Path, jobs: int, cpus: tuple[int, ...] | None) -> Command:
    # every file is written (copied or converted) into the mirror tree, empty at each run
    return Command(
        label,
        cli_command("convert", "--out", str(out), str(tree)),
        None,
        (0, 1),
        int(jobs * 0.9),
        out,
        cpus=cpus,
    )


def _convert_repo(work: Path, args: argparse.Namespace) -> Plan:
    files, jobs = _repo_size(args, inputs.REPO_FILES, 100)
    tree = _tree(work, files, jobs)
    scratch = _memory_dir(work)
    print(f"\n(convert-repo: the tree is {tree}; output goes to {scratch})")
    cpu, free = _one_cpu()
    title = f"convert --out ({files} files, {jobs} PyTorchJobs)"
    one = _convert(f"[1 CPU] trainjob-migrate {title}", tree, scratch / "out-1", jobs, cpu)
    one_floor = Command(
        "[1 CPU] read + parse every file (CSafeLoader)",
        [sys.executable, "-c", READ_PARSE_TREE, str(tree)],
        cpus=cpu,
    )
    keep_all = Command(
        "read + parse, keeping every document (the memory floor)",
        [sys.executable, "-c", READ_PARSE_KEEP_TREE, str(tree)],
    )
    references = (
        Command(
            "(reference) read + parse, cyclic GC off",
            [sys.executable, "-c", "import gc; gc.disable()\n" + READ_PARSE_TREE, str(tree)],
        ),
        Command(
            "(reference) read + write every file (a copy)",
            [sys.executable, "-c", COPY_TREE, str(tree), str(scratch / "copy-out")],
            out_dir=scratch / "copy-out",
        ),
    )
    if not free:
        return Plan(
            (one, one_floor, keep_all, *references),
            (Comparison(Pair.ONE_CPU, one, one_floor), Comparison(Pair.KEEP_ALL, one, keep_all)),
            ("this process may run on one CPU only: the free-CPU pair is not measured",),
        )
    both = _convert(f"trainjob-migrate {title}", tree, scratch / "out-free", jobs, None)
    both_floor = Command(
        "read + parse every file (CSafeLoader)",
        [sys.executable, "-c", READ_PARSE_TREE, str(tree)],
    )
    return Plan(
        (one, one_floor, both, both_floor, keep_all, *references),
        (
            Comparison(Pair.ONE_CPU, one, one_floor),
            Comparison(Pair.FREE_CPU, both, both_floor),
            # one process on one CPU: its peak RSS is all of its memory (see spawner.py)
            Comparison(Pair.KEEP_ALL, one, keep_all),
        ),
    )


#: the monorepo of issue 15's memory target: four times the repository case's files
MONOREPO_FILES = 20_000


def _convert_monorepo(work: Path, args: argparse.Namespace) -> Plan:
    files, jobs = _repo_size(args, MONOREPO_FILES, 400)
    tree = _tree(work, files, jobs)
    scratch = _memory_dir(work)
    print(f"\n(convert-repo-20000: the tree is {tree}; output goes to {scratch})")
    cpu, _ = _one_cpu()
    # Pinned: one process (no forked half), so its peak RSS is all of its memory.
    title = f"convert --out ({files} files, {jobs} PyTorchJobs)"
    subject = _convert(f"[1 CPU] trainjob-migrate {title}", tree, scratch / "out", jobs, cpu)
    keep_all = Command(
        "[1 CPU] read + parse, keeping every document",
        [sys.executable, "-c", READ_PARSE_KEEP_TREE, str(tree)],
        cpus=cpu,
    )
    return Plan((subject, keep_all), (Comparison(Pair.KEEP_ALL, subject, keep_all),))


def _check_monorepo(work: Path, args: argparse.Namespace) -> Plan:
    """``check`` of the 20,000-file tree (text output), pinned to one CPU, beside a loader
    that keeps every document (KEEP_ALL) and a streaming read + parse (ONE_CPU): a linter
    in CI that streams file by file holds about what the streaming reader holds."""
    files, jobs = _repo_size(args, MONOREPO_FILES, 400)
    tree = _tree(work, files, jobs)
    cpu, _ = _one_cpu()
    title = f"check ({files} files, {jobs} PyTorchJobs)"
    # exit 2: v1 jobs remain that convert cleanly; 3: some need attention. Without kubectl
    # and kustomize on PATH: building each of the tree's 3,000 kustomizations (a kubectl
    # process each) is most of a check's time here (208 s of CPU), and none of the memory of
    # its own process (the peak RSS measured)
    nowhere = work / "empty-path"
    nowhere.mkdir(exist_ok=True)
    subject = Command(
        f"[1 CPU] trainjob-migrate {title}, no kubectl",
        cli_command("check", str(tree)),
        None,
        (2, 3),
        cpus=cpu,
        env={"PATH": str(nowhere)},
    )
    streaming = Command(
        "[1 CPU] read + parse every file (CSafeLoader)",
        [sys.executable, "-c", READ_PARSE_TREE, str(tree)],
        cpus=cpu,
    )
    keep_all = Command(
        "[1 CPU] read + parse, keeping every document",
        [sys.executable, "-c", READ_PARSE_KEEP_TREE, str(tree)],
        cpus=cpu,
    )
    return Plan(
        (subject, streaming, keep_all),
        (
            Comparison(Pair.ONE_CPU, subject, streaming),
            Comparison(Pair.KEEP_ALL, subject, keep_all),
        ),
    )


def _dry_run_file(work: Path, args: argparse.Namespace) -> Plan:
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
    return pair(
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
        # the file's size, not the pair's ratio, shows a cost per document that grows with
        # the file (both commands share it: a decode per document once made them 27 s)
        Command(
            "(reference) libyaml load + dump of the file (CSafeLoader/CSafeDumper)",
            [sys.executable, "-c", LOAD_DUMP_ALL],
            stream,
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


#: The cases and their targets: issue 15's ("Speed, second round") where it gives one; the
#: fn-10000 memory and dry-run-file targets are older ones, kept.
CASES: tuple[Case, ...] = (
    Case(
        "cold-start",
        "cold start: one PyTorchJob vs importing PyYAML",
        _cold_start,
        runs=21,
        targets=(Target(Metric.WALL, 1.3),),
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
        targets=(Target(Metric.WALL, 1.2),),
    ),
    Case(
        "check-start",
        "check of one file (a pre-commit run) vs importing PyYAML",
        _check_start,
        runs=21,
        targets=(Target(Metric.WALL, 1.6),),
    ),
    Case(
        "kustomize-plugin-build",
        "kubectl kustomize of one PyTorchJob through the legacy plugin vs a `cat` plugin",
        _kustomize_build,
        runs=21,
        targets=(Target(Metric.WALL, 1.5),),
    ),
    Case("fn-100", "throughput: 100 PyTorchJobs (+100 other objects)", _throughput(100), runs=7),
    Case(
        "fn-10000",
        "throughput: 10,000 PyTorchJobs (+10,000 other objects) vs libyaml, GC off",
        _throughput(10_000),
        runs=3,
        targets=(Target(Metric.WALL, 1.25), Target(Metric.RSS, 3.0)),
    ),
    Case(
        "convert-repo",
        "repository conversion: 5,000 files, 2,000 PyTorchJobs, on one CPU and with a free one",
        _convert_repo,
        runs=5,
        targets=(
            Target(Metric.CPU, 3.0, Pair.ONE_CPU),
            Target(Metric.WALL, 2.5, Pair.FREE_CPU),
            Target(Metric.RSS, 2.0, Pair.KEEP_ALL),
        ),
    ),
    Case(
        "convert-repo-20000",
        "repository conversion's memory at 20,000 files, 8,000 PyTorchJobs (one CPU)",
        _convert_monorepo,
        runs=2,
        targets=(Target(Metric.RSS, 200, Pair.KEEP_ALL, absolute=True),),
    ),
    Case(
        "check-repo-20000",
        "check of the 20,000-file tree: memory and time vs streaming and keeping loaders",
        _check_monorepo,
        runs=2,
    ),
    Case(
        "dry-run-file",
        "dry run of one file of 4,000 PyTorchJobs vs --out of the same file",
        _dry_run_file,
        runs=3,
        targets=(Target(Metric.WALL, 3.0),),
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
            "cpus": list(command.cpus) if command.cpus else None,
            "env": command.env,
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
        # KiB on Linux
        return Sample(reply["seconds"], reply["cpu_seconds"], reply["max_rss_kib"])

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


def _medians(samples: Sequence[Sample]) -> dict[Metric, float]:
    """The median of each measure: seconds for times, MiB for memory."""
    return {
        Metric.WALL: statistics.median(s.seconds for s in samples),
        Metric.CPU: statistics.median(s.cpu_seconds for s in samples),
        Metric.RSS: statistics.median(s.max_rss_kib for s in samples) / 1024,
    }


def _seconds(value: float) -> str:
    return f"{value * 1000:8.1f} ms" if value < 10 else f"{value:8.2f} s "


def _figure(metric: Metric, value: float) -> str:
    return f"{value:8.1f} MiB" if metric is Metric.RSS else _seconds(value)


#: A floor is one single-threaded process: wall time above this many times its CPU time
#: means it waited for a CPU (other work on the machine), which inflates wall-time ratios.
BUSY = 1.25

#: False with --quick or --jobs: the sizes are not the targets' sizes, nothing is judged
_JUDGE = True


@dataclasses.dataclass(frozen=True)
class Result:
    """One pair of a case, measured: its ratios (subject/floor) and the subject's figures."""

    case: Case
    pair: Pair
    ratios: dict[Metric, float]
    subject: dict[Metric, float]

    @property
    def name(self) -> str:
        return f"{self.case.name} [{self.pair.value}]" if self.pair.value else self.case.name

    def verdicts(self, metric: Metric) -> str:
        """``(target <= 3x: met)`` for each target of this pair's ``metric``, judged."""
        parts = []
        for target in self.case.targets:
            if target.pair is not self.pair or target.metric is not metric:
                continue
            value = self.subject[metric] if target.absolute else self.ratios[metric]
            shown = f"{_figure(metric, value).strip()} " if target.absolute else ""
            if not _JUDGE:  # the header says why
                parts.append(f"{shown}(target {target.describe()})")
                continue
            met = "met" if value <= target.bound else "MISSED"
            parts.append(f"{shown}(target {target.describe()}: {met})")
        return " ".join(parts)


def report(case: Case, plan: Plan, samples: Sequence[list[Sample]]) -> list[Result]:
    medians = [_medians(s) for s in samples]
    index = {id(command): i for i, command in enumerate(plan.commands)}
    width = max(24, *(len(c.label) + 3 for c in plan.commands))
    load = os.getloadavg()[0]
    print(f"\n{case.name}: {case.title}  (median of {len(samples[0])}; load average {load:.2f})")
    for note in plan.notes:
        print(f"  ({note})")
    print(f"  {'':{width}}  {'wall time':>11}  {'CPU time':>11}  {'peak RSS':>12}")
    for i, (command, figures) in enumerate(zip(plan.commands, medians, strict=True), 1):
        cells = "  ".join(_figure(m, figures[m]) for m in Metric)
        print(f"  {f'{i}. {command.label}':{width}}  {cells}")
    results = []
    for comparison in plan.comparisons:
        s, f = index[id(comparison.subject)], index[id(comparison.floor)]
        ratios = {m: medians[s][m] / medians[f][m] for m in Metric}
        results.append(Result(case, comparison.pair, ratios, medians[s]))
        label = f"ratio {s + 1}/{f + 1}"
        if comparison.pair.value:
            label += f" ({comparison.pair.value})"
        cells = f"{ratios[Metric.WALL]:10.2f}x  {ratios[Metric.CPU]:10.2f}x"
        print(f"  {label:{width}}  {cells}  {ratios[Metric.RSS]:11.2f}x")
    for result in results:
        judged = [f"{m.value} {result.verdicts(m)}" for m in Metric if result.verdicts(m)]
        if judged:
            print(f"  {result.name}: " + "; ".join(judged))
    floors = {index[id(c.floor)] for c in plan.comparisons}
    waited = max(medians[i][Metric.WALL] / max(medians[i][Metric.CPU], 1e-9) for i in floors)
    if waited > BUSY:
        print(
            f"  (busy machine: a floor's wall time is {waited:.1f}x its CPU time, so its "
            "commands waited for a CPU: compare CPU times, or rerun)"
        )
    return results


def summary(results: Sequence[Result]) -> list[str]:
    """One line a pair: its three ratios, each with the verdicts of its targets, in columns."""
    widths = {m: max((len(r.verdicts(m)) for r in results), default=0) for m in Metric}
    name_width = max((len(r.name) for r in results), default=0)
    lines = []
    for result in results:
        cells = [
            f"{short} {result.ratios[metric]:5.2f}x {result.verdicts(metric):{widths[metric]}}"
            for metric, short in ((Metric.WALL, "wall"), (Metric.CPU, "CPU"), (Metric.RSS, "RSS"))
        ]
        lines.append(f"  {result.name:{name_width}}  " + "  ".join(cells).rstrip())
    return lines


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
    # nor PYTHONUNBUFFERED (a development shell's setting): kustomize, kpt and CI run the
    # commands with buffered output
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "TRAINJOB_MIGRATE_SERVER")
    }
    _compile_package()
    print(f"trainjob-migrate bench: {_environment()}")
    if not _JUDGE:
        print("(--quick, --jobs or one run: targets are not judged)")
    selected = [c for c in CASES if not args.case or c.name in args.case]
    work = args.work or Path(tempfile.mkdtemp(prefix="trainjob-migrate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # no server answers a command run in its own process (the lookup is paid, and fails)
    env["TRAINJOB_MIGRATE_SOCKET"] = str(work.resolve() / "no-server" / "s.sock")
    results: list[Result] = []
    skipped: list[tuple[Case, str]] = []
    spawner = Spawner(env)
    try:
        for case in selected:
            try:
                plan = case.prepare(work, args)
            except Skip as skip:
                print(f"\n{case.name}: skipped: {skip}")
                skipped.append((case, str(skip)))
                continue
            runs = args.runs or (1 if args.quick else case.runs)
            samples = measure(spawner, plan.commands, runs, work)
            results.extend(report(case, plan, samples))
    finally:
        spawner.close()
        _stop_servers()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
        for scratch in _SCRATCH:
            shutil.rmtree(scratch, ignore_errors=True)
    print("\nsummary (subject / floor, medians; absolute figures are the subject's own)")
    print("\n".join(summary(results)))
    for case, reason in skipped:
        print(f"  {case.name}: skipped: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
