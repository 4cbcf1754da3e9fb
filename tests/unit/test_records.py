"""records.py gives the value classes what dataclasses gave them: equality, repr, replace,
copying and pickling; frozen ones are read-only and hashable, the others unhashable."""

from __future__ import annotations

import copy
import pickle

import pytest

from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.context import Draft, RuntimeParts
from trainjob_migrate.results import FileRef, ResourceRef, Result, Severity
from trainjob_migrate.targets import get
from trainjob_migrate.validation import SchemaIssue


def _result() -> Result:
    return Result(
        "m",
        Severity.ERROR,
        "rule",
        ResourceRef("v1", "K", "n", "ns"),
        "spec.x",
        FileRef("a.yaml", 1, 7),
    )


def test_frozen_records_compare_hash_and_print_by_their_fields() -> None:
    result, twin = _result(), _result()
    assert result == twin and hash(result) == hash(twin) and len({result, twin}) == 1
    assert result != result.replace(field=None)
    assert FileRef("a.yaml") != ("a.yaml", 0, None)  # a record equals records of its class only
    assert repr(FileRef("a.yaml", 1)) == "FileRef(path='a.yaml', index=1, line=None)"
    assert repr(SchemaIssue("p", "m", "k")) == "SchemaIssue(path='p', message='m', kind='k')"


def test_frozen_records_cannot_be_changed() -> None:
    result = _result()
    with pytest.raises(AttributeError, match="frozen Result"):
        result.message = "other"
    with pytest.raises(AttributeError):
        del result.rule
    with pytest.raises(AttributeError):
        result.extra = 1  # type: ignore[attr-defined]  # __slots__: no other attribute


def test_replace_copies_with_changes_as_dataclasses_replace_did() -> None:
    config = FunctionConfig()
    changed = config.replace(target_version="2.1", target_given=True)
    assert (changed.target_version, changed.target_given, changed.mode) == ("2.1", True, "replace")
    assert config == FunctionConfig()  # unchanged
    assert get("2.3").replace(version="x").schema == "trainjob-x"
    with pytest.raises(TypeError):
        config.replace(no_such_option=1)


def test_records_copy_and_pickle() -> None:
    for record in (_result(), FunctionConfig(strict=True), get("2.2"), Draft(name="n")):
        assert pickle.loads(pickle.dumps(record)) == record
        assert copy.deepcopy(record) == record and copy.copy(record) == record


def test_mutable_records_are_unhashable_and_truthy_by_content() -> None:
    draft = Draft()
    draft.name = "job"
    with pytest.raises(TypeError):
        hash(draft)
    assert not RuntimeParts() and RuntimeParts(sidecars=[{"name": "s"}])
    assert Draft().metadata is not Draft().metadata  # each its own default


def test_an_object_named_by_generate_name_is_shown_by_it_and_has_no_name_on_the_wire():
    from trainjob_migrate.results import ref_of

    workflow = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "train-", "namespace": "ml"},
    }
    ref = ref_of(workflow)
    assert ref.display() == "Workflow ml/(generateName train-)"
    assert ref.to_dict() == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "name": "",
        "namespace": "ml",
    }
    # a name wins: generateName is ignored by the API server when a name is given
    named = ref_of({**workflow, "metadata": {"name": "w", "generateName": "train-"}})
    assert named.display() == "Workflow w"
