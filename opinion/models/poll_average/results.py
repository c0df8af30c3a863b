"""Results of a poll average: trend, house effects, latest estimate, changes, checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import OpinionError, check_name
from opinion.formatting import interval_columns
from opinion.models.core.results import DEFAULT_LEVEL, ModelResults, Quantity
from opinion.models.core.results import interval as _interval
from opinion.models.core.timegrid import interpolation_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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

    model_label = "Poll average"
    date_columns = ("start_date", "end_date")

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.responses: list[str] = list(meta["responses"])
        self.pollsters: list[str] = list(meta["pollsters"])
        self.series: list[str] = list(meta["series"])
        self.start = pd.Timestamp(meta["start"])
        self.end = pd.Timestamp(meta["end"])
        self.grid_days = int(meta["grid_days"])
        self._daily_cache: np.ndarray | None = None

    @property
    def likelihood(self) -> str:
        """The likelihood fitted (``"auto"`` resolved at fit time)."""
        return str(self.meta.get("likelihood", self.meta["config"]["likelihood"]))

    @property
    def gaussian_likelihood(self) -> bool:
        """Whether polls were modelled as Gaussian log-odds (replicated on that scale)."""
        return self.likelihood in {"normal", "kalman"}

    # ------------------------------------------------------------------ draws
    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, self.end, freq="D")

    def daily_shares(self) -> np.ndarray:
        """Draws of daily shares in percent: (draws, series, day, response)."""
        if self._daily_cache is None:
            eta = self._posterior("eta")  # draws, series, category, knot
            interp = interpolation_matrix(len(self.dates), self.grid_days)
            daily = np.einsum("dsck,tk->dstc", eta, interp, optimize=True)
            self._daily_cache = 100 * _softmax_with_reference(daily)
        return self._daily_cache

    # ------------------------------------------------------------------ tables
    def trend(self, level: float = DEFAULT_LEVEL, *, response: str | None = None) -> pd.DataFrame:
        """Daily trend: ``date, response, mean, lower_90, upper_90`` (percent; the interval
        columns are named by ``level``).

        With separate series per question (``pool_items=False``) a ``series`` column names
        the question.
        """
        if response is not None:
            self._response_index(response)
        lo, hi = interval_columns(level)
        shares = self.daily_shares()
        mean, lower, upper = _interval(shares, level)
        frames = []
        for s, series in enumerate(self.series):
            for k, resp in enumerate(self.responses):
                if response is not None and resp != response:
                    continue
                frames.append(pd.DataFrame({
                    "series": series, "date": self.dates, "response": resp,
                    "mean": mean[s, :, k], lo: lower[s, :, k], hi: upper[s, :, k],
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
        """Change in share between two dates (percentage points): ``response, from, to,
        mean, lower_90, upper_90, p_increase``."""
        if response is not None:
            self._response_index(response)
        lo, hi = interval_columns(level)
        d0, d1 = self._day_index(start), self._day_index(end)
        shares = self.daily_shares()[:, 0]
        rows = []
        for k, resp in enumerate(self.responses):
            if response is not None and resp != response:
                continue
            delta = shares[:, d1, k] - shares[:, d0, k]
            mean, lower, upper = _interval(delta, level)
            rows.append({"response": resp, "from": self.dates[d0], "to": self.dates[d1],
                         "mean": float(mean), lo: float(lower), hi: float(upper),
                         "p_increase": float((delta > 0).mean())})
        return pd.DataFrame(rows)

    def house_effects(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """House effect of each pollster in percentage points, per response.

        Measured at each draw's time-averaged latent opinion: the share a pollster reports
        minus what the average pollster would report. Columns ``pollster, response, mean,
        lower_90, upper_90`` (named by ``level``).
        """
        lo, hi = interval_columns(level)
        rows = []
        for (pollster, resp), values in self._house_draws().items():
            mean, lower, upper = _interval(values, level)
            rows.append({"pollster": pollster, "response": resp, "mean": float(mean),
                         lo: float(lower), hi: float(upper)})
        return pd.DataFrame(rows, columns=["pollster", "response", "mean", lo, hi])

    def _house_draws(self) -> dict[tuple[str, str], np.ndarray]:
        """Draws of each pollster's house effect on each response, in points."""
        if "house" not in self.idata["posterior"]:
            return {}
        eta = self._posterior("eta")[:, 0].mean(axis=-1)  # draws, category
        house = self._posterior("house")  # draws, category, pollster
        base = _softmax_with_reference(eta)
        out = {}
        for p, pollster in enumerate(self.pollsters):
            shifted = 100 * (_softmax_with_reference(eta + house[:, :, p]) - base)
            for k, resp in enumerate(self.responses):
                out[(pollster, resp)] = shifted[:, k]
        return out

    # ------------------------------------------------------------------ checks
    def posterior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Each published share beside its replicated interval, on the published scale.

        Columns ``poll_id, pollster, end_date, response, observed, lower_90, upper_90,
        inside``: ``observed`` is the share the poll published (percent; renormalised when
        every category was reported), ``lower_90``/``upper_90`` the ``level`` interval of the
        same share
        in data replicated from the posterior. ``inside.mean()`` should be close to ``level``
        when the model fits.
        """
        data = self.observations()
        share = self._replicated_shares("posterior_predictive")
        if self.gaussian_likelihood:
            observed = 100 * np.where(data["response"] == self.responses[0], data["share"],
                                      1 - data["share"])
        else:
            observed = 100 * data["share"].to_numpy()
        _, lower, upper = _interval(share, level)
        lo, hi = interval_columns(level)
        return pd.DataFrame({
            "poll_id": data["poll_id"], "pollster": data["pollster"],
            "end_date": data["end_date"], "response": data["response"],
            "observed": observed, lo: lower, hi: upper,
            "inside": (observed >= lower) & (observed <= upper),
        })

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Range of published poll shares the priors alone imply, per response (percent):
        ``response, lower_90, median, upper_90``."""
        lo, hi = interval_columns(level)
        if "prior_predictive" not in self.idata.children:
            return pd.DataFrame(columns=["response", lo, "median", hi])
        data = self.observations()
        share = self._replicated_shares("prior_predictive")
        rows = []
        for resp in data["response"].unique():
            values = share[:, (data["response"] == resp).to_numpy()].ravel()
            rows.append({"response": resp,
                         lo: np.quantile(values, (1 - level) / 2),
                         "median": np.median(values),
                         hi: np.quantile(values, 1 - (1 - level) / 2)})
        return pd.DataFrame(rows)

    def _replicated_shares(self, group: str) -> np.ndarray:
        """Replicated published shares (percent): (draws, cell).

        The binomial likelihood replicates stick-breaking counts (each category's count out
        of what the earlier categories left); a published share is that count out of the
        poll's whole effective sample, the first cell's number of trials.
        """
        pred = self._posterior("y", group).astype(float)
        if self.gaussian_likelihood:
            return 100 / (1 + np.exp(-pred))
        data = self.observations()
        poll_trials = data.groupby(["poll_id", "question_id"])["trials"].transform("max")
        return 100 * pred / np.maximum(poll_trials.to_numpy(), 1)

    # ------------------------------------------------------------------ summaries
    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        """Latest shares, random-walk and poll-error scales, house and other effects."""
        latest = self.daily_shares()[:, 0, -1]
        rows = [(f"latest share: {resp} ({self.end:%Y-%m-%d})", latest[:, k])
                for k, resp in enumerate(self.responses)]
        sig = self._posterior("sigma_rw") * 25  # logit per month -> pp per month at 50%
        rows += [(f"random-walk sd per month: {resp} (pp at 50%)", sig[:, k])
                 for k, resp in enumerate(self.responses[:-1])]
        rows.append(("poll-level error sd (pp at 50%)", self._posterior("tau") * 25))
        rows += [(f"house effect of {pollster}: {resp} (pp)", values)
                 for (pollster, resp), values in self._house_draws().items()]
        post = self.idata["posterior"]
        for name, label in (("population", "population"), ("mode", "mode"),
                            ("item", "question")):
            var = f"{name}_effect"
            if var not in post:
                continue
            values = self._posterior(var) * 25
            for j, lev in enumerate(post[var].coords[f"{name}_level"].values):
                rows += [(f"{label} effect of {lev}: {resp} (logit x 25, pp at 50%)",
                          values[:, k, j]) for k, resp in enumerate(self.responses[:-1])]
        return rows

    def headline_quantities(self) -> dict[str, Quantity]:
        """The latest share of each response, and its change over the whole trend."""
        out: dict[str, Quantity] = {}
        for k, resp in enumerate(self.responses):
            out[f"latest share: {resp}"] = lambda r, k=k: r.daily_shares()[:, 0, -1, k]
            out[f"change over the trend: {resp}"] = (
                lambda r, k=k: r.daily_shares()[:, 0, -1, k] - r.daily_shares()[:, 0, 0, k])
        return out

    def focus_choices(self) -> list[str]:
        """The responses: :attr:`focus` is one of them."""
        return list(self.responses)

    def headline(self) -> str:
        """The latest share of :attr:`focus` (the response the user asked about: the first
        of ``responses=``, else the one the question's wording names first; set
        ``fit.focus = "..."`` to change it), as a sentence with its interval."""
        lo, hi = interval_columns(DEFAULT_LEVEL)
        latest = self.latest()
        r = latest[latest["response"] == self.focus].iloc[0]
        return (f"{r['response']}: {r['mean']:.1f}% ({r[lo]:.1f}%–{r[hi]:.1f}%, 90% "
                f"interval) on {r['date'].day} {r['date']:%B %Y}")

    def display_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Latest estimate", self.latest()), ("House effects (pp)", self.house_effects())]

    def next_steps(self) -> list[str]:
        return ["trend()", "plot_trend()", "change(start, end)", "house_effects()",
                "posterior_predictive_check()", "contraction_table()"]

    def model_description(self) -> list[str]:
        """The fitted model in words, from the saved configuration and fit-time choices."""
        from opinion.models.poll_average.describe import describe

        return describe(self.meta)

    # ------------------------------------------------------------------ plots
    def plot_trend(self, ax: Axes | None = None, *, response: str | None = None,
                   level: float = DEFAULT_LEVEL, show_polls: bool = True) -> Axes:
        """Trend with its credible band and the polls overlaid, sized by n."""
        from opinion.models.poll_average.plots import plot_trend

        trend = self.trend(level, response=response)  # checks the name
        if "series" in trend:
            trend = trend[trend["series"] == trend["series"].iloc[0]]
        polls = self.observations() if show_polls else None
        if polls is not None and response is not None:
            polls = polls[polls["response"] == response]
        return plot_trend(trend, polls, ax=ax, level=level)

    def plot_house_effects(self, ax: Axes | None = None, *, response: str | None = None,
                           level: float = DEFAULT_LEVEL) -> Axes:
        """House effects with intervals, one row per pollster."""
        from opinion.models.poll_average.plots import plot_house_effects

        if response is not None:
            self._response_index(response)
        return plot_house_effects(self.house_effects(level), ax=ax,
                                  response=response or self.focus, level=level)

    # ------------------------------------------------------------------ helpers
    def _response_index(self, response: str | None) -> int:
        if response is None:
            return self.responses.index(self.focus)
        check_name(response, self.responses, "response")
        return self.responses.index(response)

    def _day_index(self, date: str | None) -> int:
        if date is None:
            return len(self.dates) - 1
        ts = pd.Timestamp(date)
        if not self.start <= ts <= self.end:
            raise OpinionError(
                f"{ts:%Y-%m-%d} is outside the trend ({self.start:%Y-%m-%d}..{self.end:%Y-%m-%d})")
        return int((ts - self.start).days)
