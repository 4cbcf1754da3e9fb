# trainjob-migrate as a containerized KRM function: a ResourceList on stdin, one on stdout.
#
#   docker build -t trainjob-migrate:dev .
#   kpt fn eval PKG --image trainjob-migrate:dev -- targetVersion=2.3
#
# BASE_IMAGE needs python3 (>= 3.11) with pip. Where the public image cannot be pulled,
# pass a locally built one: --build-arg BASE_IMAGE=localhost/pybase:bookworm.
ARG BASE_IMAGE=python:3.12-slim

# ---- build: a wheel of the project
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas/ schemas/
# function/trainjob_migrate/schemas is a symlink to ../../schemas: COPY keeps the link and
# setuptools follows it, so the wheel carries trainjob_migrate/schemas/*.json.
COPY function/ function/
RUN python3 -m pip wheel --no-deps --wheel-dir /wheels .

# ---- runtime
FROM ${BASE_IMAGE}
ARG VERSION=0.1.0
ARG SOURCE_URL=https://github.com/trainjob-migrate/trainjob-migrate
LABEL org.opencontainers.image.title="trainjob-migrate" \
      org.opencontainers.image.description="KRM function converting Kubeflow PyTorchJobs (kubeflow.org/v1) into Trainer v2 TrainJobs" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels/ /tmp/wheels/
RUN python3 -m pip install /tmp/wheels/trainjob_migrate-*.whl && rm -rf /tmp/wheels

# kpt and kustomize run functions as `--user nobody --network none`: 65534 is nobody.
USER 65534:65534
WORKDIR /tmp
# Smoke test as that user: reads the packaged schemas (functionConfig and TrainJob 2.3).
RUN printf '%s\n' \
      'apiVersion: config.kubernetes.io/v1' 'kind: ResourceList' \
      'functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: smoke}, data: {targetVersion: "2.3"}}' \
      'items: [{apiVersion: kubeflow.org/v1, kind: PyTorchJob, metadata: {name: smoke}, spec: {pytorchReplicaSpecs: {Worker: {replicas: 1, template: {spec: {containers: [{name: pytorch, image: busybox, command: [torchrun, t.py]}]}}}}}}]' \
    | trainjob-migrate fn | grep -q ' kind: TrainJob$' \
 || { echo 'smoke test failed: the PyTorchJob was not converted' >&2; exit 1; }
ENTRYPOINT ["trainjob-migrate", "fn"]
