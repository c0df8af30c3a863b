"""``opinion report NAME`` / ``opinion report --all``: run analyses into HTML + JSON reports.

Each analysis is a script in the analyses folder (see :mod:`opinion.report.paths`); it writes
``<name>.html`` and ``<name>.json`` into the output folder (``--out``, default
``./reports``). ``--all`` runs every analysis, carries on past one that fails, writes the
index, prints each report's time and exits 1 if any failed. ``--jobs N`` runs up to N
analyses at once, each in its own process with its output in ``<out>/logs/<name>.log``
(PyMC compiles in one thread, so two analyses on two cores overlap compiling with sampling).
A report whose inputs (package source, analysis script, datasets, package versions,
``OPINION_*`` settings) did not change since it was written is reused, not rendered again
(:mod:`opinion.report.freshness`); ``--force`` renders it anyway.
"""

from __future__ import annotations

import io
import json
import os
import runpy
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console

from opinion.errors import OpinionError

console = Console(stderr=True, soft_wrap=True)  # a long path is not hard-wrapped


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
    folder = Path(out).resolve() if out is not None else reports_dir()
    html = folder / f"{name}.html"
    mark_analysis_start()
    stdout = sys.stdout
    filtered = _WithoutLine(stdout, f"wrote {html}")  # the runner says it, with the time
    sys.stdout = filtered
    try:
        runpy.run_path(str(script), run_name="__main__")
    finally:
        sys.stdout = stdout
        filtered.finish()
        if out is not None:
            if previous is None:
                os.environ.pop(REPORTS_ENV, None)
            else:
                os.environ[REPORTS_ENV] = previous
    return html


class _WithoutLine(io.TextIOBase):
    """``stream`` minus the lines equal to ``line``: an analysis run as a script ends with
    ``wrote <its report>``; under ``opinion report`` the runner states that fact itself (with
    the JSON twin and the time), so the script's own copy is dropped and each fact is printed
    once. Everything else passes through unchanged, line by line."""

    def __init__(self, stream: TextIO, line: str) -> None:
        self._stream, self._line, self._pending = stream, line, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *complete, self._pending = self._pending.split("\n")
        for part in complete:
            if part.rstrip("\r") != self._line:
                self._stream.write(part + "\n")
        if self._pending and not self._line.startswith(self._pending):
            self._stream.write(self._pending)  # a partial line that cannot be the dropped one
            self._pending = ""
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def finish(self) -> None:
        """Write what is left of an unfinished last line (unless it is the dropped line)."""
        if self._pending and self._pending.rstrip("\r") != self._line:
            self._stream.write(self._pending)
        self._pending = ""
        self._stream.flush()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()


def _check_output(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # one probe per process: analyses running in parallel check the same folder
        probe = folder / f".opinion-write-test.{os.getpid()}"
        probe.write_text("")
        probe.unlink(missing_ok=True)
    except OSError as exc:
        raise OpinionError(f"cannot write reports to {folder}: {exc.strerror or exc}") from None


def report(
    name: str = typer.Argument(None, help="Analysis to run (see --list)."),
    all_: bool = typer.Option(False, "--all", help="Run every analysis and write the index."),
    out: Path = typer.Option(None, help="Folder for the reports (default: ./reports)."),
    list_: bool = typer.Option(False, "--list", help="List the analyses and exit."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, max=16,
                             help="Analyses run at once, each in its own process."),
    force: bool = typer.Option(False, "--force",
                               help="Render even the reports whose inputs did not change."),
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
    wanted = known if all_ else [name]
    fresh = _freshness(wanted, folder)
    stale = [n for n in wanted if force or not fresh[n].up_to_date]
    for i, analysis in enumerate(wanted, start=1):
        if analysis not in stale:
            console.print(f"[{i}/{len(wanted)}] {analysis}: {fresh[analysis].reason}; "
                          "--force renders it again", highlight=False, soft_wrap=True)
    if all_ and jobs > 1 and len(stale) > 1:
        ran = _run_parallel(longest_first(stale, folder), folder, jobs)
    else:
        ran = [_run_one(analysis, i, len(stale), folder)
               for i, analysis in enumerate(stale, start=1)]
    _record_builds(ran, fresh, folder)
    outcome = {analysis: (analysis, seconds, status) for analysis, seconds, status in ran}
    timings = [outcome.get(n, (n, 0.0, "up to date")) for n in wanted]
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


def _freshness(names: list[str], folder: Path) -> dict:
    """Each report's :class:`~opinion.report.freshness.Freshness` (its build key and whether
    the report in ``folder`` was built from the same inputs)."""
    from opinion.io.datasets import datasets_dir
    from opinion.report import freshness
    from opinion.report.paths import analyses_dir

    analyses = analyses_dir()
    shared = freshness.shared_inputs_digest(analyses, datasets_dir())
    return {n: freshness.check(n, freshness.build_key(n, analyses, shared), folder)
            for n in names}


def _record_builds(ran: list[tuple[str, float, str]], fresh: dict, folder: Path) -> None:
    """Record the reports that were rendered successfully (key computed before the run)."""
    from datetime import UTC, datetime

    from opinion.report import freshness

    built = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    for analysis, _, status in ran:
        if status == "ok":
            freshness.record(analysis, fresh[analysis].key, folder, built)


def _files_only_backend() -> None:
    """A command-line run draws into files only: it asks for Agg through ``MPLBACKEND`` (as a
    user would) unless the user set that variable; it never calls ``matplotlib.use``."""
    os.environ.setdefault("MPLBACKEND", "Agg")


def _run_one(analysis: str, i: int, total: int, folder: Path) -> tuple[str, float, str]:
    """Run one analysis with progress lines; a failure is reported in one line (the
    traceback with ``opinion --debug``) and returned as status ``"failed"``."""
    from opinion.cli.app import debugging

    start = time.perf_counter()
    console.print(f"[{i}/{total}] {analysis}: running analyses/{analysis}.py", highlight=False)
    try:
        path = run_analysis(analysis, folder)
    except Exception as exc:
        console.print(f"[{i}/{total}] {analysis}: FAILED: "
                      + f"{type(exc).__name__}: {exc}".splitlines()[0], highlight=False)
        if debugging():
            console.print(traceback.format_exc(), highlight=False, markup=False)
        return analysis, time.perf_counter() - start, "failed"
    seconds = time.perf_counter() - start
    console.print(f"[{i}/{total}] {analysis}: wrote {path} and "
                  f"{path.with_suffix('.json').name} ({seconds:.1f} s)", highlight=False)
    return analysis, seconds, "ok"


def longest_first(names: list[str], folder: Path) -> list[str]:
    """``names`` ordered by how long each analysis took when its report in ``folder`` was
    last rendered (the report's JSON records it), longest first, so that parallel jobs
    finish together; never-rendered analyses keep their order at the end."""
    def last_runtime(name: str) -> float:
        try:
            report = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            return float(report["provenance"]["runtime_seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0.0

    return sorted(names, key=last_runtime, reverse=True)


def _run_parallel(names: list[str], folder: Path, jobs: int) -> list[tuple[str, float, str]]:
    """Run ``names`` in up to ``jobs`` child processes (``opinion report NAME``), logging each
    to ``folder/logs/NAME.log``; progress lines as each starts and ends."""
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    waiting, running, done, shown = list(names), {}, {}, {}
    total = len(names)
    while waiting or running:
        while waiting and len(running) < jobs:
            name = waiting.pop(0)
            log = (logs / f"{name}.log").open("w", encoding="utf-8")
            command = [sys.executable, "-m", "opinion", "--debug", "report", name,
                       "--out", str(folder), "--force"]
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            running[name] = (process, log, time.perf_counter())
            console.print(f"[{len(done) + len(running)}/{total}] {name}: started "
                          f"(output in {logs / (name + '.log')})", highlight=False)
        time.sleep(0.2)
        _show_progress(running, logs, shown)
        for name, (process, log, started) in list(running.items()):
            if process.poll() is None:
                continue
            log.close()
            seconds = time.perf_counter() - started
            status = "ok" if process.returncode == 0 else "failed"
            done[name] = (name, seconds, status)
            del running[name]
            message = (_failure_line(logs / f"{name}.log", name) if status == "failed"
                       else "wrote report")
            console.print(f"[{len(done)}/{total} done] {name}: {message} ({seconds:.1f} s)",
                          highlight=False)
    return [done[name] for name in names]


def _show_progress(running: dict, logs: Path, shown: dict[str, tuple[float, str]]) -> None:
    """Every 10 s, the latest line each running analysis has logged (which fit, sampling)."""
    now = time.perf_counter()
    for name in running:
        last_time, last_text = shown.get(name, (running[name][2], ""))
        if now - last_time < 10:
            continue
        lines = _log_lines(logs / f"{name}.log")
        text = lines[-1][:100] if lines else "starting"
        if text != last_text:
            console.print(f"      {name}: {text}", highlight=False, markup=False)
        shown[name] = (now, text)


def _log_lines(path: Path) -> list[str]:
    """Non-empty lines of a child's log (progress bars' carriage returns split lines)."""
    text = path.read_text(errors="replace").replace("\r", "\n")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _failure_line(path: Path, name: str) -> str:
    """A failed child's one-line reason, from its log."""
    marker = f"{name}: FAILED: "
    lines = _log_lines(path)
    reasons = [line.split(marker, 1)[1] for line in lines if marker in line]
    if reasons:
        return "FAILED: " + reasons[-1]
    return "FAILED: " + (lines[-1] if lines else "no output")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
