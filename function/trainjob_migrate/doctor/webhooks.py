"""``webhook-service``: webhook configurations point at the namespace their Service is in.

A Validating/MutatingWebhookConfiguration's ``webhooks[].clientConfig.service`` names a
Service by name and namespace. When the repository defines that Service only in other
namespaces (a ``namespace:`` transformer moved it, or the configuration was copied), the
API server calls nothing and every admission of the kinds it covers fails.
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = "webhook-service"
KINDS: Final = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


def check(ctx: DoctorContext) -> Iterator[Result]:
    services: dict[str, set[str]] = {}
    for svc in ctx.of_kind("Service"):
        services.setdefault(svc.name, set()).add(svc.namespace or "default")
    for config in ctx.of_kind(*KINDS):
        for i, hook in enumerate(config.get("webhooks") or []):
            service = (hook.get("clientConfig") or {}).get("service") or {}
            name, namespace = service.get("name"), service.get("namespace")
            if not name or name not in services or namespace in services[name]:
                continue
            where = ", ".join(sorted(services[name]))
            yield config.result(
                Severity.ERROR,
                ID,
                ("webhooks", i, "clientConfig", "service", "namespace"),
                f"webhook {hook.get('name')} calls Service {namespace}/{name}, but the repository "
                f"defines Service {name} in namespace {where}: admission calls fail; set the "
                f"namespace to {where}",
            )
