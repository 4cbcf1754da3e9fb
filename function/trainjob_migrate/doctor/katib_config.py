"""``katib-config``: the repository's Katib configuration lets Katib run TrainJob trials.

When the repository holds a Katib Experiment whose trial is (or is converted to) a TrainJob (in
its `trialSpec`, or in the trial-template ConfigMap it names, when that is in the repository) and
also Katib's configuration (a `KatibConfig`, or the `katib-config` ConfigMap holding one in
`katib-config.yaml`), `init.controller.trialResources` must list
`TrainJob.v1alpha1.trainer.kubeflow.org` (kubeflow/katib `pkg/apis/config/v1beta1/types.go`;
the default is `Job.v1.batch` only): a warning names the list to extend. Katib's
katib-controller ClusterRole must also allow `trainjobs` of `trainer.kubeflow.org` (create, get,
list, watch, delete), as Katib's own `manifests/v1beta1/components/controller/rbac.yaml` does.
"""

from __future__ import annotations

from collections.abc import Iterator

from trainjob_migrate import sources, yamlio
from trainjob_migrate.doctor import DoctorContext
from trainjob_migrate.doctor.manifests import Manifest
from trainjob_migrate.errors import InputError
from trainjob_migrate.results import Result, Severity

TYPE_CHECKING = False  # no typing at the start of a command
if TYPE_CHECKING:
    from typing import Any, Final

ID: Final = "katib-config"
_RESOURCES: Final = ("init", "controller", "trialResources")
_DATA_KEY: Final = "katib-config.yaml"


def check(ctx: DoctorContext) -> Iterator[Result]:
    config_maps = ctx.of_kind("ConfigMap")
    if not any(_runs_trainjob_trials(m, config_maps) for m in ctx.of_kind("Experiment")):
        return
    from trainjob_migrate.containers.katib import TRIAL_RESOURCE  # the one fn warns about

    for manifest in ctx.manifests:
        found = _config(manifest)
        if found is None:
            continue
        config, prefix = found
        node: Any = config
        for step in _RESOURCES:
            node = node.get(step) if isinstance(node, dict) else None
        listed = [str(r) for r in node] if isinstance(node, list) else []
        if TRIAL_RESOURCE in listed:
            continue
        path = prefix or _RESOURCES  # in a ConfigMap: its data key (the string holds the list)
        yield manifest.result(
            Severity.WARNING,
            ID,
            path,
            f"Katib's controller.trialResources ({', '.join(listed) or 'default: Job.v1.batch'}) "
            f"lacks {TRIAL_RESOURCE}: Katib rejects the Experiments whose trials are TrainJobs; "
            "add it (and trainjobs of trainer.kubeflow.org to the katib-controller ClusterRole)",
        )


def _runs_trainjob_trials(experiment: Manifest, config_maps: list[Manifest]) -> bool:
    """Whether the Experiment's trials are TrainJobs, or v1 jobs convert turns into TrainJobs:
    its own trialSpec, or the trial-template ConfigMap it names when the repository holds it
    (Katib reads it from the Experiment's namespace unless configMapNamespace says another)."""
    spec = experiment.get("spec", "trialTemplate", "trialSpec")
    if not isinstance(spec, dict):
        spec = _config_map_template(experiment, config_maps)
    return isinstance(spec, dict) and (spec.get("kind") == "TrainJob" or sources.is_job(spec))


def _config_map_template(experiment: Manifest, config_maps: list[Manifest]) -> Any:
    source = experiment.get("spec", "trialTemplate", "configMap")
    if not isinstance(source, dict):
        return None
    name, key = source.get("configMapName"), source.get("templatePath")
    namespace = source.get("configMapNamespace") or experiment.namespace
    for config_map in config_maps:
        # as convert matches them (containers/katib): the same namespace, or one side unnamed
        if config_map.name != name or (
            namespace and config_map.namespace and config_map.namespace != namespace
        ):
            continue
        text = config_map.get("data", key) if isinstance(key, str) else None
        if isinstance(text, str):
            try:
                return yamlio.load(text)
            except InputError:
                return None  # convert reports a template it cannot read
    return None


def _config(manifest: Manifest) -> tuple[Any, tuple[str, ...]] | None:
    """A KatibConfig, and the path of the field that holds it (() for the object itself)."""
    if manifest.kind == "KatibConfig":
        return manifest.obj, ()
    if manifest.kind != "ConfigMap":
        return None
    text = manifest.get("data", _DATA_KEY)
    if not isinstance(text, str):
        return None
    try:
        config = yamlio.load(text)
    except InputError:
        return None
    return (config, ("data", _DATA_KEY)) if isinstance(config, dict) else None
