"""The function's options as command-line flags, and kubectl-like selection of jobs.

Flags build the same :class:`~trainjob_migrate.config.FunctionConfig` the KRM function
builds from its functionConfig, so ``fn``, ``convert`` and ``check`` cannot drift apart:
``--config FILE`` takes that functionConfig object, and flags override it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from trainjob_migrate import config, yamlio
from trainjob_migrate.commands import common
from trainjob_migrate.errors import ConfigError, InputError, NoInputError
from trainjob_migrate.repo import fsio

TYPE_CHECKING = False  # no typing, contextlib, pathlib or argparse at the start of a command
if TYPE_CHECKING:
    import argparse
    from types import TracebackType
    from typing import Any, Final

    from trainjob_migrate.pipeline import Selector
    from trainjob_migrate.results import Result

#: flag -> functionConfig option, with the choices the schema allows
FLAGS: Final = {
    "--target-version": ("targetVersion", config.TARGET_VERSIONS),
    "--mode": ("mode", ("replace", "side-by-side", "report")),
    "--name-suffix": ("nameSuffix", None),
    "--elastic": ("elastic", ("error", "fixed")),
    "--launch-env": ("launchEnv", ("v1-compat", "torchrun", "none")),
    "--template-mismatch": ("templateMismatch", ("error", "master", "worker")),
    "--runtime-name": ("runtimeName", None),
    "--runtime-kind": ("runtimeKind", ("ClusterTrainingRuntime", "TrainingRuntime")),
    "--gang-scheduler": ("gangScheduler", ("none", "coscheduling", "volcano")),
    "--retry-budget": ("retryBudget", ("v2-default", "v1")),
}
SWITCHES: Final = {"--generate-runtime": "generateRuntime", "--strict": "strict"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("conversion options (as in the KRM functionConfig)")
    group.add_argument(
        "--config",
        metavar="FILE",
        type=common.as_path,
        help="a functionConfig file (ConfigMap or TrainJobMigration); flags override it",
    )
    for flag, (option, choices) in FLAGS.items():
        # no argparse choices: every value is checked by the functionConfig schema, as a
        # --config file's is, with the same message
        group.add_argument(
            flag,
            dest=option,
            metavar="{" + ",".join(choices) + "}" if choices else "VALUE",
            help=f"option {option}",
        )
    for flag, option in SWITCHES.items():
        group.add_argument(
            flag, dest=option, action="store_true", default=None, help=f"option {option}"
        )
    select = parser.add_argument_group("which jobs (like kubectl)")
    select.add_argument(
        "--name", action="append", default=[], help="only jobs of this name (repeatable)"
    )
    select.add_argument("-n", "--namespace", help="only jobs of this namespace")
    select.add_argument(
        "-l", "--selector", help="label selector: k=v, k!=v, k, !k (comma-separated)"
    )


def defaults() -> dict[str, Any]:
    """What the parser gives for these options when none is given (commands/check.py,
    plain_args: the arguments of ``check PATH...`` without a parser)."""
    return {
        "config": None,
        **{option: None for option, _ in FLAGS.values()},
        **dict.fromkeys(SWITCHES.values()),  # store_true, default None
        "name": [],
        "namespace": None,
        "selector": None,
    }


def build_config(args: common.Args) -> config.FunctionConfig:
    """The options of ``--config FILE`` and of the flags (which win), each validated by the
    functionConfig schema: a flag's value is refused with the message a config file's gets,
    naming the flag."""
    options: dict[str, Any] = {}
    if args.config is not None:
        options.update(_config_file(args.config))
    flags: dict[str, Any] = {}
    for option, _ in FLAGS.values():
        if getattr(args, option) is not None:
            flags[option] = getattr(args, option)
    for option in SWITCHES.values():
        if getattr(args, option):
            flags[option] = True
    if flags:  # (no flag: nothing to check, and no schema to run at every check's start)
        with spelled_for_cli():
            config.from_function_config(
                {"apiVersion": config.CONFIG_API_VERSION, "kind": config.CONFIG_KIND, "spec": flags}
            )
    options.update(flags)
    return config.from_options(options)


def _config_file(path: str) -> dict[str, Any]:
    common.require(path, "--config ")
    try:
        with open(path, "rb") as stream:  # noqa: PTH123
            obj = yamlio.load(stream.read())
    except OSError as exc:
        raise NoInputError(f"--config {path}: {fsio.cause(exc)}") from exc
    except InputError as exc:
        raise ConfigError(f"--config {path}: {exc}") from exc
    if not isinstance(obj, Mapping):
        raise ConfigError(f"--config {path}: expected a ConfigMap or {config.CONFIG_KIND} object")
    try:
        config.from_function_config(obj)  # validates, with the same messages as fn
    except ConfigError as exc:
        raise ConfigError(f"--config {path}: {exc}") from exc
    options = obj.get("data") if obj.get("kind") == "ConfigMap" else obj.get("spec")
    return dict(options or {})


#: option -> its flag (booleans are switches: ``generateRuntime=true`` is ``--generate-runtime``)
OPTION_FLAGS: Final = {
    **{option: flag for flag, (option, _) in FLAGS.items()},
    **{option: flag for flag, option in SWITCHES.items()},
}


def _spelled(names: tuple[str, ...]) -> str:
    """The pattern of ``option NAME`` and ``NAME=VALUE`` for these option names. Built for the
    names a message holds (the others cannot match in it: the matches are those of all the
    names), it compiles in a fraction of the time (re caches it): a check of one file pays it."""
    alternatives = "|".join(names)
    return rf"\boption ({alternatives})\b|\b({alternatives})=([^\s,;:)]+)"


def spell_for_cli(text: str) -> str:
    """A message as the command line says it: ``option elastic`` -> ``option --elastic``,
    ``elastic=fixed`` -> ``--elastic fixed``, ``strict=true`` -> ``--strict``. Messages name
    options in the function's form (``name=value``, as ``kpt fn eval -- name=value``)."""

    def flag(match: re.Match[str]) -> str:
        if match.group(1):
            return f"option {OPTION_FLAGS[match.group(1)]}"
        name, value = match.group(2), match.group(3)
        if name in SWITCHES.values():
            return OPTION_FLAGS[name] if value == "true" else f"no {OPTION_FLAGS[name]}"
        return f"{OPTION_FLAGS[name]} {value}"

    names = tuple(option for option in OPTION_FLAGS if option in text)
    return re.sub(_spelled(names), flag, text) if names else text


def results_for_cli(results: list[Result]) -> list[Result]:
    return [
        r if (spelled := spell_for_cli(r.message)) == r.message else r.replace(message=spelled)
        for r in results
    ]


class spelled_for_cli:  # a class, not @contextlib.contextmanager: start-up time
    """A :class:`ConfigError` raised inside names the options as flags."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not isinstance(exc, ConfigError):
            return
        if str(exc).startswith("--config "):  # about the file: named as the file names them
            return
        raise ConfigError(spell_for_cli(str(exc))) from exc


#: compiled when a selector is given (re caches it)
_REQUIREMENT: Final = r"^\s*(!?)\s*([^=!\s]+)\s*(?:(==|=|!=)\s*(\S*))?\s*$"


def build_selector(args: common.Args) -> Selector | None:
    names = set(args.name)
    namespace = args.namespace
    requirements = _parse_selector(args.selector) if args.selector else []
    if not names and namespace is None and not requirements:
        return None

    def select(job: Mapping[str, Any]) -> bool:
        meta = job.get("metadata") or {}
        labels = meta.get("labels") or {}
        if names and meta.get("name") not in names:
            return False
        if namespace is not None and (meta.get("namespace") or "default") != namespace:
            return False
        return all(_matches(labels, r) for r in requirements)

    return select


def _parse_selector(text: str) -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    for part in text.split(","):
        match = re.match(_REQUIREMENT, part)
        if not match:
            raise ConfigError(
                f"label selector {text!r}: cannot read {part!r} (use k=v, k!=v, k or !k)"
            )
        negated, key, op, value = match.groups()
        if negated and op:
            raise ConfigError(f"label selector {text!r}: '!' takes a key only, in {part!r}")
        out.append((key, "absent" if negated else (op or "exists").replace("==", "="), value))
    return out


def _matches(labels: Mapping[str, Any], requirement: tuple[str, str, str | None]) -> bool:
    key, op, value = requirement
    if op == "exists":
        return key in labels
    if op == "absent":
        return key not in labels
    if op == "=":
        return str(labels.get(key)) == value if key in labels else False
    return str(labels.get(key)) != value if key in labels else True
