"""Batch fits on a real Dask scheduler + worker processes (loopback), cache re-use, bad input.

Truth used: a fit is "complete" when its folder holds ``posterior.nc`` + ``meta.json`` whose
``content_hash`` equals the folder name and whose ``random_seed`` is the spec's; a re-run
must find every fit cached (0 new fits). A worker is killed mid-run (SIGKILL) and the batch
must still return every result.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from opinion.batch import (
    BatchError,
    FitSpec,
    SchedulerUnreachableError,
    fit_many,
    sweep,
)
from opinion.models.poll_average.simulate import simulate_polls

FIT = {"draws": 60, "tune": 60, "chains": 1, "sampler": "pymc"}
TIMEOUT = 60.0


def _spawn(args: list[str], log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen([sys.executable, "-m", *args], stdout=handle, stderr=subprocess.STDOUT,
                            cwd=Path(__file__).resolve().parents[1], start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def _cluster(tmp_path: Path):
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1 (terminated after)."""
    from distributed import Client

    sched_file = tmp_path / "scheduler.json"
    procs = [_spawn(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                     "--no-dashboard", "--scheduler-file", str(sched_file)],
                    tmp_path / "scheduler.log")]
    try:
        deadline = time.monotonic() + TIMEOUT
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sched_file.exists(), (tmp_path / "scheduler.log").read_text()
        address = json.loads(sched_file.read_text())["address"]
        for i in range(2):
            procs.append(_spawn(["distributed.cli.dask_worker", "--scheduler-file",
                                 str(sched_file), "--nthreads", "1", "--nworkers", "1",
                                 "--no-nanny", "--no-dashboard", "--name", f"w{i}"],
                                tmp_path / f"worker{i}.log"))
        client = Client(address, timeout=TIMEOUT)
        client.wait_for_workers(2, timeout=2 * TIMEOUT)
        try:
            yield client, address, procs[1:]
        finally:
            client.close(timeout=10)
    finally:
        for proc in reversed(procs):
            _stop(proc)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One loopback cluster shared by the module's quick tests."""
    with _cluster(tmp_path_factory.mktemp("cluster")) as running:
        yield running


@pytest.fixture
def own_cluster(tmp_path):
    """A cluster of the test's own (the test kills one of its workers)."""
    with _cluster(tmp_path) as running:
        yield running


def _specs(n: int) -> list[FitSpec]:
    polls, _ = simulate_polls(10, 30, 2, seed=3)
    return [FitSpec("poll_average", polls, config={"grid_days": 6}, fit_kwargs=FIT,
                    random_seed=seed, spec_id=f"fit{seed}") for seed in range(n)]


def _complete(row) -> bool:
    folder = Path(row["cache_path"])
    meta = json.loads((folder / "meta.json").read_text())
    return ((folder / "posterior.nc").is_file() and meta["content_hash"] == folder.name
            and meta["random_seed"] == row["random_seed"])


@pytest.mark.slow
def test_batch_survives_a_killed_worker_and_reruns_from_cache(own_cluster, tmp_path):
    """Acceptance: 8 fits, one of two workers SIGKILLed mid-run, every result; re-run: 0 new.
    (About 5 minutes on 2 busy cores: each poll-average fit compiles its model.)"""
    client, address, workers = own_cluster
    cache = tmp_path / "cache"
    specs = _specs(8)

    import threading

    def kill_one_worker_when_busy() -> None:
        deadline = time.monotonic() + 4 * TIMEOUT
        while time.monotonic() < deadline:
            processing = client.processing()
            if processing and sum(len(v) for v in processing.values()) >= 2:
                time.sleep(2.0)  # let the fits get under way
                os.kill(workers[0].pid, signal.SIGKILL)
                return
            time.sleep(0.2)

    killer = threading.Thread(target=kill_one_worker_when_busy, daemon=True)
    killer.start()
    report = fit_many(specs, client=address, cache_dir=cache, progress=False, timeout=900)
    killer.join(timeout=5)
    assert workers[0].poll() is not None, "the worker was not killed during the run"
    assert list(report["spec_id"]) == [s.spec_id for s in specs]
    assert (report["status"] == "ok").all(), report[["status", "error"]]
    assert report.attrs["new_fits"] == 8
    assert all(_complete(row) for _, row in report.iterrows())
    # the dead worker's fits were re-run elsewhere: every fit is in the cache exactly once
    assert report["cache_path"].nunique() == 8  # eight different seeds, eight fits

    again = fit_many(specs, client=address, cache_dir=cache, progress=False, timeout=120)
    assert report.attrs["new_fits"] == 8 and again.attrs["new_fits"] == 0
    assert (again["status"] == "cached").all()
    assert list(again["cache_path"]) == list(report["cache_path"])


def test_one_failing_fit_is_reported_not_fatal(cluster, tmp_path):
    _, address, _ = cluster
    good, bad = _specs(1)[0], _specs(1)[0]
    bad.spec_id, bad.config = "bad", {"questions": ["no_such_question"]}
    report = fit_many([good, bad], client=address, cache_dir=tmp_path, progress=False,
                      timeout=600)
    by_id = report.set_index("spec_id")
    assert by_id.loc["fit0", "status"] == "ok"
    assert by_id.loc["bad", "status"] == "error"
    assert "no_such_question" in by_id.loc["bad", "error"]


def test_sweep_over_a_prior_setting(cluster, tmp_path):
    """One row per grid point, headline outputs read back from the cache. The latest mean of
    two-category shares must add to 100 (the model's two shares are complementary)."""
    _, address, _ = cluster
    base = _specs(1)[0]
    out = sweep(base, {"rw_pp_per_month": [1.0, 6.0]}, client=address, cache_dir=tmp_path,
                progress=False, timeout=600)
    assert list(out["rw_pp_per_month"]) == [1.0, 6.0]
    assert (out["status"] == "ok").all()
    total = out["support_mean"] + out["oppose_mean"]
    assert total.round(6).eq(100).all()
    assert (out["support_lower_90"] < out["support_mean"]).all()
    assert out["cache_path"].nunique() == 2


# ---------------------------------------------------------------------- bad input (no cluster)
def test_unreachable_scheduler_fails_fast(tmp_path):
    start = time.monotonic()
    with pytest.raises(SchedulerUnreachableError, match="127.0.0.1:9"):
        fit_many(_specs(1), client="tcp://127.0.0.1:9", cache_dir=tmp_path)
    assert time.monotonic() - start < 30


def test_unknown_model_is_a_clear_error(tmp_path):
    spec = FitSpec("no_such_model", simulate_polls(10, 30, 2, seed=3)[0])
    with pytest.raises(BatchError, match="unknown model 'no_such_model'.*poll_average"):
        fit_many([spec], cache_dir=tmp_path)


def test_unwritable_cache_folder(tmp_path):
    # a path below a regular file can never be created (also when running as root)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(BatchError, match="not writable"):
        fit_many(_specs(1), cache_dir=blocker / "cache")


def test_cli_batch_runs_a_spec_file(cluster, tmp_path, capsys):
    """`opinion batch SPEC --scheduler ADDRESS --cache DIR`: one fit from a poll file; the
    second run finds it cached (same cache path as the library call would use)."""
    from test_batch_cli import run_cli, write_spec

    _, address, _ = cluster
    spec = write_spec(tmp_path, [{"model": "poll_average", "data": "polls.csv",
                                  "config": {"grid_days": 6}, "random_seed": 4, "fit": FIT,
                                  "id": "one"}])
    code, out, err = run_cli(capsys, ["batch", str(spec), "--scheduler", address,
                                      "--cache", str(tmp_path / "c"),
                                      "--report", str(tmp_path / "r.csv")])
    report = pd.read_csv(tmp_path / "r.csv")
    unconverged = int((~report["converged"].astype(bool)).sum())
    # exit 1 when a fit did not converge (this tiny fit may not): never reported as "ok"
    assert code == (1 if unconverged else 0), err
    assert f"1 fits: 1 new, 0 cached, 0 failed, {unconverged} not converged" in out
    progress = [line for line in err.splitlines() if line.startswith("batch: ")]
    assert progress and progress[-1].startswith("batch: 1/1 fits, 0 failed, "), err
    assert len(progress) == len(set(progress))  # each count once
    assert {"converged", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences"} <= set(
        report.columns)
    code, out, err = run_cli(capsys, ["batch", str(spec), "--scheduler", address,
                                      "--cache", str(tmp_path / "c")])
    assert "1 fits: 0 new, 1 cached, 0 failed" in out
    assert "batch: " not in err  # nothing ran: no progress lines
