"""Analyses as scripts: from any working directory, writing only their report, reproducibly.

Each analysis runs as a script, and some again through the CLI, in a private copy of the
working tree (so that other work in the real tree cannot disturb the file listings, and the
copy is first on ``PYTHONPATH``):

1. ``python <copy>/analyses/NAME.py`` from an unrelated folder, with the session's shared
   fit cache: it writes ``./reports/NAME.html`` and its JSON twin in its working directory
   (the documented default) and nothing else, changes nothing in the copy, and says where
   the report went;
2. ``opinion report NAME --out DIR`` (the analyses listed in ``DETERMINISM``) from an
   unrelated folder, with an empty fit cache of its own (so every model is sampled again):
   nothing in the copy changes, DIR gets the report and an index, the command prints a
   progress line, and the report is identical to the first run's once the provenance's
   timestamp/runtime and matplotlib's random SVG ids are set aside
   (:func:`browser.harness.normalise_report`).

Both runs fit models, so they are marked slow; ``.ci/run`` runs them after the default suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import checks, harness

NAMES = harness.analysis_names()
# Refitting from an empty cache doubles an analysis's cost; the determinism check runs on
# the analyses whose fits take under about a minute (the poll average's two reports), and
# every model's own tests check that a seed gives the same draws.
DETERMINISM = [name for name in NAMES if name in ("ipsos_two_thirds", "us_ukraine_support")]
_FIRST_RUNS: dict[str, str] = {}  # name -> normalised report of run 1

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory) -> Path:
    return harness.copy_repo(tmp_path_factory.mktemp("repo") / "opinion-copy")


def _first_run(name: str, repo: Path, tmp: Path, cache: Path
               ) -> tuple[harness.Run, list[str], list[str]]:
    cwd = tmp / "somewhere-else"
    cwd.mkdir(exist_ok=True)
    env = harness.analysis_env(reports_dir=None, cache_dir=cache, repo=repo)
    before = harness.snapshot(repo)
    run = harness.run_script(repo / "analyses" / f"{name}.py", cwd=cwd, env=env)
    changed = harness.changed_files(before, harness.snapshot(repo))
    written = sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*") if p.is_file())
    assert written in ([], [f"reports/{name}.html", f"reports/{name}.json"]), \
        f"the script wrote more than its report into ./reports: {written}"
    if run.returncode == 0:
        report = (cwd / "reports" / f"{name}.html").read_text("utf-8")
        _FIRST_RUNS[name] = harness.normalise_report(report)
    return run, changed, written


@pytest.mark.parametrize("name", NAMES)
def test_script_runs_from_any_cwd_and_writes_only_its_report(
        name, repo_copy, tmp_path, tmp_path_factory) -> None:
    run, changed, written = _first_run(name, repo_copy, tmp_path,
                                       harness.session_fit_cache(tmp_path_factory))
    assert run.returncode == 0, run.explain()
    assert changed == [], "the script changed the repository: " + ", ".join(changed)
    assert written == [f"reports/{name}.html", f"reports/{name}.json"], run.explain()
    assert f"{name}.html" in run.stdout + run.stderr, \
        "the script should say where it wrote the report"
    report = tmp_path / "somewhere-else" / "reports" / f"{name}.html"
    assert checks.static_problems(report.read_text("utf-8")) == []


@pytest.mark.parametrize("name", DETERMINISM)
def test_cli_report_is_deterministic_without_the_cache(
        name, repo_copy, tmp_path, tmp_path_factory) -> None:
    shared = harness.session_fit_cache(tmp_path_factory)
    if name not in _FIRST_RUNS:
        run, _, _ = _first_run(name, repo_copy, tmp_path, shared)
        assert run.returncode == 0, run.explain()
    out, cwd, fresh = tmp_path / "out", tmp_path / "cwd", tmp_path / "empty-cache"
    cwd.mkdir()
    fresh.mkdir()
    env = harness.analysis_env(reports_dir=None, cache_dir=fresh, repo=repo_copy)
    before = harness.snapshot(repo_copy)
    run = harness.run_cli(["report", name, "--out", str(out)], cwd=cwd, env=env)
    assert run.returncode == 0, run.explain()
    assert harness.changed_files(before, harness.snapshot(repo_copy)) == [], \
        "opinion report --out wrote into the repository"
    assert list(cwd.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [".build", "index.html", f"{name}.html", f"{name}.json"])  # .build: freshness record
    assert f"[1/1] {name}: wrote" in run.stderr, run.explain()  # progress line
    second = harness.normalise_report((out / f"{name}.html").read_text("utf-8"))
    assert harness.report_differences(_FIRST_RUNS[name], second) == []
