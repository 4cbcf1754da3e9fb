"""No v1-only name survives a conversion silently.

Every TrainJob (and generated TrainingRuntime) emitted for every golden fn case and target is
scanned for names only the v1 operator created: its per-replica Service hosts
(``<job>-master-N``, ``<job>-worker-N``), its ``training.kubeflow.org/`` pod labels, and
references to the variables it defined (``$(MASTER_ADDR)``, ``$MASTER_ADDR``, ``${RANK}``...)
that nothing defines in the TrainJob. Each one found must be named by a warning or error of
that job's conversion (the message quotes it), else the test fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from compare_cases import GOLDEN, case_jobs, case_options, case_targets, converted

from trainjob_migrate import sources
from trainjob_migrate.results import Severity

RUNS = [
    (case, target)
    for case in sorted(p for p in GOLDEN.iterdir() if p.is_dir())
    for target in case_targets(case)
]
V1_VARIABLES = ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK")
_REFERENCE = re.compile(
    r"\$\((" + "|".join(V1_VARIABLES) + r")\)"
    r"|\$\{(" + "|".join(V1_VARIABLES) + r")[}:#%/-]"
    r"|\$(" + "|".join(V1_VARIABLES) + r")(?![A-Za-z0-9_])"
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _defined(trainjob: dict[str, Any]) -> set[str]:
    env = (trainjob.get("spec") or {}).get("trainer", {}).get("env") or []
    return {e.get("name") for e in env}


def v1_names(job: dict[str, Any], objects: list[dict[str, Any]]) -> set[str]:
    """The v1-only names in ``objects`` (the TrainJob and its generated runtime), as text."""
    name = job["metadata"]["name"]
    hosts = re.compile(rf"(?<![A-Za-z0-9-]){re.escape(name)}-(master|worker)-\d+(?![A-Za-z0-9-])")
    source = sources.identify(job)
    assert source is not None
    specs = job["spec"][source.replica_specs]
    had_master = any(str(k).lower() == "master" for k in specs)
    found: set[str] = set()
    for obj in objects:
        defined = _defined(obj) if obj.get("kind") == "TrainJob" else set()
        for text in _strings(obj.get("spec")):
            found |= {m.group(0) for m in hosts.finditer(text)}
            found |= set(re.findall(r"training\.kubeflow\.org/[\w.-]*", text))
            if had_master:  # without a Master v1 defined none of them either: nothing changes
                for m in _REFERENCE.finditer(text):
                    variable = next(g for g in m.groups() if g)
                    if variable not in defined:
                        found.add(variable)
    return found


@pytest.mark.parametrize(("case", "target"), RUNS, ids=[f"{c.name}@{t}" for c, t in RUNS])
def test_no_v1_name_survives_unnamed(case: Path, target: str) -> None:
    scanned = 0
    for job in case_jobs(case):
        conversion, _ = converted(job, target, **case_options(case))
        if not conversion.converted:
            continue
        loud = [
            r.message
            for r in conversion.results
            if r.severity in (Severity.WARNING, Severity.ERROR)
        ]
        objects = [
            o for o in conversion.objects if o.get("kind") in ("TrainJob", "TrainingRuntime")
        ]
        silent = sorted(n for n in v1_names(job, objects) if not any(n in m for m in loud))
        assert not silent, f"{job['metadata']['name']}: v1-only names no warning names: {silent}"
        scanned += 1
    if not scanned:
        pytest.skip("no job of this case converts")


def test_the_scanner_finds_each_kind_of_name() -> None:
    job = {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "j"},
        "spec": {"pytorchReplicaSpecs": {"Master": {}, "Worker": {}}},
    }
    trainjob = {
        "kind": "TrainJob",
        "spec": {
            "trainer": {
                "args": ["tcp://j-master-0:1", "$(RANK)", "${WORLD_SIZE}", "$MASTER_PORT"],
                "env": [
                    {"name": "MASTER_PORT", "value": "1"},
                    {"name": "X", "value": "metadata.labels['training.kubeflow.org/job-role']"},
                ],
            }
        },
    }
    assert v1_names(job, [trainjob]) == {
        "j-master-0",
        "RANK",
        "WORLD_SIZE",
        "training.kubeflow.org/job-role",
    }
