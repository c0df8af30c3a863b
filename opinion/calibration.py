"""Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018).

For each of ``n`` simulations: draw the parameters from the model's own prior, draw data from
them, fit the model to those data, and record the rank of the true value among ``L`` thinned
posterior draws for every scalar parameter. If the sampler and the model's code are right,
every rank is uniform on ``0..L``; a U shape means too-narrow posteriors (or autocorrelated
draws), a hump too-wide ones, a slope a bias.

Any model works whose observed data are data containers (``pm.Data``): the design (the
model instance you pass: dates, sample sizes, groups) is fixed and only the observed values
change between simulations, so the model is built and compiled once per worker (nutpie) and
re-sampled with new data (``with_data``); the containers behind each observed variable are
found in the model graph. ``sbc("poll_average")`` uses a small default design
(:class:`SBCDesign`). The simulations are split into chunks that run on Dask through the
batch runner's client. :meth:`SBCResults.passed` is the verdict the CLI's exit code follows.
"""

from __future__ import annotations

import contextlib
import math
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from opinion.batch import (
    BatchError,
    FitProgress,
    _close,
    _frame_bytes,
    _frame_from_bytes,
    connect,
    wait_with_progress,
)

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


# ---------------------------------------------------------------------- designs
def _design_model(design: SBCDesign) -> Any:
    """The poll average on the default fixed design."""
    from opinion.models import PollAverage
    from opinion.models.poll_average.simulate import simulate_polls

    polls, _ = simulate_polls(design.n_polls, design.n_days, design.n_pollsters,
                              seed=design.design_seed, n=design.n)
    end = pd.Timestamp(DESIGN_START) + pd.Timedelta(days=design.n_days - 1)
    return PollAverage(polls, grid_days=design.grid_days, start=DESIGN_START,
                       end=f"{end:%Y-%m-%d}", **dict(design.config))


def _sbc_model(design: SBCDesign) -> Any:
    """Kept for scripts: the default poll-average design model."""
    return _design_model(design)


def _model_payload(model: Any) -> dict[str, Any]:
    """A model instance as plain data (rebuilt on each worker)."""
    return {"model": model.name, "frame": _frame_bytes(model.transport_frame()),
            "tables": {k: _frame_bytes(v) for k, v in model.tables.items()
                       if isinstance(v, pd.DataFrame)},
            "config": model.config.to_dict()}


def _rebuild(payload: dict[str, Any]) -> Any:
    from opinion.batch import resolve_model

    cls = resolve_model(payload["model"])
    tables = {k: _frame_from_bytes(v) for k, v in payload["tables"].items()}
    return cls(cls.frame_from_transport(_frame_from_bytes(payload["frame"])),
               config=payload["config"], **tables)


def observed_containers(graph: Any) -> dict[str, str]:
    """Observed variable -> the data container holding its values (``pm.Data``).

    Raises
    ------
    BatchError
        When an observed variable's values are constants (the model cannot be re-sampled
        on simulated data without rebuilding it) or when it has none (a ``pm.Potential``
        likelihood cannot be simulated from).
    """
    from pytensor.graph.traversal import ancestors

    if not graph.observed_RVs:
        raise BatchError("the model has no observed variable (its likelihood is a "
                         "pm.Potential): SBC cannot simulate data from it")
    out = {}
    for rv in graph.observed_RVs:
        value = graph.rvs_to_values[rv]
        found = [a.name for a in ancestors([value]) if a in graph.data_vars]
        if not found:
            raise BatchError(f"observed variable {rv.name!r} holds constants, not a data "
                             "container (pm.Data): SBC needs containers to swap data")
        out[rv.name] = found[0]
    return out


# ---------------------------------------------------------------------- one chunk (on a worker)
def _draws_last(dataset: Any, name: str) -> np.ndarray:
    """Variable ``name`` with chain and draw merged into the last axis."""
    arr = np.asarray(dataset[name].values)
    arr = arr.reshape((-1, *arr.shape[2:]))  # (samples, ...)
    return np.moveaxis(arr, 0, -1)


def _simulations(design_json: dict[str, Any], n: int, seed: int
                 ) -> tuple[Any, Any, Any, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The design's model, its graph and compiled sampler, the true quantities and the
    simulated data of ``n`` prior draws (data by container name, draws on the last axis)."""
    import logging
    import warnings

    import nutpie
    import pymc as pm

    model = (_rebuild(design_json["model"]) if design_json.get("model")
             else _design_model(SBCDesign(**{**design_json["design"],
                                             "config": tuple(design_json["design"]["config"])})))
    logging.getLogger("pymc").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The effect of Potentials")
        graph = model.build_model()
        containers = observed_containers(graph)
        with graph:
            prior = pm.sample_prior_predictive(n, random_seed=seed)
        truth = model.calibration_quantities(
            {v: _draws_last(prior["prior"], v) for v in prior["prior"].data_vars})
        simulated = {containers[name]: _draws_last(prior["prior_predictive"], name)
                     for name in containers}
        compiled = nutpie.compile_pymc_model(graph)
    return model, graph, compiled, truth, simulated


def _rank_rows(sim: int, posterior: dict[str, np.ndarray], truth: dict[str, np.ndarray],
               thin: int, n_ranked: int, extra: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, post in posterior.items():
        true = float(truth[name][sim])
        kept = post[thin - 1::thin][:n_ranked]
        rows.append({"sim": sim, "parameter": name, "rank": int((kept < true).sum()),
                     "n_draws": n_ranked, "truth": true, "post_mean": float(post.mean()),
                     "in_50": _inside(post, true, 0.5), "in_90": _inside(post, true, 0.9),
                     **extra, "error": ""})
    return rows


def run_chunk(design_json: dict[str, Any], n: int, seed: int, sims: list[int],
              bins: int, topic: str | None = None) -> list[dict[str, Any]]:
    """Run simulations ``sims`` of an SBC run (on a worker); JSON-safe rows, never raises.

    Warnings of the individual fits go to the worker's log; each row records the fit's
    divergences. With ``topic``, each finished simulation is announced as a Dask event
    ``{"failed": bool}`` on that topic (the client's progress lines count them).
    """
    import nutpie

    model, graph, compiled, truth, simulated = _simulations(design_json, n, seed)
    sampler = design_json["sampler"]
    thin, draws = sampler["thin"], sampler["draws"]
    n_ranked = (draws // thin + 1) // bins * bins - 1
    rows: list[dict[str, Any]] = []
    for sim in sims:
        start = time.perf_counter()
        try:
            data = {name: arr[..., sim].astype(graph[name].get_value().dtype).reshape(
                graph[name].get_value().shape) for name, arr in simulated.items()}
            trace = nutpie.sample(
                compiled.with_data(**data), draws=draws, tune=sampler["tune"], chains=1,
                seed=seed * 100_003 + sim, target_accept=sampler["target_accept"],
                progress_bar=False)
            posterior = model.calibration_quantities(
                {v: _draws_last(trace.posterior, v) for v in trace.posterior.data_vars})
            divergences = int(np.asarray(trace.sample_stats["diverging"]).sum())
        except Exception as exc:  # a failed simulation is reported, not fatal
            rows.append({"sim": sim, "parameter": "", "rank": -1, "n_draws": n_ranked,
                         "error": f"{type(exc).__name__}: {exc}".splitlines()[0]})
            announce(topic, failed=True)
            continue
        extra = {"divergences": divergences,
                 "seconds": round(time.perf_counter() - start, 3)}
        rows += _rank_rows(sim, posterior, truth, thin, n_ranked, extra)
        announce(topic, failed=False)
    return rows


def announce(topic: str | None, *, failed: bool) -> None:
    """Tell the client that one simulation finished (a Dask worker event on ``topic``);
    nothing outside a worker or without a topic. Progress is never worth failing a run."""
    if topic is None:
        return
    try:
        from distributed import get_worker

        get_worker().log_event(topic, {"failed": bool(failed)})
    except Exception:  # not on a worker, or the scheduler went away
        pass


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

    def verdict(self, alpha: float = 0.01, coverage: tuple[float, float] = (0.80, 0.97)
                ) -> pd.DataFrame:
        """Per parameter: the rank-uniformity test at a Bonferroni-corrected ``alpha`` and
        two-sided 90% coverage (inside ``coverage``), with ``passed``."""
        chi = self.chi_square()
        cov = self.coverage()[["parameter", "coverage_90"]]
        table = chi.merge(cov, on="parameter")
        cutoff = alpha / max(len(table), 1)
        table["uniform"] = table["p_value"] >= cutoff
        table["coverage_ok"] = table["coverage_90"].between(*coverage)
        table["passed"] = table["uniform"] & table["coverage_ok"]
        return table

    def passed(self, alpha: float = 0.01, coverage: tuple[float, float] = (0.80, 0.97)
               ) -> bool:
        """True when every parameter's ranks look uniform (chi-square, Bonferroni-corrected
        ``alpha``), its 90% intervals cover the truth in ``coverage`` of the simulations,
        and no simulation failed."""
        if len(self.failures) or self.ranks.empty:
            return False
        return bool(self.verdict(alpha, coverage)["passed"].all())

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
class _SimulationCounts:
    """Finished and failed simulations: from the workers' events while chunks run, and
    exactly from each chunk's rows once it is done (a chunk re-run after its worker died
    announces its simulations twice; its rows count once)."""

    def __init__(self, parts: list[list[int]]) -> None:
        self._parts = parts
        self._lock = threading.Lock()
        self._events = [0, 0]  # finished, failed
        self._rows: dict[int, list[dict[str, Any]]] = {}  # chunk -> its rows, once done

    def rows(self, futures: list[Any]) -> list[dict[str, Any]]:
        """Every chunk's rows, in order (raises the error of a chunk that failed)."""
        return [row for i, future in enumerate(futures) for row in self._result(i, future)]

    def _result(self, i: int, future: Any) -> list[dict[str, Any]]:
        if i not in self._rows:
            self._rows[i] = future.result()
        return self._rows[i]

    def event(self, event: Any) -> None:
        """Handler of the Dask topic: ``(timestamp, {"failed": bool})``."""
        message = event[1] if isinstance(event, tuple) and len(event) == 2 else event
        with self._lock:
            self._events[0] += 1
            self._events[1] += bool(isinstance(message, dict) and message.get("failed"))

    def count(self, futures: list[Any]) -> tuple[int, int]:
        """``(finished, failed)`` simulations so far (never more than the run's total)."""
        done_sims = done_failed = 0
        for i, future in enumerate(futures):
            if future.status == "finished":
                rows = self._result(i, future)
                done_sims += len({row["sim"] for row in rows})
                done_failed += len({row["sim"] for row in rows if row.get("error")})
            elif future.done():  # an errored chunk: its simulations count as failed
                done_sims += len(self._parts[i])
                done_failed += len(self._parts[i])
        with self._lock:
            finished, failed = self._events
        total = sum(len(part) for part in self._parts)
        return (min(total, max(done_sims, finished)),
                min(total, max(done_failed, failed)))


def _sbc_payload(model: Any, design: SBCDesign) -> tuple[Any, dict[str, Any]]:
    """The model instance whose design is simulated, and its plain-data description."""
    from dataclasses import asdict

    from opinion.batch import resolve_model

    if not isinstance(model, str | type):
        return model, {"model": _model_payload(model), "design": None}
    cls = resolve_model(model)
    if cls.name != "poll_average":
        raise BatchError(f"give a {cls.__name__} instance (its data fix the design); only "
                         "the poll average has a default design")
    try:  # catch a bad design or configuration here, not on every worker
        instance = _design_model(design)
    except TypeError as exc:
        raise BatchError(f"bad SBC design or model configuration: {exc}") from None
    return instance, {"model": None, "design": {
        **asdict(design), "config": [list(item) for item in design.config]}}


def sbc(
    model: Any = "poll_average",
    n: int = 100,
    client: Any = None,
    *,
    design: SBCDesign | None = None,
    seed: int = 0,
    bins: int = 10,
    chunks: int | None = None,
    retries: int = 2,
    timeout: float | None = None,
    draws: int | None = None,
    tune: int | None = None,
    thin: int | None = None,
    progress: bool | None = None,
) -> SBCResults:
    """Simulation-based calibration of a model, scaled out on Dask.

    Parameters
    ----------
    model
        A model instance (any opinion model: its data fix the design; only the observed
        values are simulated), or ``"poll_average"`` / the :class:`~opinion.models.
        PollAverage` class for the small default design (:class:`SBCDesign`).
    n
        Number of simulations.
    client
        As for :func:`opinion.batch.fit_many`: ``None`` (LocalCluster), an address or a Client.
    design
        The default poll-average design and sampler settings (:class:`SBCDesign`).
    seed
        Seed of the prior draws and the fits.
    bins
        Rank-histogram bins.
    chunks
        Number of tasks (default: one per worker thread; each compiles the model once).
    draws, tune, thin
        Sampler draws and tuning (one chain per simulation) and thinning (default: those
        of ``design``).
    progress
        Print progress lines to stderr as simulations finish (``sbc: 12/100 fits, 1
        failed, 3 min elapsed, ~20 min left``; see :class:`opinion.batch.FitProgress`).
        Default: when stderr is a terminal.

    Returns
    -------
    SBCResults
    """
    if n < 1:
        raise BatchError("n must be at least 1")
    design = design or SBCDesign()
    instance, payload = _sbc_payload(model, design)
    observed_containers(instance.build_model())  # refuse unsupported models up front
    sampler = {"draws": draws or design.draws, "tune": tune or design.tune,
               "thin": thin or design.thin,
               "target_accept": instance.default_target_accept()}
    if (sampler["draws"] // sampler["thin"] + 1) // bins * bins - 1 < bins - 1:
        raise BatchError(f"too few draws ({sampler['draws']} / thin {sampler['thin']}) for "
                         f"{bins} bins")
    payload["sampler"] = sampler
    show = sys.stderr.isatty() if progress is None else progress
    dask_client, owned = connect(client)
    topic = None
    try:
        n_tasks = chunks or max(1, sum(dask_client.nthreads().values()))
        parts = [list(map(int, part)) for part in np.array_split(np.arange(n), n_tasks)
                 if len(part)]
        meter, counts = (FitProgress("sbc", n) if show else None), _SimulationCounts(parts)
        if meter is not None:
            topic = f"opinion-sbc-{uuid.uuid4().hex}"
            dask_client.subscribe_topic(topic, counts.event)
        futures = [dask_client.submit(run_chunk, payload, n, seed, part, bins, topic,
                                      retries=retries, pure=False) for part in parts]
        wait_with_progress(futures, meter, timeout=timeout,
                           count=lambda: counts.count(futures))
        rows = counts.rows(futures)
        if meter is not None:
            meter.update(*counts.count(futures))
            meter.finish()
    finally:
        if topic is not None:
            with contextlib.suppress(Exception):
                dask_client.unsubscribe_topic(topic)
        _close(dask_client, owned)
    frame = pd.DataFrame(rows)
    failed = frame["error"].fillna("") != ""
    failures = frame.loc[failed, ["sim", "error"]].reset_index(drop=True)
    ranks = frame.loc[~failed].drop(columns="error").reset_index(drop=True)
    return SBCResults(ranks, failures, bins)
