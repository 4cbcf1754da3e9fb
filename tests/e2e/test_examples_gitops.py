"""examples/argocd and examples/flux, as far as they run without a cluster.

Argo CD: the application source (argocd/app) is run through the exec protocol in
test_examples_kustomize.py and the CMP sidecar image is built in test_container.py; here the
argocd-cm and repo-server patches are applied with ``kubectl patch --local`` to the stock
objects, and the plugin definition is checked against the app it serves.

Flux: hack/trainjob-migrate.sh runs for real in a scratch Git repository with a bare
``origin`` and a recording ``gh``: convert, check, commit, push, pull request.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixtures import ELASTIC_JOB

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ARGOCD = EXAMPLES / "argocd"
FLUX = EXAMPLES / "flux"
BIN = Path(sys.executable).parent
KUBECTL = shutil.which("kubectl")
GIT = shutil.which("git")

pytestmark = pytest.mark.e2e
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None,
    reason="kubectl is not on PATH: install kubectl (tested with v1.32, kustomize v5.5)",
)

STOCK_REPO_SERVER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  namespace: argocd
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v2.13.0
          volumeMounts:
            - name: plugins
              mountPath: /home/argocd/cmp-server/plugins
      volumes:
        - name: var-files
          emptyDir: {}
        - name: plugins
          emptyDir: {}
"""

STOCK_ARGOCD_CM = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  namespace: argocd
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
  url: https://argocd.example.com
"""


def failed(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"


def patch_locally(stock: str, patch: Path, tmp_path: Path) -> dict[str, Any]:
    assert KUBECTL is not None
    target = tmp_path / "stock.yaml"
    target.write_text(stock)
    proc = subprocess.run(
        [
            KUBECTL,
            "patch",
            "--local",
            "-f",
            str(target),
            "--type",
            "strategic",
            "--patch-file",
            str(patch),
            "-o",
            "yaml",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "KUBECONFIG": os.devnull},
    )
    assert proc.returncode == 0, failed(proc)
    patched: dict[str, Any] = yaml.safe_load(proc.stdout)
    return patched


def cmp_plugin() -> tuple[dict[str, Any], dict[str, Any]]:
    """The ConfigMap of cmp/plugin.yaml and the ConfigManagementPlugin inside it."""
    configmap = yaml.safe_load((ARGOCD / "cmp" / "plugin.yaml").read_text())
    return configmap, yaml.safe_load(configmap["data"]["plugin.yaml"])


# --------------------------------------------------------------------------- Argo CD


@needs_kubectl
def test_argocd_cm_enables_exec_functions(tmp_path: Path) -> None:
    patched = patch_locally(STOCK_ARGOCD_CM, ARGOCD / "argocd-cm.yaml", tmp_path)
    flags = patched["data"]["kustomize.buildOptions"].split()
    assert {"--enable-alpha-plugins", "--enable-exec"} <= set(flags)
    assert patched["data"]["url"] == "https://argocd.example.com", "the patch keeps other keys"


def test_argocd_application_points_at_the_app() -> None:
    app = yaml.safe_load((ARGOCD / "application.yaml").read_text())
    assert (app["apiVersion"], app["kind"]) == ("argoproj.io/v1alpha1", "Application")
    assert (ARGOCD / app["spec"]["source"]["path"] / "kustomization.yaml").is_file()
    _, plugin = cmp_plugin()
    assert f"#   name: {plugin['metadata']['name']}" in (ARGOCD / "application.yaml").read_text()


def test_argocd_cmp_plugin_serves_the_app() -> None:
    configmap, plugin = cmp_plugin()
    assert (configmap["apiVersion"], configmap["kind"]) == ("v1", "ConfigMap")
    assert (plugin["apiVersion"], plugin["kind"]) == (
        "argoproj.io/v1alpha1",
        "ConfigManagementPlugin",
    )
    spec = plugin["spec"]
    assert set(spec) <= {
        "version",
        "init",
        "generate",
        "discover",
        "parameters",
        "preserveFileMode",
        "provideGitCreds",
    }
    app = ARGOCD / "app"
    assert (app / spec["discover"]["fileName"]).is_file(), "discovery must match the app"
    command = spec["generate"]["command"]
    assert command[:2] == ["kustomize", "build"]
    assert {"--enable-alpha-plugins", "--enable-exec"} <= set(command)
    # the app's exec function is a script in the repository: Argo CD drops the exec bit of
    # repository files unless the plugin preserves file modes
    config = yaml.safe_load((app / "trainjob-migration.yaml").read_text())
    fn = yaml.safe_load(config["metadata"]["annotations"]["config.kubernetes.io/function"])
    if fn["exec"]["path"].startswith("."):
        assert spec.get("preserveFileMode") is True
        assert os.access(app / fn["exec"]["path"], os.X_OK)


@needs_kubectl
def test_argocd_sidecar_patch_on_the_stock_repo_server(tmp_path: Path) -> None:
    patched = patch_locally(STOCK_REPO_SERVER, ARGOCD / "cmp" / "repo-server-patch.yaml", tmp_path)
    pod = patched["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in pod["containers"]}
    assert "argocd-repo-server" in containers, "the patch must add, not replace"
    (sidecar,) = (c for name, c in containers.items() if name != "argocd-repo-server")
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    context = sidecar["securityContext"]
    assert context["runAsUser"] == 999 and context["runAsNonRoot"] is True
    assert context["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    assert mounts["/var/run/argocd"]["name"] == "var-files"
    assert mounts["/home/argocd/cmp-server/plugins"]["name"] == "plugins"
    config = mounts["/home/argocd/cmp-server/config/plugin.yaml"]
    assert config["subPath"] == "plugin.yaml"
    assert "/tmp" in mounts, "the CMP server needs a writable /tmp on a read-only root"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert {mounts[m]["name"] for m in mounts} <= set(volumes)
    configmap, _ = cmp_plugin()
    assert volumes[config["name"]]["configMap"]["name"] == configmap["metadata"]["name"]


def test_argocd_sidecar_image_is_built_from_the_function_image() -> None:
    dockerfile = (ARGOCD / "cmp" / "Dockerfile").read_text()
    kustomize_container = yaml.safe_load(
        (EXAMPLES / "kustomize-container" / "trainjob-migration.yaml").read_text()
    )
    function_image = yaml.safe_load(
        kustomize_container["metadata"]["annotations"]["config.kubernetes.io/function"]
    )["container"]["image"]
    assert f"ARG FUNCTION_IMAGE={function_image}\n" in dockerfile
    assert "COPY --from=kustomize /app/kustomize /usr/local/bin/kustomize" in dockerfile
    patch = yaml.safe_load((ARGOCD / "cmp" / "repo-server-patch.yaml").read_text())
    (sidecar,) = patch["spec"]["template"]["spec"]["containers"]
    assert f"docker build -t {sidecar['image']} cmp/" in dockerfile


# --------------------------------------------------------------------------- Flux


def _git(repo: Path, *args: str, env: dict[str, str]) -> str:
    assert GIT is not None
    proc = subprocess.run(
        [GIT, *args], cwd=repo, capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert proc.returncode == 0, failed(proc)
    return proc.stdout


@pytest.fixture
def flux_repo(tmp_path: Path) -> tuple[Path, dict[str, str], Path]:
    """examples/flux as a Git repository with a bare origin, and a ``gh`` that records."""
    if GIT is None:
        pytest.skip("git is not on PATH")
    if not (BIN / "trainjob-migrate").exists():
        pytest.skip(f"no trainjob-migrate console script next to {sys.executable}")
    probe = subprocess.run(
        [str(BIN / "trainjob-migrate"), "convert", "--help"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip("`trainjob-migrate convert` is not available in this build yet")
    repo = Path(
        shutil.copytree(FLUX, tmp_path / "repo", ignore=shutil.ignore_patterns(".expected"))
    )
    tools = tmp_path / "tools"
    tools.mkdir()
    gh_log = tmp_path / "gh.log"
    (tools / "gh").write_text(
        f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "{gh_log}"\n'
    )
    (tools / "gh").chmod(0o755)
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(tools), str(BIN), os.environ.get("PATH", "")]),
        "GIT_AUTHOR_NAME": "CI",
        "GIT_AUTHOR_EMAIL": "ci@example.com",
        "GIT_COMMITTER_NAME": "CI",
        "GIT_COMMITTER_EMAIL": "ci@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    _git(tmp_path, "init", "--quiet", "--bare", "origin.git", env=env)
    _git(repo, "init", "--quiet", "--initial-branch", "main", env=env)
    _git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"), env=env)
    _git(repo, "add", "--all", env=env)
    _git(repo, "commit", "--quiet", "-m", "Flux repository", env=env)
    return repo, env, gh_log


def migrate(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    workflow = yaml.safe_load(
        (FLUX / ".github" / "workflows" / "trainjob-migrate.yaml").read_text()
    )
    (step,) = (s for s in workflow["jobs"]["convert"]["steps"] if "hack/" in s.get("run", ""))
    (command,) = (line for line in step["run"].splitlines() if line.startswith("hack/"))
    step_env = {k: str(v) for k, v in step.get("env", {}).items() if k != "GH_TOKEN"}
    return subprocess.run(
        shlex.split(command),
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, **step_env},
        check=False,
    )


def test_flux_offline_workflow_converts_commits_pushes_and_opens_a_pull_request(
    flux_repo: tuple[Path, dict[str, str], Path],
) -> None:
    repo, env, gh_log = flux_repo
    proc = migrate(repo, env)
    assert proc.returncode == 0, failed(proc)

    branch = _git(repo, "rev-parse", "--abbrev-ref", "HEAD", env=env).strip()
    assert branch != "main"
    assert _git(repo, "status", "--porcelain", env=env) == "", "everything is committed"
    remote = _git(repo, "ls-remote", "--heads", "origin", env=env)
    assert f"refs/heads/{branch}" in remote, "the branch is pushed"
    changed = _git(repo, "diff", "--name-only", "main", branch, env=env).split()
    assert sorted(changed) == ["apps/training/finetune.yaml", "apps/training/training.yaml"]
    expected = FLUX / ".expected" / "apps" / "training"
    for want in sorted(expected.iterdir()):
        assert (repo / "apps" / "training" / want.name).read_text() == want.read_text(), want.name
    gh = gh_log.read_text().splitlines()
    assert gh[:2] == ["pr", "create"]
    assert gh[gh.index("--base") + 1] == "main" and gh[gh.index("--head") + 1] == branch

    # what Flux's kustomize-controller builds (no plugins): TrainJobs only
    if KUBECTL is not None:
        built = subprocess.run(
            [KUBECTL, "kustomize", str(repo / "apps" / "training")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert built.returncode == 0, failed(built)
        kinds = sorted(d["kind"] for d in yaml.safe_load_all(built.stdout))
        assert kinds == ["ConfigMap", "Deployment", "TrainJob", "TrainJob"]

    # nothing left to convert: no new commit, no pull request
    gh_log.unlink()
    head = _git(repo, "rev-parse", "HEAD", env=env)
    again = migrate(repo, env)
    assert again.returncode == 0, failed(again)
    assert _git(repo, "rev-parse", "HEAD", env=env) == head
    assert not gh_log.exists()


def test_flux_second_run_with_the_pull_request_open_is_idempotent(
    flux_repo: tuple[Path, dict[str, str], Path],
) -> None:
    """The weekly schedule runs again from main while the first pull request is open (its
    branch still on origin): unchanged, nothing is pushed; after main moved on, the branch is
    updated (not a rejected non-fast-forward push) and no second pull request is opened."""
    repo, env, gh_log = flux_repo
    assert migrate(repo, env).returncode == 0
    branch = _git(repo, "rev-parse", "--abbrev-ref", "HEAD", env=env).strip()
    first = _git(repo, "ls-remote", "origin", f"refs/heads/{branch}", env=env).split()[0]
    # a fresh checkout of main, as CI has: the branch exists on origin only
    _git(repo, "switch", "--quiet", "main", env=env)
    _git(repo, "branch", "--quiet", "-D", branch, env=env)
    gh_log.unlink()

    again = migrate(repo, env)
    assert again.returncode == 0, failed(again)
    assert "already holds this conversion" in again.stdout
    assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD", env=env).strip() == "main"
    assert _git(repo, "status", "--porcelain", env=env) == "", "the working tree is restored"
    assert _git(repo, "ls-remote", "origin", f"refs/heads/{branch}", env=env).split()[0] == first
    assert not gh_log.exists()

    # main moves on (a new job) while the pull request is open: the branch is updated
    job = (repo / "apps" / "training" / "training.yaml").read_text()
    (repo / "apps" / "training" / "more.yaml").write_text(
        job.replace("name: mnist", "name: more-mnist")
    )
    kustomization = repo / "apps" / "training" / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace("resources:\n", "resources:\n  - more.yaml\n", 1)
    )
    _git(repo, "add", "--all", env=env)
    _git(repo, "commit", "--quiet", "-m", "one more job", env=env)
    tools = gh_log.parent / "tools"
    (tools / "gh").write_text(  # one pull request is open for the branch
        f'#!/bin/sh\nif [ "$2" = list ]; then echo 1; exit 0; fi\nprintf "%s\\n" "$@" > "{gh_log}"\n'
    )
    third = migrate(repo, env)
    assert third.returncode == 0, failed(third)
    assert "updated branch" in third.stdout
    second = _git(repo, "ls-remote", "origin", f"refs/heads/{branch}", env=env).split()[0]
    assert second != first
    changed = _git(repo, "diff", "--name-only", "main", second, env=env).split()
    assert "apps/training/more.yaml" in changed
    assert not gh_log.exists(), "no second pull request"


def test_flux_workflow_stops_before_committing_when_a_job_needs_attention(
    flux_repo: tuple[Path, dict[str, str], Path],
) -> None:
    repo, env, gh_log = flux_repo
    (repo / "apps" / "training" / "elastic.yaml").write_text(ELASTIC_JOB)
    _git(repo, "add", "--all", env=env)
    _git(repo, "commit", "--quiet", "-m", "an elastic job", env=env)
    head = _git(repo, "rev-parse", "HEAD", env=env)

    proc = migrate(repo, env)

    assert proc.returncode != 0, failed(proc)
    assert "spec.elasticPolicy" in proc.stdout + proc.stderr
    assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD", env=env).strip() == "main"
    assert _git(repo, "rev-parse", "HEAD", env=env) == head
    assert _git(repo, "status", "--porcelain", env=env) == "", "the working tree is restored"
    assert not gh_log.exists()


def test_flux_kustomization_applies_the_converted_path() -> None:
    flux_kustomization = yaml.safe_load(
        (FLUX / "clusters" / "production" / "training.yaml").read_text()
    )
    assert flux_kustomization["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1"
    path = FLUX / flux_kustomization["spec"]["path"]
    assert (path / "kustomization.yaml").is_file()
    workflow = yaml.safe_load(
        (FLUX / ".github" / "workflows" / "trainjob-migrate.yaml").read_text()
    )
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert os.access(FLUX / "hack" / "trainjob-migrate.sh", os.X_OK)
