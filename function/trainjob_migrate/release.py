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

from trainjob_migrate import lazy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

CRD_NAME: Final = "trainjobs.trainer.kubeflow.org"
CONTROLLER_IMAGE: Final = lazy.pattern(
    r"kubeflow/trainer/trainer-controller-manager:v?(\d+\.\d+(?:\.\d+)?)"
)
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
    meta = _map(obj.get("metadata"))
    if kind == "CustomResourceDefinition" and meta.get("name") == CRD_NAME:
        label = _map(meta.get("labels")).get("app.kubernetes.io/version")
        if isinstance(label, str) and re.match(r"v?\d+\.\d+", label):
            found.append((label, ("metadata", "labels"), "TrainJob CRD label"))
        shape = crd_shape(obj)
        if shape:
            found.append((shape, ("spec",), "TrainJob CRD schema"))
    elif kind in _WORKLOADS:
        template = _map(_map(_map(obj.get("spec")).get("template")).get("spec"))
        containers = template.get("containers")
        for i, container in enumerate(containers if isinstance(containers, list) else []):
            image = _map(container).get("image")
            match = CONTROLLER_IMAGE.search(image) if isinstance(image, str) else None
            if match:
                found.append(
                    (
                        f"v{match.group(1)}",
                        ("spec", "template", "spec", "containers", i, "image"),
                        "controller image",
                    )
                )
    return found


def _map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a map, else an empty one: input may be shaped anyhow."""
    return value if isinstance(value, Mapping) else {}


def crd_shape(crd: Mapping[str, Any]) -> str | None:
    """The release whose TrainJob CRD this is, by the fields only it has (``targets``)."""
    from trainjob_migrate import targets

    found = targets.from_crd_text(str(_map(crd.get("spec")).get("versions")))
    return found.version if found is not None else None
