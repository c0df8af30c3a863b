"""Where analyses live and where reports are written."""

from __future__ import annotations

import os
from pathlib import Path

REPORTS_ENV = "OPINION_REPORTS_DIR"
ANALYSES_ENV = "OPINION_ANALYSES_DIR"


def project_root() -> Path:
    """The repository root (the folder holding ``opinion/``, ``analyses/``, ``reports/``)."""
    return Path(__file__).resolve().parents[2]


def reports_dir() -> Path:
    """``$OPINION_REPORTS_DIR`` or the repository's ``reports/``."""
    env = os.environ.get(REPORTS_ENV)
    return Path(env).resolve() if env else project_root() / "reports"


def analyses_dir() -> Path:
    """``$OPINION_ANALYSES_DIR`` or the repository's ``analyses/``."""
    env = os.environ.get(ANALYSES_ENV)
    return Path(env).resolve() if env else project_root() / "analyses"


def report_path(name: str) -> Path:
    """``reports_dir() / f"{name}.html"``."""
    return reports_dir() / f"{name}.html"
