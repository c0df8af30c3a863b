"""``opinion report NAME`` / ``opinion report --all``: run analyses into HTML + JSON reports.

Each analysis is a script in the analyses folder (see :mod:`opinion.report.paths`); it writes
``<name>.html`` and ``<name>.json`` into the output folder (``--out``, default
``./reports``). ``--all`` runs every analysis, carries on past one that fails, writes the
index, prints each report's time and exits 1 if any failed.
"""

from __future__ import annotations

import os
import runpy
import time
import traceback
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
    """Run ``analyses/NAME.py`` (writing into ``out`` or the reports folder); return the
    report's path."""
    from opinion.report import mark_analysis_start
    from opinion.report.paths import REPORTS_ENV, analyses_dir, reports_dir

    known = available_analyses()
    if name not in known:
        raise OpinionError(f"unknown analysis {name!r} (available: {', '.join(known) or 'none'})")
    script = analyses_dir() / f"{name}.py"
    previous = os.environ.get(REPORTS_ENV)
    if out is not None:
        os.environ[REPORTS_ENV] = str(Path(out).resolve())
    mark_analysis_start()
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


def _check_output(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".opinion-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise OpinionError(f"cannot write reports to {folder}: {exc.strerror or exc}") from None


def report(
    name: str = typer.Argument(None, help="Analysis to run (see --list)."),
    all_: bool = typer.Option(False, "--all", help="Run every analysis and write the index."),
    out: Path = typer.Option(None, help="Folder for the reports (default: ./reports)."),
    list_: bool = typer.Option(False, "--list", help="List the analyses and exit."),
) -> int:
    """Render HTML (and JSON) reports from the bundled data."""
    import matplotlib

    from opinion.report import reports_dir, write_index

    if list_:
        console.print("\n".join(available_analyses()), highlight=False)
        return 0
    if all_ == (name is not None):
        raise OpinionError("give one analysis NAME or --all (see `opinion report --help`)")
    if "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")  # a command-line run draws into files only
    known = available_analyses()
    if not all_ and name not in known:
        raise OpinionError(f"unknown analysis {name!r} (available: {', '.join(known)})")
    names = known if all_ else [name]
    folder = Path(out).resolve() if out is not None else reports_dir()
    _check_output(folder)
    timings, failed = [], []
    total = time.perf_counter()
    for i, analysis in enumerate(names, start=1):
        start = time.perf_counter()
        console.print(f"[{i}/{len(names)}] {analysis}: running analyses/{analysis}.py",
                      highlight=False)
        try:
            path = run_analysis(analysis, folder)
        except Exception as exc:
            if not all_:
                raise
            failed.append(analysis)
            console.print(f"[{i}/{len(names)}] {analysis}: FAILED: "
                          f"{type(exc).__name__}: {exc}".splitlines()[0], highlight=False)
            if os.environ.get("OPINION_DEBUG"):
                console.print(traceback.format_exc(), highlight=False, markup=False)
            timings.append((analysis, time.perf_counter() - start, "failed"))
            continue
        seconds = time.perf_counter() - start
        timings.append((analysis, seconds, "ok"))
        console.print(f"[{i}/{len(names)}] {analysis}: wrote {path} and "
                      f"{path.with_suffix('.json').name} ({seconds:.1f} s)", highlight=False)
    index = write_index(folder)
    console.print(f"index: {index}", highlight=False)
    if len(names) > 1:
        console.print("timings:", highlight=False)
        for analysis, seconds, status in timings:
            console.print(f"  {analysis:<28} {seconds:7.1f} s  {status}", highlight=False)
        console.print(f"  {'total':<28} {time.perf_counter() - total:7.1f} s", highlight=False)
    if failed:
        console.print(f"{len(failed)} of {len(names)} analyses failed: {', '.join(failed)}",
                      highlight=False)
        return 1
    return 0


def register(app: typer.Typer) -> None:
    app.command("report")(report)
