"""``opinion report NAME`` / ``opinion report --all``: run analyses into reports/."""

from __future__ import annotations

import os
import runpy
import time
from pathlib import Path

import typer
from rich.console import Console

from opinion.errors import OpinionError

console = Console(stderr=True)


def available_analyses() -> list[str]:
    """Names of the analysis scripts (``analyses/*.py``)."""
    from opinion.report.paths import analyses_dir

    folder = analyses_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))


def run_analysis(name: str, out: Path | None = None) -> Path:
    """Run ``analyses/NAME.py`` (writing into ``out`` or ``reports/``); return the report."""
    from opinion.report.paths import REPORTS_ENV, analyses_dir, reports_dir

    known = available_analyses()
    if name not in known:
        raise OpinionError(f"unknown analysis {name!r} (available: {', '.join(known) or 'none'})")
    script = analyses_dir() / f"{name}.py"
    previous = os.environ.get(REPORTS_ENV)
    if out is not None:
        os.environ[REPORTS_ENV] = str(Path(out).resolve())
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        if out is not None:
            if previous is None:
                os.environ.pop(REPORTS_ENV, None)
            else:
                os.environ[REPORTS_ENV] = previous
    folder = Path(out).resolve() if out is not None else reports_dir()
    return folder / f"{name}.html"


def report(
    name: str = typer.Argument(None, help="Analysis to run (a file in analyses/)."),
    all_: bool = typer.Option(False, "--all", help="Run every analysis and write the index."),
    out: Path = typer.Option(None, help="Folder for the HTML (default: reports/)."),
) -> None:
    """Render HTML reports from the bundled data."""
    from opinion.report import reports_dir, write_index

    if all_ == (name is not None):
        raise OpinionError("give one analysis NAME or --all (see `opinion report --help`)")
    names = available_analyses() if all_ else [name]
    folder = Path(out).resolve() if out is not None else reports_dir()
    for i, analysis in enumerate(names, start=1):
        start = time.perf_counter()
        with console.status(f"[{i}/{len(names)}] running analyses/{analysis}.py ..."):
            path = run_analysis(analysis, out)
        console.print(f"[{i}/{len(names)}] {analysis}: wrote {path} "
                      f"({time.perf_counter() - start:.1f} s)", highlight=False)
    index = write_index(folder)
    console.print(f"index: {index}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
