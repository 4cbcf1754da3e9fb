"""Which files of a tree ``check`` reads together: groups of files that depend on each other.

``check`` streams: it converts one group of files at a time, in the order its findings are
written, writes them and lets go of the group, so its memory grows with the largest group,
not with the tree. A first pass reads each file's bytes once (no YAML parsing: a substring
test) and joins into one group the files that a conversion looks at together:

- **kustomize**: a kustomization, its patch files, the resources it names (a file; a folder:
  that folder's kustomization) and every file of its own folder (the overlay pass and the
  plan read the jobs it reaches and the patches aimed at them; the plan may create a file
  there) — ``repo/kustomize.py``;
- **TrainJob names** (``pipeline._check_collision``): a converted job's TrainJob clashes with
  a TrainJob, or another converted job's, of the same folder, the later in the walk getting
  the error. Files of plain jobs stay groups of their own, converted in that order with the
  TrainJobs of the folder's files before (``check.streamed`` carries them until the folder
  is done); but when one job file of a folder is in a larger group (converted where its
  first file falls, the v2 group first), every file of the folder that names a job kind or
  ``TrainJob`` joins it (:func:`_join_clashing`);
- **Trainer v2 objects and release detection** (``pipeline.target_release``, ``v2check``'s
  catalog of runtimes, the TrainJobs a converted job's must not clash with): every file
  that names ``trainer.kubeflow.org``, ``TrainJob`` or the controller's image is in one
  group, converted first: the release it installs is every other group's target
  (``FunctionConfig.target_version``);
- **Katib trial templates** (``containers.peers``): when a file names an ``Experiment``,
  it and every file that names a ConfigMap and a job kind are one group.

A file that names none of these (a file of plain jobs in a folder of its own, a Service...)
is a group of its own. The tests are on bytes, so they err on the side of joining: a file
that names such a word in a comment joins a group it did not need to. A name written only
through YAML escapes (``"\\x50yTorchJob"``) is not seen: such a file is read on its own.
"""

from __future__ import annotations

import posixpath

from trainjob_migrate import sources
from trainjob_migrate.records import Record
from trainjob_migrate.release import CRD_NAME
from trainjob_migrate.repo import fsio, kustomize
from trainjob_migrate.repo.documents import SourceText

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Final

    from trainjob_migrate.repo.walk import Found

#: what joins a file to the group of Trainer v2 objects and release sightings (converted
#: first: a TrainJob of any apiVersion is one a converted job's must not clash with, wherever
#: in its folder it stands: ``pipeline._trainjobs``)
_V2_MARKS: Final = (
    CRD_NAME.partition(".")[2].encode(),  # trainer.kubeflow.org: v2 objects, the CRD
    b"kubeflow/trainer/trainer-controller-manager",  # release.CONTROLLER_IMAGE
    b"TrainJob",
)
_JOB_MARKS: Final = (*(k.encode() for k in sources.KINDS), b"TrainJob")
_KATIB: Final = b"Experiment"
_CONFIG_MAP: Final = b"ConfigMap"


class Plan(Record):
    """The groups of a walk, in the order their findings are written."""

    __slots__ = ("groups", "totals", "sizes")
    #: numbers of files (in the walk's order), each group in the walk's order; the groups
    #: in the order of their first file by path (what findings are sorted by); the group
    #: that decides the target release (if any) first
    groups: list[list[int]]
    #: per file: the bytes the files before it in the walk hold (the per-tree limit)
    totals: list[int]
    #: per file: its bytes (0: not read)
    sizes: list[int]

    def __init__(self, groups: list[list[int]], totals: list[int], sizes: list[int]) -> None:
        self.groups = groups
        self.totals = totals
        self.sizes = sizes

    def batches(self, limit: int) -> list[list[int]]:
        """The groups (their numbers) in runs converted together: the first group alone (it
        decides the target release), then consecutive groups while their files hold fewer
        than ``limit`` bytes (a conversion's fixed cost, spread: 15% of the CPU of a check of 2,000
        files of one job each, one group a conversion). Groups share nothing, so a run of
        them converts as each would alone."""
        out: list[list[int]] = []
        size = limit
        for number, group in enumerate(self.groups):
            if number <= 1 or size >= limit:
                out.append([])
                size = 0
            out[-1].append(number)
            size += sum(self.sizes[n] for n in group)
        return out

    def group_of(
        self, found: Sequence[Found], numbers: Iterable[int] | None = None
    ) -> Callable[[str], int]:
        """The number of the group (of those numbered, or any) of a path: of the file read
        there, else of the files of its folder (a file a kustomization's rewrite creates
        beside it); -1 for none."""
        by_display: dict[str, int] = {}
        by_folder: dict[str, int] = {}
        for number in range(len(self.groups)) if numbers is None else numbers:
            for n in self.groups[number]:
                by_display.setdefault(found[n].display, number)
                by_folder.setdefault(posixpath.dirname(found[n].display), number)

        def group_of(path: str) -> int:
            number = by_display.get(path)
            if number is None:
                number = by_folder.get(posixpath.dirname(path), -1)
            return number

        return group_of


def plan(found: Sequence[Found], shown: Sequence[str]) -> Plan:
    """``shown``: each file's path as findings show it (their order)."""
    n = len(found)
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    totals: list[int] = []
    sizes = [0] * n
    per_file, per_tree, total = fsio.file_limit(), fsio.tree_limit(), 0
    by_display: dict[str, int] = {}
    by_folder: dict[str, list[int]] = {}
    jobs_in: dict[str, list[int]] = {}  # folder (as pipeline._key) -> files naming a job kind
    v2: int | None = None
    katib: list[int] = []
    config_maps: list[int] = []
    kustomizations: list[tuple[int, kustomize.Kustomization]] = []
    for number, entry in enumerate(found):
        totals.append(total)
        folder = posixpath.dirname(entry.display)
        by_display.setdefault(entry.display, number)
        by_folder.setdefault(folder, []).append(number)
        if entry.fault:
            continue
        try:  # as the engine reads it (a fault is its to report)
            raw = fsio.read(entry.path, min(per_file, per_tree - total))
        except fsio.Fault:
            continue
        total += len(raw)
        sizes[number] = len(raw)
        if any(mark in raw for mark in _V2_MARKS):
            if v2 is None:
                v2 = number
            join(v2, number)
        if any(mark in raw for mark in _JOB_MARKS):
            jobs_in.setdefault(entry.display.rpartition("/")[0], []).append(number)
            if _CONFIG_MAP in raw:
                config_maps.append(number)
        if _KATIB in raw:
            katib.append(number)
        if kustomize.is_kustomization(entry.display):
            try:
                k = kustomize.read(entry.display, SourceText.decode(raw).text)
            except UnicodeDecodeError:
                k = None
            if k is not None:
                kustomizations.append((number, k))
    if katib:
        for number in (*katib, *config_maps):
            join(katib[0], number)
    folders_of_kustomizations = {k.folder: number for number, k in kustomizations}
    for number, k in kustomizations:
        for other in by_folder.get(k.folder, ()):
            join(number, other)
        named = set(kustomize.patch_files(k))
        for key in ("resources", "bases", "components"):
            entries = k.data.get(key)
            for resource in entries if isinstance(entries, list) else ():
                if isinstance(resource, str):
                    named.add(posixpath.normpath(posixpath.join(k.folder, resource)))
        for path in named:
            if path in by_display:
                join(number, by_display[path])
            if path in folders_of_kustomizations:
                join(number, folders_of_kustomizations[path])
    _join_clashing(n, jobs_in, root, join, v2)
    members: dict[int, list[int]] = {}
    for number in range(n):
        members.setdefault(root(number), []).append(number)
    rank = {number: r for r, number in enumerate(sorted(range(n), key=lambda m: (shown[m], m)))}
    first_v2 = root(v2) if v2 is not None else None
    groups = sorted(
        members.values(),
        key=lambda g: (root(g[0]) != first_v2, min(rank[m] for m in g)),
    )
    return Plan(groups, totals, sizes)


def _join_clashing(
    n: int,
    jobs_in: dict[str, list[int]],
    root: Callable[[int], int],
    join: Callable[[int, int], None],
    v2: int | None,
) -> None:
    """TrainJob names clash per folder, the later job in the walk's order getting the error
    (``pipeline._check_collision``). A folder's job files that are each a group of their own
    are converted in that order (the walk's and the findings' within a folder), each with
    the TrainJobs of those before (``check.streamed`` carries them over); but a group of
    several files is converted where its first file falls, and the group of v2 objects first
    of all: a folder with a job file in such a group has all its job files joined to it."""
    while True:
        size: dict[int, int] = {}
        for number in range(n):
            size[root(number)] = size.get(root(number), 0) + 1
        first = root(v2) if v2 is not None else -1
        joined = False
        for files in jobs_in.values():
            roots = {root(number) for number in files}
            if len(roots) > 1 and any(r == first or size[r] > 1 for r in roots):
                for number in files[1:]:
                    join(files[0], number)
                joined = True
        if not joined:
            return
