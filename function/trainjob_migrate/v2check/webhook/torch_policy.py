"""`v2-torch-policy`: a TrainJob breaks the torch plugin's constraints on its runtime.

With a torch runtime (`pkg/runtime/framework/plugins/torch/torch.go` `Validate`):
a `tune run` TrainJob (`spec.trainer.command: [tune, run]`) must reference a
`torchtune-<model>` runtime whose model the release supports, and only
`llama3.3-70b` runs on more than 1 node (`torchtune.go` `validateTorchTune`; the model
lists per release are in `targets/`: 2.0.1 lists `llama3_2/7B`, not the 3B of its own
`torchtune-llama3.2-3b` runtime); a runtime's `torch.envInjection` target (2.3) must name
a job and container the runtime has (`validateEnvInjectionTargets`). Use a supported
model, 1 node, or fix the runtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from trainjob_migrate import runtimes
from trainjob_migrate.v2check import Issue, Subject

ID: Final = "v2-torch-policy"
KINDS: Final = ("TrainJob",)
TUNE: Final = ["tune", "run"]
MULTI_NODE_MODEL: Final = "llama3_3/70B"


def model_of(runtime_name: str) -> str:
    """``torchtune-llama3.2-1b`` -> ``llama3_2/1B`` (upstream's ``getModelFromRuntimeRef``)."""
    fields = runtime_name.split("-")
    if len(fields) != 3:
        return ""
    return f"{fields[1].replace('.', '_')}/{fields[2].upper()}"


def check(subject: Subject) -> Iterator[Issue]:
    found = subject.runtime()
    torch = subject.ml_policy().get("torch")
    if found is None or not isinstance(torch, dict):
        return
    version = subject.target.version
    if subject.spec("trainer", "command") == TUNE:
        name = str(subject.spec("runtimeRef", "name"))
        model = model_of(name)
        if model not in subject.target.torchtune_models:
            supported = ", ".join(sorted(subject.target.torchtune_models))
            yield Issue(
                ID,
                ("spec", "runtimeRef", "name"),
                f"`tune run` with runtime {name} (model {model or 'none'}): the Trainer {version} "
                f"webhook supports {supported}",
            )
        nodes = subject.spec("trainer", "numNodes")
        if isinstance(nodes, int) and nodes > 1 and model != MULTI_NODE_MODEL:
            yield Issue(
                ID,
                ("spec", "trainer", "numNodes"),
                f"numNodes {nodes} for torchtune model {model or name}: the Trainer {version} "
                f"webhook takes 1 (only {MULTI_NODE_MODEL} runs on several nodes)",
            )
    injection = torch.get("envInjection")
    targets = injection.get("targets") if isinstance(injection, dict) else None
    jobs = {
        str(j.get("name")): runtimes.container_names(j)["containers"]
        for j in runtimes.replicated_jobs(found.runtime)
    }
    for target in targets if isinstance(targets, list) else []:
        if not isinstance(target, dict):
            continue
        job = str(target.get("jobName"))
        for container in target.get("containerNames") or []:
            if container not in jobs.get(job, set()):
                yield Issue(
                    ID,
                    ("spec", "runtimeRef"),
                    f"runtime {found.runtime['metadata'].get('name')} injects env into job {job} "
                    f"container {container}, which it does not have: the Trainer {version} "
                    "webhook rejects the TrainJob; fix the runtime's torch.envInjection",
                )
