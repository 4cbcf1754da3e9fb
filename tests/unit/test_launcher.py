"""The launcher model: command + args read as one argv; shell -c scripts split into commands."""

from __future__ import annotations

import pytest

from trainjob_migrate.sources.pytorch import launcher


@pytest.mark.parametrize(
    ("argv", "kind", "start", "script"),
    [
        (["torchrun", "--nnodes=2", "t.py"], "torchrun", 1, None),
        (["/usr/bin/torchrun", "t.py"], "torchrun", 1, None),
        (["python3", "-u", "-m", "torch.distributed.run", "t.py"], "torchrun", 4, None),
        (["python", "-X", "dev", "-m", "torch.distributed.launch", "t.py"], "torchrun", 5, None),
        (["exec", "env", "A=1", "B=2", "torchrun", "t.py"], "torchrun", 5, None),
        (["NCCL_DEBUG=INFO", "torchrun", "t.py"], "torchrun", 2, None),
        (["/bin/bash", "-c", "torchrun t.py"], "shell", 0, 2),
        (["bash", "-lc", "x"], "shell", 0, 2),
        (["sh", "-ec", "x"], "shell", 0, 2),
        (["bash", "-xc", "x", "name", "arg"], "shell", 0, 2),
        (["bash", "-o", "pipefail", "-c", "x"], "shell", 0, 4),
        (["bash", "--login", "-c", "x"], "shell", 0, 3),
        (["bash", "train.sh"], "plain", 0, None),
        (["bash", "-c"], "plain", 0, None),
        (["python", "train.py"], "plain", 0, None),
        (["python", "-m", "train"], "plain", 0, None),
        ([], "plain", 0, None),
    ],
)
def test_classify(argv, kind, start, script):
    launch = launcher.classify(argv)
    assert (launch.kind, launch.start, launch.script) == (kind, start, script)


def test_flags_stop_at_the_script():
    found = launcher.flags(["torchrun", "--nnodes", "2", "--standalone", "t.py", "--nnodes=9"], 1)
    assert [(f.name, f.value, f.span) for f in found] == [("nnodes", "2", 2), ("standalone", "", 1)]


SCRIPT = """set -e
pip install x && cd /w; export X="a b"
exec torchrun \\
  --nnodes=2 \\
  --master_addr "$MASTER_ADDR" \\
  train.py --lr 1 # comment
echo 'done; really' | tee log
"""


def test_commands_split_as_the_shell_does():
    texts = [[w.text for w in c] for c in launcher.commands(SCRIPT)]
    assert texts == [
        ["set", "-e"],
        ["pip", "install", "x"],
        ["cd", "/w"],
        ["export", "X=a b"],
        [
            "exec",
            "torchrun",
            "--nnodes=2",
            "--master_addr",
            "$MASTER_ADDR",
            "train.py",
            "--lr",
            "1",
        ],
        ["echo", "done; really"],
        ["tee", "log"],
    ]


def test_remove_keeps_the_rest_byte_identical():
    words = launcher.commands(SCRIPT)[4]
    a, b = launcher.remove(SCRIPT, words, 2, 1)
    c, d = launcher.remove(SCRIPT, words, 3, 2)
    out = SCRIPT[:c] + SCRIPT[d:]
    out = out[:a] + out[b:]
    assert out == SCRIPT.replace('--nnodes=2 \\\n  --master_addr "$MASTER_ADDR" \\\n  ', "")
    assert launcher.line_of(SCRIPT, words[2].start) == 4


def test_substitutions_stay_in_one_word():
    words = launcher.commands('torchrun --nproc_per_node=$(nproc --all) "${A:-x y}" `b c`')[0]
    assert [w.text for w in words] == [
        "torchrun",
        "--nproc_per_node=$(nproc --all)",
        "${A:-x y}",
        "`b c`",
    ]
