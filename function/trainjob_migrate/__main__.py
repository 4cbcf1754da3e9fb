"""``python -m trainjob_migrate``."""

from __future__ import annotations

from trainjob_migrate.cli import main

raise SystemExit(main())
