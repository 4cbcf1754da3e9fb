#!/usr/bin/env bash
# Build the function's container image on this machine kind and run the container e2e tests.
#
#   tools/container-e2e.sh [setup|build|test] [PYTEST_ARGS...]
#
#   setup  podman + runc + debootstrap (apt, as root), a containers.conf that works here, and
#          the local base image (Debian from debootstrap: no container registry is reachable).
#          Idempotent; the base image tarball is cached, so a second set-up takes seconds.
#   build  setup, then build the image (tag $IMAGE) and print its size and build time.
#   test   (default) build, then run tests/e2e/test_container.py (the image hardening tests
#          and the examples that run the image) against that image.
#
# Exit status: 0 done; 1 a step failed; 3 podman cannot be set up here (not root and podman
# missing, or no apt): the container tests then skip with that reason.
#
# Environment: IMAGE (localhost/trainjob-migrate:dev), BASE_IMAGE (localhost/pybase:bookworm),
# SUITE (bookworm), MIRROR (the Debian mirror of /etc/apt/sources.list*, else deb.debian.org),
# TRAINJOB_MIGRATE_CACHE (/var/cache/trainjob-migrate as root, else ~/.cache/trainjob-migrate),
# PYTHON (the interpreter for pytest: .venv/bin/python when it exists, else python3).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODE=${1:-test}
[[ $# -gt 0 ]] && shift

SUITE=${SUITE:-bookworm}
IMAGE=${IMAGE:-localhost/trainjob-migrate:dev}
BASE_IMAGE=${BASE_IMAGE:-localhost/pybase:$SUITE}
if [[ $(id -u) -eq 0 ]]; then
  CACHE=${TRAINJOB_MIGRATE_CACHE:-/var/cache/trainjob-migrate}
else
  CACHE=${TRAINJOB_MIGRATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trainjob-migrate}
fi
BASE_TAR=$CACHE/pybase-$SUITE.tar
# Packages of the base image: python3 (the full standard library: python3-minimal lacks json
# and dataclasses). The Dockerfile's build stage adds python3-pip with apt; the runtime stage
# gets only this.
BASE_PACKAGES=python3

log() { printf '%s container-e2e: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
cannot() { log "cannot set up podman here: $*"; exit 3; }

case $MODE in
  setup | build | test) ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown mode '$MODE' (setup, build or test)" ;;
esac

install_packages() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || [[ -f $BASE_TAR ]] || missing+=(debootstrap)
  [[ ${#missing[@]} -eq 0 ]] && return
  [[ $(id -u) -eq 0 ]] || cannot "${missing[*]} missing and not root (apt-get install ${missing[*]})"
  command -v apt-get >/dev/null || cannot "${missing[*]} missing and no apt-get to install them"
  log "installing ${missing[*]} with apt"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || cannot "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || cannot "apt-get install ${missing[*]} failed"
}

# Podman here: runc (crun fails on this machine's cgroups hybrid mode), cgroupfs, no ulimits.
write_containers_conf() {
  mkdir -p "$CACHE/bin"
  CONTAINERS_CONF=$CACHE/containers.conf
  printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n' \
    > "$CONTAINERS_CONF.new" && mv "$CONTAINERS_CONF.new" "$CONTAINERS_CONF"
  export CONTAINERS_CONF
  # `docker` and `podman` for kpt and kustomize: podman with runc and that configuration.
  local engine shim
  engine=$(command -v podman)
  for shim in docker podman; do
    printf '#!/bin/sh\nCONTAINERS_CONF=%s exec %s --runtime runc "$@"\n' \
      "$CONTAINERS_CONF" "$engine" > "$CACHE/bin/$shim.new"
    chmod +x "$CACHE/bin/$shim.new" && mv "$CACHE/bin/$shim.new" "$CACHE/bin/$shim"
  done
}

pod() { "$CACHE/bin/podman" "$@"; }

debian_mirror() {
  if [[ -n ${MIRROR:-} ]]; then echo "$MIRROR"; return; fi
  # The machine's own Debian mirror (active .list/.sources files only), else the public one.
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | grep -oE '^(URIs:|deb) +[^ ]+/debian/?( |$)' | awk '{print $2}' | head -n1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base_tar() {
  local rootfs started
  [[ $(id -u) -eq 0 ]] || cannot "no base image $BASE_IMAGE, and debootstrap needs root to build one"
  rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  started=$SECONDS
  log "debootstrap $SUITE (minbase + $BASE_PACKAGES) from $(debian_mirror); a few minutes, once"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$rootfs" "$(debian_mirror)" \
    > "$CACHE/debootstrap.log" 2>&1 \
    || { rm -rf "$rootfs"; die "debootstrap failed; see $CACHE/debootstrap.log"; }
  # Slim it the way the debian:*-slim images are: no package caches, lists, docs, man pages,
  # translations. apt and dpkg stay (the build stage installs pip with them).
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
         "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/* \
         "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
         "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian "$rootfs"/var/cache/debconf/*-old
  tar --numeric-owner -C "$rootfs" -cf "$BASE_TAR.new" . && mv "$BASE_TAR.new" "$BASE_TAR"
  rm -rf "$rootfs"
  log "base tarball $BASE_TAR: $(du -h "$BASE_TAR" | cut -f1), $((SECONDS - started)) s"
}

ensure_base_image() {
  if pod image exists "$BASE_IMAGE"; then
    log "base image $BASE_IMAGE present"
    return
  fi
  [[ -f $BASE_TAR ]] || build_base_tar
  log "importing $BASE_TAR as $BASE_IMAGE"
  pod import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' \
    "$BASE_TAR" "$BASE_IMAGE" >/dev/null
}

setup() {
  mkdir -p "$CACHE" 2>/dev/null || cannot "no cache directory $CACHE (set TRAINJOB_MIGRATE_CACHE)"
  install_packages
  write_containers_conf
  # One set-up at a time (CI and a developer, or two shells).
  exec 9>"$CACHE/lock"
  flock 9
  pod info >/dev/null 2>"$CACHE/podman-info.err" \
    || cannot "podman does not run here: $(head -c 300 "$CACHE/podman-info.err")"
  ensure_base_image
  flock -u 9
}

build() {
  local started version revision
  version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -n1)
  revision=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
  started=$SECONDS
  log "building $IMAGE from $BASE_IMAGE"
  local secrets=()
  # This machine reaches the package registries through a TLS-intercepting proxy whose CA is
  # in the host's bundle only: lend that bundle to the build's pip (a build secret: nothing
  # of it stays in the image).
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] \
    && secrets+=(--secret "id=pip-cert,src=/etc/ssl/certs/ca-certificates.crt")
  pod build --quiet --network=host --layers "${secrets[@]}" \
    --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg VERSION="${version:-0.0.0}" \
    --build-arg REVISION="$revision" -t "$IMAGE" "$ROOT" >/dev/null \
    || die "podman build failed (run it again without --quiet to see why: $CACHE/bin/podman build --network=host --build-arg BASE_IMAGE=$BASE_IMAGE $ROOT)"
  # earlier builds' images, now untagged (the layer cache of this build stays)
  pod image prune --force >/dev/null 2>&1 || true
  log "built $IMAGE in $((SECONDS - started)) s, size $(pod image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"
}

setup
log "set up: podman $(pod version --format '{{.Client.Version}}') with runc; shims in $CACHE/bin"
[[ $MODE == setup ]] && exit 0
build
[[ $MODE == build ]] && exit 0

PYTHON=${PYTHON:-}
if [[ -z $PYTHON ]]; then
  if [[ -x $ROOT/.venv/bin/python ]]; then PYTHON=$ROOT/.venv/bin/python; else PYTHON=python3; fi
fi
cd "$ROOT"
export TRAINJOB_MIGRATE_IMAGE=$IMAGE
log "container tests with $PYTHON against $IMAGE"
exec "$PYTHON" -m pytest tests/e2e/test_container.py "$@"
