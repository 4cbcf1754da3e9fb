"""A container's own placeholders (Katib's ``${trialParameters.x}``, Argo's ``{{...}}``) in an
embedded job: swapped for sample values while the job is converted, and back afterwards.

Katib and Argo substitute their placeholders as text before the job is created, so the
conversion sees what they will create: each placeholder becomes a sample value of its type
(an integer where it stands alone as a YAML value or its parameter is an integer, unless the
job's schema wants a string there; a word otherwise), the job is converted and validated with the samples, and every sample in the
TrainJob becomes its placeholder again, in whatever field its value now goes to. A sample
that does not reach the TrainJob was computed with (``replicas`` added up into
``numNodes``): the placeholder cannot be carried, and the job is reported instead.
(The templates work has its own placeholder treatment for envsubst and Helm; this one is
local to containers of jobs.)
"""

from __future__ import annotations

import re

from trainjob_migrate.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Final

_BASE: Final = 7300000
#: a sample name for a job its container names (a Katib trial): a DNS label
NAME_PREFIX: Final = "tjm"


class Swap(Record):
    """Placeholder text -> its sample, and the sample name of a job without a name."""

    __slots__ = ("samples", "name")
    samples: dict[str, str]
    name: str

    def __init__(self, samples: dict[str, str], name: str) -> None:
        self.samples = samples
        self.name = name

    def to_samples(self, text: str) -> str:
        for placeholder, sample in self.samples.items():
            text = text.replace(placeholder, sample)
        return text

    def back(self, text: str) -> str:
        for placeholder, sample in sorted(self.samples.items(), key=lambda i: -len(i[1])):
            text = text.replace(sample, placeholder)
        return text

    def object_to_samples(self, value: Any) -> Any:
        return _map_strings(value, self.to_samples)

    def object_back(self, value: Any, *, ints: bool = True) -> Any:
        """``value`` with the samples in its strings (and integers, unless ``ints`` is false:
        those are put back in the text, see :meth:`back_ints`) back as placeholders."""
        numbers = {int(s): p for p, s in self.samples.items() if s.isdigit()} if ints else {}

        def restore(leaf: Any) -> Any:
            if isinstance(leaf, str):
                return self.back(leaf)
            if isinstance(leaf, int) and not isinstance(leaf, bool) and leaf in numbers:
                return numbers[leaf]
            return leaf

        return _map_leaves(value, restore)

    def back_ints(self, text: str) -> str:
        """The integer samples left in ``text`` (values standing alone, written unquoted) back
        as their placeholders, unquoted as they were written."""
        for placeholder, sample in self.samples.items():
            if sample.isdigit():
                alone = rf"(?<![\w.]){sample}(?![\w.])"
                text = re.sub(alone, placeholder.replace("\\", "\\\\"), text)
        return text

    def lost(self, before: str, after: str) -> list[str]:
        """Placeholders whose sample is in ``before`` (the job) but not in ``after`` (its
        TrainJob, as text): computed with, so not carried."""
        return [p for p, s in self.samples.items() if s in before and s not in after]


def swap(
    text: str, pattern: str, kinds: Mapping[str, str] | None = None, *, whole_is_int: bool = True
) -> Swap:
    """Samples for the placeholders ``pattern`` finds in ``text`` (the job as written).

    ``kinds``: placeholder -> ``int``, ``float``, ``str`` or ``name`` (the job's own name);
    others are integers where one stands alone as a YAML value (``whole_is_int``), else words.
    """
    base = _BASE
    while str(base) in text:
        base += 1000000
    name = f"{NAME_PREFIX}{base}"
    samples: dict[str, str] = {}
    for number, placeholder in enumerate(dict.fromkeys(re.findall(pattern, text)), start=1):
        kind = (kinds or {}).get(placeholder)
        if kind is None:
            alone = whole_is_int and re.search(
                rf"(:|^\s*-)[ \t]+{re.escape(placeholder)}[ \t]*(#.*)?$", text, re.MULTILINE
            )
            kind = "int" if alone else "str"
        value = base + number
        samples[placeholder] = {
            "int": str(value),
            "float": f"0.{value}",
            "name": name,
        }.get(kind, f"{NAME_PREFIX}{value}x")
    return Swap(samples, name)


def _map_strings(value: Any, change: Any) -> Any:
    return _map_leaves(value, lambda leaf: change(leaf) if isinstance(leaf, str) else leaf)


def _map_leaves(value: Any, change: Any) -> Any:
    if isinstance(value, dict):
        return {
            (change(k) if isinstance(k, str) else k): _map_leaves(v, change)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_map_leaves(v, change) for v in value]
    return change(value)
