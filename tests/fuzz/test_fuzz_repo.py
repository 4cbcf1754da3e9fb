"""Fuzzing the repository commands on temporary trees (issue 11): ``check``, the ``convert``
dry run and ``convert --write``, in-process, on files of generated documents (the
function fuzzer's objects, with broken tags and cut documents among them).

Invariants: no exception leaves the command and no result of the crash guard (no abort of
the run by one document); the exit code matches the findings (check: 4 exactly when a
``read`` finding, else 3/2/0; convert: 1 exactly when an error); no document lost: every
document ``--write`` did not convert is in its file byte for byte, every PyTorchJob it
converted became a TrainJob naming it; a second ``--write`` changes nothing, and no
temporary file or journal is left.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, note, settings
from hypothesis import strategies as st
from test_fuzz_fn import FUZZ, LEAF_ITEMS, LIST_ITEM

from trainjob_migrate import yamlio
from trainjob_migrate.cli import main
from trainjob_migrate.repo.documents import SourceText, split

REPO_FUZZ = settings(FUZZ, max_examples=max(FUZZ.max_examples // 4, 30))

BROKEN = st.sampled_from(
    [
        "kind: !!map x\n",
        "apiVersion: v1\nkind: !!seq {a: 1}\n",
        "a: [\n",
        "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: &a x, labels: *a}\n",
        "{{ .Values.x }}\n",
        "a: &id001 1\nb: *id001\nc: &id001 2\nd: *id001\n",
    ]
)


def _document(obj: Any) -> str:
    return yamlio.dump(obj)


DOCUMENT = st.one_of(
    LEAF_ITEMS.map(_document), LEAF_ITEMS.map(_document), LIST_ITEM.map(_document), BROKEN
)
FILES = st.lists(st.lists(DOCUMENT, min_size=1, max_size=3), min_size=1, max_size=3)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@given(FILES)
@REPO_FUZZ
def test_repository_commands_keep_their_invariants(files: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch, "repo")
        (root / "d").mkdir(parents=True)
        texts = {f"d/f{n}.yaml": "---\n".join(docs) for n, docs in enumerate(files)}
        for name, text in texts.items():
            (root / name).write_text(text)
        note(repr(texts))

        code, out, err = _run("check", "-o", "json", str(root))
        report = json.loads(out)
        rules = {r["tags"]["rule"] for r in report["results"]}
        assert "internal" not in rules, out
        assert "Traceback" not in err
        assert code in (0, 2, 3, 4, 5)
        assert (code == 4) == ("read" in rules), out

        code, out, err = _run("convert", str(root))
        assert "internal error" not in err, err
        assert code in (0, 1)
        assert (code == 1) == (": error: " in err), err

        code, _, err = _run("convert", "--write", str(root))
        assert "internal error" not in err, err
        assert (code == 1) == (": error: " in err), err
        after = _tree(root)
        assert not [n for n in after if ".tjm-" in n or "journal" in n]
        for name, text in texts.items():
            new = after[name].decode()
            if new == text:
                continue
            old_docs = [text[d.start : d.end] for d in split(text)]
            new_text = SourceText.decode(after[name]).text
            new_docs = [new_text[d.start : d.end] for d in split(new_text)]
            assert len(new_docs) >= len([d for d in old_docs if d.strip("-\n ")]) - 1
            kept = [d for d in old_docs if "PyTorchJob" not in d]
            for doc in kept:  # every document that is no job is there, as it was
                assert doc.rstrip("\n") in new_text, (doc, new_text)
        _, _, err2 = _run("convert", "--write", str(root))
        assert _tree(root) == after, "a second run changes nothing"
        assert "internal error" not in err2
