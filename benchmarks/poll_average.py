"""Poll-average speed, like for like: the project default against PyMC's own NUTS on a
daily random walk, both estimating the same daily trend from the same polls.

Data: ``simulate_polls(1000, 730, 25, seed=...)`` (1,000 two-category polls over two years
from 25 pollsters, from the model's own generative process).

Arms (each in a fresh Python process, so that neither inherits the other's compiled code;
both use the machine's on-disk compilation caches as a user's second run would):

- **default**: ``PollAverage(polls).fit(...)`` - the whole public fit (model build,
  compilation, prior predictive, NUTS, the daily path drawn for every posterior draw,
  posterior predictive, diagnostics). For two-category polls ``likelihood="auto"`` is the
  Kalman arm: the daily path integrated out, NUTS on the scales and house effects.
- **baseline**: what a competent PyMC user writes - a daily logit random walk (centred
  ``GaussianRandomWalk``, or non-centred cumulated standard-normal steps), zero-sum house
  effects, each poll at its field-period midpoint (the same days as the default), the
  project's beta-binomial likelihood on the effective counts (the exact likelihood the
  default approximates), the same priors - sampled with PyMC's own NUTS
  (``nuts_sampler="pymc"``). Both parameterisations run; the better one is the baseline.

Every arm gets the same draws, tuning, chains, cores and target acceptance (printed).
Efficiency = the minimum bulk ESS over the quantities both fits share - the daily share of
"support" on 20 fixed dates and every house effect (logit scale) - per wall second of the
whole fit, compilation included. Printed: ``like-for-like ESS/s ratio: X`` (default /
better baseline) and ``trend agreement max abs diff: Y pp`` (posterior-mean daily share,
default against that baseline, over all 730 days); targets X >= 50, Y <= 0.5. Then how the
default fit time grows from 100 to 10,000 polls.

Run: ``uv run python benchmarks/poll_average.py [--draws 1000 --tune 1000 --chains 4]
[--skip-scaling] [--cold]`` (``--cold``: every process compiles into a fresh, empty
PyTensor cache, as on a new machine).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

SEED = 20220101
N_DATES = 20


@dataclass
class Arm:
    label: str
    wall: float
    sampling: float
    ess_trend: list[float]
    ess_house: list[float]
    trend: list[float]
    max_rhat: float
    divergences: int
    cpu: float = float("nan")
    polls: int = 0
    notes: dict = field(default_factory=dict)

    @property
    def min_ess(self) -> float:
        return float(min(self.ess_trend + self.ess_house))

    @property
    def ess_per_s(self) -> float:
        return self.min_ess / self.wall

    @property
    def ess_per_cpu_s(self) -> float:
        return self.min_ess / self.cpu


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and its finished child processes."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


# ---------------------------------------------------------------------- shared measures
def _ess(draws: np.ndarray) -> float:
    """Bulk ESS of (chains, draws)."""
    import arviz as az
    import xarray as xr

    ds = xr.Dataset({"q": xr.DataArray(draws, dims=("chain", "draw"))})
    return float(az.ess(ds, method="bulk")["q"])


def _rhat(draws: np.ndarray) -> float:
    import arviz as az
    import xarray as xr

    ds = xr.Dataset({"q": xr.DataArray(draws, dims=("chain", "draw"))})
    return float(az.rhat(ds)["q"])


def shared_measures(eta: np.ndarray, house: np.ndarray) -> dict:
    """ESS of the shared quantities and the posterior-mean daily trend.

    ``eta``: (chain, draw, day) daily log-odds of "support"; ``house``: (chain, draw,
    pollster) logit house effects."""
    share = 100 / (1 + np.exp(-eta))
    dates = np.linspace(0, share.shape[-1] - 1, N_DATES).round().astype(int)
    trend_draws = [share[..., t] for t in dates]
    house_draws = [house[..., p] for p in range(house.shape[-1])]
    return {"ess_trend": [_ess(x) for x in trend_draws],
            "ess_house": [_ess(x) for x in house_draws],
            "max_rhat": max(_rhat(x) for x in trend_draws + house_draws),
            "trend": share.mean(axis=(0, 1)).tolist()}


# ---------------------------------------------------------------------- the arms
def run_default(n_polls: int, settings: dict, seed: int) -> dict:
    """The project default, through the public ``fit()``."""
    import nutpie  # noqa: F401 - libraries imported before the clock starts, as in the baseline
    import pymc  # noqa: F401

    from opinion.models import PollAverage
    from opinion.models.poll_average.simulate import simulate_polls

    polls, _ = simulate_polls(n_polls, 730, 25, seed=seed)
    start, cpu = time.perf_counter(), cpu_seconds()
    model = PollAverage(polls)
    fit = model.fit(random_seed=1, cache=False, progressbar=False, **settings)
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    post = fit.idata["posterior"]
    eta = post["eta"].values[:, :, 0, 0, :]
    house = post["house"].values[:, :, 0, :]
    stats = fit.idata["sample_stats"]
    return {"label": f"default ({model.likelihood} likelihood, {fit.meta['settings']['sampler']})",
            "wall": wall, "cpu": cpu, "sampling": float(fit.diagnostics.sampling_seconds),
            "divergences": int(stats["diverging"].sum()), "polls": len(model.inputs.polls),
            "notes": {"likelihood": model.likelihood,
                      "sampler": fit.meta["settings"]["sampler"],
                      "compiled as": _link_text(fit.meta["settings"].get("link", "native")),
                      "house effects": fit.meta["house_effects_parameterization"],
                      "free parameters": _free_parameters(model),
                      "fit status": fit.diagnostics.status()},
            **shared_measures(eta, house)}


def _link_text(link: str) -> str:
    if link == "python":
        return ("PyTensor's disk-cached numba function, called by nutpie from Python "
                "(link='python')")
    return "one native function compiled by nutpie in the process (link='native')"


def _free_parameters(model) -> int:
    return int(sum(np.size(v) for v in model.build_model().initial_point().values()))


def baseline_model(polls, centred: bool):
    """A daily random walk with house effects, as a competent PyMC user writes it."""
    import pymc as pm
    import pytensor.tensor as pt

    from opinion.models import PollAverage
    from opinion.models.poll_average.config import PollAverageConfig, pp_to_logit
    from opinion.models.poll_average.marginal import logit_observations

    config = PollAverageConfig()
    data = PollAverage(polls, likelihood="binomial", grid_days=1).inputs
    cells = data.cells
    obs = logit_observations(cells, data.polls, data.start, data.n_days, midpoint=True)
    counts = np.where(cells["category"] == 0, cells["count"], cells["trials"] - cells["count"])
    pollster = data.polls["pollster"].map({p: i for i, p in enumerate(data.pollsters)})
    share = counts.sum() / cells["trials"].sum()
    coords = {"day": np.arange(data.n_days), "pollster": data.pollsters}
    with pm.Model(coords=coords) as model:
        sigma_rw = pm.HalfNormal("sigma_rw", pp_to_logit(config.rw_pp_per_month))
        step = sigma_rw / np.sqrt(30.0)
        level = np.log(share / (1 - share))
        sigma_house = pm.HalfNormal("sigma_house", pp_to_logit(config.house_pp))
        if centred:
            eta = pm.GaussianRandomWalk(
                "eta", sigma=step, init_dist=pm.Normal.dist(level, config.level_sd_logit),
                steps=data.n_days - 1, dims="day")
            house = pm.ZeroSumNormal("house", sigma=sigma_house, dims="pollster")
        else:
            init = pm.Normal("eta_init", level, config.level_sd_logit)
            z = pm.Normal("eta_z", 0.0, 1.0, shape=data.n_days - 1)
            eta = pm.Deterministic(
                "eta", pt.concatenate([init[None], init + pt.cumsum(z * step)]), dims="day")
            house = pm.Deterministic(
                "house", sigma_house * pm.ZeroSumNormal("house_z", 1.0, dims="pollster"),
                dims="pollster")
        tau = pm.Gamma("tau", 4.0, 4.0 / pp_to_logit(config.poll_error_pp))
        q = pm.math.sigmoid(eta[obs.day] + house[pollster.to_numpy()[obs.cell]])
        phi = pt.maximum((0.5 / (0.25 * tau)) ** 2 - 1.0, 1.0)
        pm.BetaBinomial("y", alpha=q * phi, beta=(1 - q) * phi,
                        n=cells["trials"].to_numpy(), observed=counts)
    return model


def run_baseline(n_polls: int, settings: dict, seed: int, centred: bool) -> dict:
    """PyMC's own NUTS on the daily walk (build, compile and sample timed)."""
    import pymc as pm

    from opinion.models.poll_average.simulate import simulate_polls

    polls, _ = simulate_polls(n_polls, 730, 25, seed=seed)
    start, cpu = time.perf_counter(), cpu_seconds()
    model = baseline_model(polls, centred)
    with model:
        idata = pm.sample(draws=settings["draws"], tune=settings["tune"],
                          chains=settings["chains"], cores=settings["cores"],
                          target_accept=settings["target_accept"], nuts_sampler="pymc",
                          random_seed=1, progressbar=False, compute_convergence_checks=False)
    wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    post = idata["posterior"]
    stats = idata["sample_stats"]
    form = "centred" if centred else "non-centred"
    return {"label": f"baseline ({form} daily walk, PyMC NUTS)", "wall": wall, "cpu": cpu,
            "sampling": float(stats.attrs.get("sampling_time", np.nan)),
            "divergences": int(stats["diverging"].sum()), "polls": n_polls,
            "notes": {"likelihood": "beta-binomial (exact)", "sampler": "pymc",
                      "walk": form, "free parameters": 730 + 25 + 2,
                      "compiled as": ("PyTensor's default (numba) function, called by PyMC's "
                                      "Python NUTS"),
                      "mean tree depth": float(stats["tree_depth"].mean())},
            **shared_measures(post["eta"].values, post["house"].values)}


def _child(queue, kind: str, n_polls: int, settings: dict, seed: int, compiledir: str | None):
    """Run one arm in this fresh process and send back its measures (JSON)."""
    if compiledir:
        os.environ["PYTENSOR_FLAGS"] = f"base_compiledir={compiledir}"
    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("pymc").setLevel(logging.ERROR)
    logging.getLogger("pytensor").setLevel(logging.CRITICAL)
    if kind == "default":
        result = run_default(n_polls, settings, seed)
    else:
        result = run_baseline(n_polls, settings, seed, centred=kind == "centred")
    queue.put(json.dumps(result))


def in_fresh_process(kind: str, n_polls: int, settings: dict, seed: int, cold: bool) -> Arm:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    compiledir = tempfile.mkdtemp(prefix="pytensor-cold-") if cold else None
    proc = ctx.Process(target=_child, args=(queue, kind, n_polls, settings, seed, compiledir))
    proc.start()
    result = json.loads(queue.get())
    proc.join()
    return Arm(**result)


# ---------------------------------------------------------------------- report
def show(arm: Arm) -> None:
    print(f"  {arm.label}: wall {arm.wall:.1f} s (NUTS incl. compile {arm.sampling:.1f} s; "
          f"CPU {arm.cpu:.1f} s), min bulk ESS {arm.min_ess:.0f} (trend "
          f"{min(arm.ess_trend):.0f}, house {min(arm.ess_house):.0f}), ESS/s "
          f"{arm.ess_per_s:.2f} (per CPU s {arm.ess_per_cpu_s:.2f}), max R-hat "
          f"{arm.max_rhat:.3f}, divergences {arm.divergences}", flush=True)


def differences(default: Arm, baseline: Arm, settings: dict) -> None:
    print("what differs between the arms:")
    print(f"  same: polls, priors, field-midpoint days, draws {settings['draws']}, tune "
          f"{settings['tune']}, chains {settings['chains']}, cores {settings['cores']}, "
          f"target acceptance {settings['target_accept']}; each arm in its own process")
    for key in ("likelihood", "sampler", "compiled as", "free parameters"):
        print(f"  {key}: default {default.notes.get(key)} / baseline {baseline.notes.get(key)}")
    print("  path: default integrates the daily path out (Kalman filter inside the "
          "likelihood) and draws it after sampling (FFBS); baseline samples it with NUTS")
    print("  extra work timed in the default only: prior predictive, posterior predictive, "
          "path draws, diagnostics of every parameter")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--target-accept", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--big-draws", type=int, default=None,
                        help="draws and tune of the 10,000-poll scaling fit (default: same)")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baselines", default="centred,noncentred",
                        help="baseline walks to run (comma-separated; the better one counts)")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--cold", action="store_true",
                        help="compile into a fresh, empty PyTensor cache in every process")
    args = parser.parse_args()
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains,
                "cores": args.cores, "target_accept": args.target_accept}

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{'cold' if args.cold else 'warm'} compilation cache", flush=True)
    print("1,000 polls over 730 days, 25 pollsters", flush=True)
    default = in_fresh_process("default", 1000, settings, args.seed, args.cold)
    show(default)
    if not args.skip_baseline:
        arms = []
        kinds = [k.strip() for k in args.baselines.split(",") if k.strip()]
        if set(kinds) != {"centred", "noncentred"}:
            print(f"  NOTE: only the {', '.join(kinds)} baseline runs (--baselines)")
        for kind in kinds:
            arms.append(in_fresh_process(kind, 1000, settings, args.seed, args.cold))
            show(arms[-1])
        baseline = max(arms, key=lambda a: a.ess_per_s)
        ratio = default.ess_per_s / baseline.ess_per_s
        gap = float(np.max(np.abs(np.array(default.trend) - np.array(baseline.trend))))
        differences(default, baseline, settings)
        print(f"better baseline: {baseline.label}")
        print(f"like-for-like ESS/s ratio: {ratio:.1f}")
        print(f"trend agreement max abs diff: {gap:.2f} pp")
        nuts_ratio = ((default.min_ess / default.sampling)
                      / (baseline.min_ess / baseline.sampling))
        print(f"(the same ratio per CPU second, less sensitive to other processes on the "
              f"machine: {default.ess_per_cpu_s / baseline.ess_per_cpu_s:.1f}; NUTS time "
              f"alone, compilation included: {nuts_ratio:.1f})")
        print(f"targets: ratio >= 50 {'PASS' if ratio >= 50 else 'FAIL'}; agreement <= 0.5 pp "
              f"{'PASS' if gap <= 0.5 else 'FAIL'} (load average now "
              f"{os.getloadavg()[0]:.1f})")
    if not args.skip_scaling:
        print("default fit time vs number of polls (730 days, 25 pollsters):", flush=True)
        rows = []
        for n_polls in (100, 1000, 10000):
            run_settings = dict(settings)
            if n_polls == 10000 and args.big_draws:
                run_settings.update(draws=args.big_draws, tune=args.big_draws)
            arm = default if n_polls == 1000 else in_fresh_process(
                "default", n_polls, run_settings, args.seed + n_polls, args.cold)
            rows.append((n_polls, arm, run_settings))
            print(f"  {n_polls:>6,} polls: wall {arm.wall:6.1f} s, NUTS incl. compile "
                  f"{arm.sampling:6.1f} s, min bulk ESS {arm.min_ess:6.0f}, ESS/s "
                  f"{arm.ess_per_s:7.1f}, R-hat {arm.max_rhat:.3f}, divergences "
                  f"{arm.divergences} ({run_settings['draws']} draws)", flush=True)


if __name__ == "__main__":
    main()
