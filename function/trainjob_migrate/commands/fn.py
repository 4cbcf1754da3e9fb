"""``trainjob-migrate fn``: the KRM function. ResourceList on stdin, ResourceList on stdout.

The output ResourceList is written even when the run fails (kpt shows its
results). Any error result exits 1 and is summarised on stderr, one line per
error: kustomize and Argo CD show only stderr.
"""

from __future__ import annotations

from trainjob_migrate import config, krm, nogc
from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.errors import ConfigError, InputError
from trainjob_migrate.pipeline import process
from trainjob_migrate.results import ResourceRef, Result, Severity, exit_code, ref_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Final

PROG: Final = "trainjob-migrate"


def run(stdin: IO[bytes], stdout: IO[str], stderr: IO[str], verbosity: int = 0) -> int:
    """``verbosity``: 1 (``-v``) shows warnings on stderr too, -1 (``-q``) only the count."""
    # Without the cyclic garbage collector: it would walk the growing input graph again and
    # again while the loader builds it (a third of a large run), and a run makes no cycles
    # to collect (reference counting frees everything). Restored for in-process callers.
    with nogc.paused():
        return _run(stdin, stdout, stderr, verbosity)


def _run(stdin: IO[bytes], stdout: IO[str], stderr: IO[str], verbosity: int) -> int:
    try:
        rl = krm.parse(krm.read_input(stdin))
    except InputError as exc:
        result = Result(f"{exc}", Severity.ERROR, RuleId.INPUT.value)
        stdout.write(
            krm.serialize(krm.ResourceList(items=[], function_config=None, results=[result]))
        )
        stderr.write(f"{PROG}: error: {exc}\n")
        return 1
    try:
        outcome = process(rl.items, config.from_function_config(rl.function_config))
    except ConfigError as exc:  # items stay as they came
        rl.results.append(_config_result(rl.function_config, str(exc)))
    else:
        rl.items = outcome.items
        rl.results.extend(outcome.results)
    stdout.write(krm.serialize(rl))
    _summarise(rl.results, stderr, verbosity)
    return exit_code(rl.results)


def _config_result(function_config: dict[str, object] | None, message: str) -> Result:
    ref: ResourceRef | None = ref_of(function_config) if function_config else None
    file = krm.file_of(function_config) if function_config else None
    return Result(
        f"invalid functionConfig: {message}",
        Severity.ERROR,
        RuleId.FUNCTION_CONFIG.value,
        ref,
        None,
        file,
    )


def _summarise(results: list[Result], stderr: IO[str], verbosity: int = 0) -> None:
    errors = [r for r in results if r.severity is Severity.ERROR]
    shown = (
        []
        if verbosity < 0
        else [r for r in results if r.severity is not Severity.INFO]
        if verbosity > 0
        else errors
    )
    for result in shown:
        stderr.write(f"{PROG}: {result.one_line()}\n")
    if errors:
        warnings = sum(r.severity is Severity.WARNING for r in results)
        # the v2 validation (v2check): objects of the input, passed through; one line still
        from trainjob_migrate.report import is_v2_rule  # only when a run has errors

        invalid = {r.resource for r in errors if is_v2_rule(r.rule) and r.resource}
        rejected = (
            f"; {len(invalid)} Trainer v2 object(s) the target release would reject "
            "(functionConfig validateV2: false skips this check)"
            if invalid
            else ""
        )
        stderr.write(
            f"{PROG}: {len(errors)} error(s), {warnings} warning(s); jobs with errors "
            f"were left unchanged{rejected}\n"
        )
