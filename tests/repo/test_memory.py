"""What a repository conversion keeps until it renders: no more than the conversion needs
(the memory of a 20,000-file tree, ``bench/run.py --case convert-repo-20000``)."""

from __future__ import annotations

from trainjob_migrate.repo import kustomize

KUSTOMIZATION = """\
resources:
- job.yaml
images:
- name: pytorch
  newTag: "2.4"
"""


def test_a_kustomization_keeps_no_node_tree_until_a_line_is_asked() -> None:
    k = kustomize.read("app/kustomization.yaml", KUSTOMIZATION)
    assert k is not None
    assert k.data["images"] == [{"name": "pytorch", "newTag": "2.4"}]
    assert k.node is None  # read once, for its data: positions are composed when asked
    assert k.line("images", 0) == 4
    tree = k.node
    assert tree is not None and k.tree() is tree  # composed once
    assert k.line("resources", 0) == 2
    assert k.line("nowhere") == 1


def test_a_kustomization_that_is_no_mapping_is_not_read() -> None:
    assert kustomize.read("kustomization.yaml", "- a\n- b\n") is None
    assert kustomize.read("kustomization.yaml", "a: [\n") is None
    assert kustomize.read("kustomization.yaml", "a: 1\n---\nb: 2\n") is None
