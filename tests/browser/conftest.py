"""Fixtures for the browser tests: one Chromium per session, synthetic and real reports."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from browser import checks, harness, synthetic


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """The shared headless Chromium context (skips when Chromium is absent)."""
    reason = checks.chromium_missing()
    if reason:
        pytest.skip(reason)
    yield checks.shared_context(tmp_path_factory.mktemp("chromium-profile"))
    checks.close_shared()


@dataclass
class SyntheticFolder:
    folder: Path
    reports: list[synthetic.SyntheticReport]
    index: Path


@pytest.fixture(scope="session")
def synthetic_folder(tmp_path_factory) -> SyntheticFolder:
    """Two synthetic reports (one with failing diagnostics) and their index, in tmp."""
    folder = tmp_path_factory.mktemp("synthetic-reports")
    reports, index = synthetic.build_folder(folder)
    return SyntheticFolder(folder, reports, index)


@dataclass
class RealReports:
    folder: Path
    names: list[str]
    failures: dict[str, str] = field(default_factory=dict)
    rendered: list[str] = field(default_factory=list)


def real_report_names() -> list[str]:
    """Every analysis and every report already in ``reports/`` (collection time)."""
    from opinion.report.paths import reports_dir

    existing = {p.stem for p in reports_dir().glob("*.html") if p.name != "index.html"}
    return sorted(set(harness.analysis_names()) | existing)


@pytest.fixture(scope="session")
def real_reports(tmp_path_factory) -> RealReports:
    """``reports/`` with a report for every analysis: missing ones are rendered first.

    Rendering runs ``opinion report NAME`` in a subprocess (the analyses change matplotlib's
    global theme, which must not leak into other tests) with the session's fit cache, so a
    later script or notebook run of the same analysis does not sample again. The index is
    rewritten when it is missing or does not link every report.
    """
    from opinion.report import write_index
    from opinion.report.paths import reports_dir

    folder = reports_dir()
    result = RealReports(folder, real_report_names())
    cache = harness.session_fit_cache(tmp_path_factory)
    for name in harness.analysis_names():
        if (folder / f"{name}.html").is_file():
            continue
        explicit = folder if "OPINION_REPORTS_DIR" in os.environ else None
        env = harness.analysis_env(reports_dir=explicit, cache_dir=cache)
        run = harness.run_cli(["report", name], cwd=harness.REPO_ROOT, env=env)
        result.rendered.append(name)
        if run.returncode != 0 or not (folder / f"{name}.html").is_file():
            result.failures[name] = run.explain()
    index = folder / "index.html"
    reports = sorted(p.name for p in folder.glob("*.html") if p.name != "index.html")
    if reports and (not index.is_file()
                    or any(f'href="{r}"' not in index.read_text("utf-8") for r in reports)):
        write_index(folder)
    return result
