"""What the commands say: --out refusals, compare's reasons, verdicts, check never writing.

In-process (``cli.main``), as tests/cli/test_contract.py runs the contract.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from test_contract import ELASTIC, JOB, PYTHON_TEXT, Run

from trainjob_migrate import cli

REPO = Path(__file__).resolve().parents[2]
REALISTIC = REPO / "tests" / "golden" / "repo" / "realistic" / "before"
WARNED = JOB.replace("name: clean", "name: warned").replace(
    "  pytorchReplicaSpecs:", "  runPolicy: {backoffLimit: 3}\n  pytorchReplicaSpecs:"
)


@pytest.fixture
def run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    monkeypatch.chdir(tmp_path)

    def go(*argv: str, stdin: str = "") -> Run:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        code = cli.main(list(argv))
        captured = capsys.readouterr()
        assert not PYTHON_TEXT.search(captured.out + captured.err), captured
        return Run(code, captured.out, captured.err)

    return go


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


# --out


def test_out_refuses_inputs_with_the_same_relative_path(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    _tree(tmp_path, {"manifests/job.yaml": JOB, "single/job.yaml": JOB})
    result = run("convert", "--out", "converted", "manifests", "single")
    assert result.code == 64
    assert result.err == (
        "trainjob-migrate convert: error: --out converted: manifests/job.yaml and "
        "single/job.yaml would both be written to converted/job.yaml; convert them in separate "
        "runs, or give their common directory\n"
    )
    assert not (tmp_path / "converted").exists()


def test_out_inside_the_input_is_not_read_again(run: Callable[..., Run], tmp_path: Path) -> None:
    _tree(tmp_path, {"job.yaml": JOB})
    for _ in range(2):  # the second run finds converted/ inside "." and skips it
        result = run("convert", "--out", "converted", ".")
        assert result.code == 0, result.err
        assert "1 file(s) scanned, 1 copied" in result.err
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.yaml")) == [
        "converted/job.yaml",
        "job.yaml",
    ]


def test_out_that_is_the_input_or_overwrites_it_is_refused(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    _tree(tmp_path, {"m/job.yaml": JOB})
    result = run("convert", "--out", "m", "m")
    assert result.code == 64 and "is the input m itself: use --write" in result.err
    result = run("convert", "--out", "m", "m/job.yaml")
    assert result.code == 64 and "m/job.yaml would be overwritten by its own copy" in result.err
    assert (tmp_path / "m" / "job.yaml").read_text() == JOB


def test_out_that_cannot_be_made_names_the_path(run: Callable[..., Run], tmp_path: Path) -> None:
    _tree(tmp_path, {"job.yaml": JOB, "file": ""})
    result = run("convert", "--out", "file/sub", "job.yaml")
    assert result.code == 73
    assert result.err.startswith("trainjob-migrate convert: error: --out file/sub: ")
    assert "internal error" not in result.err


# side-by-side


def test_side_by_side_strips_server_set_fields_from_the_kept_job(run: Callable[..., Run]) -> None:
    exported = yaml.safe_load(JOB)
    exported["metadata"].update(
        uid="1f0e",
        resourceVersion="42",
        generation=3,
        creationTimestamp="2025-01-01T00:00:00Z",
        managedFields=[{"manager": "kubectl"}],
        annotations={"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a"},
    )
    exported["status"] = {"conditions": []}
    result = run("convert", "--mode", "side-by-side", "-", stdin=yaml.safe_dump(exported))
    assert result.code == 0, result.err
    kept, trainjob = yaml.safe_load_all(result.out)
    assert kept["kind"] == "PyTorchJob" and trainjob["kind"] == "TrainJob"
    for obj in (kept, trainjob):
        assert "status" not in obj
        assert not {
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "managedFields",
        } & set(obj["metadata"])
        assert (
            "kubectl.kubernetes.io/last-applied-configuration" not in obj["metadata"]["annotations"]
        )
    assert kept["metadata"]["annotations"] == {"team": "a"}
    assert kept["spec"] == exported["spec"]


def test_side_by_side_keeps_a_job_without_server_fields_byte_for_byte(
    run: Callable[..., Run],
) -> None:
    result = run("convert", "--mode", "side-by-side", "-", stdin=JOB)
    assert result.out.startswith(JOB)


# verdicts and summaries


def test_a_job_with_only_warnings_converts_with_warnings(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    _tree(tmp_path, {"warned.yaml": WARNED})
    result = run("check", "warned.yaml")
    assert result.code == 3
    assert "it converts, with 1 warning(s): review them" in result.out
    assert "cannot be converted as it is" not in result.out
    # it fails the check (3): annotated as an error, as a clean job failing it (2) is; with
    # --ignore-attention it passes and is a warning
    [verdict] = [line for line in result.out.splitlines() if "it converts, with" in line]
    assert ": error: PyTorchJob " in verdict
    ignored = run("check", "--ignore-attention", "warned.yaml")
    assert ignored.code == 0
    [verdict] = [line for line in ignored.out.splitlines() if "it converts, with" in line]
    assert ": warning: PyTorchJob " in verdict
    assert result.out.splitlines()[-1] == (
        "1 Training Operator job(s) (1 PyTorchJob) in 1 file(s): 0 convert cleanly, 1 need attention "
        "(1 convert with warnings); 0 input problem(s)"
    )
    converted = run("convert", "warned.yaml")
    assert converted.code == 0
    assert "1 would convert (1 with warnings), 0 left unchanged with errors" in converted.err


def test_report_mode_says_would_convert(run: Callable[..., Run], tmp_path: Path) -> None:
    _tree(tmp_path, {"job.yaml": JOB})
    result = run("convert", "--write", "--mode", "report", "job.yaml")
    assert "1 would convert" in result.err and "report mode: nothing is changed" in result.err
    assert (tmp_path / "job.yaml").read_text() == JOB


def test_check_never_claims_to_write_and_its_exit_agrees_with_its_summary(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    shutil.copytree(REALISTIC, tmp_path / "repo")
    result = run("check", "repo/overlays/prod", "repo/base")
    assert "added" not in result.out
    images = [line for line in result.out.splitlines() if "images: entry" in line]
    assert images and all("the conversion adds trainjob-images.yaml" in i for i in images)
    assert not (tmp_path / "repo" / "overlays" / "prod" / "trainjob-images.yaml").exists()
    assert result.code == 3
    assert result.out.splitlines()[-1] == (
        # the job has a Master: the success-rule warning makes it "converts, with warnings"
        "1 Training Operator job(s) (1 PyTorchJob) in 5 file(s): 0 convert cleanly, 1 need "
        "attention (1 convert with warnings), 1 other finding(s) need attention; 0 input problem(s)"
    )


def test_text_output_is_one_line_per_finding(run: Callable[..., Run], tmp_path: Path) -> None:
    shutil.copytree(REALISTIC, tmp_path / "repo")
    for argv in (["check", "repo"], ["convert", "repo"]):
        result = run(*argv)
        text = result.out if argv[0] == "check" else result.err
        for line in text.splitlines():
            assert line.startswith(("repo/", "-")) or "file(s)" in line, line


#: a JAXJob named as JOB: another v1 object (another kind), whose TrainJob would take JOB's name
JAX_CLEAN = """\
apiVersion: kubeflow.org/v1
kind: JAXJob
metadata:
  name: clean
spec:
  jaxReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers:
            - name: jax
              image: example.com/jax:1
"""


def test_collisions_name_both_objects_and_files(run: Callable[..., Run], tmp_path: Path) -> None:
    _tree(tmp_path, {"a.yaml": JOB, "b.yaml": JAX_CLEAN})
    result = run("convert", "a.yaml", "b.yaml")
    assert result.code == 1
    (line,) = [x for x in result.err.splitlines() if "[name-collision]" in x]
    assert line.startswith("b.yaml:4: error: JAXJob clean: metadata.name: ")
    assert "as the TrainJob converted from PyTorchJob clean already is (a.yaml)" in line
    assert "(or use --mode side-by-side with another option --name-suffix)" in line


def test_two_documents_of_one_v1_job_both_convert(run: Callable[..., Run], tmp_path: Path) -> None:
    """Variants of one job in a folder (aws-samples' nccl-tests.yaml and nccl-tests-gb200.yaml):
    one object to the API server already, so their TrainJobs may share its name; a warning."""
    _tree(tmp_path, {"a.yaml": JOB, "b.yaml": JOB.replace("train:1", "train:2")})
    result = run("convert", "--write", "a.yaml", "b.yaml")
    assert result.code == 0, result.err
    (line,) = [x for x in result.err.splitlines() if "[name-collision]" in x]
    assert line.startswith("b.yaml:4: warning: PyTorchJob clean: metadata.name: another document")
    assert "(a.yaml)" in line
    for name, image in (("a.yaml", "train:1"), ("b.yaml", "train:2")):
        text = (tmp_path / name).read_text()
        assert "kind: TrainJob" in text
        assert f"image: example.com/{image}" in text
    assert run("check", "a.yaml", "b.yaml").code == 0  # no v1 job left, both TrainJobs valid


def test_two_documents_of_one_v1_job_both_get_a_trainjob_side_by_side(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    """In side-by-side too: the later variant is not 'already converted' (its TrainJob is not
    in the input, the earlier variant's was just made), it gets its own TrainJob and the
    warning; check says the same; a second run adds nothing."""
    _tree(tmp_path, {"a.yaml": JOB, "b.yaml": JOB.replace("train:1", "train:2")})
    checked = run("check", "--mode", "side-by-side", "a.yaml", "b.yaml")
    assert "already converted" not in checked.out, checked.out
    assert "b.yaml:4: warning: PyTorchJob clean: metadata.name: another document" in checked.out
    assert checked.code == 3
    result = run("convert", "--mode", "side-by-side", "--write", "a.yaml", "b.yaml")
    assert result.code == 0, result.err
    (line,) = [x for x in result.err.splitlines() if "[name-collision]" in x]
    assert line.startswith("b.yaml:4: warning: PyTorchJob clean: metadata.name: another document")
    for name, image in (("a.yaml", "train:1"), ("b.yaml", "train:2")):
        docs = list(yaml.safe_load_all((tmp_path / name).read_text()))
        assert [d["kind"] for d in docs] == ["PyTorchJob", "TrainJob"], name
        assert f"image: example.com/{image}" in yaml.safe_dump(docs[1])
    again = run("convert", "--mode", "side-by-side", "a.yaml", "b.yaml")
    assert again.code == 0 and "[name-collision]" not in again.err, again.err
    assert "+kind: TrainJob" not in again.out


def test_elastic_error_names_the_flag_on_the_cli_and_the_key_in_fn(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    _tree(tmp_path, {"elastic.yaml": ELASTIC})
    assert "Set --elastic fixed to convert it" in run("check", "elastic.yaml").out
    rl = {
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": [yaml.safe_load(ELASTIC)],
    }
    assert "Set elastic=fixed to convert it" in run("fn", stdin=yaml.safe_dump(rl)).err


def test_fn_given_plain_manifests_points_to_convert(run: Callable[..., Run]) -> None:
    for stdin in (JOB, JOB + "---\n" + JOB):
        result = run("fn", stdin=stdin)
        assert result.code == 1
        assert "for plain manifests use trainjob-migrate convert -" in result.err


# compare


def test_compare_reversed_arguments_say_so(run: Callable[..., Run], tmp_path: Path) -> None:
    _tree(tmp_path, {"v1.yaml": JOB})
    assert run("convert", "--out", "out", "v1.yaml").code == 0
    result = run("compare", "out/v1.yaml", "v1.yaml")
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "trainjob-migrate compare: error: out/v1.yaml holds TrainJobs and v1.yaml v1 jobs: "
        "the arguments look reversed; run: trainjob-migrate compare v1.yaml out/v1.yaml\n"
    )
    assert run("compare", "v1.yaml", "out/v1.yaml").code == 0


def test_compare_a_failed_pair_and_counts(run: Callable[..., Run], tmp_path: Path) -> None:
    _tree(tmp_path, {"v1.yaml": JOB, "empty.yaml": "apiVersion: v1\nkind: ConfigMap\n"})
    result = run("compare", "v1.yaml", "empty.yaml")
    assert result.code == 1
    assert "?" not in result.out and "nowhere" not in result.out
    assert result.out.splitlines() == [
        "PyTorchJob clean: not compared",
        (
            "  error: no TrainJob in empty.yaml is converted from it or named after it (name, "
            "or name-v2)"
        ),
        "  not compared: 1 problem(s)",
        "0 pair(s) compared, 1 not compared; 0 lost",
    ]
    assert result.err == (
        "trainjob-migrate compare: 0 difference(s) lost, 1 job(s) not compared: see the report "
        "above\n"
    )


def test_compare_a_missing_runtime_hints_runtimes(run: Callable[..., Run], tmp_path: Path) -> None:
    _tree(tmp_path, {"v1.yaml": JOB})
    result = run("compare", "--convert", "--runtime-name", "mine", "v1.yaml")
    assert result.code == 1
    assert "give the file that defines it with --runtimes FILE" in result.out


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe", "v2.yaml: not UTF-8 text (byte 0)"),
        (b"{[a]: 1}\n", "a map key that is itself a map or a list"),
    ],
)
def test_compare_unreadable_input_is_one_line(
    run: Callable[..., Run], tmp_path: Path, content: bytes, words: str
) -> None:
    _tree(tmp_path, {"v1.yaml": JOB})
    (tmp_path / "v2.yaml").write_bytes(content)
    result = run("compare", "v1.yaml", "v2.yaml")
    assert result.code == 1
    assert len(result.err.splitlines()) == 1 and words in result.err


def test_a_directory_scan_skips_json_that_is_no_manifest(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    """package.json, or a tsconfig.json with comments (not YAML), beside the manifests: not
    input, so not "unreadable" either; a JSON manifest beside them is read."""
    _tree(
        tmp_path,
        {
            "repo/package.json": '{\n\t"name": "x"\n}\n',
            "repo/tsconfig.json": '{\n  // comment\n  "compilerOptions": {}\n}\n',
            "repo/job.json": json.dumps(yaml.safe_load(JOB)),
        },
    )
    result = run("check", "repo")
    assert result.code == 2
    assert result.out.splitlines()[-1].startswith(
        "1 Training Operator job(s) (1 PyTorchJob) in 1 file(s)"
    )
    assert run("check", "repo/tsconfig.json").code == 4  # named: read, and not readable


def test_check_counts_objects_holding_jobs_apart_from_jobs(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    """As convert's summary does ("inside other objects"): a ConfigMap holding a job is no
    Training Operator job itself."""
    held = "  " + JOB.replace("\n", "\n    ").rstrip() + "\n"
    config_map = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: templates\ndata:\n"
        f"  job.yaml: |\n  {held}"
    )
    _tree(tmp_path, {"job.yaml": JOB, "templates.yaml": config_map})
    summary = run("check", "job.yaml", "templates.yaml").out.splitlines()[-1]
    assert summary.startswith(
        "1 Training Operator job(s) (1 PyTorchJob) and 1 object(s) holding jobs (1 ConfigMap) "
        "in 2 file(s): "
    ), summary
    alone = run("check", "templates.yaml").out.splitlines()[-1]
    assert alone.startswith("1 object(s) holding jobs (1 ConfigMap) in 1 file(s): "), alone


def test_an_error_elsewhere_leaves_unchanged_the_job_of_its_group_only(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    """Two copies of one application (dev/, prod/), only dev's overlay keeping its job as it
    is: convert's summary counts dev's job left unchanged, not prod's (which converts), as
    check tells them apart (repo/groups.py); it counted both, 3 converted + 2 left of 4."""
    overlays = REPO / "tests" / "golden" / "repo" / "overlays" / "before"
    for copy in ("dev", "prod"):
        shutil.copytree(overlays, tmp_path / copy)
    shutil.rmtree(tmp_path / "prod" / "overlays" / "split")  # the overlay that blocks tune
    result = run("convert", "dev", "prod")
    summary = result.err.splitlines()[-1]
    assert "4 Training Operator job(s): 3 would convert" in summary, summary
    assert ", 1 left unchanged with errors" in summary, summary
    body = json.loads(run("check", "-o", "json", "dev", "prod").out)
    verdicts = {j["file"]: j["verdict"] for j in body["jobs"]}
    assert (verdicts["dev/tune/job.yaml"], verdicts["prod/tune/job.yaml"]) == (
        "attention",
        "warnings",
    )
