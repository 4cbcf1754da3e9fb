"""Katib `Experiment`: the trial template's job (`trialSpec`) becomes a TrainJob.

The trial template is `spec.trialTemplate`.
The job is converted like a top-level one; Katib's `${trialParameters.name}` placeholders stay
where they were and follow their values into the TrainJob fields (a parameter used in a value
the conversion computes, such as `replicas` added up into `numNodes`, cannot: the Experiment is
left as it is). What the trial template says about the job is rewritten for the TrainJob, the
way Katib itself defaults it for a TrainJob (kubeflow/katib
`pkg/apis/controller/experiments/v1beta1/constants.go`): `primaryContainerName` naming the v1
training container becomes the runtime's trainer container (`node`); the v1 default
`successCondition` (`Succeeded`) becomes the TrainJob's (`Complete`); `primaryPodLabels`
`training.kubeflow.org/job-role: master` become `jobset.sigs.k8s.io/replicatedjob-name: node`
and `batch.kubernetes.io/job-completion-index: "0"` (the first node's pod). An MPI job's trainer
is its launcher: the launcher's first container (the MPI operators took `containers[0]`,
whatever its name) and the labels that selected the launcher (`mpi-job-role: launcher` of the
Training Operator, `training.kubeflow.org/replica-type: launcher`) face the runtime's trainer
job (`launcher`). Conditions or labels of other shapes are errors to rewrite by hand.

Katib runs a TrainJob trial only when the katib-config lists `TrainJob.v1alpha1.trainer.kubeflow.org`
in `controller.trialResources` and the katib-controller ClusterRole may create, get, list,
watch and delete `trainjobs` of `trainer.kubeflow.org` (both in Katib's own manifests since
TrainJob support): a warning says so. An Experiment whose trial template is in a ConfigMap gets
the same rewrites once the template there is converted; until then, a warning.
"""

from __future__ import annotations

from trainjob_migrate.assemble import TRAINER_API_VERSION
from trainjob_migrate.containers import trainer
from trainjob_migrate.results import Severity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

    from trainjob_migrate.containers.model import Embedded, Rewrite
    from trainjob_migrate.paths import Path

ID: Final = "katib"
WHAT: Final = "Katib Experiment"
#: kubeflow/katib pkg/controller.v1beta1/consts/const.go TrialTemplateParamReplaceFormatRegex
PLACEHOLDERS: Final = r"\$\{trialParameters\..+?\}"
NAMES_JOBS: Final = True  # the trial's name

_TEMPLATE: Final = ("spec", "trialTemplate")
_TRIAL_SPEC: Final = (*_TEMPLATE, "trialSpec")
#: kubeflow/katib constants.go: DefaultKubeflowJobSuccessCondition and the TrainJob ones
V1_SUCCESS: Final = 'status.conditions.#(type=="Succeeded")#|#(status=="True")#'
TRAINJOB_SUCCESS: Final = 'status.conditions.#(type=="Complete")#|#(status=="True")#'
FAILURE: Final = 'status.conditions.#(type=="Failed")#|#(status=="True")#'
#: label keys the v1 operators put on the pods they made: ``training.kubeflow.org/*``, and
#: the Training Operator's MPI controller's own ``mpi-job-role`` (launcher, worker), which
#: Katib's MPI examples select the launcher with
_V1_LABEL_KEYS: Final = ("training.kubeflow.org/", "mpi-job-role")
#: keys whose value names the role of a pod: ``job-role`` is ``master`` on the primary role's
#: pods; ``replica-type``, ``mpi-job-role`` name the replica type (lowercase)
_ROLE_KEYS: Final = (
    "training.kubeflow.org/job-role",
    "training.kubeflow.org/replica-type",
    "mpi-job-role",
)
#: how katib-config's trialResources names a TrainJob (``<Kind>.<version>.<group>``)
TRIAL_RESOURCE: Final = "TrainJob.{1}.{0}".format(*TRAINER_API_VERSION.split("/"))
#: kubeflow/katib examples/v1beta1/trial-template/trial-metadata-substitution.yaml
NAME_REFERENCE: Final = "${trialSpec.Name}"
TRIAL_NAME: Final = "${trialParameters.trialName}"


def claims(obj: Mapping[str, Any], path: Path) -> bool:  # noqa: ARG001 - the protocol's
    return tuple(path) == _TRIAL_SPEC


def kinds(obj: Mapping[str, Any], path: Path) -> dict[str, str]:  # noqa: ARG001
    """Each trial parameter's placeholder -> the type of the search parameter it refers to."""
    spec = _map(obj.get("spec"))
    types = {
        p.get("name"): p.get("parameterType")
        for p in _list(spec.get("parameters"))
        if isinstance(p, dict)
    }
    out: dict[str, str] = {}
    for parameter in _list(_map(spec.get("trialTemplate")).get("trialParameters")):
        if not isinstance(parameter, dict):
            continue
        reference = str(parameter.get("reference") or "")
        kind = {"int": "int", "double": "float", "discrete": "float"}.get(
            str(types.get(reference)), "str"
        )
        if reference == NAME_REFERENCE:
            kind = "name"
        out[f"${{trialParameters.{parameter.get('name')}}}"] = kind
    return out


def adjust(rewrite: Rewrite) -> None:
    template = _map(rewrite.original.get("spec")).get("trialTemplate")
    if not isinstance(template, dict):
        return
    if not rewrite.jobs:
        found = _config_map_job(rewrite, template)
        if found is None:
            _config_map_source(rewrite, template)
            return
        rewrite.report(
            Severity.INFO,
            (*_TEMPLATE, "configMap"),
            "the trial template in this ConfigMap is converted to a TrainJob (see the "
            "ConfigMap's results): this Experiment is rewritten to match",
        )
    else:
        found = rewrite.jobs[0]
    assert found.trainjob is not None and found.source is not None
    node = trainer.of(found.trainjob, rewrite.target.version)
    container = node.container if node is not None else "node"
    job_name = node.job if node is not None else "node"
    role = _primary_role(found)
    _primary_container(rewrite, template, _v1_container(found, role), container)
    _conditions(rewrite, template)
    _primary_pods(rewrite, template, job_name, role)
    rewrite.report(
        Severity.WARNING,
        None,
        f"Katib runs TrainJob trials only when the katib-config lists {TRIAL_RESOURCE} in "
        "controller.trialResources and the katib-controller ClusterRole may create, get, "
        "list, watch and delete trainjobs (apiGroup trainer.kubeflow.org): add both where "
        "Katib is installed (Katib's own manifests have them since TrainJob support)",
    )


def _primary_role(found: Embedded) -> str:
    """The replica type whose pods the TrainJob's trainer runs (Master, MPI's Launcher): the
    first of the source's roles the job has."""
    assert found.source is not None
    specs = _map(_map(_map(found.job).get("spec")).get(found.source.replica_specs))
    return next((r for r in found.source.roles if r in specs), found.source.roles[0])


def _v1_container(found: Embedded, role: str) -> str:
    """The name of the v1 training container: the kind's, or (a kind whose operator took the
    first container, whatever its name: MPI) the first container of the primary role."""
    assert found.source is not None
    if found.source.container != "0":
        return found.source.container
    specs = _map(_map(_map(found.job).get("spec")).get(found.source.replica_specs))
    pod = _map(_map(_map(specs.get(role)).get("template")).get("spec"))
    first = next(iter(_list(pod.get("containers"))), None)
    return str(_map(first).get("name") or "")


def _primary_container(rewrite: Rewrite, template: Mapping[str, Any], v1: str, new: str) -> None:
    path = (*_TEMPLATE, "primaryContainerName")
    current = template.get("primaryContainerName")
    if current is None:
        return
    if current == v1:
        rewrite.set(path, new)
        rewrite.report(
            Severity.INFO,
            path,
            f"{v1!r} (the v1 training container) -> {new!r}, the runtime's trainer container",
        )
    elif current != new:
        rewrite.error(
            path,
            f"{current!r} is not the training container ({v1!r}): in the TrainJob the "
            f"training container is {new!r} and other containers come from the runtime; set "
            "primaryContainerName by hand",
        )


def _conditions(rewrite: Rewrite, template: Mapping[str, Any]) -> None:
    for key, wanted, v1 in (
        ("successCondition", TRAINJOB_SUCCESS, V1_SUCCESS),
        ("failureCondition", FAILURE, FAILURE),
    ):
        path = (*_TEMPLATE, key)
        current = template.get(key)
        if current is None:
            continue
        squeezed = "".join(str(current).split())
        if squeezed == wanted:
            continue
        if squeezed == v1:
            rewrite.set(path, wanted)
            rewrite.report(Severity.INFO, path, f"{current} -> {wanted} (the TrainJob's status)")
            continue
        rewrite.error(
            path,
            f"{current!r} reads the v1 job's status: a TrainJob's status has conditions "
            "Complete and Failed (and jobsStatus per replicated job); rewrite it over those "
            f"(Katib's TrainJob default: {wanted})",
        )


def _primary_pods(rewrite: Rewrite, template: Mapping[str, Any], job: str, role: str) -> None:
    path = (*_TEMPLATE, "primaryPodLabels")
    labels = template.get("primaryPodLabels")
    if not isinstance(labels, dict) or not labels:
        return
    first_pod = {
        "jobset.sigs.k8s.io/replicatedjob-name": job,
        "batch.kubernetes.io/job-completion-index": "0",
    }
    if _selects_primary({str(k): str(v).lower() for k, v in labels.items()}, role):
        rewrite.set(path, first_pod)
        rewrite.report(
            Severity.INFO,
            path,
            "the v1 master's pod -> the first node's pod (JobSet's replicatedjob-name and the "
            "Job's completion index, as Katib selects a TrainJob's primary pod)",
        )
        return
    v1_keys = sorted(str(k) for k in labels if str(k).startswith(_V1_LABEL_KEYS))
    if v1_keys:
        rewrite.error(
            path,
            f"{', '.join(v1_keys)}: labels the v1 operator put on its pods; a TrainJob's "
            f"pods carry JobSet's (select the first node's pod with {first_pod}); rewrite the "
            "labels by hand",
        )


def _selects_primary(labels: Mapping[str, str], role: str) -> bool:
    """Whether ``labels`` (values lowercased) are one v1 label selecting the primary role's pods."""
    if len(labels) != 1:
        return False
    [(key, value)] = labels.items()
    return key in _ROLE_KEYS and value in {"master", role.lower()}


def _config_map_job(rewrite: Rewrite, template: Mapping[str, Any]) -> Embedded | None:
    """The converted job of the trial-template ConfigMap this Experiment refers to, when it is
    in the input."""
    from trainjob_migrate import containers

    source = template.get("configMap")
    if not isinstance(source, dict):
        return None
    name, key = str(source.get("configMapName")), str(source.get("templatePath"))
    namespace = str(source.get("configMapNamespace") or rewrite.ref.namespace or "")
    # a ConfigMap of another namespace is not the one Katib reads: only one written without a
    # namespace (given when applied), or any when the Experiment names no namespace either
    text = rewrite.peers.get((namespace, name, key)) or next(
        (
            t
            for (ns, n, k), t in rewrite.peers.items()
            if (n, k) == (name, key) and (not ns or not namespace)
        ),
        None,
    )
    if text is None:
        return None
    found = containers.template_job(rewrite, text)
    if found is not None and found.swap is not None and TRIAL_NAME in found.swap.samples:
        _declare_trial_name(rewrite)  # the ConfigMap's TrainJob needs the trial's name
    return found


def _declare_trial_name(rewrite: Rewrite) -> None:
    """The trial parameter ``trialName`` the converted ConfigMap template uses."""
    path = (*_TEMPLATE, "trialParameters")
    parameters = _list(_map(_map(rewrite.out.get("spec")).get("trialTemplate")).get(
        "trialParameters"
    ))  # fmt: skip
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("name") == "trialName":
            if parameter.get("reference") != NAME_REFERENCE:
                rewrite.error(
                    path,
                    "the converted trial template uses ${trialParameters.trialName} for the "
                    f"trial's name, but trialName refers to {parameter.get('reference')}: "
                    "rename one of them",
                )
            return
    parameters.append(
        {"name": "trialName", "description": "the trial's name (TrainJob host names)",
         "reference": NAME_REFERENCE}
    )  # fmt: skip
    rewrite.set(path, parameters)
    rewrite.report(Severity.INFO, path, f"added trial parameter trialName ({NAME_REFERENCE})")


def _config_map_source(rewrite: Rewrite, template: Mapping[str, Any]) -> None:
    """An Experiment whose trial template is in a ConfigMap: what must change with it."""
    source = template.get("configMap")
    if not isinstance(source, dict):
        return
    v1_facing = [
        key
        for key in ("primaryContainerName", "successCondition", "primaryPodLabels")
        if _v1_facing(key, template.get(key))
    ]
    if not v1_facing:
        return
    rewrite.report(
        Severity.WARNING,
        _TEMPLATE,
        f"the trial template is in ConfigMap {source.get('configMapName')} "
        f"({source.get('templatePath')}); {', '.join(v1_facing)} name a v1 job: when that "
        "template is converted to a TrainJob, set primaryContainerName node, successCondition "
        f"{TRAINJOB_SUCCESS} and primaryPodLabels of the first node's pod here too",
    )


def _v1_facing(key: str, value: Any) -> bool:
    if value is None:
        return False
    if key == "primaryContainerName":
        from trainjob_migrate import sources

        return any(value == s.container for s in sources.SOURCES)
    if key == "successCondition":
        return "".join(str(value).split()) == V1_SUCCESS
    return isinstance(value, dict) and any(str(k).startswith(_V1_LABEL_KEYS) for k in value)


def name_placeholder(rewrite: Rewrite) -> str | None:
    """The trial parameter that holds the trial's name (``${trialSpec.Name}``): an existing
    one, else one added to the trial template."""
    template = _map(_map(rewrite.out.get("spec")).get("trialTemplate"))
    parameters = _list(template.get("trialParameters"))
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("reference") == NAME_REFERENCE:
            return f"${{trialParameters.{parameter.get('name')}}}"
    taken = {p.get("name") for p in parameters if isinstance(p, dict)}
    name = next(
        n for n in ("trialName", *(f"trialName{i}" for i in range(2, 99))) if n not in taken
    )
    parameters.append(
        {
            "name": name,
            "description": "the trial's name (TrainJob host names)",
            "reference": NAME_REFERENCE,
        }
    )
    path = (*_TEMPLATE, "trialParameters")
    rewrite.set(path, parameters)
    rewrite.report(
        Severity.INFO,
        path,
        f"added trial parameter {name} (reference {NAME_REFERENCE}): the TrainJob computes "
        "host names from the trial's name, which Katib gives each trial",
    )
    return f"${{trialParameters.{name}}}"


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []
