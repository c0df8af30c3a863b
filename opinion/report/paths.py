"""Where analyses live and where reports are written.

Reports go to ``$OPINION_REPORTS_DIR`` or ``./reports`` (the current folder: never inside
the installed package). Analyses are found in ``$OPINION_ANALYSES_DIR``, else in the copy
installed with the package (``opinion/_bundled/analyses`` in a wheel), else in the
repository's ``analyses/`` next to the package (a source checkout).
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

REPORTS_ENV = "OPINION_REPORTS_DIR"
ANALYSES_ENV = "OPINION_ANALYSES_DIR"


def reports_dir() -> Path:
    """``$OPINION_REPORTS_DIR`` or ``./reports``."""
    env = os.environ.get(REPORTS_ENV)
    return Path(env).resolve() if env else (Path.cwd() / "reports").resolve()


def analyses_dir() -> Path:
    """The folder of analysis scripts (see the module docstring for the search order)."""
    env = os.environ.get(ANALYSES_ENV)
    if env:
        return Path(env).resolve()
    bundled = Path(str(files("opinion"))) / "_bundled" / "analyses"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "analyses"


def report_path(name: str) -> Path:
    """``reports_dir() / f"{name}.html"``."""
    return reports_dir() / f"{name}.html"
