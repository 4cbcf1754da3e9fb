"""Which objects may hold Training Operator jobs inside them, told without ``containers``.

``containers`` (the plug-ins, the walk, the string parser: five modules and their patterns) is
what a run needs for an object that holds jobs; most objects beside the jobs of an input are
Services, ConfigMaps and Deployments that hold none, and a run that meets only those must not
pay for importing it (start-up time of ``fn``, tests/test_startup.py). :func:`may_hold_jobs`
is the cheap test the pipeline asks first: False only where ``containers.process`` would
return None.
"""

from __future__ import annotations

from trainjob_migrate import sources

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

#: the resource a container kind is served as (``<plural>.<group>``, a CRD's name) -> plug-in
BY_RESOURCE: Final = {
    "experiments.kubeflow.org": "katib",
    "appwrappers.workload.codeflare.dev": "appwrapper",
    "workflows.argoproj.io": "argo",
    "workflowtemplates.argoproj.io": "argo",
    "clusterworkflowtemplates.argoproj.io": "argo",
    "cronworkflows.argoproj.io": "argo",
    "configmaps": "configmap",
}
#: plug-ins with nothing to say about an object of their kind that holds no job (their
#: ``adjust`` only rewrites what refers to the jobs found); every other plug-in reads its
#: containers even then (a Katib Experiment whose trial template is in a ConfigMap)
ONLY_WITH_JOBS: Final = frozenset({"configmap"})


def name_of(obj: Mapping[str, Any]) -> str | None:
    """The plug-in of a container kind (None: not a known container)."""
    api_version = obj.get("apiVersion")
    if isinstance(api_version, str) and isinstance(obj.get("kind"), str):
        group = api_version.rpartition("/")[0]
        resource = f"{obj['kind'].lower()}s"
        return BY_RESOURCE.get(f"{resource}.{group}" if group else resource)
    if "pipelineInfo" in obj and ("root" in obj or "deploymentSpec" in obj):
        return "kfp"  # a compiled pipeline (IR YAML) has no apiVersion and kind
    return None


def may_hold_jobs(obj: Mapping[str, Any]) -> bool:
    """Whether ``containers`` may find a job in ``obj`` or have something to say about it.

    A job inside an object is a nested object whose ``kind`` is a job kind or a string that
    names one (``containers.walk``): either way some string value of ``obj`` holds a job
    kind's name. So False (nothing to import, nothing to do) for an object of no container kind
    or of a plug-in that acts only on jobs, when no string value names a job kind."""
    name = name_of(obj)
    if name is not None and name not in ONLY_WITH_JOBS:
        return True
    kinds = sources.KINDS
    stack: list[Any] = [obj]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and _MARK in value and any(k in value for k in kinds):
            return True
    return False


#: a part of every kind's name (``Job``): most strings are ruled out by one test ("" if the
#: kinds ever share none: then every string is tested against each name)
_MARK: Final = "Job" if all("Job" in kind for kind in sources.KINDS) else ""
