"""Issue-salience fit speed: 200 polls x 12 issues x 3 subgroups, all three question formats.

Simulated from the model's own generative story (``opinion.models.salience.simulate``):
monthly knots over six months, six pollsters, two single-choice questions (one offering 9 of
the 12 issues), a multi-mention and a rating question; every poll reports the whole sample and
two party subgroups (600 blocks, about 6,800 reported shares). The fit goes through the public
``IssueSalience(...).fit()`` path (prior predictive, NUTS, posterior predictive, diagnostics)
with ``cache=False``; the time includes every compilation.

Printed: wall time of the whole fit, sampling time, min bulk ESS per second of the whole fit
and of sampling, max R-hat, divergences, coverage of the true shares by the 90% intervals, and
the same-run baselines: the per-poll statsmodels intervals (Goodman / Wilson, no pooling) and,
with ``--pymc``, PyMC's own NUTS sampler on the same model. Both sampler arms get the same
draws, tuning steps, chains, cores, target acceptance, data and seed (the tuning length is
resolved once, from the model's nutpie default unless ``--tune`` is given), and the benchmark
prints what differs between them; ``--pymc-tune N`` gives PyMC a different tuning length,
which is then printed as a difference. The total runtime is printed at the end.

Run: ``uv run python benchmarks/salience.py [--draws 1000] [--tune N] [--target-accept P]
[--pymc] [--pymc-tune N]`` (defaults: the model's own tuning length and target acceptance).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from opinion.formatting import interval_columns
from opinion.models.salience import IssueSalience
from opinion.models.salience.baseline import timed_baseline
from opinion.models.salience.simulate import QuestionSpec, simulate_salience

ISSUES = [f"issue {i:02d}" for i in range(12)]
QUESTIONS = [
    QuestionSpec("mii_a", "single_choice", polls=80, n=1000, pollsters=("A", "B", "C", "D")),
    QuestionSpec("mii_b", "single_choice", polls=40, n=1200, pollsters=("B", "E"), offered=9,
                 other=0.3, wording_sd=0.15),
    QuestionSpec("mip", "multi_mention", polls=40, n=1000, pollsters=("C", "F"),
                 intercept=-0.3, slope=0.8, wording_sd=0.15),
    QuestionSpec("rate", "rating", polls=40, n=900, pollsters=("D", "F"), intercept=0.4,
                 slope=0.4, wording_sd=0.15),
]


def simulate(seed: int = 20221108):
    rng = np.random.default_rng(seed)
    return simulate_salience(QUESTIONS, seed=seed, issues=ISSUES,
                             levels=rng.normal(-1.2, 0.7, len(ISSUES)),
                             groups=("all", "party:dem", "party:rep"), days=180,
                             house_sd=0.05)


def settings(tune: int | None, target_accept: float | None) -> tuple[int, float]:
    """The tuning length and target acceptance both arms use (the model's nutpie defaults
    unless given)."""
    model = IssueSalience(simulate()[0])
    return (model.default_tune("nutpie") if tune is None else tune,
            model.default_target_accept() if target_accept is None else target_accept)


def arm_differences(nutpie_settings: dict, pymc_settings: dict) -> str:
    """What differs between the two arms, read from the settings each fit recorded (not
    from what was asked for), and what is identical."""
    keys = sorted(set(nutpie_settings) | set(pymc_settings))
    differs = [f"{k} ({nutpie_settings.get(k)} nutpie vs {pymc_settings.get(k)} PyMC)"
               for k in keys if nutpie_settings.get(k) != pymc_settings.get(k)]
    same = [f"{k} {nutpie_settings[k]}" for k in keys
            if k != "sampler" and nutpie_settings.get(k) == pymc_settings.get(k)]
    return (f"arms differ in: {'; '.join(differs)}; identical: {', '.join(same)}, and the "
            "same model, data and seed")


def run(sampler: str, draws: int, tune: int, seed: int, target_accept: float) -> dict:
    polls, truth = simulate()
    model = IssueSalience(polls)
    start = time.perf_counter()
    # no warnings silenced: a convergence warning of either arm is part of the result
    fit = model.fit(random_seed=seed, draws=draws, tune=tune, chains=4, cores=2,
                    sampler=sampler, cache=False, progressbar=False,
                    target_accept=target_accept)
    wall = time.perf_counter() - start
    diag = fit.diagnostics
    stats = fit.idata["sample_stats"]
    steps = float(stats["n_steps"].mean()) if "n_steps" in stats else float(
        stats["tree_depth"].mean()) if "tree_depth" in stats else float("nan")
    shares = fit.shares().merge(truth.shares(fit.reference_date), on=["issue", "group"])
    lower, upper = interval_columns(0.9)  # fit.shares()' default level
    inside = ((shares["share"] >= shares[lower]) & (shares["share"] <= shares[upper]))
    return {"fit": fit, "model": model, "wall": wall, "sampling": diag.sampling_seconds,
            "ess": diag.min_ess_bulk, "rhat": diag.max_rhat, "div": diag.divergences,
            "coverage": float(inside.mean()), "blocks": len(model.inputs.blocks),
            "cells": len(model.inputs.cells), "likelihood": model.likelihood_kind(),
            "centered": model.centered(), "steps": steps,
            "tune": fit.meta["settings"]["tune"], "settings": dict(fit.meta["settings"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=None,
                        help="tuning steps per chain (default: the model's own)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target-accept", type=float, default=None,
                        help="NUTS target acceptance (default: the model's own)")
    parser.add_argument("--pymc", action="store_true", help="also time PyMC's own NUTS")
    parser.add_argument("--pymc-tune", type=int, default=None,
                        help="tuning steps for the PyMC arm (default: the same as nutpie's)")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    tune, target_accept = settings(args.tune, args.target_accept)
    r = run("nutpie", args.draws, tune, args.seed, target_accept)
    print(f"data: {r['blocks']} blocks (poll x question x group), {r['cells']} shares; "
          f"likelihood {r['likelihood']}, "
          f"{'centred' if r['centered'] else 'non-centred'} effects")
    print(f"nutpie fit, 4 chains x {args.draws} draws (+{r['tune']} tuning): "
          f"{r['wall']:.1f} s in all (compile + prior/posterior predictive + sampling), "
          f"sampling {r['sampling']:.1f} s")
    print(f"  min bulk ESS {r['ess']:.0f} = {r['ess'] / r['wall']:.1f}/s of the whole fit, "
          f"{r['ess'] / r['sampling']:.1f}/s of sampling; max R-hat {r['rhat']:.3f}; "
          f"divergences {r['div']}; mean leapfrog steps per draw {r['steps']:.0f}")
    print(f"  true shares inside the 90% intervals: {r['coverage']:.0%} "
          f"({len(ISSUES)} issues x 3 groups)")
    cells = r["model"].observations()
    _, base_seconds = timed_baseline(cells, level=0.9)
    print(f"baseline (per-poll Goodman/Wilson intervals, statsmodels, no pooling): "
          f"{base_seconds:.2f} s; the fit takes {r['wall'] / base_seconds:.0f}x as long")
    if args.pymc:
        pymc_tune = tune if args.pymc_tune is None else args.pymc_tune
        p = run("pymc", args.draws, pymc_tune, args.seed, target_accept)
        print(arm_differences(r["settings"], p["settings"]))
        print(f"PyMC NUTS on the same model: {p['wall']:.1f} s in all, sampling "
              f"{p['sampling']:.1f} s, min ESS {p['ess']:.0f} ({p['ess'] / p['wall']:.1f}/s), "
              f"max R-hat {p['rhat']:.3f}; divergences {p['div']}; mean leapfrog steps per "
              f"draw {p['steps']:.0f}; nutpie fit is {p['wall'] / r['wall']:.1f}x faster "
              f"(ESS per second of the whole fit: "
              f"{(r['ess'] / r['wall']) / (p['ess'] / p['wall']):.1f}x)")
    print(f"benchmark runtime: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
