"""Progress lines of long runs (`opinion sbc`, `opinion batch`): what they say and how often.

:class:`opinion.batch.FitProgress` is checked with a fake clock and stream: a line per
finished fit on a terminal, at most one every 10 s elsewhere, a heartbeat after a minute
without news, one final line. `opinion sbc` is run end to end on an in-process Dask cluster
whose simulations are replaced by instant fake ones (the sampler is not what is tested):
the workers' per-simulation events reach the client's progress lines. `opinion batch`'s
lines are checked in ``tests/test_batch.py`` on its loopback cluster (real fits).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from opinion.batch import FitProgress


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _meter(tty: bool, total: int = 100) -> tuple[FitProgress, Clock, io.StringIO]:
    clock, stream = Clock(), io.StringIO()
    return FitProgress("sbc", total, stream=stream, clock=clock, tty=tty), clock, stream


def test_line_reads_done_failed_elapsed_and_time_left() -> None:
    meter, clock, _ = _meter(tty=False)
    meter.update(12, 1)
    clock.now = 180.0
    assert meter.line() == "sbc: 12/100 fits, 1 failed, 3 min elapsed, ~22 min left"
    clock.now = 4 * 3600 + 5 * 60
    assert meter.line() == "sbc: 12/100 fits, 1 failed, 4 h 5 min elapsed, ~29 h 57 min left"
    meter.update(100, 1)
    assert meter.line() == "sbc: 100/100 fits, 1 failed, 4 h 5 min elapsed"  # no ETA when done


def test_not_a_terminal_prints_at_most_one_line_every_10_seconds() -> None:
    meter, clock, stream = _meter(tty=False)
    for i in range(1, 101):  # one fit a second
        clock.now = float(i)
        meter.update(i, i // 50)
    meter.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10, lines  # 100 s: one line every 10 s, the last one the final count
    assert lines[0] == "sbc: 10/100 fits, 0 failed, 10 s elapsed, ~2 min left"
    assert lines[-1] == "sbc: 100/100 fits, 2 failed, 2 min elapsed"
    assert len(set(lines)) == len(lines)  # the final count is not printed twice


def test_terminal_gets_a_line_per_finished_fit() -> None:
    meter, clock, stream = _meter(tty=True, total=5)
    for i in range(1, 6):
        clock.now = 30.0 * i
        meter.update(i)
    meter.finish()  # already printed: not repeated
    lines = stream.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == [f"sbc: {i}/5 fits" for i in range(1, 6)]


def test_heartbeat_when_nothing_finishes_for_a_minute() -> None:
    meter, clock, stream = _meter(tty=False)
    for second in range(1, 150):
        clock.now = float(second)
        meter.update(0)
    lines = stream.getvalue().splitlines()
    assert lines == ["sbc: 0/100 fits, 0 failed, 1 min elapsed",
                     "sbc: 0/100 fits, 0 failed, 2 min elapsed"]


# ---------------------------------------------------------------- opinion sbc, end to end
def _fake_chunk(design_json, n, seed, sims, bins, topic=None):
    """Instant stand-in for :func:`opinion.calibration.run_chunk`: uniform ranks, simulation
    3 fails, each simulation announced as the real one does."""
    import time

    from opinion.calibration import announce

    rows = []
    for sim in sims:
        time.sleep(0.3)
        if sim == 3:
            rows.append({"sim": sim, "parameter": "", "rank": -1, "n_draws": 99,
                         "error": "FloatingPointError: fake"})
            announce(topic, failed=True)
            continue
        rank = int(np.random.default_rng(sim).integers(0, 100))
        rows.append({"sim": sim, "parameter": "mu", "rank": rank, "n_draws": 99, "truth": 0.0,
                     "post_mean": 0.0, "in_50": True, "in_90": True, "divergences": 0,
                     "seconds": 0.3, "error": ""})
        announce(topic, failed=False)
    return rows


@pytest.fixture
def inprocess_scheduler():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_sbc_command_prints_progress_to_stderr(capsys, monkeypatch, inprocess_scheduler) -> None:
    from opinion import calibration
    from opinion.cli import main

    monkeypatch.setattr(calibration, "run_chunk", _fake_chunk)
    monkeypatch.setattr(FitProgress, "quiet_every", 0.0)  # every change, for the test
    code = main(["sbc", "poll_average", "--n", "8", "--scheduler", inprocess_scheduler])
    out, err = capsys.readouterr()
    assert code == 1, out + err  # one failed simulation fails calibration
    lines = [line for line in err.splitlines() if line.startswith("sbc: ")]
    assert len(lines) >= 2, err  # simulations are counted as they finish, not per chunk
    assert lines[-1].startswith("sbc: 8/8 fits, 1 failed, ")
    counts = [int(re.match(r"sbc: (\d+)/8", line)[1]) for line in lines]
    assert counts == sorted(counts) and len(lines) == len(set(lines))
    assert "1 simulations failed" in out and "calibration: FAILED" in out
    assert "sbc: " not in out  # progress on stderr only


def test_sbc_is_quiet_without_progress(monkeypatch, capsys, inprocess_scheduler) -> None:
    from opinion import calibration

    monkeypatch.setattr(calibration, "run_chunk", _fake_chunk)
    result = calibration.sbc("poll_average", n=4, client=inprocess_scheduler, progress=False)
    assert result.n_simulations == 3 and len(result.failures) == 1
    assert capsys.readouterr().err == ""
