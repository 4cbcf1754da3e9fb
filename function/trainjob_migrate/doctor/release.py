"""``trainer-release``: which Trainer release the repository installs, from its CRDs and images.

The TrainJob CRD's shape tells the minor release (``podSpecOverrides`` 2.0,
``podTemplateOverrides`` 2.1, ``runtimePatches`` 2.2, plus ``terminationGracePeriodSeconds``
2.3); the controller image tag (``ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.1.0``)
or the CRD's ``app.kubernetes.io/version`` label tells the patch release. A
``--target-version`` that differs from the detected release is an error: the converted
TrainJobs would be rejected or pruned. Sources that disagree are a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from trainjob_migrate.doctor import Detection, DoctorContext
from trainjob_migrate.doctor.manifests import Manifest
from trainjob_migrate.results import Result, Severity

ID: Final = "trainer-release"
CRD_NAME: Final = "trainjobs.trainer.kubeflow.org"
_IMAGE: Final = re.compile(r"kubeflow/trainer/trainer-controller-manager:v?(\d+\.\d+(?:\.\d+)?)")


def minor(version: str) -> str:
    return ".".join(version.lstrip("v").split(".")[:2])


def detect(manifests: list[Manifest]) -> list[Detection]:
    found: list[Detection] = []
    for m in manifests:
        if m.kind == "CustomResourceDefinition" and m.name == CRD_NAME:
            label = (m.get("metadata", "labels") or {}).get("app.kubernetes.io/version")
            if isinstance(label, str) and re.match(r"v?\d+\.\d+", label):
                found.append(Detection(label, m, ("metadata", "labels"), "TrainJob CRD label"))
            shape = _crd_shape(m.obj)
            if shape:
                found.append(Detection(shape, m, ("spec",), "TrainJob CRD schema"))
        if m.kind in ("Deployment", "StatefulSet"):
            containers = m.get("spec", "template", "spec", "containers") or []
            for i, c in enumerate(containers):
                match = _IMAGE.search(str(c.get("image", "")))
                if match:
                    found.append(Detection(f"v{match.group(1)}", m,
                                           ("spec", "template", "spec", "containers", i, "image"),
                                           "controller image"))
    return found


def _crd_shape(crd: dict[str, Any]) -> str | None:
    text = str(crd.get("spec", {}).get("versions"))
    if "runtimePatches" in text:
        return "2.3" if "terminationGracePeriodSeconds" in text else "2.2"
    if "podTemplateOverrides" in text:
        return "2.1"
    if "podSpecOverrides" in text:
        return "2.0"
    return None


def check(ctx: DoctorContext) -> Iterator[Result]:
    if not ctx.trainer:
        return
    minors = {minor(d.version) for d in ctx.trainer}
    first = ctx.trainer[0]
    for d in ctx.trainer:
        yield d.source.result(Severity.INFO, ID, d.field, f"Trainer {d.version} ({d.how})")
    if len(minors) > 1:
        listed = ", ".join(f"{d.version} ({d.how}, {d.source.path})" for d in ctx.trainer)
        yield first.source.result(Severity.WARNING, ID, first.field,
                                  f"the repository names several Trainer releases: {listed}")
    if ctx.explicit and minor(ctx.target) not in minors:
        yield first.source.result(
            Severity.ERROR, ID, first.field,
            f"--target-version {ctx.target}, but the repository installs Trainer {first.version} "
            f"({first.how}): TrainJobs of the {ctx.target} shape would be rejected or pruned; "
            f"use --target-version {minor(first.version)}",
        )
