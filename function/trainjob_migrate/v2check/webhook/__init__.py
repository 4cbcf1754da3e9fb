"""The admission rules of the Trainer and JobSet webhooks, one module a rule (``ID``, ``KINDS``,
``check(subject)``), each citing the upstream function it mirrors in its docstring."""

from __future__ import annotations

from trainjob_migrate.v2check import Rule


def rules() -> tuple[Rule, ...]:
    from trainjob_migrate.v2check.webhook import (
        initializer_jobs,
        jobset_depends_on,
        jobset_name_length,
        mpi_policy,
        num_proc_per_node,
        patch_env,
        patch_manager,
        patch_target,
        reserved_env,
        runtime_ancestor,
        runtime_ref,
        torch_policy,
    )

    return (
        runtime_ref,
        patch_target,
        patch_env,
        patch_manager,
        reserved_env,
        num_proc_per_node,
        mpi_policy,
        torch_policy,
        initializer_jobs,
        jobset_name_length,
        runtime_ancestor,
        jobset_depends_on,
    )
