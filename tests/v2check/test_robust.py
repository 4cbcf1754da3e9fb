"""Malformed v2 objects (every fixture, fields replaced by values of other types) never crash
the validator: it reports, or passes, and never raises."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from trainjob_migrate import runtimes, targets, v2check

FIXTURES = Path(__file__).parent / "fixtures"
VALUES: list[Any] = [
    None,
    1,
    -1,
    "x",
    "${X}",
    [],
    {},
    [None],
    [1],
    {"a": None},
    True,
    1.5,
    "node",
    [{"name": None}],
    [{"name": "node", "env": None}],
]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))


def test_mutated_fixtures_never_raise():
    docs = [
        d for f in sorted(FIXTURES.glob("*/*.yaml")) for d in yaml.safe_load_all(f.read_text()) if d
    ]
    rng = random.Random(14)
    for _ in range(1500):
        doc = copy.deepcopy(rng.choice(docs))
        for _ in range(rng.randint(1, 3)):
            path = rng.choice([p for p in _paths(doc) if p])
            parent = doc
            for part in path[:-1]:
                parent = parent[part]
            if isinstance(parent, dict | list):
                parent[path[-1]] = copy.deepcopy(rng.choice(VALUES))
        target = targets.get(rng.choice(targets.VERSIONS))
        catalog = runtimes.Catalog.of(target.version, [doc, *docs])
        for issue in v2check.validate(doc, target, catalog):
            assert issue.rule.startswith("v2-") and issue.message
