"""The one definition of placeholder, Kubernetes ``$(VAR)`` reference and template file."""

from __future__ import annotations

import pytest

from trainjob_migrate.templates.placeholders import (
    DEPENDENT,
    PLACEHOLDER,
    dollar_strings,
    placeholders,
    references,
    template_line,
    variable,
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("$NUM_NODES", ["NUM_NODES"]),
        ("${IMAGE_URI}", ["IMAGE_URI"]),
        ("${NUM_NODES:-2}", ["NUM_NODES"]),
        ("${IMAGE-ghcr.io/acme/bert:1.4}", ["IMAGE"]),
        ("--nnodes=$NUM_NODES --nproc=${GPUS}", ["NUM_NODES", "GPUS"]),
        ("$(WORLD_SIZE)", []),  # Kubernetes, not a template
        ("$$(RANK)", []),
        ("costs $5", []),
        ("plain", []),
    ],
)
def test_placeholders(text: str, found: list[str]) -> None:
    assert [variable(m) for m in PLACEHOLDER.finditer(text)] == found


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("--world-size=$(WORLD_SIZE) --rank=$(RANK)", ["WORLD_SIZE", "RANK"]),
        ("$$(RANK)", []),  # the escape Kubernetes documents
        ("$RANK", []),
    ],
)
def test_dependent_references(text: str, names: list[str]) -> None:
    assert references(text) == names
    assert [m.group("name") for m in DEPENDENT.finditer(text)] == names


def test_a_shell_script_keeps_its_variables() -> None:
    job = {
        "command": ["bash", "-c"],
        "args": ["torchrun --nnodes=$NNODES train.py", "--epochs=$EPOCHS"],
        "image": "$IMAGE",
    }
    assert placeholders(job) == [(("args", 1), "--epochs=$EPOCHS"), (("image",), "$IMAGE")]


CHAT_TEMPLATE = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: sft
spec:
  pytorchReplicaSpecs:
    Worker:
      template:
        spec:
          containers:
            - name: pytorch
              args:
                - |
                  tok.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
                  train(tok)
"""


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (CHAT_TEMPLATE, None),  # Jinja inside a Python string is a string
        ("a: 1\nb: 'x {{ y }}'\n", None),  # braces inside a longer string
        ("{{- if .Values.enabled }}\nkind: PyTorchJob\n{{- end }}\n", 1),
        ("kind: PyTorchJob\nspec:\n  replicas: {{ .Values.replicas }}\n", 3),
        ('kind: PyTorchJob\nimage: "{{ .Values.image }}"\n', 2),  # one expression
        ('kind: PyTorchJob\nname: "{{ include \\"x.name\\" . }}-job"\n', 2),  # Helm's objects
        ("metadata:\n  labels:\n    {{ .Values.key }}: x\n", 3),  # a key
        ("spec:\n  resources:\n    {{- toYaml .Values.resources | nindent 4 }}\n", 3),
        ("{% if gpu %}\nkind: PyTorchJob\n{% endif %}\n", 1),  # Jinja control lines
    ],
)
def test_template_files_are_told_by_structure(text: str, line: int | None) -> None:
    assert template_line(text) == line


@pytest.mark.parametrize(
    ("obj", "has"),
    [
        ({"a": [{"b": "$X"}]}, True),
        ({1: {"$key": 1}}, True),  # a key, beside a non-string key
        ({1: [1, 2.0, None, {"a": "b"}]}, False),
        ("${X}", True),
        (3, False),
    ],
)
def test_the_cheap_test_sees_every_dollar(obj: object, has: bool) -> None:
    assert dollar_strings(obj) is has


@pytest.mark.parametrize(
    "image",
    ["${REGISTRY}${IMAGE}", "${REGISTRY}${IMAGE}:${TAG}", "${REGISTRY}${IMAGE}${TAG}-${ext}"],
)
def test_adjacent_placeholders_are_carried_not_computed(image: str) -> None:
    """aws-samples/aws-do-eks writes ``image: ${REGISTRY}${IMAGE}${TAG}-${ext}``: the sentinels
    ``x7001x7013`` were read back as one, so the value looked computed and the job was refused
    ("spec.trainer.image would be computed from ${IMAGE}")."""
    from trainjob_migrate import targets
    from trainjob_migrate.config import FunctionConfig
    from trainjob_migrate.convert import convert

    job = {
        "apiVersion": "kubeflow.org/v1",
        "kind": "PyTorchJob",
        "metadata": {"name": "adjacent"},
        "spec": {
            "pytorchReplicaSpecs": {
                "Worker": {
                    "replicas": 2,
                    "template": {
                        "spec": {
                            "containers": [
                                {"name": "pytorch", "image": image, "command": ["python", "t.py"]}
                            ]
                        }
                    },
                }
            }
        },
    }
    conversion = convert(job, FunctionConfig(), targets.get("2.3"))
    assert conversion.converted, [r.message for r in conversion.results]
    assert conversion.trainjob is not None
    assert conversion.trainjob["spec"]["trainer"]["image"] == image
