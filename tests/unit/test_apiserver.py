"""Input read as the API server stored it; quantities compared by value."""

from __future__ import annotations

import pytest

from trainjob_migrate import apiserver, quantity

SCHEMA = {
    "type": "object",
    "properties": {
        "metadata": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"labels": {"type": "object"}},
        },
        "limits": {"type": "object"},
        "maybe": {"type": ["object", "null"]},
        "items": {
            "type": "array",
            "items": {"type": "object", "properties": {"a": {"type": "string"}}},
        },
    },
}


def test_nulls_of_non_nullable_fields_and_template_object_meta_are_pruned():
    obj = {
        "metadata": {"creationTimestamp": None, "labels": {"x": "y"}, "typo": 1},
        "limits": None,
        "maybe": None,
        "items": [{"a": None}, {"a": "b"}],
    }
    stored, pruned = apiserver.prune(obj, SCHEMA)
    assert stored == {
        "metadata": {"labels": {"x": "y"}, "typo": 1},  # an unknown field stays: reported later
        "maybe": None,
        "items": [{}, {"a": "b"}],
    }
    assert pruned == [
        (("metadata", "creationTimestamp"), "metadata"),
        (("limits",), "null"),
        (("items", 0, "a"), "null"),
    ]
    assert obj["limits"] is None  # the input is not changed


def test_nothing_to_prune_returns_the_same_object():
    obj = {"limits": {"cpu": 1}}
    assert apiserver.prune(obj, SCHEMA)[0] is obj


@pytest.mark.parametrize(
    ("a", "b"),
    [("1000m", "1"), ("1", 1), ("1Gi", "1024Mi"), ("1k", "1e3"), ("0.5", "500m"), (".5", "500m")],
)
def test_equal_quantities(a, b):
    assert quantity.parse(a) == quantity.parse(b) is not None


@pytest.mark.parametrize("value", ["abc", "1.2.3", True, None, "", "Gi"])
def test_not_quantities(value):
    assert quantity.parse(value) is None
