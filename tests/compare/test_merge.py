"""Strategic merge of overrides and runtime patches: the hand-worked cases of mapping.md b.4."""

from __future__ import annotations

import copy

import pytest

from trainjob_migrate import runtimes, targets
from trainjob_migrate.compare.merge import merge
from trainjob_migrate.compare.v2pods import render

RUNTIME = {
    "containers": [
        {
            "name": "node",
            "image": "rt:1",
            "env": [{"name": "A", "value": "1"}],
            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
        }
    ],
    "volumes": [{"name": "cache", "emptyDir": {}}],
    "tolerations": [{"key": "rt", "operator": "Exists"}],
    "nodeSelector": {"pool": "rt", "zone": "a"},
    "imagePullSecrets": [{"name": "rt-pull"}],
}


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        # containers merge by name: the image stays, the mount is added next to the runtime's
        (
            {
                "containers": [
                    {"name": "node", "volumeMounts": [{"name": "data", "mountPath": "/data"}]}
                ]
            },
            {
                "containers": [
                    {
                        "name": "node",
                        "image": "rt:1",
                        "env": [{"name": "A", "value": "1"}],
                        "volumeMounts": [
                            {"name": "cache", "mountPath": "/cache"},
                            {"name": "data", "mountPath": "/data"},
                        ],
                    }
                ]
            },
        ),
        # volumes merge by name (same name: the patch's source wins inside the item)
        (
            {
                "volumes": [
                    {"name": "cache", "persistentVolumeClaim": {"claimName": "c"}},
                    {"name": "d", "emptyDir": {}},
                ]
            },
            {
                "volumes": [
                    {"name": "cache", "emptyDir": {}, "persistentVolumeClaim": {"claimName": "c"}},
                    {"name": "d", "emptyDir": {}},
                ]
            },
        ),
        # tolerations are replaced, not merged
        (
            {"tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]},
            {"tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]},
        ),
        # nodeSelector merges key by key; null deletes
        ({"nodeSelector": {"pool": "gpu", "zone": None}}, {"nodeSelector": {"pool": "gpu"}}),
        # imagePullSecrets merge by name
        (
            {"imagePullSecrets": [{"name": "mine"}]},
            {"imagePullSecrets": [{"name": "rt-pull"}, {"name": "mine"}]},
        ),
        # env merges by name
        (
            {
                "containers": [
                    {
                        "name": "node",
                        "env": [{"name": "A", "value": "2"}, {"name": "B", "value": "3"}],
                    }
                ]
            },
            {
                "containers": [
                    {
                        "name": "node",
                        "image": "rt:1",
                        "env": [{"name": "A", "value": "2"}, {"name": "B", "value": "3"}],
                        "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
                    }
                ]
            },
        ),
        # a container the runtime lacks is appended without an image (trainer#3948)
        (
            {
                "containers": [
                    {"name": "trainer", "volumeMounts": [{"name": "d", "mountPath": "/d"}]}
                ]
            },
            {
                "containers": [
                    RUNTIME["containers"][0],
                    {"name": "trainer", "volumeMounts": [{"name": "d", "mountPath": "/d"}]},
                ]
            },
        ),
        # schedulingGates merge by name
        ({"schedulingGates": [{"name": "g"}]}, {"schedulingGates": [{"name": "g"}]}),
        # $patch: delete removes an item, $patch: replace a whole map
        ({"volumes": [{"name": "cache", "$patch": "delete"}]}, {"volumes": []}),
        ({"nodeSelector": {"$patch": "replace", "only": "x"}}, {"nodeSelector": {"only": "x"}}),
    ],
)
def test_pod_spec_merge(patch, expected):
    before = copy.deepcopy(RUNTIME)
    merged = merge(RUNTIME, patch)
    assert before == RUNTIME, "merge must not modify its inputs"
    for key, value in expected.items():
        assert merged[key] == value
    untouched = set(RUNTIME) - set(expected)
    assert all(merged[k] == RUNTIME[k] for k in untouched)


def _trainjob(shape: str, pod_patch: dict, *, extra_patches: list | None = None) -> dict:
    spec: dict = {
        "runtimeRef": {"name": "torch-distributed"},
        "trainer": {"numNodes": 2, "image": "me:1"},
    }
    if shape == "podSpecOverrides":
        spec[shape] = [{"targetJobs": [{"name": "node"}], **pod_patch}]
    elif shape == "podTemplateOverrides":
        spec[shape] = [{"targetJobs": [{"name": "node"}], "spec": pod_patch}]
    else:
        ours = {
            "manager": "trainjob-migrate.dev/converter",
            "trainingRuntimeSpec": {
                "template": {
                    "spec": {
                        "replicatedJobs": [
                            {
                                "name": "node",
                                "template": {"spec": {"template": {"spec": pod_patch}}},
                            }
                        ]
                    }
                }
            },
        }
        spec[shape] = [*(extra_patches or []), ours]
    return {"metadata": {"name": "tj", "namespace": "ns"}, "spec": spec}


@pytest.mark.parametrize(
    ("version", "shape"),
    [
        ("2.0", "podSpecOverrides"),
        ("2.1", "podTemplateOverrides"),
        ("2.2", "runtimePatches"),
        ("2.3", "runtimePatches"),
    ],
)
def test_every_shape_patches_container_node_of_the_runtime(version, shape):
    patch = {
        "nodeSelector": {"pool": "gpu"},
        "tolerations": [{"key": "gpu", "operator": "Exists"}],
        "volumes": [{"name": "d", "emptyDir": {}}],
        "containers": [{"name": "node", "volumeMounts": [{"name": "d", "mountPath": "/d"}]}],
    }
    result = render(_trainjob(shape, patch), targets.get(version), runtimes.Catalog.of(version))
    assert not result.problems
    pod = result.pods[0].obj
    (node,) = pod["spec"]["containers"]
    assert node["image"] == "me:1"  # trainer.image replaces the runtime image
    assert node["volumeMounts"] == [{"name": "d", "mountPath": "/d"}]
    assert pod["spec"]["nodeSelector"] == {"pool": "gpu"}
    assert {e["name"] for e in node["env"]} >= {"PET_NNODES", "PET_MASTER_ADDR", "PET_MASTER_PORT"}
    assert {"containerPort": 29500} in node["ports"]
    assert pod["metadata"]["name"] == "tj-node-0-0"
    env = {e["name"]: e.get("value") for e in node["env"]}
    assert env["PET_MASTER_ADDR"] == "tj-node-0-0.tj" and env["PET_NNODES"] == "2"


def test_runtime_patches_apply_in_list_order():
    kueue = {
        "manager": "kueue.x-k8s.io/manager",
        "trainingRuntimeSpec": {
            "template": {
                "spec": {
                    "replicatedJobs": [
                        {
                            "name": "node",
                            "template": {
                                "spec": {
                                    "template": {
                                        "spec": {
                                            "nodeSelector": {"flavor": "a100", "pool": "kueue"},
                                            "tolerations": [{"key": "kueue", "operator": "Exists"}],
                                        }
                                    }
                                }
                            },
                        }
                    ]
                }
            }
        },
    }
    ours = {
        "nodeSelector": {"pool": "mine"},
        "tolerations": [{"key": "mine", "operator": "Exists"}],
    }
    result = render(
        _trainjob("runtimePatches", ours, extra_patches=[kueue]),
        targets.get("2.3"),
        runtimes.Catalog.of("2.3"),
    )
    spec = result.pods[0].obj["spec"]
    assert spec["nodeSelector"] == {"flavor": "a100", "pool": "mine"}  # map merge, later wins
    assert spec["tolerations"] == [{"key": "mine", "operator": "Exists"}]  # replaced


def test_a_patched_job_the_runtime_lacks_does_not_reach_the_trainer_pod():
    patch = {"containers": [{"name": "node", "volumeMounts": [{"name": "d", "mountPath": "/d"}]}]}
    trainjob = _trainjob("runtimePatches", patch)
    jobs = trainjob["spec"]["runtimePatches"][0]["trainingRuntimeSpec"]["template"]["spec"][
        "replicatedJobs"
    ]
    jobs[0]["name"] = "trainer"
    result = render(trainjob, targets.get("2.3"), runtimes.Catalog.of("2.3"))
    assert "volumeMounts" not in result.pods[0].obj["spec"]["containers"][0]


def test_resources_per_node_replace_up_to_2_2_and_merge_from_2_3():
    runtime = copy.deepcopy(
        runtimes.Catalog.of("2.3").find("ClusterTrainingRuntime", "torch-distributed").runtime
    )
    runtime["kind"], runtime["metadata"] = "TrainingRuntime", {"name": "rt", "namespace": "ns"}
    node = runtime["spec"]["template"]["spec"]["replicatedJobs"][0]["template"]["spec"]["template"][
        "spec"
    ]["containers"][0]
    node["resources"] = {"requests": {"cpu": "2", "memory": "4Gi"}}
    trainjob = {
        "metadata": {"name": "tj", "namespace": "ns"},
        "spec": {
            "runtimeRef": {"kind": "TrainingRuntime", "name": "rt"},
            "trainer": {"resourcesPerNode": {"requests": {"cpu": "4"}}},
        },
    }
    for version, expected in (("2.2", {"cpu": "4"}), ("2.3", {"cpu": "4", "memory": "4Gi"})):
        pod = (
            render(trainjob, targets.get(version), runtimes.Catalog.of(version, [runtime]))
            .pods[0]
            .obj
        )
        assert pod["spec"]["containers"][0]["resources"]["requests"] == expected
