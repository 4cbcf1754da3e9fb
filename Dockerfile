# trainjob-migrate as a containerized KRM function: a ResourceList on stdin, one on stdout.
#
#   docker build -t trainjob-migrate:dev .
#   kpt fn eval PKG --image trainjob-migrate:dev -- targetVersion=2.3
#   kubectl kustomize --enable-alpha-plugins DIR     # transformer with config.kubernetes.io/function
#
# The image runs as an unprivileged user with no network and a read-only root filesystem
# (kpt and kustomize run functions as `--user nobody --network none`): nothing is written at
# run time, the bytecode is compiled at build time.
#
# BASE_IMAGE: any image with python3 >= 3.11 (pip is taken from the distribution when the
# image has none). Where the public default cannot be pulled, build a local one
# (tools/container-e2e.sh does: Debian bookworm from debootstrap) and pass
#   --build-arg BASE_IMAGE=localhost/pybase:bookworm
ARG BASE_IMAGE=docker.io/library/python:3.12-slim

# ---- build: the project and its dependencies, installed into /opt/trainjob-migrate
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
    DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN python3 -m pip --version >/dev/null 2>&1 \
 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip >/dev/null; }
WORKDIR /src
# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
# Behind a TLS-intercepting proxy, lend pip its CA bundle (nothing of it stays in the image):
#   --secret id=pip-cert,src=/etc/ssl/certs/ca-certificates.crt
RUN --mount=type=secret,id=pip-cert \
    if [ -s /run/secrets/pip-cert ]; then export PIP_CERT=/run/secrets/pip-cert; fi \
 && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > requirements.txt \
 && python3 -m pip install --quiet --only-binary=:all: --target /opt/trainjob-migrate -r requirements.txt
COPY README.md ./
COPY schemas/ schemas/
# function/trainjob_migrate/schemas is a symlink to ../../schemas: COPY keeps the link and
# setuptools follows it, so the package carries trainjob_migrate/schemas/*.json.
COPY function/ function/
# --upgrade: replace the bin/ of the dependencies with ours. compileall: nothing may be
# compiled at run time (read-only root filesystem).
RUN --mount=type=secret,id=pip-cert \
    if [ -s /run/secrets/pip-cert ]; then export PIP_CERT=/run/secrets/pip-cert; fi \
 && python3 -m pip install --quiet --no-deps --upgrade --target /opt/trainjob-migrate . \
 && test -f /opt/trainjob-migrate/trainjob_migrate/schemas/function-config.json \
 && test -x /opt/trainjob-migrate/bin/trainjob-migrate \
 && python3 -m compileall -q /opt/trainjob-migrate
# ---- runtime: the base image plus /opt/trainjob-migrate, nothing else
FROM ${BASE_IMAGE}
ARG BASE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE_URL=https://github.com/trainjob-migrate/trainjob-migrate
LABEL org.opencontainers.image.title="trainjob-migrate" \
      org.opencontainers.image.description="KRM function converting Kubeflow PyTorchJobs (kubeflow.org/v1) into Kubeflow Trainer v2 TrainJobs" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.url="${SOURCE_URL}" \
      org.opencontainers.image.documentation="${SOURCE_URL}#readme" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${BASE_IMAGE}"
COPY --from=build /opt/trainjob-migrate/ /opt/trainjob-migrate/
ENV PYTHONPATH=/opt/trainjob-migrate \
    PATH=/opt/trainjob-migrate/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONUTF8=1 LANG=C.UTF-8
# 65534 is `nobody`, the user kpt and kustomize run functions as; any other uid works too
# (nothing here is owned by or writable for the running user).
USER 65534:65534
WORKDIR /
# Smoke test as that user: reads the packaged schemas (functionConfig and TrainJob 2.3).
RUN printf '%s\n' \
      'apiVersion: config.kubernetes.io/v1' 'kind: ResourceList' \
      'functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: smoke}, data: {targetVersion: "2.3"}}' \
      'items: [{apiVersion: kubeflow.org/v1, kind: PyTorchJob, metadata: {name: smoke}, spec: {pytorchReplicaSpecs: {Worker: {replicas: 1, template: {spec: {containers: [{name: pytorch, image: busybox, command: [torchrun, t.py]}]}}}}}}]' \
    | trainjob-migrate fn | grep -q '^  kind: TrainJob$' \
 || { echo 'smoke test failed: the PyTorchJob was not converted' >&2; exit 1; }
ENTRYPOINT ["trainjob-migrate", "fn"]
