"""Results of the issue-salience model: shares, rank probabilities, pairwise and contrasts.

Shares are in percent on the *reference question's scale* (``meta["reference_question"]``):
for a single-choice reference, the share that would name each issue as the most important
if every modelled issue (plus "other") were offered; for a rating or multi-mention reference,
the share rating/naming it. Ranks are 1 = most salient, among the modelled issues, within a
group and date. Intervals are equal-tailed posterior intervals at ``level`` (default 90%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import OpinionError
from opinion.formatting import format_probability, ordinal
from opinion.models.core.results import DEFAULT_LEVEL, ModelResults, Quantity
from opinion.models.core.results import interval as _interval
from opinion.models.salience.inputs import knot_weights_at

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def rank_draws(theta: np.ndarray) -> np.ndarray:
    """Ranks (1 = largest) along the last axis of draws."""
    order = np.argsort(-theta, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, theta.shape[-1] + 1), axis=-1)
    return ranks


class IssueSalienceResults(ModelResults):
    """What a fitted :class:`~opinion.models.IssueSalience` returns."""

    model_label = "Issue salience"
    date_columns = ("start_date", "end_date", "mid_date")

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
    def questions(self) -> pd.DataFrame:
        """Modelled questions: format, polls, pollsters, whether it is the reference."""
        return pd.DataFrame(self.meta["questions"])

    def baseline(self, level: float = DEFAULT_LEVEL, *, simultaneous: bool = True
                 ) -> pd.DataFrame:
        """Each poll on its own (no pooling): see :func:`opinion.models.salience.baseline`."""
        from opinion.models.salience.baseline import poll_baseline

        return poll_baseline(self.observations(), level=level, simultaneous=simultaneous)

    def block_share_draws(self, poll_id: str, group: str) -> tuple[list[str], np.ndarray]:
        """The model's shares (percent) for one reference-question poll and group.

        The population share *that poll* would measure with its own list of issues (for a
        single-choice poll: Luce choice among its offered issues and "other"), at its field
        midpoint, with its pollster's effect: the pooled counterpart of the poll's own
        estimate. Returns the poll's reported issues and draws (draws x issues).
        """
        data = self.observations()
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
        """Each published share beside its replicated interval, on the published scale
        (percent): ``poll_id, question_id, group, issue, observed, lower, upper, inside``.

        Single-choice shares are replicated as counts of the whole (effective) sample, like
        the published share; ``inside.mean()`` should be near ``level`` when the model fits.
        """
        frames = []
        for sub, share in self._replicated_shares("posterior_predictive"):
            observed = 100 * sub["share"].to_numpy()
            _, lower, upper = _interval(share, level)
            frames.append(pd.DataFrame({
                "poll_id": sub["poll_id"].to_numpy(), "question_id": sub["question_id"],
                "group": sub["group"].to_numpy(), "issue": sub["issue"].to_numpy(),
                "observed": observed, "lower": lower, "upper": upper,
                "inside": (observed >= lower) & (observed <= upper)}))
        return pd.concat(frames, ignore_index=True)

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Range of published shares the priors alone imply, per question (percent).

        Columns ``question_id, format, observed_min, observed_max, lower, median, upper``:
        the prior predictive interval of one published share beside the range actually
        observed. Priors that put most of their mass far outside what polls report, or that
        cannot reach it, show here before any data are used.
        """
        columns = ["question_id", "format", "observed_min", "observed_max", "lower", "median",
                   "upper"]
        if "prior_predictive" not in self.idata.children:
            return pd.DataFrame(columns=columns)
        rows = []
        for sub, share in self._replicated_shares("prior_predictive"):
            observed = 100 * sub["share"].to_numpy()
            for q in dict.fromkeys(sub["question_id"]):
                cols = (sub["question_id"] == q).to_numpy()
                values = share[:, cols].ravel()
                rows.append({"question_id": q, "format": sub.loc[cols, "format"].iloc[0],
                             "observed_min": float(observed[cols].min()),
                             "observed_max": float(observed[cols].max()),
                             "lower": float(np.quantile(values, (1 - level) / 2)),
                             "median": float(np.median(values)),
                             "upper": float(np.quantile(values, 1 - (1 - level) / 2))})
        return pd.DataFrame(rows, columns=columns)

    def _replicated_shares(self, group: str) -> list[tuple[pd.DataFrame, np.ndarray]]:
        """(cells, replicated published shares in percent) per likelihood term.

        Single-choice cells are stick-breaking counts (each issue's count out of what the
        earlier issues left); the published share is that count out of the block's whole
        effective sample, the first cell's trials. Multi-mention and rating cells are counts
        out of their own trials.
        """
        data = self.observations()
        out = []
        for mask, name in ((data["format"] == "single_choice", "y_single"),
                           (data["format"] != "single_choice", "y_scaled")):
            if group not in self.idata.children or name not in self.idata[group]:
                continue
            sub = data[mask.to_numpy()]
            pred = self._posterior(name, group).astype(float)
            if self.meta.get("likelihood") == "normal":  # draws of the empirical logit
                share = 100 / (1 + np.exp(-pred))
            else:
                base = sub.groupby(["poll_id", "question_id", "group"])["trials"]
                whole = base.transform("max") if name == "y_single" else sub["trials"]
                share = 100 * pred / np.maximum(whole.to_numpy(), 1)
            out.append((sub, share))
        return out

    # ------------------------------------------------------------------ summaries
    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        """Shares at the reference date, then scales in pp at a 20% share."""
        shares = self.share_draws()
        rows = [(f"share naming {issue} ({group}, {self.reference_date:%Y-%m-%d}, %)",
                 shares[:, g, k])
                for g, group in enumerate(self.groups) for k, issue in enumerate(self.issues)]
        post = self.idata["posterior"]
        labels = {
            "sigma_group": "subgroup deviation sd (pp at 20%)",
            "sigma_rw": "monthly change sd (pp at 20%)",
            "sigma_house": "pollster effect sd (pp at 20%)",
            "sigma_wording": "question-by-issue wording sd (pp at 20%)",
            "sigma_poll": "poll intercept sd, multi-mention/rating (pp at 20%)",
        }
        rows += [(label, 16 * self._posterior(name)) for name, label in labels.items()
                 if name in post]
        if "poll_error" in post:
            values = 100 * self._posterior("poll_error")
            rows += [(f"non-sampling error sd, {fmt} (pp at 20%)", values[:, j])
                     for j, fmt in enumerate(post["poll_error"].coords["error_format"].values)]
        if "other_intercept" in post:
            values = self._posterior("other_intercept")
            rows += [(f"'other' intercept of {q} vs reference (logit)", values[:, j])
                     for j, q in enumerate(
                         post["other_intercept"].coords["other_question"].values)]
        if "intercept" in post:
            a, b = self._posterior("intercept"), np.exp(self._posterior("log_slope"))
            for j, q in enumerate(post["intercept"].coords["scaled_question"].values):
                rows += [(f"intercept of {q} (logit)", a[:, j]),
                         (f"slope of {q} on salience", b[:, j])]
        return rows

    def headline_quantities(self) -> dict[str, Quantity]:
        """Each issue's share and rank (first group, reference date)."""
        out: dict[str, Quantity] = {}
        for k, issue in enumerate(self.issues):
            out[f"share naming {issue}"] = lambda r, k=k: r.share_draws()[:, 0, k]
            out[f"rank of {issue}"] = lambda r, k=k: rank_draws(r.theta_at()[:, 0])[:, k]
        return out

    def next_steps(self) -> list[str]:
        return ["ranks()", "pairwise()", "where_ranks(issue)", "contrasts()", "plot_ranks()",
                "compare_baseline()", "contraction_table()"]

    def headline(self) -> str:
        table = self.rank_summary(group=self.groups[0])
        top = table.iloc[0]
        return (f"top issue ({self.groups[0]}, {self.reference_date:%Y-%m-%d}): {top['issue']} "
                f"(P(rank 1) = {top['p_top']:.2f})")

    # ------------------------------------------------------------------ plots
    def plot_ranks(self, ax: Axes | None = None, *, group: str | None = None,
                   date: str | None = None, highlight: str | None = None) -> Axes:
        """Heat map of rank probabilities (issues by mean rank x rank 1..K)."""
        from opinion.models.salience.plots import plot_ranks

        group = group or self.groups[0]
        order = self.rank_summary(date=date, group=group)["issue"].tolist()
        return plot_ranks(self.ranks(date=date, group=group), order=order, ax=ax,
                          title=f"Rank probabilities, {group}, {self._date(date):%Y-%m-%d}",
                          highlight=highlight)

    def plot_shares(self, ax: Axes | None = None, *, date: str | None = None,
                    level: float = DEFAULT_LEVEL) -> Axes:
        """Share of each issue with its interval, one colour per group."""
        from opinion.models.salience.plots import plot_shares

        return plot_shares(self.shares(level, date=date), ax=ax, level=level,
                           scale=self.reference_question,
                           title=f"Issue salience, {self._date(date):%Y-%m-%d}")

    def plot_baseline(self, ax: Axes | None = None, *, level: float = DEFAULT_LEVEL,
                      poll_id: str | None = None) -> Axes:
        """Single-poll intervals (baseline) beside the pooled model's, for one poll."""
        from opinion.models.salience.plots import plot_baseline

        return plot_baseline(self.compare_baseline(level), ax=ax, level=level, poll_id=poll_id)
