"""Results of the issue-salience model: shares, rank probabilities, pairwise and contrasts.

Every table is on one *construct* (default: the reference construct) and covers only the
issues *measured* on it: ranks are claimed only among issues measured on a compatible
construct. Shares are in percent on the construct's primary question: for a single-choice
question, the share that would name each issue as the most important if every issue
measured on the construct (plus "other") were listed (nested logit with the fitted nests);
for a rating or multi-mention question, the share rating/naming it. Ranks are 1 = most
salient, within a group and date. Intervals are equal-tailed posterior intervals at
``level`` (default 90%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import OpinionError, unknown_name_message
from opinion.formatting import interval_columns, ordinal
from opinion.models.core.results import DEFAULT_LEVEL, ModelResults, Quantity
from opinion.models.core.results import interval as _interval
from opinion.models.salience import checks
from opinion.models.salience.choice import nested_shares
from opinion.models.salience.inputs import knot_weights_at

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def rank_draws(values: np.ndarray) -> np.ndarray:
    """Ranks (1 = largest) along the last axis of draws."""
    order = np.argsort(-values, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, values.shape[-1] + 1), axis=-1)
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
        self._constructs = {c["construct"]: c for c in meta.get("constructs", [])}
        self.reference_construct: str = meta.get("reference_construct", "")
        self._theta_cache: np.ndarray | None = None

    # ------------------------------------------------------------------ constructs
    def constructs(self) -> pd.DataFrame:
        """Constructs: reference?, primary question and format, questions, issues measured
        (ranks are claimed only among them) and issues shared with other constructs."""
        return pd.DataFrame(list(self._constructs.values()))

    def _construct(self, construct: str | None) -> dict[str, Any]:
        name = self.reference_construct if construct is None else construct
        if name not in self._constructs:
            raise OpinionError(unknown_name_message(name, list(self._constructs), "construct"))
        return self._constructs[name]

    def construct_info(self, construct: str | None = None) -> dict[str, Any]:
        """One construct's row of :meth:`constructs` (default: the reference construct)."""
        return dict(self._construct(construct))

    def construct_issues(self, construct: str | None = None) -> list[str]:
        """Issues measured on ``construct`` (default: the reference construct)."""
        return list(self._construct(construct)["measured"])

    def construct_of(self, question: str) -> str:
        """The construct a question measures."""
        for name, info in self._constructs.items():
            if question in info["questions"]:
                return name
        raise OpinionError(unknown_name_message(
            question, [q for info in self._constructs.values() for q in info["questions"]],
            "question"))

    # ------------------------------------------------------------------ draws
    def theta_draws(self) -> np.ndarray:
        """Salience log-odds draws: (draws, group, issue, knot)."""
        if self._theta_cache is None:
            self._theta_cache = self._posterior("theta")
        return self._theta_cache

    def _date(self, date: str | pd.Timestamp | None) -> pd.Timestamp:
        return self.reference_date if date is None else pd.Timestamp(date)

    def theta_at(self, date: str | pd.Timestamp | None = None) -> np.ndarray:
        """Reference-scale salience log-odds at ``date`` (default: the reference date):
        (draws, group, issue), every issue.

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

    def _optional(self, name: str) -> np.ndarray | None:
        post = self.idata["posterior"]
        return self._posterior(name) if name in post else None

    def _coord_index(self, name: str, coord: str, label: str) -> int | None:
        post = self.idata["posterior"]
        if name not in post:
            return None
        labels = list(post[name].coords[coord].values)
        return labels.index(label) if label in labels else None

    def _construct_offset(self, construct: str) -> np.ndarray | float:
        """Draws x issues offsets of a non-reference construct (0 for the reference)."""
        j = self._coord_index("construct_offset", "other_construct", construct)
        return 0.0 if j is None else self._posterior("construct_offset")[:, None, j, :]

    def share_draws(self, date: str | pd.Timestamp | None = None,
                    construct: str | None = None) -> np.ndarray:
        """Share draws in percent on ``construct``'s primary question, issues measured on it
        (:meth:`construct_issues` order): (draws, group, issue)."""
        info = self._construct(construct)
        theta = self.theta_at(date)
        offset = self._construct_offset(info["construct"])
        idx = [self.issues.index(i) for i in info["measured"]]
        question = info["primary_question"]
        if info["primary_format"] == "single_choice":
            return 100 * self._choice_shares(theta + offset, idx, question)[..., idx]
        shares = self._scaled_shares(theta, question, offset)
        return 100 * shares[..., idx]

    def _choice_shares(self, mu: np.ndarray, idx: list[int], question: str) -> np.ndarray:
        """Nested-logit shares of a list offering issues ``idx`` (and "other")."""
        offered = np.zeros(len(self.issues))
        offered[idx] = 1.0
        lead = (1,) * (mu.ndim - 2)  # axes between draws and issues
        j = self._coord_index("other_intercept", "other_question", question)
        gamma = (0.0 if j is None else
                 self._posterior("other_intercept")[:, j].reshape((-1, *lead)))
        lam = self._optional("nest_lambda")
        if lam is not None:
            lam = lam.reshape((lam.shape[0], *lead, lam.shape[-1]))
        p, _ = nested_shares(mu, gamma, offered, self._nest_of(), lam)
        return p

    def _nest_of(self) -> np.ndarray:
        out = -np.ones(len(self.issues), dtype=int)
        for i, members in enumerate((self.meta.get("nests") or {}).values()):
            out[[self.issues.index(m) for m in members]] = i
        return out

    def _scaled_shares(self, theta: np.ndarray, question: str,
                       offset: np.ndarray | float = 0.0) -> np.ndarray:
        """Shares of a multi-mention/rating question: its format link of the reference
        salience plus the construct's offsets (no wording or poll effect)."""
        if question == self.reference_question:
            return 1 / (1 + np.exp(-(theta + offset)))
        j = self._coord_index("intercept", "scaled_question", question)
        a = self._posterior("intercept")[:, j][:, None, None]
        b = np.exp(self._posterior("log_slope")[:, j])[:, None, None]
        anchor = [self.issues.index(i) for i in self.meta["anchor_issues"]]
        knot = int(self.meta.get("anchor_knot", 0))
        mean_level = self.theta_draws()[:, 0, anchor, knot].mean(axis=-1)[:, None, None]
        pivot = mean_level + float(self.meta["slope_centres"][question])
        return 1 / (1 + np.exp(-(a + b * (theta - pivot) + offset)))

    def _group_index(self, group: str | None) -> int:
        group = self.groups[0] if group is None else group
        if group not in self.groups:
            raise OpinionError(unknown_name_message(group, self.groups, "group"))
        return self.groups.index(group)

    def _issue_index(self, issue: str, construct: str | None = None) -> int:
        """Position of ``issue`` among the construct's measured issues."""
        measured = self.construct_issues(construct)
        lower = [i.lower() for i in measured]
        if issue in measured:
            return measured.index(issue)
        if issue.lower() in lower:
            return lower.index(issue.lower())
        name = self._construct(construct)["construct"]
        where = [c for c, info in self._constructs.items()
                 if issue.lower() in [i.lower() for i in info["measured"]]]
        if where:
            raise OpinionError(
                f"{issue!r} is not measured on construct {name!r} (measured on: "
                f"{', '.join(where)}): ranks are claimed only among issues measured on a "
                f"construct; pass construct={where[0]!r}")
        raise OpinionError(f"unknown issue {issue!r} (have: {', '.join(self.issues)})")

    # ------------------------------------------------------------------ tables
    def shares(self, level: float = DEFAULT_LEVEL, *, date: str | None = None,
               group: str | None = None, construct: str | None = None) -> pd.DataFrame:
        """Shares per issue and group: ``issue, group, date, mean, lower_90, upper_90``
        (percent; the interval columns name ``level``).

        ``date`` defaults to the reference date; ``date="all"`` gives every knot (a trend).
        """
        dates = list(self.knots) if date == "all" else [self._date(date)]
        groups = self.groups if group is None else [group]
        issues = self.construct_issues(construct)
        lo, hi = interval_columns(level)
        frames = []
        for ts in dates:
            mean, lower, upper = _interval(self.share_draws(ts, construct), level)
            for g in groups:
                gi = self._group_index(g)
                frames.append(pd.DataFrame({
                    "issue": issues, "group": g, "date": ts, "mean": mean[gi],
                    lo: lower[gi], hi: upper[gi]}))
        out = pd.concat(frames, ignore_index=True)
        return out.sort_values(["date", "group", "mean"], ascending=[True, True, False],
                               kind="stable").reset_index(drop=True)

    def rank_samples(self, *, date: str | None = None, group: str | None = None,
                     construct: str | None = None) -> np.ndarray:
        """Rank draws (draws, issue) among the construct's measured issues (1 = top)."""
        shares = self.share_draws(date, construct)[:, self._group_index(group)]
        return rank_draws(shares)

    def ranks(self, *, date: str | None = None, group: str | None = None,
              construct: str | None = None) -> pd.DataFrame:
        """Posterior rank distribution: ``issue, group, rank, probability`` (1 = top), among
        the issues measured on ``construct``.

        Every issue has a row for every rank; probabilities sum to 1 over ranks for an issue
        and over issues for a rank.
        """
        groups = self.groups if group is None else [group]
        issues = self.construct_issues(construct)
        rows = []
        for g in groups:
            ranks = self.rank_samples(date=date, group=g, construct=construct)
            for k, issue in enumerate(issues):
                probs = np.bincount(ranks[:, k], minlength=len(issues) + 1)[1:] / len(ranks)
                rows.extend({"issue": issue, "group": g, "rank": r + 1,
                             "probability": float(probs[r])} for r in range(len(issues)))
        return pd.DataFrame(rows)

    def rank_summary(self, *, date: str | None = None, group: str | None = None,
                     level: float = DEFAULT_LEVEL, construct: str | None = None
                     ) -> pd.DataFrame:
        """Per issue: mean rank, modal rank and its probability, rank interval, P(top).

        Columns ``issue, group, mean_rank, modal_rank, p_modal, rank_lower_90,
        rank_upper_90, p_top`` (the rank interval named after ``level``; probabilities 0-1).
        """
        groups = self.groups if group is None else [group]
        issues = self.construct_issues(construct)
        lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
        lo, hi = interval_columns(level)
        rows = []
        for g in groups:
            ranks = self.rank_samples(date=date, group=g, construct=construct)
            for k, issue in enumerate(issues):
                counts = np.bincount(ranks[:, k], minlength=len(issues) + 1)[1:]
                mode = int(np.argmax(counts)) + 1
                rows.append({
                    "issue": issue, "group": g, "mean_rank": float(ranks[:, k].mean()),
                    "modal_rank": mode, "p_modal": float(counts[mode - 1] / len(ranks)),
                    f"rank_{lo}": int(np.quantile(ranks[:, k], lo_q, method="lower")),
                    f"rank_{hi}": int(np.quantile(ranks[:, k], hi_q, method="higher")),
                    "p_top": float(counts[0] / len(ranks)),
                })
        return pd.DataFrame(rows).sort_values(["group", "mean_rank"], kind="stable",
                                              ignore_index=True)

    def pairwise(self, *, date: str | None = None, group: str | None = None,
                 construct: str | None = None) -> pd.DataFrame:
        """P(row issue is more salient than column issue): a square table (diagonal NaN)."""
        shares = self.share_draws(date, construct)[:, self._group_index(group)]
        above = (shares[:, :, None] > shares[:, None, :]).mean(axis=0)
        np.fill_diagonal(above, np.nan)
        issues = self.construct_issues(construct)
        out = pd.DataFrame(above, index=issues, columns=issues)
        out.index.name = "issue"
        out.columns.name = "versus"
        return out

    def prob_above(self, issue: str, other: str, *, date: str | None = None,
                   group: str | None = None, construct: str | None = None) -> float:
        """P(``issue`` is more salient than ``other``) on ``construct``."""
        shares = self.share_draws(date, construct)[:, self._group_index(group)]
        a, b = self._issue_index(issue, construct), self._issue_index(other, construct)
        return float((shares[:, a] > shares[:, b]).mean())

    def where_ranks(self, issue: str, *, group: str | None = None, date: str | None = None,
                    construct: str | None = None) -> str:
        """One line: where ``issue`` ranks among the construct's issues, with probabilities.

        Example: ``"relations with russia ranks 6th of 7 with probability 0.80; the
        probability that it ranks below economy is above 0.99 (among Democratic
        identifiers)"``. The comparison is with the most salient other issue (or, for the
        top issue, with the runner-up); the group is named in words when the model has
        several.
        """
        from opinion.models.core.wording import group_phrase, probability_words

        k = self._issue_index(issue, construct)
        issues = self.construct_issues(construct)
        name = issues[k]
        table = self.rank_summary(date=date, group=group, construct=construct)
        g = self.groups[self._group_index(group)]
        row = table[table["issue"] == name].iloc[0]
        others = table[table["issue"] != name]
        best = others.iloc[0]["issue"]
        line = (f"{name} ranks {ordinal(int(row['modal_rank']))} of {len(issues)} with "
                f"probability {row['p_modal']:.2f}")
        p_above = self.prob_above(name, best, date=date, group=group, construct=construct)
        if row["mean_rank"] <= others["mean_rank"].min():
            line += (f"; the probability that it ranks above {best} is "
                     f"{probability_words(p_above)}")
        else:
            line += (f"; the probability that it ranks below {best} is "
                     f"{probability_words(1 - p_above)}")
        if len(self.groups) > 1:
            line += f" ({group_phrase(g)})"
        return line

    def contrasts(self, group_a: str | None = None, group_b: str | None = None, *,
                  issue: str | None = None, date: str | None = None,
                  level: float = DEFAULT_LEVEL, construct: str | None = None) -> pd.DataFrame:
        """Subgroup contrasts per issue: share difference (pp), P(higher), rank in each.

        Default: every pair of groups. Columns ``issue, group_a, group_b, share_a, share_b``
        (percent), ``difference, lower_90, upper_90`` (points; the interval named after
        ``level``), ``p_higher`` (0-1), ``mean_rank_a, mean_rank_b``.
        """
        lo, hi = interval_columns(level)
        if len(self.groups) < 2:
            raise OpinionError("one group only: nothing to contrast (model subgroups with "
                               "groups=[...])")
        pairs = ([(group_a, group_b)] if group_a and group_b else
                 [(a, b) for i, a in enumerate(self.groups) for b in self.groups[i + 1:]])
        shares = self.share_draws(date, construct)
        measured = self.construct_issues(construct)
        issues = measured if issue is None else [measured[self._issue_index(issue, construct)]]
        rows = []
        for a, b in pairs:
            ia, ib = self._group_index(a), self._group_index(b)
            ranks_a, ranks_b = rank_draws(shares[:, ia]), rank_draws(shares[:, ib])
            for name in issues:
                k = measured.index(name)
                diff = shares[:, ia, k] - shares[:, ib, k]
                mean, lower, upper = _interval(diff, level)
                rows.append({"issue": name, "group_a": a, "group_b": b,
                             "share_a": float(shares[:, ia, k].mean()),
                             "share_b": float(shares[:, ib, k].mean()),
                             "difference": float(mean), lo: float(lower),
                             hi: float(upper), "p_higher": float((diff > 0).mean()),
                             "mean_rank_a": float(ranks_a[:, k].mean()),
                             "mean_rank_b": float(ranks_b[:, k].mean())})
        return pd.DataFrame(rows)

    def offset_draws(self, question: str, issue: str) -> np.ndarray:
        """How far ``issue`` on ``question`` sits from where its reference-construct salience
        puts it (logit of the question's share): the construct offset plus the question's
        wording offset. Its contraction says how much the data, rather than the prior,
        placed the issue on that question."""
        k = self.issues.index(issue)
        out = np.zeros(self.theta_draws().shape[0])
        construct = self.construct_of(question)
        j = self._coord_index("construct_offset", "other_construct", construct)
        if j is not None:
            out = out + self._posterior("construct_offset")[:, j, k]
        if "wording" in self.idata["posterior"]:
            pairs = list(self.idata["posterior"]["wording"].coords["wording_pair"].values)
            label = f"{question}|{issue}"
            if label in pairs:
                out = out + self._posterior("wording")[:, pairs.index(label)]
        return out

    # ------------------------------------------------------------------ data and checks
    def questions(self) -> pd.DataFrame:
        """Modelled questions: format, construct, polls, pollsters, whether reference."""
        return pd.DataFrame(self.meta["questions"])

    def baseline(self, level: float = DEFAULT_LEVEL, *, simultaneous: bool = True
                 ) -> pd.DataFrame:
        """Each poll on its own (no pooling): see :func:`opinion.models.salience.baseline`."""
        from opinion.models.salience.baseline import poll_baseline

        return poll_baseline(self.observations(), level=level, simultaneous=simultaneous)

    def block_share_draws(self, poll_id: str, group: str) -> tuple[list[str], np.ndarray]:
        """The model's shares (percent) for one reference-question poll and group.

        The population share *that poll* would measure with its own list of issues (for a
        single-choice poll: nested-logit choice among its offered issues and "other"), at
        its field midpoint, with its pollster's effect: the pooled counterpart of the poll's
        own estimate. Returns the poll's reported issues and draws (draws x issues).
        """
        data = self.observations()
        block = data[(data["poll_id"] == poll_id) & (data["group"] == group)
                     & (data["question_id"] == self.reference_question)]
        if block.empty:
            raise OpinionError(f"no {self.reference_question} rows for poll {poll_id!r}, "
                               f"group {group!r}")
        theta = self.theta_at(block["mid_date"].iloc[0])[:, self._group_index(group)]
        j = self._coord_index("house", "pollster", block["pollster"].iloc[0])
        if j is not None:
            theta = theta + self._posterior("house")[:, :, j]
        reported = list(block["issue"])
        idx = [self.issues.index(i) for i in reported]
        if self.reference_format != "single_choice":
            return reported, 100 / (1 + np.exp(-theta[:, idx]))
        offered = self._offered(poll_id, reported)
        cols = [self.issues.index(i) for i in self.issues if i in offered]
        shares = self._choice_shares(theta, cols, self.reference_question)
        return reported, 100 * shares[:, idx]

    def _offered(self, poll_id: str, reported: list[str]) -> set[str]:
        config = self.meta["config"]
        if config.get("choice_set", "offered") == "all":
            return set(self.issues)
        offered = set(reported)
        aliases = config.get("issue_aliases") or {}
        for key, names in (config.get("offered") or {}).items():
            if key in (poll_id, self.reference_question):
                offered |= {aliases.get(n, n) for n in names}
        return offered

    def compare_baseline(self, level: float = DEFAULT_LEVEL, *, simultaneous: bool = False
                         ) -> pd.DataFrame:
        """Each reference-question poll on its own beside the pooled model's estimate of it.

        Columns ``poll_id, group, issue, poll_share, poll_lower_90, poll_upper_90,
        model_mean, model_lower_90, model_upper_90, width_ratio`` (percent; the interval
        columns name ``level``; width_ratio = model width / poll width). The poll's
        interval uses that poll alone (:meth:`baseline`, per share by default); the model's
        is the posterior of the same quantity (:meth:`block_share_draws`), informed by every
        poll: what pooling adds.
        """
        return checks.compare_baseline(self, level, simultaneous)

    def posterior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Each published share beside its replicated interval, on the published scale
        (percent): ``poll_id, question_id, group, issue, observed, lower_90, upper_90,
        inside``.

        Single-choice shares are replicated as counts of the whole (effective) sample, like
        the published share; ``inside.mean()`` should be near ``level`` when the model fits.
        """
        return checks.posterior_predictive(self, level)

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Range of published shares the priors alone imply, per question (percent).

        Columns ``question_id, format, observed_min, observed_max, lower_90, median,
        upper_90``:
        the prior predictive interval of one published share beside the range actually
        observed.
        """
        return checks.prior_predictive(self, level)

    # ------------------------------------------------------------------ summaries
    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        """Shares at the reference date on every construct, then the model's scales."""
        rows = []
        for construct in self._constructs:
            shares = self.share_draws(construct=construct)
            rows += [(f"share naming {issue} ({group}, {construct}, "
                      f"{self.reference_date:%Y-%m-%d}, %)", shares[:, g, k])
                     for g, group in enumerate(self.groups)
                     for k, issue in enumerate(self.construct_issues(construct))]
        return rows + self._parameter_rows()

    def _parameter_rows(self) -> list[tuple[str, np.ndarray]]:
        post = self.idata["posterior"]
        labels = {
            "sigma_group": "subgroup deviation sd (pp at 20%)",
            "sigma_group_rw": "monthly change of a subgroup deviation, sd (pp at 20%)",
            "sigma_rw": "monthly change sd (pp at 20%)",
            "sigma_house": "pollster effect sd (pp at 20%)",
            "sigma_wording": "question-by-issue wording sd (pp at 20%)",
            "sigma_poll": "poll intercept sd, multi-mention/rating (pp at 20%)",
        }
        rows = [(label, 16 * self._posterior(name)) for name, label in labels.items()
                if name in post]
        for var, coord, label, scale in (
                ("sigma_construct", "other_construct", "construct offset sd of {} (pp at 20%)",
                 16.0),
                ("poll_error", "error_format", "non-sampling error sd, {} (pp at 20%)", 100.0),
                ("nest_lambda", "nest", "nest dissimilarity of {} (1 = IIA)", 1.0),
                ("other_intercept", "other_question", "'other' intercept of {} (logit)",
                 1.0)):
            if var in post:
                values = scale * self._posterior(var)
                rows += [(label.format(name), values[:, j])
                         for j, name in enumerate(post[var].coords[coord].values)]
        if "half_life" in post:
            rows.append(("half-life of a salience shock (months)", self._posterior("half_life")))
        if "intercept" in post:
            a, b = self._posterior("intercept"), np.exp(self._posterior("log_slope"))
            for j, q in enumerate(post["intercept"].coords["scaled_question"].values):
                rows += [(f"intercept of {q} (logit)", a[:, j]),
                         (f"slope of {q} on salience", b[:, j])]
        return rows

    def headline_quantities(self) -> dict[str, Quantity]:
        """Each measured issue's share and rank on each construct (first group, reference
        date); names on the reference construct carry no construct label."""
        out: dict[str, Quantity] = {}
        for construct in self._constructs:
            suffix = "" if construct == self.reference_construct else f" on {construct}"
            for k, issue in enumerate(self.construct_issues(construct)):
                out[f"share naming {issue}{suffix}"] = (
                    lambda r, k=k, c=construct: r.share_draws(construct=c)[:, 0, k])
                out[f"rank of {issue}{suffix}"] = (
                    lambda r, k=k, c=construct: r.rank_samples(construct=c)[:, k])
        return out

    def model_description(self) -> list[str]:
        """The fitted model in words, from the saved configuration and fit-time choices."""
        from opinion.models.salience.describe import describe

        return describe(self.meta)

    def rank_assumptions(self) -> str:
        """What this fit's rank claims assume, in one generated paragraph."""
        from opinion.models.salience.describe import assumptions

        return assumptions(self.meta)

    def differences(self, other: IssueSalienceResults) -> str:
        """The settings in which ``other`` differs from this fit, as text (generated from
        both configurations): ``"choice_set 'all' (here 'offered')"``."""
        mine, theirs = self.meta["config"], other.meta["config"]
        changed = [f"{key} {theirs[key]!r} (here {mine[key]!r})"
                   for key in mine if theirs.get(key) != mine[key]]
        return "; ".join(changed) if changed else "no setting differs"

    def next_steps(self) -> list[str]:
        return ["constructs()", "ranks()", "pairwise()", "where_ranks(issue)", "contrasts()",
                "plot_ranks()", "compare_baseline()", "contraction_table()"]

    focus_label = "issue"

    def focus_choices(self) -> list[str]:
        """The issues measured on the reference construct."""
        return self.construct_issues() if self._constructs else list(self.issues)

    def default_focus(self) -> str | None:
        """No issue by default (the headline names the top issue); ``fit.focus = "russia"``
        makes the headline say where that issue ranks."""
        saved = self.meta.get("focus")
        return saved if saved in self.focus_choices() else None

    def headline(self) -> str:
        """The top issue, or where :attr:`focus` ranks when it is set (in words)."""
        from opinion.models.core.wording import group_phrase, probability_words

        scale = str(self.reference_construct).replace("_", " ")
        when = f"{self.reference_date.day} {self.reference_date:%B %Y}"
        if self.focus is not None:
            return (f"{self.where_ranks(self.focus, group=self.groups[0])} (on the {scale} "
                    f"scale, {when})")
        table = self.rank_summary(group=self.groups[0])
        top = table.iloc[0]
        return (f"Top issue {group_phrase(self.groups[0])} on the {scale} scale on "
                f"{when}: {top['issue']} "
                f"(probability {probability_words(top['p_top'])} of ranking first)")

    # ------------------------------------------------------------------ plots
    def plot_ranks(self, ax: Axes | None = None, *, group: str | None = None,
                   date: str | None = None, highlight: str | None = None,
                   construct: str | None = None) -> Axes:
        """Heat map of rank probabilities (issues by mean rank x rank 1..K)."""
        from opinion.models.core.wording import group_phrase
        from opinion.models.salience.plots import plot_ranks

        group = group or self.groups[0]
        order = self.rank_summary(date=date, group=group, construct=construct)["issue"].tolist()
        name = self._construct(construct)["construct"]
        return plot_ranks(self.ranks(date=date, group=group, construct=construct), order=order,
                          ax=ax, title=f"Rank probabilities {group_phrase(group)}, {name}, "
                                       f"{self._date(date).day} {self._date(date):%B %Y}",
                          highlight=highlight)

    def plot_shares(self, ax: Axes | None = None, *, date: str | None = None,
                    level: float = DEFAULT_LEVEL, construct: str | None = None) -> Axes:
        """Share of each issue with its interval, one colour per group."""
        from opinion.models.salience.plots import plot_shares

        info = self._construct(construct)
        return plot_shares(self.shares(level, date=date, construct=construct), ax=ax,
                           level=level, scale=str(info["primary_question"]).replace("_", " "),
                           title=f"Issue salience, {self._date(date).day} "
                                 f"{self._date(date):%B %Y}")

    def plot_baseline(self, ax: Axes | None = None, *, level: float = DEFAULT_LEVEL,
                      poll_id: str | None = None) -> Axes:
        """Single-poll intervals (baseline) beside the pooled model's, for one poll."""
        from opinion.models.salience.plots import plot_baseline

        return plot_baseline(self.compare_baseline(level), ax=ax, level=level, poll_id=poll_id)

    def plot_predictive(self, ax: Axes | None = None, *, level: float = DEFAULT_LEVEL) -> Axes:
        """Published shares against their replicated intervals (posterior predictive)."""
        from opinion.models.salience.plots import plot_predictive

        return plot_predictive(self.posterior_predictive_check(level), ax=ax, level=level)
