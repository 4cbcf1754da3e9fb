"""``install-namespace``: the Trainer controller runs in the namespace its webhooks call.

The Trainer's webhook configurations (webhooks named ``*.trainer.kubeflow.org``) call a
Service in one namespace; the controller Deployment (image
``kubeflow/trainer/trainer-controller-manager``) must run there, since it serves them.
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.release import CONTROLLER_IMAGE
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = "install-namespace"
_KINDS: Final = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


def check(ctx: DoctorContext) -> Iterator[Result]:
    controllers = [
        m
        for m in ctx.of_kind("Deployment")
        if any(
            CONTROLLER_IMAGE.search(str(c.get("image", "")))
            for c in m.get("spec", "template", "spec", "containers") or []
        )
    ]
    namespaces = {m.namespace or "default" for m in controllers}
    if not controllers:
        return
    for config in ctx.of_kind(*_KINDS):
        for i, hook in enumerate(config.get("webhooks") or []):
            if not str(hook.get("name", "")).endswith("trainer.kubeflow.org"):
                continue
            wanted = ((hook.get("clientConfig") or {}).get("service") or {}).get("namespace")
            if wanted and wanted not in namespaces:
                yield config.result(
                    Severity.ERROR,
                    ID,
                    ("webhooks", i, "clientConfig", "service", "namespace"),
                    f"webhook {hook.get('name')} expects the Trainer in namespace {wanted}, but its "
                    f"controller is installed in {', '.join(sorted(namespaces))} "
                    f"({controllers[0].path}:{controllers[0].file().line})",
                )
