"""Trainer v2.1.x: ``podTemplateOverrides`` (pod metadata, affinity, imagePullSecrets)."""

from __future__ import annotations

import dataclasses
from typing import Final

from trainjob_migrate.targets import v2_0

TARGET: Final = dataclasses.replace(
    v2_0.TARGET,
    version="2.1",
    release="v2.1.0",
    override_shape="podTemplateOverrides",
    pod_fields=v2_0.TARGET.pod_fields | {"affinity", "imagePullSecrets"},
    pod_metadata=True,
    runtime_has_command=False,
)
