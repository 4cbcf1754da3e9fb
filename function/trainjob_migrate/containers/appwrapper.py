"""AppWrapper: a component whose `template` is a v1 job is reported; no release accepts a TrainJob.

`workload.codeflare.dev/v1beta2`. No AppWrapper release accepts a TrainJob component (project-codeflare/appwrapper up to v1.2.1:
`pkg/utils/utils.go` `InferPodSets` knows Pod, Deployment, StatefulSet, Job, JobSet,
the Training Operator's v1 PyTorch job, RayCluster and RayJob; a declared `podSets` entry must point at a PodTemplateSpec
inside the template (`GetPodTemplateSpec`), which a TrainJob does not have, its pods come from
the runtime's JobSet; and the controller's ClusterRole, `config/rbac/role.yaml`, grants no
`trainer.kubeflow.org`). The webhook would reject the converted AppWrapper
(`validateAppWrapperCreate`: podSets paths, "components contains no podspecs"), so the
AppWrapper is left as it is, with an error, after its job's conversion has been checked (its
findings are listed too). Submit the TrainJob on its own, or keep the v1 job until AppWrapper
supports TrainJob.
"""

from __future__ import annotations

from trainjob_migrate.paths import format_path, get

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from trainjob_migrate.containers.model import Rewrite
    from trainjob_migrate.paths import Path

ID: Final = "appwrapper"
WHAT: Final = "AppWrapper"
PLACEHOLDERS: Final = None
NAMES_JOBS: Final = False
#: the AppWrapper releases read (git tags of project-codeflare/appwrapper)
READ_UP_TO: Final = "v1.2.1"
#: AppWrapper releases whose webhook and controller accept a TrainJob component
ACCEPTING: Final[tuple[str, ...]] = ()


def claims(obj: Mapping[str, Any], path: Path) -> bool:  # noqa: ARG001 - the protocol's
    return len(path) == 4 and path[:2] == ("spec", "components") and path[3] == "template"


def kinds(obj: Mapping[str, Any], path: Path) -> dict[str, str]:  # noqa: ARG001
    return {}


def adjust(rewrite: Rewrite) -> None:
    for found in rewrite.jobs:
        component = get(rewrite.original, found.path[:3])
        declared = component.get("podSets") if isinstance(component, dict) else None
        declared = declared if isinstance(declared, list) else []
        paths = ", ".join(str(p.get("path")) for p in declared if isinstance(p, dict))
        where = (
            f"its podSets ({paths}) point into the v1 job's replica specs, and"
            if declared
            else "AppWrapper infers the pods of a v1 job, and"
        )
        rewrite.error(
            format_path(found.path),
            f"the job converts to a TrainJob, but no AppWrapper release (read up to "
            f"{READ_UP_TO}) accepts a TrainJob component: {where} a TrainJob has no pod "
            "template to point at (its pods come from the runtime's JobSet) nor is one "
            "inferred; the AppWrapper is left as it is. Submit the TrainJob on its own, or "
            "keep the v1 job until AppWrapper supports TrainJob",
        )


def name_placeholder(rewrite: Rewrite) -> str | None:  # noqa: ARG001 - its jobs have names
    return None
