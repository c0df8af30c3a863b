"""Batch speed-up: N small poll-average fits on 2 Dask workers versus one after another.

Data: ``simulate_polls(10, 30, 2, seed=3)``; N fits differing only in their seed
(``grid_days=6``, pymc NUTS, 1 chain, ``--draws``/``--tune`` each). Both runs start from an
empty cache folder of their own and do exactly the same work per fit (build, compile, prior
predictive, sampling, posterior predictive, diagnostics, write to the cache):

- **sequential**: ``opinion.batch.run_fit`` on each fit in this process, one after another;
- **batch**: ``opinion.batch.fit_many`` on a LocalCluster of 2 single-threaded worker
  processes (cluster start-up and the workers' imports are included in the wall time).

Prints both wall times and the ratio sequential / batch (ideal: 2 on 2 free cores; less on a
shared machine, since each fit's compilation competes for the same cores).

Run: ``uv run python benchmarks/batch.py [--fits 32 --draws 100 --tune 100]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=32)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--tune", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from distributed import Client, LocalCluster

    from opinion.batch import FitSpec, _payload, check_cache_dir, fit_many, run_fit
    from opinion.models.poll_average.simulate import simulate_polls

    polls, _ = simulate_polls(10, 30, 2, seed=3)
    fit = {"draws": args.draws, "tune": args.tune, "chains": 1, "sampler": "pymc"}
    specs = [FitSpec("poll_average", polls, config={"grid_days": 6}, fit_kwargs=fit,
                     random_seed=seed) for seed in range(args.fits)]
    print(f"{args.fits} fits, {args.draws} draws + {args.tune} tune, 1 chain; "
          f"{os.cpu_count()} cores on this machine")
    with tempfile.TemporaryDirectory() as tmp:
        seq_dir, batch_dir = check_cache_dir(Path(tmp) / "seq"), Path(tmp) / "batch"

        start = time.perf_counter()
        rows = [run_fit(_payload(spec, i, seq_dir)) for i, spec in enumerate(specs)]
        sequential = time.perf_counter() - start
        failed = [r for r in rows if r["status"] != "ok"]
        print(f"sequential (one process): {sequential:8.1f} s  ({len(failed)} failed)")

        start = time.perf_counter()
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            report = fit_many(specs, client=client, cache_dir=batch_dir, progress=False)
        batch = time.perf_counter() - start
        print(f"batch ({args.workers} Dask workers):   {batch:8.1f} s  "
              f"({report.attrs['new_fits']} new, {report.attrs['errors']} failed)")
    print(f"ratio sequential / batch: {sequential / batch:.2f}")


if __name__ == "__main__":
    main()
