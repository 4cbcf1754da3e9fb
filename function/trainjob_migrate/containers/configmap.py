"""`ConfigMap`: a job written as a YAML or JSON string in `data` is converted in place.

A Katib trial template, or a job a script or controller creates from the ConfigMap: the string comes back in its own style: YAML as block YAML (lists indented as they were), JSON
as JSON; in the file, a block scalar stays a block scalar with the same indentation. Katib's
`${trialParameters.name}` placeholders in a trial template stay where they were (see `katib`):
a placeholder that stands alone as a value is given an integer sample while converting,
otherwise a word. A value that names a job kind but is no single job trainjob-migrate can
read (several documents, prose) is a warning and left as it is; the other values are still
converted. `binaryData` is not read.
"""

from __future__ import annotations

from trainjob_migrate.containers import katib
from trainjob_migrate.results import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from trainjob_migrate.containers.model import Rewrite
    from trainjob_migrate.paths import Path

ID: Final = "configmap"
WHAT: Final = "ConfigMap"
PLACEHOLDERS: Final = katib.PLACEHOLDERS
NAMES_JOBS: Final = True  # a template: whoever creates the job names it


def claims(obj: Mapping[str, Any], path: Path) -> bool:  # noqa: ARG001 - the protocol's
    return len(path) == 2 and path[0] == "data"


def kinds(obj: Mapping[str, Any], path: Path) -> dict[str, str]:  # noqa: ARG001
    return {}


def adjust(rewrite: Rewrite) -> None:  # noqa: ARG001 - nothing else refers to the job
    return


def name_placeholder(rewrite: Rewrite) -> str | None:
    """A trial template whose TrainJob needs the trial's name: the Experiments that use it
    must declare the parameter (this ConfigMap cannot)."""
    placeholder = katib.TRIAL_NAME
    rewrite.report(
        Severity.WARNING,
        None,
        f"the TrainJob needs the trial's name (a host name is computed from it): it is "
        f"written as {placeholder}; every Experiment that uses this template must declare "
        f"the trial parameter trialName with reference {katib.NAME_REFERENCE}",
    )
    return placeholder
