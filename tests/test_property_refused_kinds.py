"""The kinds no Trainer v2 release runs (TFJob, PaddleJob, MXJob) and old API versions: for any
job of them, the output holds it unchanged, in place, with one ``unsupported-kind`` (or
``api-version``) error naming it; deterministic and idempotent (the property of issue 10)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from trainjob_migrate import sources
from trainjob_migrate.config import FunctionConfig
from trainjob_migrate.pipeline import process
from trainjob_migrate.results import Severity

REFUSED = [s for s in sources.SOURCES if s.unsupported is not None]
CONVERTED = [s for s in sources.SOURCES if s.unsupported is None]
_NAME = st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)


@st.composite
def refused_jobs(draw: st.DrawFn) -> dict[str, Any]:
    source = draw(st.sampled_from(REFUSED))
    roles = draw(st.lists(st.sampled_from(source.roles), min_size=1, unique=True))
    container = {"name": source.container, "image": draw(st.sampled_from(["img:1", "x/y:2"]))}
    specs = {
        role: {
            "replicas": draw(st.integers(1, 4)),
            "template": {"spec": {"containers": [container]}},
        }
        for role in roles
    }
    return {
        "apiVersion": f"{source.groups[0]}/{draw(st.sampled_from(['v1', 'v1beta2']))}",
        "kind": source.kind,
        "metadata": {"name": draw(_NAME)},
        "spec": {source.replica_specs: specs},
    }


@st.composite
def old_versions(draw: st.DrawFn) -> dict[str, Any]:
    """A job of a converted kind at an API version that is not converted."""
    source = draw(st.sampled_from(CONVERTED))
    version = draw(st.sampled_from(["v1alpha1", "v1beta1", "v1beta2"]))
    return {
        "apiVersion": f"{source.groups[-1]}/{version}",
        "kind": source.kind,
        "metadata": {"name": draw(_NAME)},
        "spec": {source.replica_specs: {}},
    }


_OTHER = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}


def test_the_refused_and_converted_kinds_are_the_product_rule() -> None:
    """REFUSED and CONVERTED above come from the registry under test: pinned here to the
    product rule, so that a kind dropped from the registry (or turned from refused into
    converted) cannot silently shrink the property below to the kinds that are left."""
    assert sorted(s.kind for s in REFUSED) == ["MXJob", "PaddleJob", "TFJob"]
    assert sorted(s.kind for s in CONVERTED) == ["JAXJob", "MPIJob", "PyTorchJob", "XGBoostJob"]


@settings(max_examples=60, deadline=None)
@given(jobs=st.lists(st.one_of(refused_jobs(), old_versions()), min_size=1, max_size=3))
def test_refused_jobs_stay_unchanged_and_each_gets_one_error(jobs: list[dict[str, Any]]) -> None:
    items = [copy.deepcopy(_OTHER), *copy.deepcopy(jobs)]
    first = process(items, FunctionConfig())
    assert first.items == [_OTHER, *jobs]  # nothing changed, nothing lost, in order
    errors = [r for r in first.results if r.severity is Severity.ERROR]
    assert len(errors) == len(jobs)
    for error, job in zip(errors, jobs, strict=True):
        assert error.rule in ("unsupported-kind", "api-version")
        assert error.resource is not None and error.resource.kind == job["kind"]
        assert job["kind"] in error.message
    again = process(copy.deepcopy(first.items), FunctionConfig())
    assert again.items == first.items and again.results == first.results
