"""Manifests the end-to-end tests share."""

from __future__ import annotations

#: refused by default (elastic): makes every orchestrator fail and write nothing
ELASTIC_JOB = """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: elastic-bert
  namespace: team-a
spec:
  elasticPolicy: {rdzvBackend: c10d, minReplicas: 1, maxReplicas: 4}
  pytorchReplicaSpecs:
    Worker:
      replicas: 2
      template:
        spec:
          containers:
            - name: pytorch
              image: docker.io/example/bert:1.0
              command: [torchrun, train.py]
"""
