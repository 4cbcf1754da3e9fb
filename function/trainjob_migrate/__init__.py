"""trainjob-migrate: convert Kubeflow Training Operator v1 jobs into Kubeflow Trainer v2 TrainJobs, losslessly or loudly."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Final

__version__: Final = "0.1.0"

#: The product's own domain: API group of the typed functionConfig, prefix of the
#: provenance annotation and of the runtime-patch ``manager`` (which upstream
#: requires to be a domain-prefixed path).
DOMAIN: Final = "trainjob-migrate.dev"

__all__ = ["DOMAIN", "__version__"]
