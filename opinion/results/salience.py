"""Results of the issue-salience model: shares, rank probabilities, pairwise and contrasts.

Shares are in percent on the *reference question's scale* (``meta["reference_question"]``):
for a single-choice reference, the share that would name each issue as the most important
if every modelled issue (plus "other") were offered; for a rating or multi-mention reference,
the share rating/naming it. Ranks are 1 = most salient, among the modelled issues, within a
group and date. Intervals are equal-tailed posterior intervals at ``level`` (default 90%).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import OpinionError
from opinion.results.base import ModelResults
from opinion.results.base import interval as _interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DEFAULT_LEVEL = 0.9


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def format_probability(p: float) -> str:
    """'> 0.99', '< 0.01' or two decimals."""
    if p > 0.99:
        return "> 0.99"
    if p < 0.01:
        return "< 0.01"
    return f"{p:.2f}"


def rank_draws(theta: np.ndarray) -> np.ndarray:
    """Ranks (1 = largest) along the last axis of draws."""
    order = np.argsort(-theta, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, theta.shape[-1] + 1), axis=-1)
    return ranks


class IssueSalienceResults(ModelResults):
    """What a fitted :class:`~opinion.models.IssueSalience` returns."""

    model_label = "issue salience"

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.issues: list[str] = list(meta["issues"])
        self.groups: list[str] = list(meta["groups"])
        self.knots = pd.DatetimeIndex(pd.to_datetime(meta["knots"]))
        self.grid_days = int(meta["grid_days"])
        self.reference_question: str = meta["reference_question"]
        self.reference_format: str = meta["reference_format"]
        self.reference_date = pd.Timestamp(meta["reference_date"])
        self._theta_cache: np.ndarray | None = None

    # ------------------------------------------------------------------ draws
    def _posterior(self, name: str) -> np.ndarray:
        values = np.asarray(self.idata["posterior"][name].values)
        return values.reshape((-1,) + values.shape[2:])

    def theta_draws(self) -> np.ndarray:
        """Salience log-odds draws: (draws, group, issue, knot)."""
        if self._theta_cache is None:
            self._theta_cache = self._posterior("theta")
        return self._theta_cache

    def _date(self, date: str | pd.Timestamp | None) -> pd.Timestamp:
        return self.reference_date if date is None else pd.Timestamp(date)

    def theta_at(self, date: str | pd.Timestamp | None = None) -> np.ndarray:
        """Salience log-odds at ``date`` (default: the reference date): (draws, group, issue).

        Between knots the salience is linearly interpolated; outside the knots' range the
        nearest knot is used (a date outside the polls' span raises).
        """
        from opinion.models.salience.data import knot_weights_at

        theta = self.theta_draws()
        if len(self.knots) == 1:
            return theta[..., 0]
        ts = self._date(date)
        first, last = self.knots[0], self.knots[-1]
        if not first - pd.Timedelta(days=self.grid_days) <= ts <= last + pd.Timedelta(
                days=self.grid_days):
            raise OpinionError(f"{ts:%Y-%m-%d} is outside the modelled period "
                               f"({first:%Y-%m-%d}..{last:%Y-%m-%d})")
        day = np.clip((ts - first).days, 0, (last - first).days)
        w = knot_weights_at(np.array([float(day)]), len(self.knots), self.grid_days)[0]
        return np.einsum("dgkt,t->dgk", theta, w)

    def share_draws(self, date: str | pd.Timestamp | None = None) -> np.ndarray:
        """Share draws in percent on the reference scale: (draws, group, issue)."""
        theta = self.theta_at(date)
        return 100 * self._to_share(theta)

    def _to_share(self, theta: np.ndarray) -> np.ndarray:
        if self.reference_format == "single_choice":
            top = np.maximum(theta.max(axis=-1, keepdims=True), 0.0)
            e = np.exp(theta - top)
            return e / (e.sum(axis=-1, keepdims=True) + np.exp(-top))
        return 1 / (1 + np.exp(-theta))

    def _group_index(self, group: str | None) -> int:
        group = self.groups[0] if group is None else group
        if group not in self.groups:
            raise OpinionError(f"unknown group {group!r} (have: {', '.join(self.groups)})")
        return self.groups.index(group)

    def _issue_index(self, issue: str) -> int:
        if issue in self.issues:
            return self.issues.index(issue)
        lower = [i.lower() for i in self.issues]
        if issue.lower() in lower:
            return lower.index(issue.lower())
        raise OpinionError(f"unknown issue {issue!r} (have: {', '.join(self.issues)})")

    # ------------------------------------------------------------------ tables
    def shares(self, level: float = DEFAULT_LEVEL, *, date: str | None = None,
               group: str | None = None) -> pd.DataFrame:
        """Shares per issue and group: ``issue, group, date, mean, lower, upper`` (percent).

        ``date`` defaults to the reference date; ``date="all"`` gives every knot (a trend).
        """
        dates = list(self.knots) if date == "all" else [self._date(date)]
        groups = self.groups if group is None else [group]
        frames = []
        for ts in dates:
            draws = self.share_draws(ts)
            mean, lower, upper = _interval(draws, level)
            for g in groups:
                gi = self._group_index(g)
                frames.append(pd.DataFrame({
                    "issue": self.issues, "group": g, "date": ts, "mean": mean[gi],
                    "lower": lower[gi], "upper": upper[gi]}))
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["date", "group", "mean"], ascending=[True, True, False],
                               kind="stable").reset_index(drop=True)

    def ranks(self, *, date: str | None = None, group: str | None = None) -> pd.DataFrame:
        """Posterior rank distribution: ``issue, group, rank, probability`` (1 = top).

        Every issue has a row for every rank; probabilities sum to 1 over ranks for an issue
        and over issues for a rank.
        """
        theta = self.theta_at(date)
        groups = self.groups if group is None else [group]
        n_issues = len(self.issues)
        rows = []
        for g in groups:
            ranks = rank_draws(theta[:, self._group_index(g)])
            for k, issue in enumerate(self.issues):
                probs = np.bincount(ranks[:, k], minlength=n_issues + 1)[1:] / len(ranks)
                for r in range(n_issues):
                    rows.append({"issue": issue, "group": g, "rank": r + 1,
                                 "probability": float(probs[r])})
        return pd.DataFrame(rows)

    def rank_summary(self, *, date: str | None = None, group: str | None = None,
                     level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Per issue: mean rank, modal rank and its probability, rank interval, P(top)."""
        theta = self.theta_at(date)
        groups = self.groups if group is None else [group]
        lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
        rows = []
        for g in groups:
            ranks = rank_draws(theta[:, self._group_index(g)])
            for k, issue in enumerate(self.issues):
                counts = np.bincount(ranks[:, k], minlength=len(self.issues) + 1)[1:]
                mode = int(np.argmax(counts)) + 1
                rows.append({
                    "issue": issue, "group": g, "mean_rank": float(ranks[:, k].mean()),
                    "modal_rank": mode, "p_modal": float(counts[mode - 1] / len(ranks)),
                    "rank_lower": int(np.quantile(ranks[:, k], lo_q, method="lower")),
                    "rank_upper": int(np.quantile(ranks[:, k], hi_q, method="higher")),
                    "p_top": float(counts[0] / len(ranks)),
                })
        return pd.DataFrame(rows).sort_values(["group", "mean_rank"], kind="stable",
                                              ignore_index=True)

    def pairwise(self, *, date: str | None = None, group: str | None = None) -> pd.DataFrame:
        """P(row issue is more salient than column issue): a square table (diagonal NaN)."""
        theta = self.theta_at(date)[:, self._group_index(group)]
        above = (theta[:, :, None] > theta[:, None, :]).mean(axis=0)
        np.fill_diagonal(above, np.nan)
        out = pd.DataFrame(above, index=self.issues, columns=self.issues)
        out.index.name = "issue"
        out.columns.name = "versus"
        return out

    def prob_above(self, issue: str, other: str, *, date: str | None = None,
                   group: str | None = None) -> float:
        """P(``issue`` is more salient than ``other``)."""
        theta = self.theta_at(date)[:, self._group_index(group)]
        a, b = self._issue_index(issue), self._issue_index(other)
        return float((theta[:, a] > theta[:, b]).mean())

    def where_ranks(self, issue: str, *, group: str | None = None,
                    date: str | None = None) -> str:
        """One line: where ``issue`` ranks, with probabilities.

        Example: ``"relations with russia ranks 6th of 7 with probability 0.80; P(below
        economy) > 0.99"``. The comparison is with the most salient other issue (or, for the
        top issue, with the runner-up).
        """
        k = self._issue_index(issue)
        name = self.issues[k]
        table = self.rank_summary(date=date, group=group)
        g = self.groups[self._group_index(group)]
        row = table[table["issue"] == name].iloc[0]
        others = table[table["issue"] != name]
        best = others.iloc[0]["issue"]
        line = (f"{name} ranks {ordinal(int(row['modal_rank']))} of {len(self.issues)} with "
                f"probability {row['p_modal']:.2f}")
        p_above = self.prob_above(name, best, date=date, group=group)
        if row["mean_rank"] <= others["mean_rank"].min():
            line += f"; P(above {best}) {format_probability(p_above)}"
        else:
            line += f"; P(below {best}) {format_probability(1 - p_above)}"
        if len(self.groups) > 1:
            line += f" ({g})"
        return line

    def contrasts(self, group_a: str | None = None, group_b: str | None = None, *,
                  issue: str | None = None, date: str | None = None,
                  level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Subgroup contrasts per issue: share difference (pp), P(higher), rank in each.

        Default: every pair of groups. Columns ``issue, group_a, group_b, share_a, share_b,
        difference, lower, upper, p_higher, mean_rank_a, mean_rank_b``.
        """
        if len(self.groups) < 2:
            raise OpinionError("one group only: nothing to contrast (model subgroups with "
                               "groups=[...])")
        pairs = ([(group_a, group_b)] if group_a and group_b else
                 [(a, b) for i, a in enumerate(self.groups) for b in self.groups[i + 1:]])
        theta = self.theta_at(date)
        shares = 100 * self._to_share(theta)
        issues = self.issues if issue is None else [self.issues[self._issue_index(issue)]]
        rows = []
        for a, b in pairs:
            ia, ib = self._group_index(a), self._group_index(b)
            ranks_a, ranks_b = rank_draws(theta[:, ia]), rank_draws(theta[:, ib])
            for name in issues:
                k = self.issues.index(name)
                diff = shares[:, ia, k] - shares[:, ib, k]
                mean, lower, upper = _interval(diff, level)
                rows.append({"issue": name, "group_a": a, "group_b": b,
                             "share_a": float(shares[:, ia, k].mean()),
                             "share_b": float(shares[:, ib, k].mean()),
                             "difference": float(mean), "lower": float(lower),
                             "upper": float(upper), "p_higher": float((diff > 0).mean()),
                             "mean_rank_a": float(ranks_a[:, k].mean()),
                             "mean_rank_b": float(ranks_b[:, k].mean())})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ data and checks
    def data(self) -> pd.DataFrame:
        """The modelled cells (one row per reported share) with effective sizes."""
        from opinion.models.base import records_to_frame

        return records_to_frame(self.meta["data"], ("start_date", "end_date", "mid_date"))

    def questions(self) -> pd.DataFrame:
        """Modelled questions: format, polls, pollsters, whether it is the reference."""
        return pd.DataFrame(self.meta["questions"])

    def baseline(self, level: float = DEFAULT_LEVEL, *, simultaneous: bool = True
                 ) -> pd.DataFrame:
        """Each poll on its own (no pooling): see :func:`opinion.models.salience.baseline`."""
        from opinion.models.salience.baseline import poll_baseline

        return poll_baseline(self.data(), level=level, simultaneous=simultaneous)

    def block_share_draws(self, poll_id: str, group: str) -> tuple[list[str], np.ndarray]:
        """The model's shares (percent) for one reference-question poll and group.

        The population share *that poll* would measure with its own list of issues (for a
        single-choice poll: Luce choice among its offered issues and "other"), at its field
        midpoint, with its pollster's effect: the pooled counterpart of the poll's own
        estimate. Returns the poll's reported issues and draws (draws x issues).
        """
        data = self.data()
        block = data[(data["poll_id"] == poll_id) & (data["group"] == group)
                     & (data["question_id"] == self.reference_question)]
        if block.empty:
            raise OpinionError(f"no {self.reference_question} rows for poll {poll_id!r}, "
                               f"group {group!r}")
        theta = self.theta_at(block["mid_date"].iloc[0])[:, self._group_index(group)]
        post = self.idata["posterior"]
        if "house" in post:
            pollsters = list(post["house"].coords["pollster"].values)
            pollster = block["pollster"].iloc[0]
            if pollster in pollsters:
                theta = theta + self._posterior("house")[:, :, pollsters.index(pollster)]
        reported = list(block["issue"])
        idx = [self.issues.index(i) for i in reported]
        if self.reference_format != "single_choice":
            return reported, 100 / (1 + np.exp(-theta[:, idx]))
        config = self.meta["config"]
        offered = set(reported)
        if config.get("choice_set", "offered") == "all":
            offered = set(self.issues)
        for key, names in (config.get("offered") or {}).items():
            if key in (poll_id, self.reference_question):
                aliases = config.get("issue_aliases") or {}
                offered |= {aliases.get(n, n) for n in names}
        cols = [self.issues.index(i) for i in self.issues if i in offered]
        top = np.maximum(theta[:, cols].max(axis=1, keepdims=True), 0.0)
        denom = np.exp(theta[:, cols] - top).sum(axis=1, keepdims=True) + np.exp(-top)
        return reported, 100 * np.exp(theta[:, idx] - top) / denom

    def compare_baseline(self, level: float = DEFAULT_LEVEL, *, simultaneous: bool = False
                         ) -> pd.DataFrame:
        """Each reference-question poll on its own beside the pooled model's estimate of it.

        Columns ``poll_id, group, issue, poll_share, poll_lower, poll_upper, model_mean,
        model_lower, model_upper, width_ratio`` (model width / poll width). The poll's
        interval uses that poll alone (:meth:`baseline`, per share by default); the model's
        is the posterior of the same quantity (:meth:`block_share_draws`), informed by every
        poll: what pooling adds.
        """
        base = self.baseline(level, simultaneous=simultaneous)
        base = base[base["question_id"] == self.reference_question]
        rows = []
        for (poll_id, group), block in base.groupby(["poll_id", "group"], sort=False):
            reported, draws = self.block_share_draws(poll_id, group)
            mean, lower, upper = _interval(draws, level)
            for r in block.itertuples():
                k = reported.index(r.issue)
                rows.append({"poll_id": poll_id, "group": group, "issue": r.issue,
                             "poll_share": r.share, "poll_lower": r.lower,
                             "poll_upper": r.upper, "model_mean": float(mean[k]),
                             "model_lower": float(lower[k]), "model_upper": float(upper[k]),
                             "width_ratio": float((upper[k] - lower[k])
                                                  / max(r.upper - r.lower, 1e-9))})
        return pd.DataFrame(rows)

    def posterior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Each reported share against its posterior predictive interval (percent).

        Single-choice cells are compared as conditional shares of their stick (count /
        trials); ``inside.mean()`` should be near ``level`` when the model fits.
        """
        data = self.data()
        frames = []
        for fmt_mask, name in ((data["format"] == "single_choice", "y_single"),
                               (data["format"] != "single_choice", "y_scaled")):
            if name not in self.idata["posterior_predictive"]:
                continue
            sub = data[fmt_mask.to_numpy()]
            pred = np.asarray(self.idata["posterior_predictive"][name].values, dtype=float)
            pred = pred.reshape((-1,) + pred.shape[2:])
            trials = np.maximum(sub["trials"].to_numpy(), 1)
            if self.meta.get("likelihood") == "normal":  # draws of the empirical logit
                share = 100 / (1 + np.exp(-pred))
            else:
                share = 100 * pred / trials
            observed = 100 * sub["count"].to_numpy() / trials
            _, lower, upper = _interval(share, level)
            frames.append(pd.DataFrame({
                "poll_id": sub["poll_id"].to_numpy(), "question_id": sub["question_id"],
                "group": sub["group"].to_numpy(), "issue": sub["issue"].to_numpy(),
                "observed": observed, "lower": lower, "upper": upper,
                "inside": (observed >= lower) & (observed <= upper)}))
        return pd.concat(frames, ignore_index=True)

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Range of reported shares the priors alone imply, per question (percent).

        Columns ``question_id, format, observed_min, observed_max, lower, median, upper``:
        the prior predictive interval of one reported share (single-choice cells as shares
        of their stick, as in :meth:`posterior_predictive_check`) beside the range actually
        observed. Priors that put most of their mass far outside what polls report, or that
        cannot reach it, show here before any data are used.
        """
        if "prior_predictive" not in self.idata.children:
            return pd.DataFrame(columns=["question_id", "format", "observed_min",
                                         "observed_max", "lower", "median", "upper"])
        data = self.data()
        rows = []
        for fmt_mask, name in ((data["format"] == "single_choice", "y_single"),
                               (data["format"] != "single_choice", "y_scaled")):
            if name not in self.idata["prior_predictive"]:
                continue
            sub = data[fmt_mask.to_numpy()]
            pred = np.asarray(self.idata["prior_predictive"][name].values, dtype=float)
            pred = pred.reshape((-1,) + pred.shape[2:])
            trials = np.maximum(sub["trials"].to_numpy(), 1)
            if self.meta.get("likelihood") == "normal":
                share = 100 / (1 + np.exp(-pred))
            else:
                share = 100 * pred / trials
            observed = 100 * sub["count"].to_numpy() / trials
            for q in dict.fromkeys(sub["question_id"]):
                cols = (sub["question_id"] == q).to_numpy()
                values = share[:, cols].ravel()
                rows.append({"question_id": q, "format": sub.loc[cols, "format"].iloc[0],
                             "observed_min": float(observed[cols].min()),
                             "observed_max": float(observed[cols].max()),
                             "lower": float(np.quantile(values, (1 - level) / 2)),
                             "median": float(np.median(values)),
                             "upper": float(np.quantile(values, 1 - (1 - level) / 2))})
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ summaries
    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Named parameters: shares at the reference date, scales in pp at a 20% share."""
        rows = []
        for r in self.shares(level).itertuples():
            rows.append((f"share naming {r.issue} ({r.group}, {r.date:%Y-%m-%d}, %)", r.mean,
                         r.lower, r.upper))
        post = self.idata["posterior"]
        labels = {
            "sigma_group": "subgroup deviation sd (pp at 20%)",
            "sigma_rw": "monthly change sd (pp at 20%)",
            "sigma_house": "pollster effect sd (pp at 20%)",
            "sigma_wording": "question-by-issue wording sd (pp at 20%)",
            "sigma_poll": "poll intercept sd, multi-mention/rating (pp at 20%)",
        }
        for name, label in labels.items():
            if name in post:
                m, lo, hi = _interval(16 * self._posterior(name), level)
                rows.append((label, m, lo, hi))
        if "poll_error" in post:
            values = 100 * self._posterior("poll_error")
            for j, fmt in enumerate(post["poll_error"].coords["error_format"].values):
                m, lo, hi = _interval(values[:, j], level)
                rows.append((f"non-sampling error sd, {fmt} (pp at 20%)", m, lo, hi))
        if "other_intercept" in post:
            values = self._posterior("other_intercept")
            for j, q in enumerate(post["other_intercept"].coords["other_question"].values):
                m, lo, hi = _interval(values[:, j], level)
                rows.append((f"'other' intercept of {q} vs reference (logit)", m, lo, hi))
        if "intercept" in post:
            a, b = self._posterior("intercept"), np.exp(self._posterior("log_slope"))
            for j, q in enumerate(post["intercept"].coords["scaled_question"].values):
                m, lo, hi = _interval(a[:, j], level)
                rows.append((f"intercept of {q} (logit)", m, lo, hi))
                m, lo, hi = _interval(b[:, j], level)
                rows.append((f"slope of {q} on salience", m, lo, hi))
        table = pd.DataFrame(rows, columns=["parameter", "mean", "lower", "upper"])
        return table.set_index("parameter")

    def headline(self) -> str:
        table = self.rank_summary(group=self.groups[0])
        top = table.iloc[0]
        return (f"top issue ({self.groups[0]}, {self.reference_date:%Y-%m-%d}): {top['issue']} "
                f"(P(rank 1) = {top['p_top']:.2f})")

    # ------------------------------------------------------------------ plots
    def plot_ranks(self, ax: Axes | None = None, *, group: str | None = None,
                   date: str | None = None, highlight: str | None = None) -> Axes:
        """Heat map of rank probabilities (issues by mean rank x rank 1..K)."""
        from opinion.plots.salience import plot_ranks

        return plot_ranks(self, ax=ax, group=group, date=date, highlight=highlight)

    def plot_shares(self, ax: Axes | None = None, *, date: str | None = None,
                    level: float = DEFAULT_LEVEL) -> Axes:
        """Share of each issue with its interval, one colour per group."""
        from opinion.plots.salience import plot_shares

        return plot_shares(self, ax=ax, date=date, level=level)

    def plot_baseline(self, ax: Axes | None = None, *, level: float = DEFAULT_LEVEL,
                      poll_id: str | None = None) -> Axes:
        """Single-poll intervals (baseline) beside the pooled model's, for one poll."""
        from opinion.plots.salience import plot_baseline

        return plot_baseline(self, ax=ax, level=level, poll_id=poll_id)

    def _repr_html_(self) -> str:
        f = lambda v: f"{v:.2f}"  # noqa: E731
        parts = [
            f"<div><strong>Issue salience</strong>: {html.escape(self.headline())}</div>",
            self._diagnostics_html(),
            f"<div>Shares on the scale of <code>{html.escape(self.reference_question)}</code> "
            f"({html.escape(self.reference_format)}), {self.reference_date:%Y-%m-%d}</div>",
            self.shares().to_html(index=False, escape=True, float_format=lambda v: f"{v:.1f}"),
            "<div>Ranks</div>",
            self.rank_summary().to_html(index=False, escape=True, float_format=f),
            "<div style='color:#555'>Next: <code>.ranks()</code>, <code>.pairwise()</code>, "
            "<code>.where_ranks(issue)</code>, <code>.contrasts()</code>, "
            "<code>.plot_ranks()</code>, <code>.compare_baseline()</code></div>",
        ]
        return "\n".join(parts)
