"""The wire format: what goes in comes out, unchanged items as they were written."""

from __future__ import annotations

import io
import json

import pytest

from trainjob_migrate import krm, yamlio
from trainjob_migrate.commands import fn
from trainjob_migrate.errors import InputError

UNCHANGED = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment   # a comment stays
  metadata: {name: web, annotations: {created: 2025-01-01T00:00:00Z}}
  spec:
    template:
      spec:
        containers: [{name: web, image: "nginx:1", args: ["--port", '80']}]
        hostNetwork: on
-   apiVersion: v1
    kind: ConfigMap
    metadata:
      name: script
    data:
      run.sh: |
        #!/bin/sh
          echo indented
"""


def _run(text: str) -> tuple[str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = fn.run(io.BytesIO(text.encode()), out, err)
    return out.getvalue(), code


def test_unchanged_items_keep_their_source_text() -> None:
    out, code = _run(UNCHANGED)
    assert code == 0
    assert "  kind: Deployment   # a comment stays\n" in out
    assert 'containers: [{name: web, image: "nginx:1", args: ["--port", \'80\']}]' in out
    # an item indented deeper in the input is moved left as a whole, block scalars included
    assert "    run.sh: |\n      #!/bin/sh\n        echo indented\n" in out
    assert krm.parse(out).items == krm.parse(UNCHANGED).items


def test_content_is_read_as_kyaml_reads_it() -> None:
    item = krm.parse(UNCHANGED).items[0]
    assert item["metadata"]["annotations"]["created"] == "2025-01-01T00:00:00Z"
    assert item["spec"]["template"]["spec"]["hostNetwork"] == "on"  # YAML 1.2: a string


def test_aliases_are_never_written_out() -> None:
    text = UNCHANGED.replace("metadata: {name: web,", "metadata: &m {name: web,") + (
        "- {apiVersion: v1, kind: ConfigMap, metadata: *m}\n"
    )
    out, code = _run(text)
    assert code == 0
    assert "&" not in out and "*m" not in out
    assert krm.parse(out).items == krm.parse(text).items


def test_json_input_gives_block_yaml() -> None:
    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}],
    }
    out, code = _run(json.dumps(rl))
    assert code == 0
    assert out == (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
        "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n"
    )


def test_an_empty_items_list_is_written_as_such() -> None:
    out, code = _run("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n")
    assert code == 0
    assert "items: []\n" in out


def test_duplicate_keys_are_an_error_naming_the_key() -> None:
    with pytest.raises(InputError, match="duplicate key 'name'"):
        yamlio.load("metadata:\n  name: a\n  name: b\n")


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        (
            {"internal.config.kubernetes.io/path": "a/b.yaml", "config.kubernetes.io/index": "2"},
            ("a/b.yaml", 2),
        ),
        ({"config.kubernetes.io/path": "c.yaml"}, ("c.yaml", 0)),
        ({}, None),
    ],
)
def test_file_of(annotations: dict[str, str], expected: tuple[str, int] | None) -> None:
    ref = krm.file_of({"metadata": {"annotations": annotations}})
    assert (ref.path, ref.index) == expected if ref else expected is None
