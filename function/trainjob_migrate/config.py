"""The function's options: one frozen value built from a ConfigMap, the typed kind, or CLI flags.

Both functionConfig forms are validated against ``schemas/function-config.json``;
a bad option is a :class:`ConfigError` naming the option and its allowed values.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from trainjob_migrate import DOMAIN
from trainjob_migrate.errors import ConfigError
from trainjob_migrate.records import Frozen, init
from trainjob_migrate.targets import NEWEST, VERSIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

CONFIG_API_VERSION: Final = f"fn.{DOMAIN}/v1alpha1"
CONFIG_KIND: Final = "TrainJobMigration"

TARGET_VERSIONS: Final = VERSIONS  # the targets' list: one place knows the releases


class FunctionConfig(Frozen):
    """Every option, with its default. README documents each one."""

    __slots__ = (
        "target_version",
        "mode",
        "name_suffix",
        "elastic",
        "runtime_name",
        "runtime_kind",
        "launch_env",
        "template_mismatch",
        "generate_runtime",
        "strict",
        "target_given",
        "validate_v2",
        "gang_scheduler",
        "retry_budget",
    )
    target_version: str
    mode: str  # replace | side-by-side | report
    name_suffix: str
    elastic: str  # error | fixed
    runtime_name: str
    runtime_kind: str
    launch_env: str  # v1-compat | torchrun | none
    template_mismatch: str  # error | master | worker
    generate_runtime: bool
    strict: bool
    #: targetVersion was given; if not, a Trainer release the input installs is targeted
    target_given: bool
    #: validate the Trainer v2 objects of the input (TrainJobs, runtimes) against the target
    validate_v2: bool
    #: the gang scheduler the v1 operator was started with (--gang-scheduler-name):
    #: none | coscheduling | volcano
    gang_scheduler: str
    #: v2-default: the Job's default backoffLimit (6); v1: a generated runtime carries v1's
    #: unlimited restarts of OnFailure replicas (needs generateRuntime)
    retry_budget: str

    def __init__(
        self,
        target_version: str = NEWEST,
        mode: str = "replace",
        name_suffix: str = "-v2",
        elastic: str = "error",
        runtime_name: str = "",  # "": the default runtime of the job's kind
        runtime_kind: str = "ClusterTrainingRuntime",
        launch_env: str = "v1-compat",
        template_mismatch: str = "error",
        generate_runtime: bool = False,
        strict: bool = False,
        target_given: bool = False,
        validate_v2: bool = True,
        gang_scheduler: str = "none",
        retry_budget: str = "v2-default",
    ) -> None:
        init(
            self,
            target_version,
            mode,
            name_suffix,
            elastic,
            runtime_name,
            runtime_kind,
            launch_env,
            template_mismatch,
            generate_runtime,
            strict,
            target_given,
            validate_v2,
            gang_scheduler,
            retry_budget,
        )


#: option name in the functionConfig -> field of FunctionConfig
OPTION_FIELDS: Final = {
    "targetVersion": "target_version",
    "mode": "mode",
    "nameSuffix": "name_suffix",
    "elastic": "elastic",
    "runtimeName": "runtime_name",
    "runtimeKind": "runtime_kind",
    "launchEnv": "launch_env",
    "templateMismatch": "template_mismatch",
    "generateRuntime": "generate_runtime",
    "strict": "strict",
    "validateV2": "validate_v2",
    "gangScheduler": "gang_scheduler",
    "retryBudget": "retry_budget",
}
_BOOL_FIELDS: Final = frozenset({"generate_runtime", "strict", "validate_v2"})


def from_function_config(obj: Mapping[str, Any] | None) -> FunctionConfig:
    """Build the options from a ResourceList's functionConfig (absent or empty means defaults)."""
    if obj is None:
        return FunctionConfig()
    kind = obj.get("kind")
    if kind == "ConfigMap":
        options = obj.get("data")
    elif kind == CONFIG_KIND:
        options = obj.get("spec")
    else:
        raise ConfigError(
            f"functionConfig of kind {kind!r} is not supported: use a ConfigMap with string data "
            f"(kpt fn eval -- targetVersion=2.3) or apiVersion: {CONFIG_API_VERSION}, "
            f"kind: {CONFIG_KIND} with the options under spec"
        )
    if not options:
        _check(obj)  # still checks apiVersion
        return FunctionConfig()
    _check(obj)
    return from_options(options)


def from_options(options: Mapping[str, Any]) -> FunctionConfig:
    """Build the options from ``{optionName: value}`` (values may be strings or typed)."""
    values: dict[str, Any] = {}
    for name, value in options.items():
        field = OPTION_FIELDS.get(name)
        if field is None:
            raise ConfigError(f"unknown option {name!r}; options are: {', '.join(OPTION_FIELDS)}")
        if field in _BOOL_FIELDS:
            values[field] = value if isinstance(value, bool) else str(value).lower() == "true"
        elif field == "target_version":
            values[field] = _normalize_version(value)
            values["target_given"] = True
        else:
            values[field] = str(value)
    return FunctionConfig(**values)


def _normalize_version(value: Any) -> str:
    # A YAML number 2.0 arrives as the float 2.0; "2.0" as a string.
    text = str(value)
    if text not in TARGET_VERSIONS:
        raise ConfigError(
            f"option targetVersion: {value!r} is not a Trainer release this tool knows; "
            f"allowed: {', '.join(TARGET_VERSIONS)}"
        )
    return text


@functools.cache
def _schema() -> dict[str, Any]:
    import json  # only to explain an invalid config (start-up time)
    from importlib import resources

    text = (resources.files("trainjob_migrate") / "schemas" / "function-config.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _check(obj: Mapping[str, Any]) -> None:
    from trainjob_migrate import validation

    if validation.is_valid(obj, "function-config"):  # generated code: jsonschema only if not
        return
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError("; ".join(_describe(e) for e in errors))


def _describe(error: Any) -> str:
    path = [str(p) for p in error.absolute_path]
    option = path[-1] if path else ""
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return (
            f"unknown option {', '.join(map(repr, extra))}; options are: {', '.join(OPTION_FIELDS)}"
        )
    if error.validator == "enum":
        allowed = ", ".join(dict.fromkeys(str(v) for v in error.validator_value))
        return f"option {option}: {error.instance!r} is not allowed; allowed values: {allowed}"
    if error.validator == "const":
        return (
            f"functionConfig {'.'.join(path)}: expected {error.validator_value!r}, "
            f"got {error.instance!r}"
        )
    if error.validator in ("pattern", "maxLength") and option in _SHAPES:
        return f"option {option}: {error.instance!r} is not allowed; {_SHAPES[option]}"
    where = f"option {option}" if option else "functionConfig"
    return f"{where}: {error.message}"


#: what the schema's patterns say, in words
_SHAPES: Final = {
    "nameSuffix": "use 1 to 20 lowercase letters, digits or '-' (e.g. -v2)",
    "runtimeName": "use a Kubernetes name: lowercase letters, digits and '-', starting and "
    "ending with a letter or digit (e.g. torch-distributed)",
}
