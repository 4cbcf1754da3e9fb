"""``trainjob-migrate kustomize-plugin CONFIG``: kustomize's legacy exec-plugin protocol.

``kubectl kustomize --enable-alpha-plugins`` runs a transformer whose config has
``apiVersion: fn.trainjob-migrate.dev/v1alpha1, kind: TrainJobMigration`` (and no
``config.kubernetes.io/function`` annotation) as the executable
``$KUSTOMIZE_PLUGIN_HOME/fn.trainjob-migrate.dev/v1alpha1/trainjobmigration/TrainJobMigration``,
with the path of a file holding that config as first argument, the resources as a YAML
stream (not a ResourceList) on stdin, and the transformed YAML stream read from stdout.
This is the form that runs with ``kubectl kustomize``, which has no ``--enable-exec``.

The options are the typed functionConfig's (``spec``), validated the same way. kustomize
has no results channel and shows stderr only when the plugin fails, so: every error and
warning is one line on stderr; any error exits 1 and writes nothing on stdout (kustomize
fails the build; a shell pipeline gets no half-converted stream).
"""

from __future__ import annotations

from collections.abc import Mapping

from trainjob_migrate import config, krm, yamlio
from trainjob_migrate.errors import ConfigError, InputError, MigrateError, NoInputError
from trainjob_migrate.pipeline import process
from trainjob_migrate.results import EXIT_OK, Result, Severity, exit_code

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the plugin starts as lean as `fn`
if TYPE_CHECKING:
    from typing import IO, Any, Final

PROG: Final = "trainjob-migrate"


def run(
    config_path: str,
    stdin: IO[bytes],
    stdout: IO[str],
    stderr: IO[str],
    verbosity: int = 0,
    *,
    config_bytes: bytes | None = None,
) -> int:
    """Transform the YAML stream on ``stdin`` with the options of the file ``config_path``.

    Exit codes as every command's: 1 for errors in the input, 66 for a config file that
    cannot be read, 78 for an invalid config. ``verbosity``: 1 adds info lines, -1 leaves
    only the count. ``config_bytes``: the file's content when it was read already (by the
    resident server's client, which sends it: the server may not see the client's files)."""
    try:
        options = config.from_function_config(_load_config(config_path, config_bytes))
        items = _load_stream(krm.read_input(stdin))  # bounded, as fn and convert - read
        outcome = process(items, options)
    except MigrateError as exc:
        stderr.write(f"{PROG} kustomize-plugin: error: {exc}\n")
        return exc.exit_code
    _report(outcome.results, stderr, verbosity)
    status = exit_code(outcome.results)
    if status == EXIT_OK:
        stdout.write(_dump_stream(outcome.items))
    return status


def _load_config(path: str, text: bytes | None = None) -> Mapping[str, Any]:
    try:
        if text is None:
            with open(path, "rb") as file:  # noqa: PTH123 - pathlib is off the start-up path
                text = file.read()
    except OSError as exc:
        from trainjob_migrate.repo.fsio import cause  # only for this error

        raise NoInputError(f"cannot read the plugin config {path}: {cause(exc)}") from exc
    try:
        data = yamlio.load(text)
    except InputError as exc:
        raise ConfigError(f"plugin config {path}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"plugin config {path}: expected a {config.CONFIG_KIND} object, "
            f"got a YAML {type(data).__name__}"
        )
    return data


def _load_stream(data: bytes) -> list[Any]:
    try:
        text = yamlio.decode(data)
    except UnicodeDecodeError as exc:
        raise InputError(f"input is not UTF-8 (byte {exc.start})") from exc
    items: list[Any] = []
    for number, doc in enumerate(yamlio.load_all(text), start=1):
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            raise InputError(
                f"document {number} of the input is a YAML {type(doc).__name__}, "
                "not a Kubernetes object"
            )
        items.append(dict(doc))
    return items


def _dump_stream(items: list[Any]) -> str:
    return "---\n".join(yamlio.dump(item) for item in items)


def _report(results: list[Result], stderr: IO[str], verbosity: int = 0) -> None:
    shown = [r for r in results if verbosity > 0 or r.severity is not Severity.INFO]
    for result in shown if verbosity >= 0 else ():
        stderr.write(f"{PROG}: {result.one_line()}\n")
    errors = sum(r.severity is Severity.ERROR for r in results)
    if errors:
        warnings = sum(r.severity is Severity.WARNING for r in results)
        stderr.write(
            f"{PROG}: {errors} error(s), {warnings} warning(s); nothing was written: fix the "
            "errors (or relax the options in the TrainJobMigration config) and build again\n"
        )
