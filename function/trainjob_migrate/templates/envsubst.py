"""Convert a job holding envsubst placeholders, and prove the template converts as its renderings do.

Each placeholder expression (``$N``, ``${IMAGE}``, ``${X:-2}``) is replaced by a sentinel of
the type its field takes (an integer where the schema wants one, a string such as
``x7001`` elsewhere, digits inside ``command``/``args`` where flags are parsed), the job
converted as any other (input and output validated as usual), and every sentinel in the
output put back as the placeholder text. A sentinel not found as itself was computed with
(Master 1 + Worker ``$N`` makes ``numNodes`` 602): to know, the job is converted again
with other sentinels; wherever the two outputs differ once the placeholders are back, a
value was computed from a placeholder, and the job is left untouched with an error naming
the variable and what to introduce. Never a wrong number.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from trainjob_migrate import krm, sources, validation
from trainjob_migrate.catalogue import RuleId
from trainjob_migrate.paths import Path, format_path
from trainjob_migrate.results import ResourceRef, Result, Severity, ref_of
from trainjob_migrate.templates.placeholders import (
    BLOCK_PREFIX,
    MASK_PREFIX,
    PLACEHOLDER,
    Quoted,
    placeholders,
    shell_text,
    variable,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final

    from trainjob_migrate.compare import Comparison
    from trainjob_migrate.config import FunctionConfig
    from trainjob_migrate.convert import Conversion
    from trainjob_migrate.results import FileRef
    from trainjob_migrate.runtimes import Catalog
    from trainjob_migrate.targets import Target

    Converter = Callable[[Mapping[str, Any], FunctionConfig, Target, FileRef | None], Conversion]
    Comparer = Callable[[Mapping[str, Any], Mapping[str, Any], Target, Catalog], Comparison]

RULE: Final = RuleId.PLACEHOLDER.value
#: a sentinel in output text: ``x7001`` (its ``x`` delimits it, even right after another:
#: ``${REGISTRY}${IMAGE}`` is ``x7001x7013``) or digits standing alone
_TOKEN: Final = re.compile(r"(?:x(?P<letter>[0-9]+)|(?<![0-9])(?P<digits>[0-9]+))(?![0-9])")
_PARSED: Final = frozenset({"command", "args"})  # where a value may be parsed as a number
_SHOWN: Final = 3  # output fields named per placeholder
_INTEGER: Final = "integer"  # sentinel forms of a whole placeholder (a string by default)
_DIGITS: Final = "digits"


class _Sentinels:
    """The sentinels of one run: per expression a number (integers, digits) and a string form."""

    def __init__(self, exprs: list[str], numbers: list[tuple[int, int]]) -> None:
        self.number = {e: n for e, (n, _) in zip(exprs, numbers, strict=True)}
        self.letters = {e: f"x{m}" for e, (_, m) in zip(exprs, numbers, strict=True)}
        self.by_number = {n: e for e, n in self.number.items()}
        self.by_digits = {str(n): e for e, n in self.number.items()}
        self.by_letter = {str(m): e for e, (_, m) in zip(exprs, numbers, strict=True)}

    def unmap_text(self, text: str) -> str:
        if not any(c.isdigit() for c in text):
            return text

        def back(match: re.Match[str]) -> str:
            letter, digits = match.group("letter"), match.group("digits")
            if letter is not None:
                if letter in self.by_letter:
                    return self.by_letter[letter]
                return "x" + self.by_digits.get(letter, letter)
            return self.by_digits.get(digits, digits)

        return _TOKEN.sub(back, text)

    def unmap(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return self.by_number.get(value, value)
        if isinstance(value, str):
            if value.startswith("x") and value[1:] in self.by_letter:
                return Quoted(self.by_letter[value[1:]])
            if value in self.by_digits:  # a string stays one once rendered
                return Quoted(self.by_digits[value])
            return self.unmap_text(value)
        if isinstance(value, dict):
            if len(value) == 1:
                key, item = next(iter(value.items()))
                if key == item and isinstance(key, str) and key[1:] in self.by_letter:
                    return self.by_letter[key[1:]]  # a block's sentinel
            return {self.unmap(k): self.unmap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.unmap(v) for v in value]
        return value


def convert(
    job: Mapping[str, Any],
    config: FunctionConfig,
    target: Target,
    file: FileRef | None,
    inner: Converter,
) -> Conversion:
    """``inner(job, ...)`` for a job holding placeholders (see the module's docstring)."""
    from trainjob_migrate.convert import Conversion

    found = placeholders(job)
    exprs = list(dict.fromkeys(m.group(0) for _, s in found for m in PLACEHOLDER.finditer(s)))
    if not exprs:
        return inner(job, config, target, file)
    numbers = _numbers(len(exprs), repr(job))
    base_sentinels = _Sentinels(exprs, [(n, m) for n, m in numbers])
    forms = _integer_fields(job, found, base_sentinels)
    unseen = _unseen_blocks(job, found, base_sentinels, forms, krm.file_of(job) or file)
    if unseen:
        return Conversion([dict(job)], unseen, converted=False)

    def run(shift: Mapping[str, int]) -> tuple[Conversion, Conversion]:
        shifted = [
            (n + shift.get(e, 0), m + shift.get(e, 0))
            for e, (n, m) in zip(exprs, numbers, strict=True)
        ]
        sentinels = _Sentinels(exprs, shifted)
        conversion = inner(_substitute(job, sentinels, forms), config, target, file)
        return conversion, _unmapped(conversion, sentinels)

    raw, base = run({})
    if not base.converted:
        # a string field the conversion reads a number from (``nprocPerNode: "$NPROC"``):
        # digits there, once
        said = " ".join(r.message for r in raw.results)
        numeric = {
            p: _DIGITS
            for p, s in found
            if (w := _whole(s)) is not None and p not in forms and base_sentinels.letters[w] in said
        }
        if numeric:
            forms.update(numeric)
            raw, base = run({})
    if not base.converted:
        return Conversion([dict(job)], base.results, converted=False)
    merged = _merged_blocks(exprs, base)
    if merged:
        return Conversion([dict(job)], merged, converted=False)
    if _signature(run(dict.fromkeys(exprs, 2))[1]) == _signature(base):
        flows = _flows(exprs, found, base)
        return Conversion(base.objects, [*base.results, *flows], True, base.trainjob)
    errors: list[Result] = []
    for expr in exprs:
        varied = run({expr: 2})[1]
        if len(exprs) > 1 and _signature(varied) == _signature(base):
            continue
        errors.append(_computed(expr, found, base, varied, base_sentinels.number[expr]))
    kept = [r for r in base.results if r.rule != RuleId.SUMMARY.value]
    return Conversion([dict(job)], [*kept, *errors], converted=False)


def _numbers(count: int, text: str) -> list[tuple[int, int]]:
    """Sentinel numbers (and their shifted forms) that the job's text does not hold."""

    def free(start: int) -> Iterator[int]:
        n = start
        while True:
            if str(n) not in text and str(n + 2) not in text:
                yield n
            n += 12

    digits, letters = free(601), free(7001)
    return [(next(digits), next(letters)) for _ in range(count)]


def _whole(value: str) -> str | None:
    match = PLACEHOLDER.fullmatch(value)
    return match.group(0) if match else None


def _integer_fields(
    job: Mapping[str, Any],
    found: list[tuple[Path, str]],
    sentinels: _Sentinels,
    schema: str | None = None,
) -> dict[Path, str]:
    """The whole-placeholder fields whose schema wants a number: where a string fails it
    (``schema``: the job's own input schema unless given)."""
    if schema is None:
        source = sources.identify(job)
        schema = source.schema_for(job.get("apiVersion")) if source is not None else None
    if schema is None:
        return {}
    candidates = {
        format_path(p): p for p, s in found if (w := _whole(s)) is not None and not _is_block(w)
    }
    forms: dict[Path, str] = {}
    for _ in range(3):
        issues = validation.validate(_substitute(job, sentinels, forms), schema)
        more = {candidates[i.path] for i in issues if i.path in candidates} - forms.keys()
        if not more:
            break
        forms.update(dict.fromkeys(more, _INTEGER))
    return forms


def typed_sample(obj: Mapping[str, Any], schema: str) -> Any:
    """``obj`` with each placeholder replaced by a sample of the type ``schema`` expects
    there (an integer for ``numNodes: $N``): what validating a template means."""
    found = placeholders(obj)
    exprs = list(dict.fromkeys(m.group(0) for _, s in found for m in PLACEHOLDER.finditer(s)))
    if not exprs:
        return obj
    sentinels = _Sentinels(exprs, _numbers(len(exprs), repr(obj)))
    return _substitute(obj, sentinels, _integer_fields(obj, found, sentinels, schema))


def _is_block(expr: str) -> bool:
    return expr.startswith(("${" + BLOCK_PREFIX, "$" + BLOCK_PREFIX))


def _merged_blocks(exprs: list[str], conversion: Conversion) -> list[Result]:
    """Errors for template blocks the conversion did not carry whole (it merged fields in)."""
    blocks = [e for e in exprs if _is_block(e)]
    if not blocks:
        return []
    keys = " ".join(_keys(conversion.objects))
    first = next((r for r in conversion.results if r.resource is not None), None)
    return [
        Result(
            f"the conversion would add fields to what {expr} generates: the job is left "
            "untouched; write the fields out in the template, or render it and convert the output",
            Severity.ERROR,
            RULE,
            first.resource if first else None,
            None,
            first.file if first else None,
        )
        for expr in blocks
        if expr in keys
    ]


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield str(key)
            yield from _keys(child)
    elif isinstance(value, list):
        for child in value:
            yield from _keys(child)


def _unseen_blocks(
    job: Mapping[str, Any],
    found: list[tuple[Path, str]],
    sentinels: _Sentinels,
    forms: dict[Path, str],
    file: FileRef | None,
) -> list[Result]:
    """Errors for template blocks where the job's schema (so the conversion) needs fields."""
    blocks = {format_path(p): s for p, s in found if (w := _whole(s)) is not None and _is_block(w)}
    source = sources.identify(job) if blocks else None
    schema = source.schema_for(job.get("apiVersion")) if source is not None else None
    if not blocks or schema is None:
        return []
    out: list[Result] = []
    for issue in validation.validate(_substitute(job, sentinels, forms), schema):
        field = next((f for f in blocks if issue.path == f or issue.path.startswith(f)), None)
        if field is not None and field not in {r.field for r in out}:
            out.append(
                Result(
                    f"{blocks[field]} generates all of {field}, whose fields the conversion must "
                    "see: the job is left untouched; write the fields out in the template, or "
                    "render it and convert the output",
                    Severity.ERROR,
                    RULE,
                    ref_of(job),
                    field,
                    file,
                )
            )
    return out


def compare(
    job: Mapping[str, Any],
    trainjob: Mapping[str, Any],
    target: Target,
    catalog: Catalog,
    inner: Comparer,
) -> Comparison:
    """``inner(job, trainjob, ...)`` for a pair holding placeholders: both sides get the
    same sentinels, and the differences their placeholders back."""
    in_job, in_trainjob = placeholders(job), placeholders(trainjob)
    exprs = list(
        dict.fromkeys(
            m.group(0) for _, s in (*in_job, *in_trainjob) for m in PLACEHOLDER.finditer(s)
        )
    )
    if not exprs:
        return inner(job, trainjob, target, catalog)
    sentinels = _Sentinels(exprs, _numbers(len(exprs), repr(job) + repr(trainjob)))
    job_forms = _integer_fields(job, in_job, sentinels)
    trainjob_forms = _integer_fields(trainjob, in_trainjob, sentinels, target.schema)
    result = inner(
        _substitute(job, sentinels, job_forms),
        _substitute(trainjob, sentinels, trainjob_forms),
        target,
        catalog,
    )
    return result.replace(
        pytorchjob=_ref(result.pytorchjob, sentinels),
        trainjob=_ref(result.trainjob, sentinels),
        differences=[
            d.replace(
                field=sentinels.unmap_text(d.field),
                why=sentinels.unmap_text(d.why),
                v1=sentinels.unmap(d.v1),
                v2=sentinels.unmap(d.v2),
                pods=tuple(sentinels.unmap_text(p) for p in d.pods),
            )
            for d in result.differences
        ],
        problems=[sentinels.unmap_text(p) for p in result.problems],
    )


def _substitute(obj: Any, sentinels: _Sentinels, forms: dict[Path, str], path: Path = ()) -> Any:
    """``obj`` with sentinels for placeholders: an integer or digits where ``forms`` says,
    digits inside ``command``/``args`` (flags are parsed), a string such as ``x7001`` else."""
    if isinstance(obj, str):
        if "$" not in obj or shell_text(path, obj):
            return obj
        form = forms.get(path)
        parsed = form is not None or not _PARSED.isdisjoint(p for p in path if isinstance(p, str))
        whole = _whole(obj)
        if whole is not None and form == _INTEGER:
            return sentinels.number[whole]
        if whole is not None and _is_block(whole):  # a Helm block: a map, carried whole
            return {sentinels.letters[whole]: sentinels.letters[whole]}

        def sentinel(match: re.Match[str]) -> str:
            expr = match.group(0)
            return str(sentinels.number[expr]) if parsed else sentinels.letters[expr]

        return PLACEHOLDER.sub(sentinel, obj)
    if isinstance(obj, dict):
        return {k: _substitute(v, sentinels, forms, (*path, str(k))) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_substitute(v, sentinels, forms, (*path, i)) for i, v in enumerate(obj)]
    return obj


def _unmapped(conversion: Conversion, sentinels: _Sentinels) -> Conversion:
    from trainjob_migrate.convert import Conversion

    objects = [sentinels.unmap(o) for o in conversion.objects] if conversion.converted else []
    trainjob = next((o for o in objects if o.get("kind") == "TrainJob"), None)
    results = [
        Result(
            sentinels.unmap_text(r.message),
            r.severity,
            r.rule,
            None if r.resource is None else _ref(r.resource, sentinels),
            r.field,
            r.file,
        )
        for r in conversion.results
    ]
    return Conversion(objects, results, conversion.converted, trainjob)


def _ref(ref: ResourceRef, sentinels: _Sentinels) -> ResourceRef:
    namespace = None if ref.namespace is None else sentinels.unmap_text(ref.namespace)
    generate = None if ref.generate_name is None else _text(ref.generate_name, sentinels)
    return ResourceRef(ref.api_version, ref.kind, _text(ref.name, sentinels), namespace, generate)


def _text(value: str, sentinels: _Sentinels) -> str:
    """A string's placeholders back (a whole one too, as a plain ``str``)."""
    if value.startswith("x") and value[1:] in sentinels.by_letter:
        return sentinels.by_letter[value[1:]]
    return sentinels.unmap_text(value)


def _signature(conversion: Conversion) -> Any:
    return (
        conversion.converted,
        conversion.objects,
        [(r.severity, r.rule, r.field, r.message) for r in conversion.results],
    )


def _outputs(conversion: Conversion) -> Iterator[tuple[str, Path, Any]]:
    """Every leaf of the output objects: (kind, path, value)."""
    for obj in conversion.objects:
        yield from ((str(obj.get("kind")), p, v) for p, v in _leaves(obj))


def _leaves(value: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, (*prefix, str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, (*prefix, index))
    else:
        yield prefix, value


def _flows(exprs: list[str], found: list[tuple[Path, str]], conversion: Conversion) -> list[Result]:
    """An info result per placeholder: the output fields it flows into (what to render with)."""
    into: dict[str, list[str]] = {e: [] for e in exprs}
    for kind, path, value in _outputs(conversion):
        if isinstance(value, str) and "$" in value:
            for match in PLACEHOLDER.finditer(value):
                if match.group(0) in into:
                    into[match.group(0)].append(f"{kind} {format_path(path)}")
    resource = next((r.resource for r in conversion.results if r.resource is not None), None)
    file = next((r.file for r in conversion.results if r.file is not None), None)
    out = []
    for expr in exprs:
        fields = list(dict.fromkeys(into[expr]))
        if not fields:
            continue
        shown = ", ".join(fields[:_SHOWN]) + (
            f" and {len(fields) - _SHOWN} more" if len(fields) > _SHOWN else ""
        )
        name = _name(expr)
        if _is_block(expr):
            message = (
                f"template block {expr} is carried as a whole into {shown}: the conversion "
                "does not see its keys (a v1 label or field in it is not converted)"
            )
        elif name.startswith(MASK_PREFIX):  # a Jinja/Helm expression (restored in the message)
            message = f"template expression {expr} is carried into {shown}"
        else:
            message = (
                f"template variable {name} ({expr}) is carried into {shown}: render the "
                f"converted template with {name} set, as the original was"
            )
        out.append(
            Result(
                message,
                Severity.INFO,
                RULE,
                resource,
                _input_field(expr, found),
                file,
            )
        )
    return out


def _input_field(expr: str, found: list[tuple[Path, str]]) -> str | None:
    return next((format_path(p) for p, s in found if expr in s), None)


def _computed(
    expr: str,
    found: list[tuple[Path, str]],
    base: Conversion,
    varied: Conversion,
    number: int,
) -> Result:
    """The error for a placeholder the conversion computes with."""
    before = {(k, p): v for k, p, v in _outputs(base)}
    after = {(k, p): v for k, p, v in _outputs(varied)}
    differ = [key for key in {**before, **after} if before.get(key) != after.get(key)]
    name = _name(expr)
    if differ:
        parts = []
        for kind, path in differ[:_SHOWN]:
            relation = _relation(before.get((kind, path)), after.get((kind, path)), number, expr)
            parts.append(
                f"{kind} {format_path(path)} would be {relation or f'computed from {expr}'}"
            )
        message = (
            f"{'; '.join(parts)}: a template cannot compute it. Introduce a variable holding "
            f"that value where {name} is set (the script that renders the template, or a Flux "
            "Kustomization's postBuild.substitute) and "
            "write it in the TrainJob by hand, or render the template and convert the output; "
            "the job is left untouched"
        )
    else:
        message = (
            f"the conversion depends on the value of {expr} (its findings change with it): a "
            "converted template cannot carry it; render the template and convert the output; "
            "the job is left untouched"
        )
    first = next((r for r in base.results if r.resource is not None), None)
    return Result(
        message,
        Severity.ERROR,
        RULE,
        first.resource if first else None,
        _input_field(expr, found),
        first.file if first else None,
    )


def _relation(before: Any, after: Any, number: int, expr: str) -> str | None:
    """``1 + $N`` when an integer output is a linear function of the sentinel."""
    try:
        b, a = int(before), int(after)
    except (TypeError, ValueError):
        return None
    factor, rest = divmod(a - b, 2)
    if rest or factor == 0:
        return None
    constant = b - factor * number
    term = expr if factor == 1 else f"{factor} * {expr}"
    if constant > 0:
        return f"{constant} + {term}"
    return f"{term} - {-constant}" if constant else term


def _name(expr: str) -> str:
    match = PLACEHOLDER.fullmatch(expr)
    return variable(match) if match is not None else expr
