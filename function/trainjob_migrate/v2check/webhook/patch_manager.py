"""`v2-patch-manager`: a runtime patch's `manager` is not a domain-prefixed path.

Trainer 2.2+ keys `runtimePatches` by `manager`, and its JobSet plugin requires each to be
a domain-prefixed path such as `example.com/team` (`pkg/runtime/framework/plugins/jobset/
jobset.go` `Validate`, `validation.IsDomainPrefixedPath` of apimachinery: a DNS subdomain,
`/`, then a non-empty HTTP path). Name the tool or team that owns the patch, e.g.
`trainjob-migrate.dev/migration`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from trainjob_migrate.v2check import Issue, Subject, placeholders

ID: Final = "v2-patch-manager"
KINDS: Final = ("TrainJob",)
_LABEL: Final = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN: Final = re.compile(rf"{_LABEL}(\.{_LABEL})*")
#: the characters IsDomainPrefixedPath allows after the host (RFC 3986 path characters)
_PATH: Final = re.compile(r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+")


def problem(manager: str) -> str | None:
    """Why ``manager`` is not a domain-prefixed path (None: it is one)."""
    host, slash, path = manager.partition("/")
    if not slash:
        return "it has no '/' (a domain, then a path: example.com/team)"
    if len(host) > 253 or not _SUBDOMAIN.fullmatch(host):
        return f"{host!r} is not a DNS subdomain (lowercase letters, digits, '-', '.')"
    if not path or not _PATH.fullmatch(path):
        return f"{path!r} is not an HTTP path"
    return None


def check(subject: Subject) -> Iterator[Issue]:
    if subject.target.override_shape != "runtimePatches":
        return
    patches = subject.spec("runtimePatches")
    for i, patch in enumerate(patches if isinstance(patches, list) else []):
        manager = patch.get("manager") if isinstance(patch, dict) else None
        if not isinstance(manager, str) or placeholders.holds(manager):
            continue  # missing or not a string: v2-schema
        why = problem(manager)
        if why is not None:
            yield Issue(
                ID,
                ("spec", "runtimePatches", i, "manager"),
                f"manager {manager!r} is not a domain-prefixed path: {why}; the Trainer "
                f"{subject.target.version} webhook rejects the TrainJob",
            )
