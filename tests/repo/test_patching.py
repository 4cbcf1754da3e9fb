"""kustomize-style patch application on CRDs, and the diffs that re-target patches."""

from __future__ import annotations

import pytest

from trainjob_migrate.repo import patching

BASE = {"spec": {"a": 1, "list": [{"name": "x"}], "keep": "k"}}


def test_merge_replaces_lists_and_deletes_nulls() -> None:
    # kustomize has no schema for a CRD: lists are replaced, not merged by name
    out = patching.merge(BASE, {"spec": {"a": None, "list": [{"name": "y"}], "new": 2}})
    assert out == {"spec": {"list": [{"name": "y"}], "keep": "k", "new": 2}}
    assert BASE["spec"]["a"] == 1  # the base is not changed


@pytest.mark.parametrize(
    ("ops", "expected"),
    [
        ([{"op": "replace", "path": "/spec/a", "value": 2}], {"a": 2}),
        (
            [{"op": "add", "path": "/spec/list/-", "value": {"name": "y"}}],
            {"list": [{"name": "x"}, {"name": "y"}]},
        ),
        ([{"op": "remove", "path": "/spec/keep"}], None),
        ([{"op": "copy", "from": "/spec/a", "path": "/spec/b"}], {"b": 1}),
        ([{"op": "test", "path": "/spec/a", "value": 1}], {}),
    ],
)
def test_apply_ops(ops: list[dict], expected: dict | None) -> None:
    out = patching.apply_ops(BASE, ops)
    if expected is None:
        assert "keep" not in out["spec"]
    else:
        assert out["spec"] == {**BASE["spec"], **expected}


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/spec/missing", "value": 1}],
        [{"op": "test", "path": "/spec/a", "value": 9}],
        [{"op": "remove", "path": "/spec/list/5"}],
        [{"op": "jump", "path": "/spec"}],
        ["not an op"],
    ],
)
def test_bad_ops_are_patch_errors(ops: list) -> None:
    with pytest.raises(patching.PatchError):
        patching.apply_ops(BASE, ops)


def test_diffs_turn_old_into_new() -> None:
    old = {"spec": {"trainer": {"numNodes": 4, "env": [1]}, "x": 1}}
    new = {"spec": {"trainer": {"numNodes": 9, "env": [1, 2]}, "suspend": True}}
    ops = patching.diff_ops(old, new)
    assert patching.apply_ops(old, ops) == new
    assert {"op": "replace", "path": "/spec/trainer/numNodes", "value": 9} in ops
    assert patching.merge(old, patching.diff_merge(old, new)) == new
