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
    from opinion.report import reports_dir, write_index

    known = available_analyses()
    if list_:
        console.print("\n".join(known), highlight=False)
        return 0
    if all_ == (name is not None):
        raise OpinionError("give one analysis NAME or --all (see `opinion report --help`)")
    if not all_ and name not in known:
        raise OpinionError(f"unknown analysis {name!r} (available: {', '.join(known)})")
    _files_only_backend()
    folder = Path(out).resolve() if out is not None else reports_dir()
    _check_output(folder)
    start = time.perf_counter()
    timings = [_run_one(analysis, i, len(known) if all_ else 1, folder, keep_going=all_)
               for i, analysis in enumerate(known if all_ else [name], start=1)]
    console.print(f"index: {write_index(folder)}", highlight=False)
    failed = [analysis for analysis, _, status in timings if status == "failed"]
    if len(timings) > 1:
        console.print("timings:", highlight=False)
        for analysis, seconds, status in timings:
            console.print(f"  {analysis:<28} {seconds:7.1f} s  {status}", highlight=False)
        console.print(f"  {'total':<28} {time.perf_counter() - start:7.1f} s", highlight=False)
    if failed:
        console.print(f"{len(failed)} of {len(timings)} analyses failed: {', '.join(failed)}",
                      highlight=False)
        return 1
    return 0


def _files_only_backend() -> None:
    """A command-line run draws into files only (the user's MPLBACKEND wins)."""
    if "MPLBACKEND" not in os.environ:
        import matplotlib

        matplotlib.use("Agg")


def _run_one(analysis: str, i: int, total: int, folder: Path, *, keep_going: bool
             ) -> tuple[str, float, str]:
    """Run one analysis with progress lines; with ``keep_going`` a failure is reported and
    returned instead of raised."""
    start = time.perf_counter()
    console.print(f"[{i}/{total}] {analysis}: running analyses/{analysis}.py", highlight=False)
    try:
        path = run_analysis(analysis, folder)
    except Exception as exc:
        if not keep_going:
            raise
        console.print(f"[{i}/{total}] {analysis}: FAILED: "
                      + f"{type(exc).__name__}: {exc}".splitlines()[0], highlight=False)
        if os.environ.get("OPINION_DEBUG"):
            console.print(traceback.format_exc(), highlight=False, markup=False)
        return analysis, time.perf_counter() - start, "failed"
    seconds = time.perf_counter() - start
    console.print(f"[{i}/{total}] {analysis}: wrote {path} and "
                  f"{path.with_suffix('.json').name} ({seconds:.1f} s)", highlight=False)
    return analysis, seconds, "ok"


def register(app: typer.Typer) -> None:
    app.command("report")(report)
