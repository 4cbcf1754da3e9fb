"""Build every kustomization found, with the kustomize on PATH: a tree that does not build
never passes ``check``.

``kubectl kustomize DIR`` (or ``kustomize build DIR``) runs for each kustomization that is
not a ``Component`` (those build only inside another) and loads nothing remote (no network
in a check). A failure is an error at the kustomization's file, at the line of the patch or
resource the message names when there is one. Without a kustomize on PATH, one info says
that nothing was built.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.repo import kustomize
from trainjob_migrate.repo.documents import SourceText
from trainjob_migrate.repo.walk import Found
from trainjob_migrate.results import FileRef, Result, Severity

RULE: Final = RuleId.KUSTOMIZE_BUILD
TIMEOUT: Final = 120.0  # seconds a build may take
_REMOTE: Final = ("://", "github.com/", "git@")
_KLOG: Final = re.compile(r'^[EWI]\d{4} [\d:.]+\s+\d+ \S+\] "command failed" err="', re.MULTILINE)


def command() -> list[str] | None:
    """The kustomize to build with: ``kubectl kustomize``, else ``kustomize build``."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    standalone = shutil.which("kustomize")
    return [standalone, "build"] if standalone else None


def check(found: Iterable[Found]) -> list[Result]:
    """A result for every kustomization that does not build (one info if none can be built)."""
    targets: list[tuple[Found, kustomize.Kustomization]] = []
    for entry in found:
        if not kustomize.is_kustomization(entry.display):
            continue
        try:
            with open(entry.path, "rb") as stream:  # noqa: PTH123
                text = SourceText.decode(stream.read()).text
        except (OSError, UnicodeDecodeError):
            continue  # reported where the file is read
        k = kustomize.read(entry.display, text)
        if k is None or k.data.get("kind") == "Component" or _remote(k):
            continue
        targets.append((entry, k))
    if not targets:
        return []
    base = command()
    if base is None:
        entry, _ = targets[0]
        return [
            Result(
                f"{len(targets)} kustomization(s) not built: no kubectl or kustomize on PATH, "
                "so whether they still build after the conversion is not checked; install "
                "kubectl (kustomize) to check it",
                Severity.INFO,
                RULE,
                None,
                None,
                FileRef(entry.display, 0, 1),
            )
        ]
    workers = min(len(targets), os.cpu_count() or 1, 8)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(lambda t: _build(base, t[0], t[1]), targets))
    return [r for r in outcomes if r is not None]


def _remote(k: kustomize.Kustomization) -> bool:
    listed = [
        *(k.data.get("resources") or []),
        *(k.data.get("bases") or []),
        *(k.data.get("components") or []),
    ]
    return any(isinstance(r, str) and any(m in r for m in _REMOTE) for r in listed)


def _build(base: list[str], entry: Found, k: kustomize.Kustomization) -> Result | None:
    folder = os.path.dirname(entry.path) or os.curdir  # noqa: PTH120
    try:
        run = subprocess.run(
            [*base, folder],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _failed(k, f"the build did not finish in {TIMEOUT:.0f} s", 1)
    except OSError as exc:
        return _failed(k, f"the build could not start: {exc}", 1)
    if run.returncode == 0:
        return None
    said = _KLOG.sub("", run.stderr).replace('\\"', '"')
    reason = " ".join(said.split()).rstrip('"') or f"exit code {run.returncode}"
    return _failed(k, reason.replace(str(folder), k.folder or "."), _line(k, run.stderr))


def _failed(k: kustomize.Kustomization, reason: str, line: int) -> Result:
    return Result(
        f"this kustomization does not build: {reason}; fix it (a patch that names a kind or "
        "namespace its target no longer has, say) so that it builds",
        Severity.ERROR,
        RULE,
        None,
        None,
        FileRef(k.display, 0, line),
    )


def _line(k: kustomize.Kustomization, stderr: str) -> int:
    """The line of the first patch or resource entry the message names (the only patch when
    it names a patch), else 1."""
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902", "resources"):
        for index, raw in enumerate(k.data.get(key) or []):
            path = raw.get("path") if isinstance(raw, dict) else raw
            if isinstance(path, str) and "\n" not in path and posixpath.basename(path) in stderr:
                return k.line(key, index)
    patches = [
        (key, index)
        for key in ("patches", "patchesStrategicMerge", "patchesJson6902")
        for index in range(len(k.data.get(key) or []))
    ]
    if "patch" in stderr and len(patches) == 1:
        return k.line(*patches[0])
    return 1
