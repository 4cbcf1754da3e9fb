"""``trainer-release``: which Trainer release the repository installs, from its CRDs and images.

The TrainJob CRD's shape tells the minor release (``podSpecOverrides`` 2.0,
``podTemplateOverrides`` 2.1, ``runtimePatches`` 2.2, plus ``terminationGracePeriodSeconds``
2.3); the controller image tag (``ghcr.io/kubeflow/trainer/trainer-controller-manager:v2.1.0``)
or the CRD's ``app.kubernetes.io/version`` label tells the patch release. A
target given (``--target-version``, or ``targetVersion`` in ``--config``) that differs from the detected release is an error: the converted
TrainJobs would be rejected or pruned. Sources that disagree are a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate import release
from trainjob_migrate.doctor import Detection, DoctorContext
from trainjob_migrate.doctor.manifests import Manifest
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Final

ID: Final = "trainer-release"
CRD_NAME: Final = release.CRD_NAME
minor = release.minor


def detect(manifests: list[Manifest]) -> list[Detection]:
    return [
        Detection(version, m, field, how)
        for m in manifests
        for version, field, how in release.sightings(m.obj)
    ]


def check(ctx: DoctorContext) -> Iterator[Result]:
    if not ctx.trainer:
        return
    minors = {minor(d.version) for d in ctx.trainer}
    first = ctx.trainer[0]
    for d in ctx.trainer:
        yield d.source.result(Severity.INFO, ID, d.field, f"Trainer {d.version} ({d.how})")
    if len(minors) > 1:
        listed = ", ".join(f"{d.version} ({d.how}, {d.source.path})" for d in ctx.trainer)
        yield first.source.result(
            Severity.WARNING,
            ID,
            first.field,
            f"the repository names several Trainer releases: {listed}",
        )
    if ctx.given and minor(ctx.target) not in minors:
        yield first.source.result(
            Severity.ERROR,
            ID,
            first.field,
            f"{ctx.given} is {ctx.target}, but the repository installs Trainer {first.version} "
            f"({first.how}): TrainJobs of the {ctx.target} shape would be rejected or pruned; "
            f"make it {minor(first.version)}",
        )
