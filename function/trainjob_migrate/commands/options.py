"""The function's options as command-line flags, and kubectl-like selection of jobs.

Flags build the same :class:`~trainjob_migrate.config.FunctionConfig` the KRM function
builds from its functionConfig, so ``fn``, ``convert`` and ``check`` cannot drift apart:
``--config FILE`` takes that functionConfig object, and flags override it.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from trainjob_migrate import config, yamlio
from trainjob_migrate.errors import ConfigError, InputError
from trainjob_migrate.pipeline import Selector

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
}
SWITCHES: Final = {"--generate-runtime": "generateRuntime", "--strict": "strict"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("conversion options (as in the KRM functionConfig)")
    group.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="a functionConfig file (ConfigMap or TrainJobMigration); flags override it",
    )
    for flag, (option, choices) in FLAGS.items():
        group.add_argument(
            flag,
            dest=option,
            choices=choices,
            metavar=None if choices else "VALUE",
            help=f"option {option}",
        )
    for flag, option in SWITCHES.items():
        group.add_argument(
            flag, dest=option, action="store_true", default=None, help=f"option {option}"
        )
    select = parser.add_argument_group("which PyTorchJobs (like kubectl)")
    select.add_argument(
        "--name", action="append", default=[], help="only jobs of this name (repeatable)"
    )
    select.add_argument("-n", "--namespace", help="only jobs of this namespace")
    select.add_argument(
        "-l", "--selector", help="label selector: k=v, k!=v, k, !k (comma-separated)"
    )


def build_config(args: argparse.Namespace) -> config.FunctionConfig:
    options: dict[str, Any] = {}
    if args.config is not None:
        options.update(_config_file(args.config))
    for option, _ in FLAGS.values():
        if getattr(args, option) is not None:
            options[option] = getattr(args, option)
    for option in SWITCHES.values():
        if getattr(args, option):
            options[option] = True
    return config.from_options(options)


def _config_file(path: Path) -> dict[str, Any]:
    try:
        obj = yamlio.load(path.read_text(encoding="utf-8"))
    except (OSError, InputError) as exc:
        raise ConfigError(f"--config {path}: {exc}") from exc
    if not isinstance(obj, Mapping):
        raise ConfigError(f"--config {path}: expected a ConfigMap or {config.CONFIG_KIND} object")
    config.from_function_config(obj)  # validates, with the same messages as fn
    options = obj.get("data") if obj.get("kind") == "ConfigMap" else obj.get("spec")
    return dict(options or {})


_REQUIREMENT: Final = re.compile(r"^\s*(!?)\s*([^=!\s]+)\s*(?:(==|=|!=)\s*(\S*))?\s*$")


def build_selector(args: argparse.Namespace) -> Selector | None:
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
        match = _REQUIREMENT.match(part)
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
