"""Compiled Kubeflow Pipelines pipeline (IR YAML): a job manifest string in it is converted.

The string (a constant input of a task, an executor's argument) is written back in its style.

A compiled pipeline has no `apiVersion` or `kind`; it is recognised by `pipelineInfo` with
`root` or `deploymentSpec`. KFP's `{{$.inputs.parameters['x']}}` placeholders in the string stay
where they were (see `katib` for how placeholders are carried). Pipelines compiled for KFP v1
are Argo Workflows (see `argo`).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from trainjob_migrate.containers.model import Rewrite
    from trainjob_migrate.paths import Path

ID: Final = "kfp"
WHAT: Final = "compiled pipeline"
PLACEHOLDERS: Final = r"\{\{.+?\}\}"
NAMES_JOBS: Final = False


def claims(obj: Mapping[str, Any], path: Path) -> bool:
    from trainjob_migrate.paths import get

    return isinstance(get(obj, path), str)  # a manifest string, wherever it is passed


def kinds(obj: Mapping[str, Any], path: Path) -> dict[str, str]:  # noqa: ARG001
    return {}


def adjust(rewrite: Rewrite) -> None:  # noqa: ARG001 - nothing else refers to the job
    return


def name_placeholder(rewrite: Rewrite) -> str | None:  # noqa: ARG001 - its jobs have names
    return None
