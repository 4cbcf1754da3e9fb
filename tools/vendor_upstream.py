#!/usr/bin/env python3
"""Copy the upstream files the generators read into ``upstream/``, with their provenance.

``upstream/<owner>/<name>/<tag>/<path>`` is ``git show <tag>:<path>`` of that GitHub
repository, byte for byte; ``upstream/LICENSES/<owner>-<name>.txt`` is the repository's
``LICENSE`` (the same at every tag taken); ``upstream/SOURCES.md`` records, per file, the
repository, tag, commit, original path, sha256 and license. What is taken is the table
``PICKS`` below.

Vendoring needs a clone of each repository (``git clone --bare https://github.com/<repo>``),
named with ``--git-dir owner/name=DIR``; the tool reads them and never touches the network.
``--check`` needs no clone: it verifies that every file under ``upstream/`` is listed in
``SOURCES.md`` with its sha256, and nothing else is there (with ``--git-dir``, it also compares
each file with the repository). Only the standard library is used.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_OUT: Final = REPO_ROOT / "upstream"
COMMAND: Final = "python tools/vendor_upstream.py"
SOURCES: Final = "SOURCES.md"
LICENSES: Final = "LICENSES"

TRAINER: Final = "kubeflow/trainer"
MPI_OPERATOR: Final = "kubeflow/mpi-operator"
#: repository -> SPDX id of its LICENSE (checked against the text)
LICENSE_OF: Final = {TRAINER: "Apache-2.0", MPI_OPERATOR: "Apache-2.0"}
_LICENSE_MARK: Final = {"Apache-2.0": ("Apache License", "Version 2.0, January 2004")}


def _target_releases() -> tuple[str, ...]:
    """``Target.release`` of every target (the package's one list of releases)."""
    sys.path.insert(0, str(REPO_ROOT / "function"))
    from trainjob_migrate.targets import all_targets

    return tuple(t.release for t in all_targets())


#: Trainer releases whose TrainJob/TrainingRuntime/ClusterTrainingRuntime CRDs are taken: the
#: newest patch of each minor release (v2.0.0 = v2.0.1 byte for byte; v2.2.1 regenerated the
#: embedded core/v1 types for Kubernetes 1.36).
TRAINER_CRD_TAGS: Final = _target_releases()
#: Trainer releases whose default runtimes are taken: every release (their images differ).
TRAINER_RUNTIME_TAGS: Final = ("v2.0.0", "v2.0.1", "v2.1.0", "v2.2.0", "v2.2.1", "v2.3.0")
#: The Training Operator v1 (the release-1.9 line lives in kubeflow/trainer).
TRAINING_OPERATOR_TAG: Final = "v1.9.4"
#: mpi-operator's newest release (MPIJob kubeflow.org/v2beta1).
MPI_OPERATOR_TAG: Final = "v0.8.0"


@dataclass(frozen=True, slots=True)
class Pick:
    """Files of one repository at one tag: shell patterns on their paths (``**`` = any depth)."""

    repo: str
    tag: str
    patterns: tuple[str, ...]


PICKS: Final[tuple[Pick, ...]] = (
    Pick(TRAINER, TRAINING_OPERATOR_TAG, ("manifests/base/crds/kubeflow.org_*jobs.yaml",)),
    *(
        Pick(TRAINER, tag, ("manifests/base/crds/trainer.kubeflow.org_*.yaml",))
        for tag in TRAINER_CRD_TAGS
    ),
    *(
        Pick(
            TRAINER,
            tag,
            ("manifests/base/runtimes/**", "manifests/overlays/runtimes/kustomization.yaml"),
        )
        for tag in TRAINER_RUNTIME_TAGS
    ),
    Pick(MPI_OPERATOR, MPI_OPERATOR_TAG, ("manifests/base/kubeflow.org_mpijobs.yaml",)),
)


class VendorError(Exception):
    """A repository, tag or file is not what the table expects."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One vendored file and where it came from."""

    file: str  # relative to upstream/
    repo: str
    tag: str
    commit: str
    path: str  # inside the repository
    sha256: str
    license: str


class Git:
    """Read-only access to one bare clone."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir

    def _run(self, *args: str) -> bytes:
        proc = subprocess.run(
            ["git", f"--git-dir={self.git_dir}", *args], capture_output=True, check=False
        )
        if proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip()
            raise VendorError(f"{self.git_dir}: git {' '.join(args)}: {message}")
        return proc.stdout

    def commit(self, tag: str) -> str:
        return self._run("rev-parse", f"{tag}^{{commit}}").decode().strip()

    def files(self, tag: str) -> list[str]:
        return self._run("ls-tree", "-r", "--name-only", "-z", tag).decode().split("\0")[:-1]

    def show(self, tag: str, path: str) -> bytes:
        return self._run("show", f"{tag}:{path}")


def _matches(path: str, pattern: str) -> bool:
    if pattern.endswith("/**"):
        return path.startswith(pattern[:-2])
    return fnmatch.fnmatchcase(path, pattern) and path.count("/") == pattern.count("/")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def license_file(repo: str) -> str:
    return f"{LICENSES}/{repo.replace('/', '-')}.txt"


def collect(gits: Mapping[str, Git]) -> tuple[dict[str, bytes], list[Entry]]:
    """Every vendored file's bytes (by path under upstream/) and its provenance."""
    files: dict[str, bytes] = {}
    entries: list[Entry] = []
    licenses: dict[str, tuple[bytes, str, str]] = {}  # repo -> (text, tag, commit)
    for pick in PICKS:
        git = gits.get(pick.repo)
        if git is None:
            raise VendorError(f"no --git-dir for {pick.repo} (git clone --bare its repository)")
        commit = git.commit(pick.tag)
        listing = git.files(pick.tag)
        for pattern in pick.patterns:
            found = [p for p in listing if _matches(p, pattern)]
            if not found:
                raise VendorError(f"{pick.repo}@{pick.tag}: nothing matches {pattern}")
            for path in found:
                data = git.show(pick.tag, path)
                name = f"{pick.repo}/{pick.tag}/{path}"
                files[name] = data
                entries.append(
                    Entry(
                        name,
                        pick.repo,
                        pick.tag,
                        commit,
                        path,
                        _sha256(data),
                        LICENSE_OF[pick.repo],
                    )
                )
        text = git.show(pick.tag, "LICENSE")
        seen = licenses.setdefault(pick.repo, (text, pick.tag, commit))
        if seen[0] != text:
            raise VendorError(f"{pick.repo}: LICENSE differs between {seen[1]} and {pick.tag}")
    for repo, (text, tag, commit) in licenses.items():
        spdx = LICENSE_OF[repo]
        if not all(mark.encode() in text for mark in _LICENSE_MARK[spdx]):
            raise VendorError(f"{repo}@{tag}: LICENSE is not {spdx}")
        name = license_file(repo)
        files[name] = text
        entries.append(Entry(name, repo, tag, commit, "LICENSE", _sha256(text), spdx))
    return files, sorted(entries, key=lambda e: e.file)


def render_sources(entries: Sequence[Entry]) -> str:
    """The text of ``upstream/SOURCES.md``."""
    tags = sorted({(e.repo, e.tag, e.commit) for e in entries if not e.file.startswith(LICENSES)})
    tag_rows = "\n".join(f"| {repo} | {tag} | `{commit}` |" for repo, tag, commit in tags)
    rows = "\n".join(
        f"| `{e.file}` | {e.repo} | {e.tag} | `{e.commit}` | `{e.path}` | `{e.sha256}` |"
        f" {e.license} |"
        for e in entries
    )
    return f"""\
# upstream/ — provenance (generated by `{COMMAND}`; do not edit)

Every file here is an unmodified upstream file: `upstream/<owner>/<name>/<tag>/<path>` is
`git show <tag>:<path>` of `https://github.com/<owner>/<name>`, byte for byte, and
`upstream/LICENSES/<owner>-<name>.txt` is that repository's `LICENSE` (identical at every tag
taken). The generators read only this folder: `tools/generate_schemas.py` (the CRDs, into
`schemas/`) and `tools/generate_runtimes.py` (the default runtimes, into
`function/trainjob_migrate/runtimes/data/`). Nothing here is shipped in the package or image.

Re-vendor with `{COMMAND} --git-dir kubeflow/trainer=DIR --git-dir kubeflow/mpi-operator=DIR`
(bare clones; the table of what is taken is `PICKS` in the tool). `{COMMAND} --check` verifies,
offline, that every file here is listed below with its sha256 and nothing else is here.

What is here, and why:

- Trainer v2 CRDs (TrainJob, TrainingRuntime, ClusterTrainingRuntime) of the newest patch of
  each minor release: v2.0.1 (byte-identical to v2.0.0), v2.1.0, v2.2.1 (v2.2.0 differs in
  descriptions, and in the runtime CRDs' embedded PodSpec: `workloadRef` became
  `schedulingGroup`, Kubernetes 1.36), v2.3.0. From v2.3.0 the Helm chart carries the CRDs as
  templates (`charts/kubeflow-trainer/templates/crd/`); `manifests/base/crds/` still holds them
  and is what is taken.
- The default runtimes of every Trainer release v2.0.0 to v2.3.0: `manifests/base/runtimes/**`
  (what its `kustomization.yaml` lists is installed by default; `data-cache/` is not) and
  `manifests/overlays/runtimes/kustomization.yaml` (image tags; from v2.3.0 also the label
  `trainer.kubeflow.org/webhook-validation: disabled`).
- Training Operator v1 CRDs of every kind at v1.9.4, the newest release of the release-1.9 line
  (kubeflow/training-operator was renamed kubeflow/trainer; the v1 line continues there as
  tags v1.9.x): PyTorchJob, TFJob, MPIJob (`kubeflow.org/v1`), XGBoostJob, JAXJob (new in
  v1.9.0), PaddleJob. MXJob is not among them: it was removed in v1.9.0 (#2150, commit
  736c8147b); v1.8.1 is the last release with `kubeflow.org_mxjobs.yaml`.
- mpi-operator's MPIJob `kubeflow.org/v2beta1` CRD at v0.8.0, its newest release tag
  (v0.6.0, v0.7.0 before it).

Commits:

| repository | tag | commit |
|---|---|---|
{tag_rows}

Files:

| file (under upstream/) | repository | tag | commit | original path | sha256 | license |
|---|---|---|---|---|---|---|
{rows}
"""


_ROW: Final = re.compile(
    r"^\| `(?P<file>[^`]+)` \| (?P<repo>[^ |]+) \| (?P<tag>[^ |]+) \| `(?P<commit>[0-9a-f]{40})` \|"
    r" `(?P<path>[^`]+)` \| `(?P<sha256>[0-9a-f]{64})` \| (?P<license>[^ |]+) \|$",
    re.MULTILINE,
)


def read_sources(text: str) -> list[Entry]:
    """The file rows of a ``SOURCES.md`` written by :func:`render_sources`."""
    return [Entry(**m.groupdict()) for m in _ROW.finditer(text)]


def _on_disk(out: Path) -> Iterator[str]:
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_file() and name != SOURCES:
            yield name


def verify(out: Path) -> list[str]:
    """Problems with ``out`` against its own ``SOURCES.md`` (no repository needed)."""
    sources = out / SOURCES
    if not sources.is_file():
        return [f"{sources}: missing"]
    entries = read_sources(sources.read_text(encoding="utf-8"))
    if not entries:
        return [f"{sources}: no file rows"]
    problems = []
    listed = {e.file: e for e in entries}
    for name in _on_disk(out):
        entry = listed.pop(name, None)
        if entry is None:
            problems.append(f"{out / name}: not listed in {SOURCES}")
        elif _sha256((out / name).read_bytes()) != entry.sha256:
            problems.append(f"{out / name}: sha256 differs from {SOURCES}")
        elif name.startswith(LICENSES):
            continue
        elif name != f"{entry.repo}/{entry.tag}/{entry.path}":
            problems.append(f"{out / name}: not at <repo>/<tag>/<original path>")
    problems.extend(f"{out / name}: listed in {SOURCES} but missing" for name in listed)
    return problems


def _write(out: Path, files: Mapping[str, bytes], check: bool) -> list[str]:
    stale = []
    for name, data in sorted(files.items()):
        target = out / name
        current = target.read_bytes() if target.is_file() else None
        if current != data:
            stale.append(f"{target}: {'missing' if current is None else 'differs'}")
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    extra = [name for name in _on_disk(out) if name not in files] if out.is_dir() else []
    stale.extend(f"{out / name}: not vendored" for name in extra)
    if not check:
        for name in extra:
            (out / name).unlink()
    return stale


def _git_dir(value: str) -> tuple[str, Git]:
    repo, sep, directory = value.partition("=")
    if not sep or repo not in LICENSE_OF:
        raise argparse.ArgumentTypeError(f"expected one of {sorted(LICENSE_OF)}=DIR")
    return repo, Git(Path(directory))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--git-dir",
        type=_git_dir,
        action="append",
        default=[],
        metavar="OWNER/NAME=DIR",
        help="a bare clone of an upstream repository (repeat for each)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if upstream/ is not as listed"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    gits = dict(args.git_dir)
    if not gits:
        if not args.check:
            parser.error("vendoring needs --git-dir for each repository (or use --check)")
        problems = verify(out)
        for line in problems:
            print(line, file=sys.stderr)
        if not problems:
            print(f"{out}: every file is as {SOURCES} lists it")
        return 1 if problems else 0
    try:
        files, entries = collect(gits)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    files[SOURCES] = render_sources(entries).encode("utf-8")
    stale = _write(out, files, args.check)
    if args.check:
        for line in stale:
            print(line, file=sys.stderr)
        return 1 if stale else 0
    print(f"{len(files)} file(s) in {out}, {len(stale)} updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
