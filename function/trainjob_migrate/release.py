"""Which Trainer release a set of manifests installs, read from the TrainJob CRD or controller image.

The TrainJob CRD's shape tells the minor release (``podSpecOverrides`` 2.0,
``podTemplateOverrides`` 2.1, ``runtimePatches`` 2.2, plus pod
``terminationGracePeriodSeconds`` 2.3); the controller image tag
(``ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.1.0``) or the CRD's
``app.kubernetes.io/version`` label tells the patch release. ``doctor`` reports it; without
an explicit ``targetVersion``, ``fn`` and ``convert`` target it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

CRD_NAME: Final = "trainjobs.trainer.kubeflow.org"
CONTROLLER_IMAGE: Final = re.compile(r"kubeflow/trainer/trainer-controller-manager:v?(\d+\.\d+(?:\.\d+)?)")
_WORKLOADS: Final = ("Deployment", "StatefulSet")

#: (version, field path in the object, how it was told)
Sighting = tuple[str, tuple[str | int, ...], str]


def minor(version: str) -> str:
    return ".".join(version.lstrip("v").split(".")[:2])


def sightings(obj: Any) -> list[Sighting]:
    """Every place ``obj`` names a Trainer release (most objects: none, cheaply)."""
    if not isinstance(obj, Mapping):
        return []
    kind = obj.get("kind")
    found: list[Sighting] = []
    if kind == "CustomResourceDefinition" and (obj.get("metadata") or {}).get("name") == CRD_NAME:
        label = ((obj.get("metadata") or {}).get("labels") or {}).get("app.kubernetes.io/version")
        if isinstance(label, str) and re.match(r"v?\d+\.\d+", label):
            found.append((label, ("metadata", "labels"), "TrainJob CRD label"))
        shape = crd_shape(obj)
        if shape:
            found.append((shape, ("spec",), "TrainJob CRD schema"))
    elif kind in _WORKLOADS:
        template = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        for i, container in enumerate(template.get("containers") or []):
            match = CONTROLLER_IMAGE.search(str(container.get("image", ""))) if isinstance(container, Mapping) else None
            if match:
                found.append((f"v{match.group(1)}", ("spec", "template", "spec", "containers", i, "image"),
                              "controller image"))
    return found


def crd_shape(crd: Mapping[str, Any]) -> str | None:
    text = str((crd.get("spec") or {}).get("versions"))
    if "runtimePatches" in text:
        return "2.3" if "terminationGracePeriodSeconds" in text else "2.2"
    if "podTemplateOverrides" in text:
        return "2.1"
    if "podSpecOverrides" in text:
        return "2.0"
    return None
