"""``opinion report`` reuses a report only when nothing it depends on changed.

Known answers, with tiny analyses in a temporary ``$OPINION_ANALYSES_DIR`` that count their
own runs in a file: a second ``--all`` runs nothing (every report "up to date"); editing one
analysis, deleting or editing one report, or ``--force`` runs exactly the affected ones; a
failed analysis is never recorded; a changed ``OPINION_*`` setting changes every key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opinion.cli import main
from opinion.io.datasets import datasets_dir
from opinion.report import freshness

COUNTED = """
from pathlib import Path
from opinion.report import Report, report_path
runs = Path({runs!r})
runs.write_text(runs.read_text() + {name!r} + "\\n" if runs.exists() else {name!r} + "\\n")
report = Report({title!r}, seed=1)
report.headline("A published figure", value={value}, contraction=None)
report.write(report_path({name!r}))
"""


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    folder = tmp_path / "analyses"
    folder.mkdir()
    runs = tmp_path / "runs.txt"
    for name in ("alpha", "gamma"):
        (folder / f"{name}.py").write_text(
            COUNTED.format(runs=str(runs), name=name, title=name.title(), value=0.66))
    monkeypatch.setenv("OPINION_ANALYSES_DIR", str(folder))
    monkeypatch.delenv("OPINION_REPORTS_DIR", raising=False)
    return folder, tmp_path / "out", runs


def _run(out: Path, *extra: str) -> int:
    return main(["report", "--all", "--out", str(out), *extra])


def _runs(runs: Path) -> list[str]:
    lines = runs.read_text().split() if runs.exists() else []
    runs.unlink(missing_ok=True)
    return lines


def test_second_run_renders_nothing(setup, capsys: pytest.CaptureFixture) -> None:
    _, out, runs = setup
    assert _run(out) == 0
    assert _runs(runs) == ["alpha", "gamma"]
    capsys.readouterr()
    assert _run(out) == 0
    assert _runs(runs) == []
    err = capsys.readouterr().err
    assert "alpha: up to date (inputs unchanged since" in err
    assert "gamma: up to date" in err and "--force renders it again" in err


def test_only_what_changed_is_rendered(setup) -> None:
    folder, out, runs = setup
    _run(out)
    _runs(runs)
    text = (folder / "gamma.py").read_text().replace("value=0.66", "value=0.67")
    (folder / "gamma.py").write_text(text)
    _run(out)
    assert _runs(runs) == ["gamma"]
    (out / "alpha.json").unlink()
    _run(out)
    assert _runs(runs) == ["alpha"]
    (out / "gamma.html").write_text("edited by hand")
    _run(out)
    assert _runs(runs) == ["gamma"]
    _run(out, "--force")
    assert _runs(runs) == ["alpha", "gamma"]


def test_a_failed_analysis_is_not_recorded(setup) -> None:
    folder, out, runs = setup
    (folder / "beta.py").write_text("raise RuntimeError('broken on purpose')\n")
    assert _run(out) == 1
    assert _runs(runs) == ["alpha", "gamma"]
    assert not (out / freshness.RECORD_FOLDER / "beta.json").exists()
    assert _run(out) == 1  # beta runs (and fails) again; the others are reused
    assert _runs(runs) == []


def test_settings_and_datasets_change_the_key(setup, monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _, _ = setup

    def key(datasets: Path | None = None) -> str:
        return freshness.build_key("alpha", folder, freshness.shared_inputs_digest(
            folder, datasets or datasets_dir()))

    base = key()
    monkeypatch.setenv("OPINION_SOME_SETTING", "1")
    assert key() != base
    monkeypatch.delenv("OPINION_SOME_SETTING")
    monkeypatch.setenv("OPINION_CACHE_DIR", "/elsewhere")  # where fits are kept: not an input
    assert key() == base
    copy = folder.parent / "datasets_copy"
    copy.mkdir()
    (copy / "extra.csv").write_text("a\n1\n")
    assert key(copy) != base


def test_a_corrupt_record_means_render(setup) -> None:
    _, out, runs = setup
    _run(out)
    _runs(runs)
    (out / freshness.RECORD_FOLDER / "alpha.json").write_text("{not json")
    _run(out)
    assert _runs(runs) == ["alpha"]
    record = json.loads((out / freshness.RECORD_FOLDER / "alpha.json").read_text())
    assert set(record) == {"key", "built", "html_sha256", "json_sha256"}
