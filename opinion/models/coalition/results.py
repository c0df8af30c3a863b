"""Results of the coalition-pressure model: pressure, divergence, split probabilities,
scenarios and sensitivity.

Pressure is on the log-odds scale of the reference item (by default ECFR's 'Peace' camp: the
share wanting the war ended as soon as possible, even at a cost to Ukraine). A member is
*pushing to negotiate* at a date when its pressure exceeds the threshold, given as a share
in percent of that item (default 50: the peace camp would be a majority).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import ModelInputError
from opinion.models.core.results import ModelResults
from opinion.models.core.results import interval as _interval

DEFAULT_LEVEL = 0.9
DEFAULT_THRESHOLD = 50.0
RULES = ("unanimity", "qualified_majority")


# ----------------------------------------------------------------------------- pure functions
def threshold_logit(threshold: float) -> float:
    """A threshold share in percent (0-100, exclusive) on the log-odds scale."""
    if not 0 < threshold < 100:
        raise ModelInputError(f"threshold must be a share in percent in (0, 100), not {threshold}")
    p = threshold / 100
    return float(np.log(p / (1 - p)))


def split_events(pressure: np.ndarray, threshold: float, rule: str = "unanimity",
                 weights: np.ndarray | None = None, blocking_share: float = 0.35) -> np.ndarray:
    """Per draw (and date): does the coalition split?

    Parameters
    ----------
    pressure
        Draws of pressure, log-odds, shape ``(draws, members)`` or ``(draws, members, dates)``.
    threshold
        Log-odds above which a member pushes to negotiate.
    rule
        ``"unanimity"``: split when at least one member is above the threshold.
        ``"qualified_majority"``: split when the members above it hold more than
        ``blocking_share`` of the weights.
    weights
        Member weights (needed for the qualified majority; default equal).

    Returns
    -------
    numpy.ndarray of bool, shape ``pressure.shape`` without the member axis.
    """
    above = pressure > threshold
    if rule == "unanimity":
        return above.any(axis=1)
    if rule == "qualified_majority":
        m = pressure.shape[1]
        w = np.full(m, 1.0 / m) if weights is None else np.asarray(weights, float)
        w = w.reshape((1, m) + (1,) * (pressure.ndim - 2))
        return (above * w).sum(axis=1) > blocking_share
    raise ModelInputError(f"rule must be one of {RULES}, not {rule!r}")


def split_probability_draws(pressure: np.ndarray, threshold: float, rule: str = "unanimity",
                            weights: np.ndarray | None = None,
                            blocking_share: float = 0.35) -> float:
    """Posterior probability of a split; with a date axis, at any of the dates."""
    events = split_events(pressure, threshold, rule, weights, blocking_share)
    if events.ndim > 1:
        events = events.any(axis=tuple(range(1, events.ndim)))
    return float(events.mean())


def split_curve_draws(pressure: np.ndarray, threshold: float, order: list[int] | np.ndarray,
                      ) -> np.ndarray:
    """Unanimity split probability with the first 1, 2, ... members of ``order``."""
    out = []
    any_so_far = np.zeros(pressure.shape[:1] + pressure.shape[2:], dtype=bool)
    for m in order:
        any_so_far = any_so_far | (pressure[:, m] > threshold)
        events = any_so_far if any_so_far.ndim == 1 else any_so_far.any(axis=1)
        out.append(events.mean())
    return np.asarray(out)


@dataclass
class ScenarioResult:
    """A scenario against the fitted baseline.

    Attributes
    ----------
    pressure
        ``member, date, baseline, scenario, change`` (posterior means, log-odds).
    split
        ``rule, baseline, scenario``: split probabilities at the scenario's threshold.
    description
        What was changed.
    """

    pressure: pd.DataFrame
    split: pd.DataFrame
    description: str

    def _repr_html_(self) -> str:
        return (f"<div><strong>Scenario</strong>: {html.escape(self.description)}</div>"
                + self.split.to_html(index=False, float_format=lambda v: f"{v:.3f}"))


# ----------------------------------------------------------------------------- results
class CoalitionResults(ModelResults):
    """What a fitted :class:`~opinion.models.CoalitionPressure` returns.

    Intervals are equal-tailed posterior intervals at ``level`` (default 90%).
    """

    model_label = "coalition pressure"

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.members = pd.DataFrame(meta["members"])
        self.iso2: list[str] = self.members["iso2"].tolist()
        self.dates = pd.DatetimeIndex(pd.to_datetime(meta["dates"]))
        self.weights = np.asarray(meta["weights"], float)
        self.polled: list[str] = list(meta["polled_members"])
        self.elections = pd.DataFrame(meta["elections"])
        self.elections["date"] = pd.to_datetime(self.elections["date"])
        self.blocking_share = float(meta["config"]["blocking_share"])

    # ------------------------------------------------------------------ draws
    def _days(self, elections: pd.DataFrame | None = None) -> np.ndarray:
        from opinion.models.coalition.inputs import days_to_next_election

        return days_to_next_election(self.members, self.elections if elections is None
                                     else elections, self.dates)

    def pressure_draws(self, *, salience_shock: dict[str, float] | None = None,
                       elections: pd.DataFrame | None = None,
                       decay_days: np.ndarray | None = None) -> np.ndarray:
        """Draws of pressure, log-odds: ``(draws, member, date)``."""
        theta = self._posterior("theta")
        sal = self._posterior("salience") - self._posterior("salience_mean")[:, None]
        if salience_shock:
            sal = sal + self._member_vector(salience_shock)[None, :]
        gamma = self._posterior("salience_effect")
        beta = self._posterior("election_effect")
        lam = self._posterior("decay_days") if decay_days is None else decay_days
        days = self._days(elections)
        term = beta[:, None, None] * np.exp(-days[None] / lam[:, None, None])
        return (theta + gamma[:, None] * sal)[:, :, None] + term

    def _member_vector(self, values: dict[str, float]) -> np.ndarray:
        out = np.zeros(len(self.iso2))
        for iso, v in values.items():
            out[self._member_index(iso)] = float(v)
        return out

    def _member_index(self, iso: str) -> int:
        iso = str(iso).upper()
        if iso not in self.iso2:
            raise ModelInputError(f"unknown member {iso!r} (members: {', '.join(self.iso2)})")
        return self.iso2.index(iso)

    def _date_index(self, date: str | None) -> int | None:
        if date is None:
            return None
        ts = pd.Timestamp(date).to_period("M").to_timestamp()
        if ts not in self.dates:
            raise ModelInputError(f"{date} is outside the pressure grid "
                                  f"{self.dates[0]:%Y-%m}..{self.dates[-1]:%Y-%m}")
        return int(self.dates.get_loc(ts))

    # ------------------------------------------------------------------ tables
    def preference(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Latent preference for negotiating now per member: ``member, name, region, polled,
        mean, lower, upper`` (log-odds) and ``share`` (percent at the mean)."""
        mean, lower, upper = _interval(self._posterior("theta"), level)
        out = self.members.rename(columns={"iso2": "member"}).copy()
        out["polled"] = out["member"].isin(self.polled)
        out["mean"], out["lower"], out["upper"] = mean, lower, upper
        out["share"] = 100 / (1 + np.exp(-mean))
        return out

    def pressure(self, level: float = DEFAULT_LEVEL, *, scale: str = "logit") -> pd.DataFrame:
        """Monthly pressure per member: ``member, date, mean, lower, upper``.

        ``scale="logit"`` (default) or ``"percent"`` (the reference item's share).
        """
        return self._pressure_table(self.pressure_draws(), level, scale)

    def _pressure_table(self, draws: np.ndarray, level: float, scale: str) -> pd.DataFrame:
        if scale == "percent":
            draws = 100 / (1 + np.exp(-draws))
        elif scale != "logit":
            raise ModelInputError("scale must be 'logit' or 'percent'")
        mean, lower, upper = _interval(draws, level)
        m, t = np.meshgrid(np.arange(len(self.iso2)), np.arange(len(self.dates)), indexing="ij")
        return pd.DataFrame({
            "member": np.asarray(self.iso2)[m.ravel()], "date": self.dates[t.ravel()],
            "mean": mean.ravel(), "lower": lower.ravel(), "upper": upper.ravel()})

    def ranking(self, level: float = DEFAULT_LEVEL, date: str | None = None) -> pd.DataFrame:
        """Members ranked by pressure (percent scale) at ``date`` (default: mean over the
        grid), with intervals and whether the member has any poll."""
        draws = 100 / (1 + np.exp(-self.pressure_draws()))
        t = self._date_index(date)
        values = draws.mean(axis=2) if t is None else draws[:, :, t]
        mean, lower, upper = _interval(values, level)
        out = self.members.rename(columns={"iso2": "member"}).copy()
        out["polled"] = out["member"].isin(self.polled)
        out["mean"], out["lower"], out["upper"] = mean, lower, upper
        return out.sort_values("mean", ascending=False).reset_index(drop=True)

    def divergence(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Weighted standard deviation of pressure (log-odds) across members, per month:
        ``date, mean, lower, upper``."""
        p = self.pressure_draws()
        w = self.weights[None, :, None]
        centre = (p * w).sum(axis=1, keepdims=True)
        sd = np.sqrt(((p - centre) ** 2 * w).sum(axis=1))
        mean, lower, upper = _interval(sd, level)
        return pd.DataFrame({"date": self.dates, "mean": mean, "lower": lower, "upper": upper})

    def split_probability(self, threshold: float = DEFAULT_THRESHOLD, rule: str = "unanimity",
                          *, date: str | None = None, weights: object = None,
                          blocking_share: float | None = None) -> float:
        """Probability that the coalition splits over negotiating now.

        Parameters
        ----------
        threshold
            Share (percent of the reference item) above which a member pushes to negotiate.
        rule
            ``"unanimity"``: P(at least one member above the threshold);
            ``"qualified_majority"``: P(members above it hold more than ``blocking_share``
            of the weights).
        date
            A month of the grid; default: at any month of the grid.
        weights
            Override the fitted weights (``"equal"``, ``"aid"`` or a Series).
        """
        p = self.pressure_draws()
        return self._split(p, threshold, rule, date, weights, blocking_share)

    def _split(self, p: np.ndarray, threshold: float, rule: str, date: str | None,
               weights: object, blocking_share: float | None) -> float:
        t = self._date_index(date)
        if t is not None:
            p = p[:, :, t]
        return split_probability_draws(p, threshold_logit(threshold), rule,
                                       self._weights(weights),
                                       self.blocking_share if blocking_share is None
                                       else blocking_share)

    def _weights(self, weights: object) -> np.ndarray:
        if weights is None:
            return self.weights
        from opinion.models.coalition.inputs import resolve_weights

        return resolve_weights(weights, self.members)

    def split_curve(self, threshold: float = DEFAULT_THRESHOLD, *, order: str | list[str] =
                    "pressure", date: str | None = None) -> pd.DataFrame:
        """Unanimity split probability as members are added one at a time.

        ``order``: ``"pressure"`` (lowest posterior-mean pressure first, so the curve shows
        how each added, more reluctant-to-fight member raises the risk), ``"weight"``
        (largest weight first), ``"members"`` (table order) or a list of codes.
        Columns ``n_members, member, probability``.
        """
        p = self.pressure_draws()
        t = self._date_index(date)
        if t is not None:
            p = p[:, :, t:t + 1]
        if isinstance(order, str):
            if order == "pressure":
                idx = list(np.argsort(p.mean(axis=(0, 2)), kind="stable"))
            elif order == "weight":
                idx = list(np.argsort(-self.weights, kind="stable"))
            elif order == "members":
                idx = list(range(len(self.iso2)))
            else:
                raise ModelInputError("order must be 'pressure', 'weight', 'members' or a list")
        else:
            idx = [self._member_index(c) for c in order]
        prob = split_curve_draws(p, threshold_logit(threshold), idx)
        return pd.DataFrame({"n_members": np.arange(1, len(idx) + 1),
                             "member": [self.iso2[i] for i in idx], "probability": prob})

    def scenario(self, *, salience_shock: dict[str, float] | None = None,
                 elections: dict[str, str | None] | None = None,
                 threshold: float = DEFAULT_THRESHOLD) -> ScenarioResult:
        """Pressures and split probabilities under changed assumptions.

        Parameters
        ----------
        salience_shock
            ``{iso2: change}`` in the log-odds salience of domestic issues (e.g. an inflation
            shock: ``{"DE": 1.0}``), scaled by the fitted salience effect.
        elections
            ``{iso2: "YYYY-MM-DD"}`` moves that member's next election in the grid to this
            date (``None`` removes it).
        threshold
            Share (percent) for the split probabilities.
        """
        from opinion.models.coalition.inputs import check_elections

        cal = self.elections.copy()
        described = []
        if elections:
            cfg = self.meta["config"]
            for iso, new in elections.items():
                iso = self.iso2[self._member_index(iso)]
                own = cal[(cal["iso2"] == iso) & (cal["date"] >= self.dates[0])]
                if len(own):
                    cal = cal.drop(own.index[0])
                if new is not None:
                    cal = pd.concat([cal, pd.DataFrame({"iso2": [iso], "date": [new]})],
                                    ignore_index=True)
                described.append(f"{iso} election {'removed' if new is None else 'on ' + new}")
            cal = check_elections(cal, self.members, cfg["calendar_start"], cfg["calendar_end"])
        if salience_shock:
            described += [f"{k} salience {v:+g}" for k, v in salience_shock.items()]
        base = self.pressure_draws()
        new_p = self.pressure_draws(salience_shock=salience_shock, elections=cal)
        b, s = base.mean(axis=0), new_p.mean(axis=0)
        m, t = np.meshgrid(np.arange(len(self.iso2)), np.arange(len(self.dates)), indexing="ij")
        table = pd.DataFrame({"member": np.asarray(self.iso2)[m.ravel()],
                              "date": self.dates[t.ravel()], "baseline": b.ravel(),
                              "scenario": s.ravel(), "change": (s - b).ravel()})
        split = pd.DataFrame([{"rule": r, "baseline": self._split(base, threshold, r, None, None,
                                                                   None),
                               "scenario": self._split(new_p, threshold, r, None, None, None)}
                              for r in RULES])
        return ScenarioResult(table, split, "; ".join(described) or "no change")

    def sensitivity(self, *, thresholds: tuple[float, ...] = (40, 50, 60),
                    decay_days: tuple[float, ...] = (60, 180, 540),
                    weights: tuple[object, ...] = ("equal", "aid"),
                    country_n: tuple[int, ...] = (), seed: int = 0,
                    fit_kwargs: dict[str, Any] | None = None) -> pd.DataFrame:
        """Split probabilities as each assumption is varied, the others at their fitted values.

        The decay prior is varied exactly without refitting: ``lambda`` does not enter the
        likelihood, so its posterior is its prior (draws are redrawn from the changed
        prior). ``country_n`` (the assumed sample size per country) changes the likelihood,
        so each value refits the model (pass ``fit_kwargs`` for the sampler settings).

        Returns
        -------
        DataFrame ``assumption, value, unanimity, qualified_majority, mean_pressure`` (mean
        pressure in percent, weighted, over the grid).
        """
        rows = []
        base_threshold = DEFAULT_THRESHOLD

        def row(assumption: str, value: object, p: np.ndarray, threshold: float,
                w: object = None, res: CoalitionResults | None = None) -> dict[str, Any]:
            r = res or self
            ww = r._weights(w)
            share = 100 / (1 + np.exp(-p))
            return {"assumption": assumption, "value": str(value),
                    "unanimity": r._split(p, threshold, "unanimity", None, w, None),
                    "qualified_majority": r._split(p, threshold, "qualified_majority", None,
                                                   w, None),
                    "mean_pressure": float((share.mean(axis=(0, 2)) * ww).sum())}

        p = self.pressure_draws()
        for th in thresholds:
            rows.append(row("threshold (%)", th, p, th))
        rng = np.random.default_rng(seed)
        sd = float(self.meta["config"]["decay_sd"])
        n = p.shape[0]
        z = rng.standard_normal(n)
        for dd in decay_days:
            lam = np.exp(np.log(dd) + sd * z)
            rows.append(row("decay prior median (days)", dd,
                            self.pressure_draws(decay_days=lam), base_threshold))
        for w in weights:
            label = w if isinstance(w, str) else "custom"
            rows.append(row("weights", label, p, base_threshold, w))
        for cn in country_n:
            refit = self.refit(country_n=int(cn), **(fit_kwargs or {}))
            rows.append(row("country_n", cn, refit.pressure_draws(), base_threshold,
                            res=refit))
        return pd.DataFrame(rows)

    def refit(self, *, random_seed: int | None = None, **changes: Any) -> CoalitionResults:
        """Refit the same data with configuration fields changed (e.g. ``country_n=500``);
        other keywords go to ``fit`` (draws, tune, chains, sampler, cache). The refit goes
        through the model: ``CoalitionPressure.from_results(self, **changes)``."""
        from opinion.models.registry import model_class_for

        model_class = model_class_for(self.meta["model"])
        fields = set(model_class.config_class.field_names())
        fit_kwargs = {k: v for k, v in changes.items() if k not in fields}
        settings = self.meta["settings"]
        for key in ("draws", "tune", "chains", "sampler", "target_accept"):
            fit_kwargs.setdefault(key, settings[key])
        model = model_class.from_results(self, **{k: v for k, v in changes.items()
                                                  if k in fields})
        return model.fit(random_seed=self.random_seed if random_seed is None else random_seed,
                         **fit_kwargs)

    # ------------------------------------------------------------------ summaries
    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Named parameters: each member's preference (percent of the reference item) and
        the model's hyperparameters (log-odds; decay in days)."""
        rows = []
        pref = self.preference(level)
        for r in pref.itertuples():
            tag = "" if r.polled else ", no poll"
            rows.append((f"preference to negotiate: {r.member} ({r.region}{tag}), %",
                         100 / (1 + np.exp(-r.mean)), 100 / (1 + np.exp(-r.lower)),
                         100 / (1 + np.exp(-r.upper))))
        for name, label in (("mu", "coalition mean (log-odds)"),
                            ("sigma_region", "region sd (log-odds)"),
                            ("sigma_member", "member sd (log-odds)"),
                            ("tau", "item x country error sd (log-odds)"),
                            ("salience_effect", "salience effect (prior only)"),
                            ("election_effect", "election effect beta (prior only)"),
                            ("decay_days", "election decay lambda, days (prior only)")):
            m, lo, hi = _interval(self._posterior(name), level)
            rows.append((label, float(m), float(lo), float(hi)))
        return pd.DataFrame(rows, columns=["parameter", "mean", "lower", "upper"]).set_index(
            "parameter")

    def headline(self) -> str:
        rank = self.ranking()
        top = rank.iloc[0]
        p = self.split_probability()
        return (f"highest pressure: {top['name']} {top['mean']:.0f}% "
                f"({top['lower']:.0f}-{top['upper']:.0f}, 90%); P(some member above 50%) = "
                f"{p:.2f}")

    # ------------------------------------------------------------------ plots
    def plot_pressure(self, ax=None, *, level: float = DEFAULT_LEVEL,
                      members: list[str] | None = None):
        """Small multiples of pressure (percent) by member; returns the first Axes."""
        from opinion.models.coalition.plots import plot_pressure

        return plot_pressure(self.pressure(level, scale="percent"),
                             order=members or self.ranking(level)["member"].tolist(),
                             names=dict(zip(self.iso2, self.members["name"], strict=True)),
                             polled=set(self.polled), ax=ax, level=level)

    def plot_split_curve(self, ax=None, *, threshold: float = DEFAULT_THRESHOLD,
                         order: str | list[str] = "pressure"):
        """The split probability as members are added ('30 partners vs one Russia')."""
        from opinion.models.coalition.plots import plot_split_curve

        how = order if isinstance(order, str) else "given"
        return plot_split_curve(
            self.split_curve(threshold, order=order), ax=ax,
            xlabel=f"Members in the coalition (added in order: {how})",
            ylabel="P(some member above threshold)",
            title=f"Unanimity split probability at a {threshold:.0f}% threshold, any month")

    def _repr_html_(self) -> str:
        rank = self.ranking().head(10)
        return "\n".join([
            f"<div><strong>Coalition pressure</strong>: {html.escape(self.headline())}</div>",
            self._diagnostics_html(),
            "<div>Highest pressure (percent of the reference item, mean over the grid)</div>",
            rank.to_html(index=False, escape=True, float_format=lambda v: f"{v:.1f}"),
            "<div style='color:#555'>Next: <code>.pressure()</code>, <code>.divergence()</code>, "
            "<code>.split_probability()</code>, <code>.split_curve()</code>, "
            "<code>.scenario(...)</code>, <code>.sensitivity()</code></div>",
        ])
