"""Results of a poll average: trend, house effects, latest estimate, changes, checks."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.results.base import ModelResults
from opinion.results.base import interval as _interval

DEFAULT_LEVEL = 0.9


def _softmax_with_reference(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis after appending the reference category (logit 0)."""
    full = np.concatenate([logits, np.zeros(logits.shape[:-1] + (1,))], axis=-1)
    full -= full.max(axis=-1, keepdims=True)
    expd = np.exp(full)
    return expd / expd.sum(axis=-1, keepdims=True)


class PollAverageResults(ModelResults):
    """What a fitted :class:`~opinion.models.PollAverage` returns.

    All shares are in percent (0-100); intervals are equal-tailed posterior intervals at
    ``level`` (default 90%). The trend is on the scale of the reference question,
    population and mode (the most common ones unless configured), with house effects
    removed: what the *average pollster* would have found.
    """

    model_label = "poll average"

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.responses: list[str] = list(meta["responses"])
        self.pollsters: list[str] = list(meta["pollsters"])
        self.series: list[str] = list(meta["series"])
        self.start = pd.Timestamp(meta["start"])
        self.end = pd.Timestamp(meta["end"])
        self.grid_days = int(meta["grid_days"])
        self._daily_cache: np.ndarray | None = None

    # ------------------------------------------------------------------ draws
    def _posterior(self, name: str) -> np.ndarray:
        """Posterior draws stacked over chains: shape (draws, ...)."""
        da = self.idata["posterior"][name]
        values = np.asarray(da.values)
        return values.reshape((-1,) + values.shape[2:])

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, self.end, freq="D")

    def daily_shares(self) -> np.ndarray:
        """Draws of daily shares in percent: (draws, series, day, response)."""
        if self._daily_cache is None:
            from opinion.models.poll_average.data import interpolation_matrix

            eta = self._posterior("eta")  # draws, series, category, knot
            interp = interpolation_matrix(len(self.dates), self.grid_days)
            daily = np.einsum("dsck,tk->dstc", eta, interp, optimize=True)
            self._daily_cache = 100 * _softmax_with_reference(daily)
        return self._daily_cache

    # ------------------------------------------------------------------ tables
    def trend(self, level: float = DEFAULT_LEVEL, *, response: str | None = None) -> pd.DataFrame:
        """Daily trend: ``date, response, mean, lower, upper`` (percent).

        With separate series per question (``pool_items=False``) a ``series`` column names
        the question.
        """
        shares = self.daily_shares()
        mean, lower, upper = _interval(shares, level)
        frames = []
        for s, series in enumerate(self.series):
            for k, resp in enumerate(self.responses):
                if response is not None and resp != response:
                    continue
                frames.append(pd.DataFrame({
                    "series": series, "date": self.dates, "response": resp,
                    "mean": mean[s, :, k], "lower": lower[s, :, k], "upper": upper[s, :, k],
                }))
        out = pd.concat(frames, ignore_index=True)
        if len(self.series) == 1:
            out = out.drop(columns="series")
        return out

    def latest(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """The estimate on the last day, one row per response."""
        trend = self.trend(level)
        return trend[trend["date"] == trend["date"].max()].reset_index(drop=True)

    def prob_majority(self, response: str | None = None, date: str | None = None) -> float:
        """Posterior probability that ``response`` is above 50% on ``date`` (default: last)."""
        k = self._response_index(response)
        day = self._day_index(date)
        return float((self.daily_shares()[:, 0, day, k] > 50).mean())

    def prob_lead(self, response: str, over: str, date: str | None = None) -> float:
        """Posterior probability that ``response`` leads ``over`` on ``date``."""
        a, b = self._response_index(response), self._response_index(over)
        day = self._day_index(date)
        shares = self.daily_shares()[:, 0, day]
        return float((shares[:, a] > shares[:, b]).mean())

    def change(self, start: str, end: str | None = None, *, response: str | None = None,
               level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Change in share between two dates: ``response, mean, lower, upper, p_increase``."""
        d0, d1 = self._day_index(start), self._day_index(end)
        shares = self.daily_shares()[:, 0]
        rows = []
        for k, resp in enumerate(self.responses):
            if response is not None and resp != response:
                continue
            delta = shares[:, d1, k] - shares[:, d0, k]
            mean, lower, upper = _interval(delta, level)
            rows.append({"response": resp, "from": self.dates[d0], "to": self.dates[d1],
                         "mean": float(mean), "lower": float(lower), "upper": float(upper),
                         "p_increase": float((delta > 0).mean())})
        return pd.DataFrame(rows)

    def house_effects(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """House effect of each pollster in percentage points, per response.

        Measured at each draw's time-averaged latent opinion: the share a pollster reports
        minus what the average pollster would report. Columns ``pollster, response, mean,
        lower, upper``.
        """
        if "house" not in self.idata["posterior"]:
            return pd.DataFrame(columns=["pollster", "response", "mean", "lower", "upper"])
        eta = self._posterior("eta")[:, 0].mean(axis=-1)  # draws, category
        house = self._posterior("house")  # draws, category, pollster
        base = _softmax_with_reference(eta)
        rows = []
        for p, pollster in enumerate(self.pollsters):
            shifted = _softmax_with_reference(eta + house[:, :, p]) - base
            mean, lower, upper = _interval(100 * shifted, level)
            for k, resp in enumerate(self.responses):
                rows.append({"pollster": pollster, "response": resp, "mean": mean[k],
                             "lower": lower[k], "upper": upper[k]})
        return pd.DataFrame(rows)

    def posterior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Each reported share against its posterior predictive interval.

        Columns ``poll_id, pollster, end_date, response, observed, lower, upper, inside``;
        ``inside.mean()`` should be close to ``level`` when the model fits.
        """
        data = self.data()
        if self.meta["config"]["likelihood"] == "normal":
            pred = self._predictive("posterior_predictive", "y")
            share = 100 / (1 + np.exp(-pred))
            observed = np.where(data["response"] == self.responses[0], data["share"],
                                1 - data["share"]) * 100
        else:
            pred = self._predictive("posterior_predictive", "y")
            trials = data["trials"].to_numpy()
            share = 100 * pred / np.maximum(trials, 1)
            observed = 100 * data["count"].to_numpy() / np.maximum(trials, 1)
        _, lower, upper = _interval(share, level)
        return pd.DataFrame({
            "poll_id": data["poll_id"], "pollster": data["pollster"],
            "end_date": data["end_date"], "response": data["response"],
            "observed": observed, "lower": lower, "upper": upper,
            "inside": (observed >= lower) & (observed <= upper),
        })

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Range of poll shares the priors alone imply, per response (percent)."""
        if "prior_predictive" not in self.idata.children:
            return pd.DataFrame(columns=["response", "lower", "median", "upper"])
        data = self.data()
        pred = self._predictive("prior_predictive", "y")
        if self.meta["config"]["likelihood"] == "normal":
            share = 100 / (1 + np.exp(-pred))
        else:
            share = 100 * pred / np.maximum(data["trials"].to_numpy(), 1)
        rows = []
        for resp in data["response"].unique():
            cols = (data["response"] == resp).to_numpy()
            values = share[:, cols].ravel()
            rows.append({"response": resp,
                         "lower": np.quantile(values, (1 - level) / 2),
                         "median": np.median(values),
                         "upper": np.quantile(values, 1 - (1 - level) / 2)})
        return pd.DataFrame(rows)

    def _predictive(self, group: str, name: str) -> np.ndarray:
        values = np.asarray(self.idata[group][name].values)
        return values.reshape((-1,) + values.shape[2:]).astype(float)

    def data(self) -> pd.DataFrame:
        """The modelled poll cells (one row per reported share)."""
        from opinion.models.base import records_to_frame

        return records_to_frame(self.meta["data"], ("start_date", "end_date"))

    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Named parameters in percentage points, with intervals and diagnostics."""
        rows = []
        latest = self.latest(level)
        for r in latest.itertuples():
            rows.append((f"latest share: {r.response} ({r.date:%Y-%m-%d})", r.mean, r.lower,
                         r.upper))
        sig = self._posterior("sigma_rw") * 25  # logit per month -> pp per month at 50%
        for k, resp in enumerate(self.responses[:-1]):
            m, lo, hi = _interval(sig[:, k], level)
            rows.append((f"random-walk sd per month: {resp} (pp at 50%)", m, lo, hi))
        tau = self._posterior("tau") * 25
        m, lo, hi = _interval(tau, level)
        rows.append(("poll-level error sd (pp at 50%)", m, lo, hi))
        house = self.house_effects(level)
        for r in house.itertuples():
            rows.append((f"house effect of {r.pollster}: {r.response} (pp)", r.mean, r.lower,
                         r.upper))
        post = self.idata["posterior"]
        for name, label in (("population", "population"), ("mode", "mode"),
                            ("item", "question")):
            var = f"{name}_effect"
            if var not in post:
                continue
            values = self._posterior(var) * 25
            for j, lev in enumerate(post[var].coords[f"{name}_level"].values):
                for k, resp in enumerate(self.responses[:-1]):
                    m, lo, hi = _interval(values[:, k, j], level)
                    rows.append((f"{label} effect of {lev}: {resp} (logit x 25, pp at 50%)", m,
                                 lo, hi))
        table = pd.DataFrame(rows, columns=["parameter", "mean", "lower", "upper"])
        return table.set_index("parameter")

    def headline(self) -> str:
        latest = self.latest()
        r = latest.iloc[0]
        return (f"{r['response']}: {r['mean']:.1f}% ({r['lower']:.1f}-{r['upper']:.1f}, 90%) on "
                f"{r['date']:%Y-%m-%d}")

    # ------------------------------------------------------------------ plots
    def plot_trend(self, ax=None, *, response: str | None = None, level: float = DEFAULT_LEVEL,
                   show_polls: bool = True):
        """Trend with its credible band and the polls overlaid, sized by n."""
        from opinion.plots.poll_average import plot_trend

        return plot_trend(self, ax=ax, response=response, level=level, show_polls=show_polls)

    def plot_house_effects(self, ax=None, *, response: str | None = None,
                           level: float = DEFAULT_LEVEL):
        """House effects with intervals, one row per pollster."""
        from opinion.plots.poll_average import plot_house_effects

        return plot_house_effects(self, ax=ax, response=response, level=level)

    def _repr_html_(self) -> str:
        parts = [
            f"<div><strong>Poll average</strong>: {html.escape(self.headline())}</div>",
            self._diagnostics_html(),
            "<div>Latest estimate</div>",
            self.latest().to_html(index=False, escape=True, float_format=lambda v: f"{v:.1f}"),
            "<div>House effects (pp)</div>",
            self.house_effects().to_html(index=False, escape=True,
                                         float_format=lambda v: f"{v:.1f}"),
            "<div style='color:#555'>Next: <code>.trend()</code>, <code>.plot_trend()</code>, "
            "<code>.change(start, end)</code>, <code>.posterior_predictive_check()</code></div>",
        ]
        return "\n".join(parts)

    # ------------------------------------------------------------------ helpers
    def _response_index(self, response: str | None) -> int:
        if response is None:
            return 0
        if response not in self.responses:
            from opinion.errors import OpinionError

            raise OpinionError(f"unknown response {response!r} (have: {', '.join(self.responses)})")
        return self.responses.index(response)

    def _day_index(self, date: str | None) -> int:
        if date is None:
            return len(self.dates) - 1
        ts = pd.Timestamp(date)
        if not self.start <= ts <= self.end:
            from opinion.errors import OpinionError

            raise OpinionError(
                f"{ts:%Y-%m-%d} is outside the trend ({self.start:%Y-%m-%d}..{self.end:%Y-%m-%d})")
        return int((ts - self.start).days)
