"""Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018).

For each of ``n`` simulations: draw the parameters from the model's own prior, draw data from
them, fit the model to those data, and record the rank of the true value among ``L`` thinned
posterior draws for every scalar parameter. If the sampler and the model's code are right,
every rank is uniform on ``0..L``; a U shape means too-narrow posteriors (or autocorrelated
draws), a hump too-wide ones, a slope a bias.

For the poll average the design (poll dates, pollsters, sample sizes, starting-level prior) is
fixed and only the counts change between simulations, so the model is built and compiled
once per worker (nutpie, with the counts as a data variable) and re-sampled with new data.
The simulations are split into chunks that run on Dask through the batch runner's client.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from opinion.batch import BatchError, _close, connect

DESIGN_START = "2022-01-01"


@dataclass(frozen=True)
class SBCDesign:
    """The fixed design of a poll-average SBC run (small by default: cheap fits).

    Attributes
    ----------
    n_polls, n_pollsters, n_days, grid_days
        Polls, pollsters, days spanned and knot spacing (46 days / 5 = 10 knots).
    n
        Sample size of every poll.
    draws, tune, thin
        Sampler draws and tuning steps (one chain) and thinning of the posterior draws.
    design_seed
        Seed of the simulated poll design (dates, pollsters).
    config
        Extra poll-average configuration (priors).
    """

    n_polls: int = 12
    n_pollsters: int = 2
    n_days: int = 46
    grid_days: int = 5
    n: int = 1000
    draws: int = 400
    tune: int = 300
    thin: int = 4
    design_seed: int = 20181024
    config: tuple[tuple[str, Any], ...] = ()

    def n_ranked(self, bins: int) -> int:
        """Thinned draws kept, ``L``, chosen so that ``L + 1`` is a multiple of ``bins``."""
        available = self.draws // self.thin
        return (available + 1) // bins * bins - 1


# ---------------------------------------------------------------------- one chunk (on a worker)
def _sbc_model(design: SBCDesign) -> Any:
    """The poll average on the fixed design, with the observed counts as ``pm.Data``."""
    from opinion.models import PollAverage
    from opinion.models.poll_average.simulate import simulate_polls

    polls, _ = simulate_polls(design.n_polls, design.n_days, design.n_pollsters,
                              seed=design.design_seed, n=design.n)
    end = pd.Timestamp(DESIGN_START) + pd.Timedelta(days=design.n_days - 1)
    model = PollAverage(polls, grid_days=design.grid_days, start=DESIGN_START,
                                   end=f"{end:%Y-%m-%d}", **dict(design.config))
    return model


def _quantities(values: dict[str, np.ndarray], names: list[str]) -> dict[str, np.ndarray]:
    """Scalar quantities to rank, each as an array over draws (last axis: draws)."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name not in values:
            continue
        arr = np.asarray(values[name])  # (..., draws)
        if name == "eta":  # the latent: first and final knot of each category
            for k in range(arr.shape[1]):
                out[f"eta[{k}] first"] = arr[0, k, 0]
                out[f"eta[{k}] final"] = arr[0, k, -1]
            continue
        flat = arr.reshape(-1, arr.shape[-1])
        if flat.shape[0] == 1:
            out[name] = flat[0]
        else:
            for j, row in enumerate(flat):
                out[f"{name}[{j}]"] = row
    return out


def _draws_last(dataset: Any, name: str) -> np.ndarray:
    """Variable ``name`` with chain and draw merged into the last axis."""
    arr = np.asarray(dataset[name].values)
    arr = arr.reshape((-1, *arr.shape[2:]))  # (samples, ...)
    return np.moveaxis(arr, 0, -1)


def run_chunk(design_json: dict[str, Any], n: int, seed: int, sims: list[int],
              bins: int) -> list[dict[str, Any]]:
    """Run simulations ``sims`` of an SBC run (on a worker); JSON-safe rows, never raises."""
    import logging
    import warnings

    import nutpie
    import pymc as pm

    design = SBCDesign(**{**design_json, "config": tuple(design_json["config"])})
    model = _sbc_model(design)
    names = ["sigma_rw", "tau", "sigma_house", "house", "eta"]
    logging.getLogger("pymc").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm_model = model.build_model()
        with pm_model:
            prior = pm.sample_prior_predictive(n, random_seed=seed)
        truth_all = _quantities({v: _draws_last(prior["prior"], v)
                                 for v in names if v in prior["prior"]}, names)
        counts_all = _draws_last(prior["prior_predictive"], "y")  # (cells, n)
        compiled = nutpie.compile_pymc_model(pm_model)
    n_ranked = design.n_ranked(bins)
    rows = []
    for sim in sims:
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trace = nutpie.sample(
                    compiled.with_data(y_count=counts_all[:, sim].astype("int64")),
                    draws=design.draws, tune=design.tune, chains=1, seed=seed * 100_003 + sim,
                    target_accept=model.default_target_accept(), progress_bar=False)
            posterior = trace.posterior
            draws = _quantities({v: _draws_last(posterior, v) for v in names
                                 if v in posterior}, names)
            divergences = int(np.asarray(trace.sample_stats["diverging"]).sum())
        except Exception as exc:  # a failed simulation is reported, not fatal
            rows.append({"sim": sim, "parameter": "", "rank": -1, "n_draws": n_ranked,
                         "error": f"{type(exc).__name__}: {exc}".splitlines()[0]})
            continue
        seconds = time.perf_counter() - start
        for name, post in draws.items():
            true = float(truth_all[name][sim])
            kept = post[design.thin - 1::design.thin][:n_ranked]
            rows.append({
                "sim": sim, "parameter": name, "rank": int((kept < true).sum()),
                "n_draws": n_ranked, "truth": true, "post_mean": float(post.mean()),
                "in_50": _inside(post, true, 0.5), "in_90": _inside(post, true, 0.9),
                "divergences": divergences, "seconds": round(seconds, 3), "error": "",
            })
    return rows


def _inside(draws: np.ndarray, value: float, level: float) -> bool:
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return bool(lo <= value <= hi)


# ---------------------------------------------------------------------- results
class SBCResults:
    """Ranks of true values among posterior draws, with uniformity tests and coverage.

    Attributes
    ----------
    ranks
        One row per simulation and parameter: ``sim, parameter, rank, n_draws, truth,
        post_mean, in_50, in_90, divergences, seconds``.
    failures
        Simulations whose fit failed (``sim, error``).
    bins
        Histogram bins used by :meth:`chi_square` and :meth:`plot_ranks`.
    """

    def __init__(self, ranks: pd.DataFrame, failures: pd.DataFrame, bins: int = 10) -> None:
        self.ranks = ranks
        self.failures = failures
        self.bins = bins

    @property
    def n_simulations(self) -> int:
        return int(self.ranks["sim"].nunique())

    def histogram(self, parameter: str, bins: int | None = None) -> np.ndarray:
        """Counts of ranks in ``bins`` equal-width bins over ``0..L``."""
        bins = bins or self.bins
        sub = self.ranks[self.ranks["parameter"] == parameter]
        width = (sub["n_draws"] + 1) / bins
        idx = np.minimum((sub["rank"] / width).astype(int), bins - 1)
        return np.bincount(idx, minlength=bins)

    def chi_square(self, bins: int | None = None) -> pd.DataFrame:
        """Pearson chi-square test of uniform ranks, one row per parameter.

        Exact when ``L + 1`` is a multiple of ``bins`` (the default design ensures it).
        """
        bins = bins or self.bins
        rows = []
        for name in self.parameters():
            counts = self.histogram(name, bins)
            expected = counts.sum() / bins
            stat = float(((counts - expected) ** 2 / expected).sum())
            rows.append({"parameter": name, "statistic": stat, "dof": bins - 1,
                         "p_value": float(stats.chi2.sf(stat, bins - 1)),
                         "simulations": int(counts.sum())})
        return pd.DataFrame(rows)

    def coverage(self) -> pd.DataFrame:
        """Share of simulations whose central 50% / 90% posterior interval holds the truth."""
        grouped = self.ranks.groupby("parameter", sort=False)
        out = pd.DataFrame({"coverage_50": grouped["in_50"].mean(),
                            "coverage_90": grouped["in_90"].mean(),
                            "simulations": grouped.size()}).reset_index()
        out["se_90"] = np.sqrt(0.9 * 0.1 / out["simulations"])
        return out

    def parameters(self) -> list[str]:
        return list(dict.fromkeys(self.ranks["parameter"]))

    def plot_ranks(self, ax: Any = None, bins: int | None = None) -> Any:
        """Rank histograms with the 99% band of a uniform histogram.

        ``ax=None`` draws one panel per parameter (returns the axes array); with one Axes,
        every parameter is drawn as a step line on it.
        """
        import matplotlib.pyplot as plt

        bins = bins or self.bins
        names = self.parameters()
        n_sims = self.n_simulations
        lo, hi = stats.binom.ppf([0.005, 0.995], n_sims, 1 / bins)
        if ax is None:
            cols = min(4, len(names))
            rows = math.ceil(len(names) / cols)
            fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows), squeeze=False)
            for panel, name in zip(axes.flat, names, strict=False):
                panel.axhspan(lo, hi, color="0.85", zorder=0)
                panel.bar(np.arange(bins), self.histogram(name, bins), width=0.9, color="C0")
                panel.set_title(name, fontsize=9)
                panel.set_xticks([])
            for panel in list(axes.flat)[len(names):]:
                panel.set_visible(False)
            fig.suptitle(f"SBC rank histograms ({n_sims} simulations; band: 99% if uniform)")
            fig.tight_layout()
            return axes
        ax.axhspan(lo, hi, color="0.85", zorder=0)
        for name in names:
            ax.step(np.arange(bins), self.histogram(name, bins), where="mid", label=name)
        ax.set_xlabel("rank bin")
        ax.set_ylabel("simulations")
        ax.legend(fontsize=7)
        return ax

    def __repr__(self) -> str:
        worst = self.chi_square()["p_value"].min() if len(self.ranks) else float("nan")
        return (f"SBCResults({self.n_simulations} simulations, {len(self.parameters())} "
                f"parameters, smallest chi-square p = {worst:.3g})")


# ---------------------------------------------------------------------- driver
def sbc(
    model: str | type = "poll_average",
    n: int = 100,
    client: Any = None,
    *,
    design: SBCDesign | None = None,
    seed: int = 0,
    bins: int = 10,
    chunks: int | None = None,
    retries: int = 2,
    timeout: float | None = None,
) -> SBCResults:
    """Simulation-based calibration of a model, scaled out on Dask.

    Parameters
    ----------
    model
        ``"poll_average"`` (or the :class:`~opinion.models.PollAverage` class).
    n
        Number of simulations.
    client
        As for :func:`opinion.batch.fit_many`: ``None`` (LocalCluster), an address or a Client.
    design
        The fixed design and sampler settings (:class:`SBCDesign`).
    seed
        Seed of the prior draws and the fits.
    bins
        Rank-histogram bins.
    chunks
        Number of tasks (default: one per worker thread; each compiles the model once).

    Returns
    -------
    SBCResults
    """
    from dataclasses import asdict

    from opinion.batch import resolve_model

    cls = resolve_model(model)
    if getattr(cls, "name", None) != "poll_average":
        raise BatchError(f"SBC is implemented for the poll average only, not {cls.name!r}")
    if n < 1:
        raise BatchError("n must be at least 1")
    design = design or SBCDesign()
    if design.n_ranked(bins) < bins - 1:
        raise BatchError(f"too few draws ({design.draws} / thin {design.thin}) for {bins} bins")
    try:  # catch a bad design or configuration here, not on every worker
        _sbc_model(design)
    except TypeError as exc:
        raise BatchError(f"bad SBC design or model configuration: {exc}") from None
    payload = asdict(design)
    payload["config"] = [list(item) for item in design.config]
    dask_client, owned = connect(client)
    try:
        from distributed import wait

        n_tasks = chunks or max(1, sum(dask_client.nthreads().values()))
        parts = [list(map(int, part)) for part in np.array_split(np.arange(n), n_tasks)
                 if len(part)]
        futures = [dask_client.submit(run_chunk, payload, n, seed, part, bins, retries=retries,
                                      pure=False) for part in parts]
        wait(futures, timeout=timeout)
        rows = [row for future in futures for row in future.result()]
    finally:
        _close(dask_client, owned)
    frame = pd.DataFrame(rows)
    failed = frame["error"].fillna("") != ""
    failures = frame.loc[failed, ["sim", "error"]].reset_index(drop=True)
    ranks = frame.loc[~failed].drop(columns="error").reset_index(drop=True)
    return SBCResults(ranks, failures, bins)
