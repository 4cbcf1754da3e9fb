"""A v1 kind is a plug-in: the registry, its identification, and that no core module names a kind."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trainjob_migrate import config, sources, targets
from trainjob_migrate.sources import SOURCES

PACKAGE = Path(__file__).resolve().parents[2] / "function" / "trainjob_migrate"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
#: generated from upstream data: they name kinds because upstream does
_GENERATED = ("_generated/", "runtimes/data/")


def _kind_words() -> re.Pattern[str]:
    words = {w for s in SOURCES for w in (s.kind, s.list_kind, s.replica_specs)}
    alternatives = "|".join(sorted(words, key=len, reverse=True))
    # the API group of the v1 kinds, unless it is part of another name (trainer.kubeflow.org,
    # training.kubeflow.org labels) or the v1 operator's managedBy value
    group = r"(?<![\w.-])kubeflow\.org(?!/training-operator)"
    return re.compile(rf"\b({alternatives})\b|{group}")


def test_no_module_outside_sources_names_a_kind_or_its_group() -> None:
    pattern = _kind_words()
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(("sources/", *_GENERATED)):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


def test_the_scan_would_find_a_kind_name() -> None:
    pattern = _kind_words()
    assert pattern.search('if obj.get("kind") == "TFJob":')
    assert pattern.search('api = "kubeflow.org/v1"')
    assert pattern.search("spec.pytorchReplicaSpecs.Master")
    assert not pattern.search('"trainer.kubeflow.org/v1alpha1"')
    assert not pattern.search("training.kubeflow.org/job-name")


def test_a_kind_package_names_no_other_kind() -> None:
    for source in SOURCES:
        others = {w for s in SOURCES if s is not source for w in (s.kind, s.list_kind)}
        folder = PACKAGE / "sources" / source.name
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            named = sorted(w for w in others if re.search(rf"\b{w}\b", text))
            assert named == [], f"{path.relative_to(PACKAGE)} names {named}"


def test_every_source_is_registered_once_and_has_its_schemas() -> None:
    assert len({s.name for s in SOURCES}) == len(SOURCES)
    assert len({s.kind for s in SOURCES}) == len(SOURCES)
    for source in SOURCES:
        assert (PACKAGE / "sources" / source.name / "__init__.py").is_file()
        for schema in source.versions.values():
            assert (SCHEMAS / f"{schema}.json").is_file(), schema
        assert source.unsupported is not None or source.rules, source.name
        if source.runtime is not None:
            assert targets.first_shipping(source.runtime) is not None, source.runtime


def test_the_registry_table_names_each_package_by_its_kind() -> None:
    """The registry imports a kind's package only when the kind is met: its table of kinds
    must say what each package's SOURCE says."""
    table = sources._PACKAGES
    assert [(s.kind, s.name) for s in SOURCES] == list(table.items())
    assert [s.list_kind for s in SOURCES] == [f"{kind}List" for kind in table]
    assert tuple(s.kind for s in SOURCES) == sources.KINDS
    assert ("List", *(s.list_kind for s in SOURCES)) == sources.LIST_KINDS
    for source in SOURCES:
        assert sources.list_of({"kind": source.list_kind, "items": []}) is source
        assert sources.by_kind(source.kind) is source


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_identify_by_group_and_kind_of_any_version(source: sources.Source) -> None:
    for group in source.groups:
        for version in ("v1", "v1beta2", "v2beta1"):
            job = {"apiVersion": f"{group}/{version}", "kind": source.kind}
            assert sources.identify(job) is source
    assert sources.identify({"apiVersion": "example.com/v1", "kind": source.kind}) is None
    assert sources.identify({"apiVersion": "v1", "kind": source.list_kind, "items": []}) is None
    assert sources.is_list({"kind": source.list_kind, "items": []})
    assert sources.list_of({"kind": source.list_kind}) is source


def test_identify_tolerates_any_shape() -> None:
    for odd in (None, 3, "PyTorchJob", [], {"kind": ["x"]}, {"kind": "X", "apiVersion": 1}):
        assert sources.identify(odd) is None


def test_config_schema_enums_and_options_are_the_target_list() -> None:
    schema = json.loads((SCHEMAS / "function-config.json").read_text())
    strings = schema["$defs"]["stringOptions"]["properties"]["targetVersion"]["enum"]
    typed = schema["$defs"]["typedOptions"]["properties"]["targetVersion"]["enum"]
    assert strings == list(targets.VERSIONS)
    assert [str(v) for v in typed if isinstance(v, str)] == list(targets.VERSIONS)
    assert [f"{v:.1f}" for v in typed if isinstance(v, float)] == list(targets.VERSIONS)
    assert config.TARGET_VERSIONS == targets.VERSIONS
    assert [t.version for t in targets.all_targets()] == list(targets.VERSIONS)


def _plug_in_comparison() -> re.Pattern[str]:
    words = {w for s in SOURCES for w in (s.name, s.framework)}
    alternatives = "|".join(sorted(words, key=len, reverse=True))
    quoted = rf"""["']({alternatives})["']"""
    # equality only: ``"mpi" in policy`` reads a v2 runtime's mlPolicy, a target's word
    return re.compile(rf"[!=]=\s*{quoted}|{quoted}\s*[!=]=")


def test_no_module_outside_sources_tests_for_a_plug_in_by_name() -> None:
    """A kind's behaviour is a field of its Source, not ``source.framework == "mpi"``."""
    pattern = _plug_in_comparison()
    assert pattern.search('if ctx.source.framework == "mpi":')
    assert pattern.search("and ctx.source.name != 'pytorch'")
    assert not pattern.search('framework = "mpi"')
    assert not pattern.search('if "mpi" in policy:')
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(("sources/", *_GENERATED)):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


def test_only_mpi_fails_on_any_failed_pod() -> None:
    # v1.9 mpijob_controller.go UpdateJobStatus; pkg/core for the others
    assert {s.name for s in SOURCES if s.fails_on_pod_failure} == {"mpi"}
