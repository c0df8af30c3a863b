"""Coalition-pressure speed on the bundled panel: the default fit against the exact
beta-binomial likelihood, and the rolling-origin back-test.

Data: the bundled panel (europe_ukraine_panel, europe_salience_panel, U.S. polls, events,
elections, government changes, Kiel aid): 36 countries x 54 months, two latent series.
Fits with identical draws / tune / chains (nutpie):

- **default**: ``CoalitionPressure(...).fit()`` (extended quasi-likelihood);
- **baseline**: the same model with ``likelihood="beta_binomial"`` (exact log-gamma terms).

For each: wall time of the whole ``fit()`` (model build, compilation, prior draws, both
stages' sampling, diagnostics), stage 2's share, minimum bulk ESS over every parameter, ESS
per second, max R-hat and divergences; then the ESS/s ratio. With ``--backtest`` the default
fit's back-test as the report runs it (6 origins, both stages refitted at each; the model and
the opinion-only variant) is timed too. The target (fit and back-test together under 75 s on
a quiet 2-core machine, the report's share of ``opinion report --all`` in 3 minutes) is
printed PASS/FAIL; the exit code is always 0.

Run: ``uv run python benchmarks/coalition.py [--draws 1000 --tune 1000 --chains 4]
[--backtest]``
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings


def bundled():
    import opinion

    return opinion.datasets.coalition_inputs()


def fit_once(label: str, likelihood: str, args: argparse.Namespace) -> dict:
    from opinion.models.coalition import CoalitionPressure

    panel, tables = bundled()
    start = time.perf_counter()
    model = CoalitionPressure(panel, likelihood=likelihood, **tables)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(random_seed=args.seed, draws=args.draws, tune=args.tune,
                        chains=args.chains, cores=args.cores, cache=False, progressbar=False)
    wall = time.perf_counter() - start
    d = fit.diagnostics
    return {"label": label, "fit": fit, "wall": wall, "stage2": fit.meta["stage2"]["seconds"],
            "min_ess": d.min_ess_bulk, "max_rhat": d.max_rhat, "divergences": d.divergences}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--backtest", action="store_true")
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    runs = [fit_once("default (quasi)", "quasi", args)]
    if not args.no_baseline:
        runs.append(fit_once("baseline (beta-binom.)", "beta_binomial", args))
    print(f"{'fit':24} {'wall s':>7} {'stage2 s':>8} {'min ESS':>8} {'ESS/s':>7} "
          f"{'R-hat':>6} {'div':>4}")
    for r in runs:
        print(f"{r['label']:24} {r['wall']:7.1f} {r['stage2']:8.1f} {r['min_ess']:8.0f} "
              f"{r['min_ess'] / r['wall']:7.2f} {r['max_rhat']:6.3f} {r['divergences']:4d}")
    if len(runs) > 1:
        ratio = (runs[0]["min_ess"] / runs[0]["wall"]) / (runs[1]["min_ess"] / runs[1]["wall"])
        print(f"ESS/s ratio default / baseline: {ratio:.2f}")
    total = runs[0]["wall"]
    if args.backtest:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check = runs[0]["fit"].backtest_check(draws=300, tune=400, chains=2,
                                                  leave_one_out=False)
        seconds = time.perf_counter() - start
        total += seconds
        print(f"back-test: {seconds:.1f} s ({check['n_origins']} origins, "
              f"{check['n_events']} events); log score model {check['model']['log_score']:.4f}"
              f", base rate {check['base_rate']['log_score']:.4f}")
        verdict = "PASS" if total < 75 else "FAIL"
        print(f"target: fit + back-test under 75 s on 2 cores: {total:.0f} s {verdict}")


if __name__ == "__main__":
    main()
