"""Coalition-pressure speed: 30 members over 36 months, nutpie against PyMC's own NUTS.

Data: the bundled 30 NATO members with a coalition simulated from the model's priors
(``opinion.models.coalition.simulate``, seed 1: about 70% of members polled on each item,
salience measured in about half), pressure on a 36-month grid (2022-01..2024-12). Two fits
with identical draws / tune / chains:

- **default**: ``CoalitionPressure(...).fit(sampler="nutpie")``;
- **baseline**: the same model with ``sampler="pymc"`` (PyMC's own NUTS).

For each: wall time of the whole ``fit()`` call (model build, compilation, prior predictive,
sampling, posterior predictive, diagnostics), minimum bulk ESS over all parameters, ESS per
second (min bulk ESS / wall time), max R-hat and divergences; then the ESS/s ratio. The
target (whole default fit under 60 s on a 2-core machine) is printed PASS/FAIL; the exit code
is always 0.

Run: ``uv run python benchmarks/coalition.py [--draws 1000 --tune 1000 --chains 4]``
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings


def fit_once(label: str, sampler: str, draws: int, tune: int, chains: int, cores: int,
             seed: int) -> dict:
    from opinion.models.coalition import CoalitionPressure
    from opinion.models.coalition.inputs import default_members
    from opinion.models.coalition.simulate import simulate
    from opinion.models.core.diagnostics import convergence_table

    members = default_members()
    sim = simulate(members, seed=seed)
    start = time.perf_counter()
    model = CoalitionPressure(sim.polls, members=members, salience=sim.salience,
                              start="2022-01-01", end="2024-12-01")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(random_seed=seed, draws=draws, tune=tune, chains=chains, cores=cores,
                        sampler=sampler, cache=False, progressbar=False)
    wall = time.perf_counter() - start
    table = convergence_table(fit.idata)
    d = fit.diagnostics
    return {"label": label, "months": len(model.inputs.dates), "members": len(members),
            "wall": wall, "sampling": d.sampling_seconds, "min_ess": float(table["ess_bulk"].min()),
            "max_rhat": d.max_rhat, "divergences": d.divergences}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    runs = [fit_once("default (nutpie)", "nutpie", args.draws, args.tune, args.chains,
                     args.cores, args.seed)]
    if not args.no_baseline:
        runs.append(fit_once("baseline (pymc NUTS)", "pymc", args.draws, args.tune, args.chains,
                             args.cores, args.seed))
    print(f"{'fit':22} {'members':>7} {'months':>6} {'wall s':>7} {'sample s':>8} "
          f"{'min ESS':>8} {'ESS/s':>7} {'R-hat':>6} {'div':>4}")
    for r in runs:
        print(f"{r['label']:22} {r['members']:7d} {r['months']:6d} {r['wall']:7.1f} "
              f"{r['sampling']:8.1f} {r['min_ess']:8.0f} {r['min_ess'] / r['wall']:7.1f} "
              f"{r['max_rhat']:6.3f} {r['divergences']:4d}")
    default = runs[0]
    verdict = "PASS" if default["wall"] < 60 else "FAIL"
    print(f"target: default fit under 60 s incl. compile: {default['wall']:.1f} s {verdict}")
    if len(runs) > 1:
        ratio = (default["min_ess"] / default["wall"]) / (runs[1]["min_ess"] / runs[1]["wall"])
        print(f"ESS/s ratio default / baseline: {ratio:.2f}")


if __name__ == "__main__":
    main()
