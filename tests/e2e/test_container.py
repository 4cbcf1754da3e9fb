"""Container e2e: the function's image, built from this tree, run by podman, kpt and kustomize.

The image is built once per session with podman (runc runtime, as ``shared/notes/containers.md``
says works on this machine kind) from the local base image ``localhost/pybase:bookworm``, or
taken ready-made from ``TRAINJOB_MIGRATE_IMAGE``. ``tools/container-e2e.sh setup`` installs
podman, runc and debootstrap (root + apt) and creates that base image; where that could not be
done, every test here is skipped with the reason.

The build is tagged with the image name the examples use, so ``examples/kustomize-container``
and ``examples/kpt`` run exactly as a user runs them.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fixtures import ELASTIC_JOB

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
QUICKSTART = EXAMPLES / "quickstart"
BASE_IMAGE = os.environ.get("TRAINJOB_MIGRATE_BASE_IMAGE", "localhost/pybase:bookworm")
TEST_TAG = "localhost/trainjob-migrate:e2e"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
SETUP = "run `tools/container-e2e.sh setup` (as root, with apt) to set it up"

pytestmark = pytest.mark.e2e


# --------------------------------------------------------------------------- the engine


@dataclasses.dataclass(frozen=True)
class Engine:
    """podman with runc, and a bin directory whose ``docker``/``podman`` are that podman."""

    bin: Path
    env: dict[str, str]

    def run(
        self, *args: str, input: bytes | None = None, timeout: float = 120, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [str(self.bin / "podman"), *args],
            input=input,
            capture_output=True,
            timeout=timeout,
            env=self.env,
            cwd=cwd,
            check=False,
        )

    def tool(
        self,
        *cmd: str,
        cwd: Path | None = None,
        extra_env: dict[str, str] | None = None,
        input: bytes | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run kpt or kubectl with this engine as their ``docker``/``podman``."""
        env = {**self.env, "KPT_FN_RUNTIME": "podman", **(extra_env or {})}
        return subprocess.run(
            list(cmd),
            input=input,
            capture_output=True,
            timeout=300,
            env=env,
            cwd=cwd,
            check=False,
        )


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    podman, runc = shutil.which("podman"), shutil.which("runc")
    if podman is None or runc is None:
        missing = " and ".join(n for n, p in (("podman", podman), ("runc", runc)) if p is None)
        pytest.skip(f"no container runtime: {missing} not installed; {SETUP}")
    home = tmp_path_factory.mktemp("engine")
    conf = home / "containers.conf"
    # runc: crun fails on this machine kind (cgroups hybrid mode); cgroupfs, no ulimits
    conf.write_text('[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n')
    bin_dir = home / "bin"
    bin_dir.mkdir()
    for name in ("docker", "podman"):  # kustomize calls docker; kpt (KPT_FN_RUNTIME) podman
        shim = bin_dir / name
        shim.write_text(
            f'#!/bin/sh\nCONTAINERS_CONF="{conf}" exec "{podman}" --runtime runc "$@"\n'
        )
        shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    eng = Engine(bin_dir, env)
    info = eng.run("info", timeout=60)
    if info.returncode != 0:
        first = (info.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
        pytest.skip(f"podman does not run here ({first}); {SETUP}")
    return eng


def _example_image() -> str:
    """The image name the examples reference (kustomize-container; the others must agree)."""
    config = yaml.safe_load(
        (EXAMPLES / "kustomize-container" / "trainjob-migration.yaml").read_text()
    )
    spec = yaml.safe_load(config["metadata"]["annotations"]["config.kubernetes.io/function"])
    image: str = spec["container"]["image"]
    return image


def _version() -> str:
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


@pytest.fixture(scope="session")
def image(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The image of this tree, also tagged with the examples' image name."""
    ready = os.environ.get("TRAINJOB_MIGRATE_IMAGE")
    if ready:
        if engine.run("image", "exists", ready).returncode != 0:
            pytest.fail(f"TRAINJOB_MIGRATE_IMAGE={ready}: no such image in podman's storage")
        name = ready
    else:
        if engine.run("image", "exists", BASE_IMAGE).returncode != 0:
            pytest.skip(f"no base image {BASE_IMAGE} to build the function's image from; {SETUP}")
        # Under pytest-xdist each worker has its own session: the first one here builds, the
        # others wait on the lock and take its image. One build per run, not one per worker,
        # and never two builds of the same tag into the same podman storage at once.
        shared = tmp_path_factory.getbasetemp()
        if os.environ.get("PYTEST_XDIST_WORKER"):
            shared = shared.parent  # this run's temporary root, common to its workers
        with (shared / "image.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            done = shared / "image.built"
            if not done.exists() or engine.run("image", "exists", TEST_TAG).returncode != 0:
                _build(engine)
                done.write_text(TEST_TAG)
        name = TEST_TAG
    tag = engine.run("tag", name, _example_image())
    assert tag.returncode == 0, tag.stderr.decode()
    return name


def _build(engine: Engine) -> None:
    """Build this tree's image as ``TEST_TAG``."""
    secrets = (
        # this machine reaches the package registries through a TLS proxy whose CA only
        # the host's bundle has: lend it to the build's pip (a build secret, not kept)
        ["--secret", f"id=pip-cert,src={HOST_CA}"] if HOST_CA.is_file() else []
    )
    started = time.monotonic()
    build = engine.run(
        "build",
        "--network=host",
        "--layers",
        *secrets,
        "--build-arg",
        f"BASE_IMAGE={BASE_IMAGE}",
        "--build-arg",
        f"VERSION={_version()}",
        "-t",
        TEST_TAG,
        str(ROOT),
        timeout=1200,
    )
    assert build.returncode == 0, (
        "podman build of the Dockerfile failed:\n"
        + build.stdout.decode()[-4000:]
        + build.stderr.decode()[-4000:]
    )
    sys.stderr.write(f"\nimage {TEST_TAG} built in {time.monotonic() - started:.0f} s\n")


@pytest.fixture
def kpt() -> str:
    path = shutil.which("kpt")
    if path is None:
        pytest.skip("kpt is not on PATH: install kpt (tested with 1.0.0-beta.56)")
    return path


@pytest.fixture
def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.skip("kubectl is not on PATH: install kubectl (tested with v1.32, kustomize v5.5)")
    return path


def inspect(engine: Engine, image: str) -> dict[str, Any]:
    proc = engine.run("image", "inspect", image)
    assert proc.returncode == 0, proc.stderr.decode()
    data: dict[str, Any] = json.loads(proc.stdout)[0]
    return data


def copy_example(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name))


def failed(proc: subprocess.CompletedProcess[bytes]) -> str:
    return (
        f"exit {proc.returncode}\nstdout:\n{proc.stdout.decode(errors='replace')}\n"
        f"stderr:\n{proc.stderr.decode(errors='replace')}"
    )


def files(root: Path) -> Iterator[Path]:
    return (p for p in sorted(root.iterdir()) if p.is_file())


# --------------------------------------------------------------------------- the image


def test_image_metadata(engine: Engine, image: str) -> None:
    data = inspect(engine, image)
    config = data["Config"]
    assert config["Entrypoint"] == ["trainjob-migrate", "fn"]
    user = config.get("User", "")
    assert user and user.split(":")[0] not in ("", "0", "root"), f"runs as {user!r}"
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == _version()
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert labels["org.opencontainers.image.source"].startswith("https://")
    assert labels["org.opencontainers.image.title"] == "trainjob-migrate"


def test_default_user_is_not_root(engine: Engine, image: str) -> None:
    proc = engine.run("run", "--rm", "--network", "none", "--entrypoint", "id", image, "-u")
    assert proc.returncode == 0, failed(proc)
    assert proc.stdout.decode().strip() == "65534"


@pytest.mark.parametrize(
    "user",
    [
        pytest.param([], id="image-user"),
        pytest.param(["--user", "nobody"], id="nobody-as-kustomize-and-kpt"),
        pytest.param(["--user", "999:999"], id="argocd-uid"),
        pytest.param(["--user", "1000680000:0"], id="openshift-random-uid"),
    ],
)
def test_converts_as_non_root_with_no_network_and_a_read_only_root(
    engine: Engine, image: str, user: list[str]
) -> None:
    """The quickstart ResourceList gives the same bytes in the locked-down container as on the host."""
    proc = engine.run(
        "run",
        "--rm",
        "-i",
        "--network",
        "none",
        *user,
        "--read-only",
        "--read-only-tmpfs=false",  # not even a writable /tmp
        "--cap-drop",
        "all",
        "--security-opt",
        "no-new-privileges",
        image,
        input=(QUICKSTART / "resource-list.yaml").read_bytes(),
    )
    assert proc.returncode == 0, failed(proc)
    assert proc.stdout.decode() == (QUICKSTART / ".expected" / "output.yaml").read_text()


def test_an_error_result_exits_1_with_the_error_on_stderr(engine: Engine, image: str) -> None:
    resource_list = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + "".join(
        f"  {line}\n" if i else f"- {line}\n" for i, line in enumerate(ELASTIC_JOB.splitlines())
    )
    proc = engine.run(
        "run",
        "--rm",
        "-i",
        "--network",
        "none",
        "--user",
        "nobody",
        "--read-only",
        image,
        input=resource_list.encode(),
    )
    assert proc.returncode == 1, failed(proc)
    assert "spec.elasticPolicy" in proc.stderr.decode()
    out = yaml.safe_load(proc.stdout)
    assert out["items"][0]["kind"] == "PyTorchJob", "a job with errors is left unchanged"


# --------------------------------------------------------------------------- kpt --image


def _assert_package_converted(pkg: Path, example: Path) -> None:
    expected = example / ".expected"
    for want in files(expected):
        assert (pkg / want.name).read_text() == want.read_text(), want.name
    assert (pkg / "Kptfile").read_bytes() == (example / "Kptfile").read_bytes()


def test_kpt_fn_eval_image(engine: Engine, image: str, kpt: str, tmp_path: Path) -> None:
    """examples/kpt: kpt fn eval --image, as its Kptfile comment says."""
    pkg = copy_example("kpt", tmp_path)
    proc = engine.tool(
        kpt, "fn", "eval", str(pkg), "--image", _example_image(), "--", "targetVersion=2.3"
    )
    assert proc.returncode == 0, failed(proc)
    _assert_package_converted(pkg, EXAMPLES / "kpt")


def test_kpt_fn_render_runs_the_kptfile_pipeline(
    engine: Engine, image: str, kpt: str, tmp_path: Path
) -> None:
    pkg = copy_example("kpt", tmp_path)
    proc = engine.tool(kpt, "fn", "render", str(pkg))
    assert proc.returncode == 0, failed(proc)
    _assert_package_converted(pkg, EXAMPLES / "kpt")
    again = engine.tool(kpt, "fn", "render", str(pkg))
    assert again.returncode == 0, failed(again)
    _assert_package_converted(pkg, EXAMPLES / "kpt")


def test_kpt_fn_eval_image_fails_and_writes_nothing_on_an_error(
    engine: Engine, image: str, kpt: str, tmp_path: Path
) -> None:
    pkg = copy_example("kpt", tmp_path)
    (pkg / "elastic.yaml").write_text(ELASTIC_JOB)
    before = {p.name: p.read_bytes() for p in files(pkg)}
    proc = engine.tool(kpt, "fn", "eval", str(pkg), "--image", _example_image())
    assert proc.returncode != 0, failed(proc)
    assert {p.name: p.read_bytes() for p in files(pkg)} == before


# --------------------------------------------------------------------------- kustomize


def test_kustomize_runs_the_container_function(
    engine: Engine, image: str, kubectl: str, tmp_path: Path
) -> None:
    """examples/kustomize-container: kubectl kustomize --enable-alpha-plugins."""
    example = copy_example("kustomize-container", tmp_path)
    proc = engine.tool(kubectl, "kustomize", "--enable-alpha-plugins", str(example))
    assert proc.returncode == 0, failed(proc)
    expected = EXAMPLES / "kustomize-container" / ".expected" / "output.yaml"
    assert proc.stdout.decode() == expected.read_text()


def test_kustomize_build_fails_on_an_error(
    engine: Engine, image: str, kubectl: str, tmp_path: Path
) -> None:
    example = copy_example("kustomize-container", tmp_path)
    (example / "elastic.yaml").write_text(ELASTIC_JOB)
    kustomization = yaml.safe_load((example / "kustomization.yaml").read_text())
    kustomization["resources"].append("elastic.yaml")
    (example / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    proc = engine.tool(kubectl, "kustomize", "--enable-alpha-plugins", str(example))
    assert proc.returncode != 0, failed(proc)
    assert "spec.elasticPolicy" in proc.stderr.decode(), "kustomize shows only stderr"


# --------------------------------------------------------------------------- Argo CD sidecar


def test_argocd_cmp_sidecar_image_builds_and_runs_the_function_as_argocd(
    engine: Engine, image: str, tmp_path: Path
) -> None:
    """examples/argocd/cmp/Dockerfile on top of this image (kustomize itself stubbed: the
    real one comes from a registry this machine cannot reach)."""
    stub_root = tmp_path / "stub" / "app"
    stub_root.mkdir(parents=True)
    (stub_root / "kustomize").write_text('#!/bin/sh\necho kustomize-stub "$@"\n')
    (stub_root / "kustomize").chmod(0o755)
    tarball = tmp_path / "stub.tar"
    subprocess.run(["tar", "-C", str(tmp_path / "stub"), "-cf", str(tarball), "."], check=True)
    stub = "localhost/kustomize-stub:e2e"
    assert engine.run("import", "--quiet", str(tarball), stub).returncode == 0
    sidecar = "localhost/trainjob-migrate-cmp:e2e"
    try:
        build = engine.run(
            "build",
            "--network=none",
            "--build-arg",
            f"FUNCTION_IMAGE={image}",
            "--build-arg",
            f"KUSTOMIZE_IMAGE={stub}",
            "-t",
            sidecar,
            str(EXAMPLES / "argocd" / "cmp"),
            timeout=600,
        )
        assert build.returncode == 0, failed(build)
        config = inspect(engine, sidecar)["Config"]
        assert config["User"] == "999:999"
        proc = engine.run(
            "run",
            "--rm",
            "-i",
            "--network",
            "none",
            "--read-only",
            "--read-only-tmpfs=false",
            "--entrypoint",
            "trainjob-migrate",
            sidecar,
            "fn",
            input=(QUICKSTART / "resource-list.yaml").read_bytes(),
        )
        assert proc.returncode == 0, failed(proc)
        assert proc.stdout.decode() == (QUICKSTART / ".expected" / "output.yaml").read_text()
        where = engine.run("run", "--rm", "--entrypoint", "kustomize", sidecar, "build", ".")
        assert where.stdout.decode().strip() == "kustomize-stub build ."
    finally:  # the examples' images stay; these two are only this test's
        engine.run("rmi", "--force", sidecar, stub)
