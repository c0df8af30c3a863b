"""``opinion report --all``: carries on past a failing analysis, reports it at the end with
exit 1, prints per-report timings, and does the same with ``--jobs 2`` (child processes).

The analyses here are tiny scripts in a temporary ``$OPINION_ANALYSES_DIR`` (no model fits):
two write a report, one raises. Known answer: exactly the two good reports exist, each with
its JSON twin, and the failing one is named in the summary.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from opinion.cli import main

GOOD = """
from opinion.report import Report, report_path
report = Report({title!r}, seed=1)
report.headline("A published figure", value=0.66, contraction=None)
report.write(report_path({name!r}))
"""
BROKEN = "raise RuntimeError('the analysis broke on purpose')\n"


@pytest.fixture
def analyses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "analyses"
    folder.mkdir()
    for name in ("alpha", "gamma"):
        (folder / f"{name}.py").write_text(GOOD.format(title=name.title(), name=name))
    (folder / "beta.py").write_text(BROKEN)
    monkeypatch.setenv("OPINION_ANALYSES_DIR", str(folder))
    monkeypatch.delenv("OPINION_REPORTS_DIR", raising=False)
    return folder


def _check_outputs(out: Path, summary: str) -> None:
    assert sorted(p.name for p in out.glob("*.json")) == ["alpha.json", "gamma.json"]
    assert (out / "alpha.html").is_file() and (out / "gamma.html").is_file()
    assert not (out / "beta.html").exists()
    assert json.loads((out / "alpha.json").read_text())["headlines"][0]["value"] == 0.66
    assert "1 of 3 analyses failed: beta" in summary
    for name in ("alpha", "beta", "gamma", "total"):
        assert any(line.strip().startswith(name) and line.rstrip().endswith(("s  ok", "failed",
                   " s")) for line in summary.splitlines()), (name, summary)


def test_all_continues_past_a_failure_in_process(analyses: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    code = main(["report", "--all", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "beta: FAILED: RuntimeError: the analysis broke on purpose" in err
    _check_outputs(out, err)


def test_all_in_parallel_jobs(analyses: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "opinion", "report", "--all", "--jobs", "2",
                          "--out", str(out)], capture_output=True, text=True,
                         env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)
    assert run.returncode == 1, run.stderr
    assert "beta: FAILED: RuntimeError: the analysis broke on purpose" in run.stderr
    assert "Traceback" in (out / "logs" / "beta.log").read_text()
    _check_outputs(out, run.stderr)


def test_parallel_runs_start_with_the_analysis_that_took_longest(tmp_path: Path) -> None:
    from opinion.cli.report_command import longest_first

    for name, seconds in (("quick", 2.0), ("slow", 330.0), ("middle", 120.0)):
        (tmp_path / f"{name}.json").write_text(json.dumps(
            {"provenance": {"runtime_seconds": seconds}}))
    (tmp_path / "broken.json").write_text("{not json")
    names = ["new", "quick", "broken", "slow", "middle"]
    assert longest_first(names, tmp_path) == ["slow", "middle", "quick", "new", "broken"]
