"""Kubernetes quantities (``500m``, ``2``, ``4Gi``, ``1e3``) as exact numbers, to compare values
written differently the way the API server does (k8s.io/apimachinery ``pkg/api/resource``
``ParseQuantity``: ``1000m`` == ``1``, ``1Gi`` == ``1024Mi``, ``"1"`` == ``1``)."""

from __future__ import annotations

import math
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Final, TypeAlias

#: an exact amount as a reduced fraction (numerator, denominator > 0); not
#: ``fractions.Fraction``, which imports ``decimal`` (too heavy for fn's start-up)
Amount: TypeAlias = "tuple[int, int]"

#: suffix -> (power of ten, power of two)
_SUFFIX: Final = {
    "": (0, 0),
    "n": (-9, 0),
    "u": (-6, 0),
    "m": (-3, 0),
    "k": (3, 0),
    "M": (6, 0),
    "G": (9, 0),
    "T": (12, 0),
    "P": (15, 0),
    "E": (18, 0),
    "Ki": (0, 10),
    "Mi": (0, 20),
    "Gi": (0, 30),
    "Ti": (0, 40),
    "Pi": (0, 50),
    "Ei": (0, 60),
}
_QUANTITY: Final = re.compile(
    r"([+-]?)([0-9]*)(?:\.([0-9]*))?((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)


def parse(value: Any) -> Amount | None:
    """The exact amount of a quantity; None for what is not one (booleans, floats included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value, 1
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip())
    if match is None or not (match.group(2) or match.group(3)):
        return None
    sign, whole, frac, suffix = (
        match.group(1),
        match.group(2),
        match.group(3) or "",
        match.group(4) or "",
    )
    if suffix[:1] in ("e", "E"):
        tens, twos = int(suffix[1:]), 0
    else:
        tens, twos = _SUFFIX[suffix]
    num = int((whole or "0") + frac) * (-1 if sign == "-" else 1) * 2**twos
    tens -= len(frac)
    den = 1
    if tens >= 0:
        num *= 10**tens
    else:
        den = 10**-tens
    gcd = math.gcd(num, den)
    return num // gcd, den // gcd
