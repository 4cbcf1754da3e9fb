"""``binding-subject``: RoleBinding/ClusterRoleBinding ServiceAccount subjects exist where they say.

A subject ``{kind: ServiceAccount, name: trainer-controller-manager, namespace: X}`` grants
nothing when the ServiceAccount lives in another namespace: the controller then fails
with "forbidden". Reported when the repository defines a ServiceAccount of that name, but
not in the subject's namespace (a RoleBinding subject without namespace means the
binding's own).
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = "binding-subject"


def check(ctx: DoctorContext) -> Iterator[Result]:
    accounts: dict[str, set[str]] = {}
    for sa in ctx.of_kind("ServiceAccount"):
        accounts.setdefault(sa.name, set()).add(sa.namespace or "default")
    for binding in ctx.of_kind("RoleBinding", "ClusterRoleBinding"):
        for i, subject in enumerate(binding.get("subjects") or []):
            if subject.get("kind") != "ServiceAccount" or subject.get("name") not in accounts:
                continue
            namespace = subject.get("namespace") or (
                binding.namespace if binding.kind == "RoleBinding" else None
            )
            known = accounts[subject["name"]]
            if namespace in known:
                continue
            field = ("subjects", i, "namespace") if subject.get("namespace") else ("subjects", i)
            where = ", ".join(sorted(known))
            yield binding.result(
                Severity.ERROR,
                ID,
                field,
                f"{binding.kind} {binding.name} binds ServiceAccount {namespace}/{subject['name']}, "
                f"but the repository defines it in namespace {where}: the binding grants nothing; "
                f"set the subject's namespace to {where}",
            )
