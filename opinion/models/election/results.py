"""Results of the issue-vote model: every table of the exit poll, checks, counterfactuals.

Shares, votes and changes are in percent / percentage points; shifts of issue priority given
as inputs are proportions of voters (``0.08`` = 8 points). Intervals are equal-tailed
posterior intervals at ``level`` (default 90%), in columns named after it (``lower_90``,
``upper_90``: :func:`opinion.formatting.interval_columns`). Everything is computed on the
posterior draws of the latent cells (numpy, vectorised), never by re-fitting; the maths is in
:mod:`opinion.models.election.model`.

Checks on the published scale:

- :meth:`IssueVoteResults.posterior_predictive_check`: every fitted published figure beside
  the interval of its replicate (same joint normal, rounded as published);
- :meth:`IssueVoteResults.heldout_check`: every held-out figure beside its prediction,
  conditioned on the fitted figures of the same respondents;
- :meth:`IssueVoteResults.prior_predictive_check`: what the priors alone allow.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import ModelInputError, unknown_name_message
from opinion.formatting import interval_columns
from opinion.models.core.hashing import records_to_frame
from opinion.models.core.results import DEFAULT_LEVEL, Quantity
from opinion.models.core.results import interval as _interval
from opinion.models.election.config import normalise_extra_issues
from opinion.models.election.impact import (
    OTHER,
    VoteImpactResults,
    inside_by_mid_p,
    mid_p,
    shift_cells,
)
from opinion.models.election.latent import figure_moments, overlap_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes  # noqa: F401

PREDICTIVE_DRAWS = 1000
"""Posterior draws (evenly thinned) used for predictive checks."""


def _simplex_draws(rng: np.random.Generator, mean: np.ndarray, sd: float,
                   size: int) -> np.ndarray:
    """Dirichlet draws with the given mean and sd ``sd`` at its largest component."""
    mean = np.asarray(mean, dtype=float)
    if sd <= 0:
        return np.broadcast_to(mean, (size, len(mean))).copy()
    top = float(mean.max())
    conc = top * (1 - top) / sd ** 2 - 1.0
    if conc <= 0:
        raise ModelInputError(f"split_sd {sd} is too large for a split of {mean.tolist()} "
                              f"(the largest possible is {np.sqrt(top * (1 - top)):.3f})")
    return rng.dirichlet(conc * np.clip(mean, 1e-9, None), size=size)


def _beta_draws(rng: np.random.Generator, mean: float, sd: float, size: int) -> np.ndarray:
    if sd <= 0:
        return np.full(size, mean)
    conc = mean * (1 - mean) / sd ** 2 - 1.0
    if conc <= 0:
        raise ModelInputError(f"share_sd {sd} is too large for a share of {mean}")
    return rng.beta(mean * conc, (1 - mean) * conc, size=size)


def _rounded(values: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Percent values as they would be published: within 0-100, rounded to ``width`` points
    (0 = not rounded)."""
    values = np.clip(values, 0.0, 100.0)
    w = np.where(width > 0, width, 1.0)
    return np.where(width > 0, np.round(values / w) * w, values)


_PARTY_WORDS = {"rep": "Republican", "dem": "Democratic", "ind": "independent"}


class IssueVoteResults(VoteImpactResults):
    """What a fitted :class:`~opinion.models.IssueVote` returns."""

    model_label = "Issue vote"

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.groups: list[str] = list(meta["groups"])
        self.fitted_categories: list[str] = list(meta["issues"])
        self.issues: list[str] = self.fitted_categories[:-1]
        self.parties: list[str] = list(meta["parties"])
        self.extra_issues: dict[str, dict[str, Any]] = dict(meta.get("extra_issues") or {})
        self._joint_cache: dict[str, tuple[np.ndarray, list[str], dict]] = {}

    # ------------------------------------------------------------------ draws
    def cells(self) -> np.ndarray:
        """Latent cell probabilities (draws, group, issue, party)."""
        return self._posterior("cells")

    def figures(self) -> pd.DataFrame:
        """The published figures (fitted and held out), as modelled."""
        return records_to_frame(self.meta["data"])

    @property
    def categories(self) -> list[str]:
        """Issue categories after extra issues: listed issues, extra issues, 'other'."""
        return self.joint_draws()[1]

    def joint_draws(self, extra_issues: dict[str, dict[str, Any]] | None = None
                    ) -> tuple[np.ndarray, list[str], dict[str, Any]]:
        """Joint P(party, issue) draws (draws, party, category), with extra issues carved
        out of 'other' at their stated share and split (drawn per posterior draw)."""
        extra = (self.extra_issues if extra_issues is None
                 else normalise_extra_issues(extra_issues))
        key = json.dumps(extra, sort_keys=True)
        if key in self._joint_cache:
            return self._joint_cache[key]
        joint = np.swapaxes(self.cells().sum(axis=1), 1, 2)
        cats = list(self.fitted_categories)
        info: dict[str, Any] = {}
        if extra:
            joint, cats, info = self._carve(joint, cats, extra)
        self._joint_cache[key] = (joint, cats, info)
        return self._joint_cache[key]

    def _carve(self, joint: np.ndarray, cats: list[str], extra: dict[str, dict[str, Any]]
               ) -> tuple[np.ndarray, list[str], dict[str, Any]]:
        rng = np.random.default_rng(self.random_seed + 7919)
        k_other = cats.index(OTHER)
        other = joint[:, :, k_other].copy()
        added, clipped = [], 0
        for name, spec in extra.items():
            if name in cats:
                raise ModelInputError(f"extra issue {name!r} is already a category")
            share = _beta_draws(rng, spec["share"], spec["share_sd"], len(joint))
            mean_split = np.array([spec["split"].get(p, 0.0) for p in self.parties])
            split = _simplex_draws(rng, mean_split, spec["split_sd"], len(joint))
            if spec["share"] > other.sum(axis=1).mean():
                raise ModelInputError(
                    f"extra issue {name!r}: share {spec['share']:.3f} exceeds the 'other' "
                    f"remainder it is taken from ({other.sum(axis=1).mean():.3f})")
            want = share[:, None] * split
            take = np.minimum(want, other)
            clipped += int((take < want - 1e-15).any(axis=1).sum())
            other = other - take
            added.append(take)
            cats.insert(k_other + len(added) - 1, name)
        joint = np.concatenate([joint[:, :, :k_other], np.stack(added, axis=2),
                                other[:, :, None], joint[:, :, k_other + 1:]], axis=2)
        return joint, cats, {"clipped_draws": clipped}

    def vote_draws(self) -> np.ndarray:
        """The vote of all voters (draws, party), proportions."""
        return self.cells().sum(axis=(1, 2))

    def _issue_share_draws(self, issue: str) -> np.ndarray:
        joint, cats, _ = self.joint_draws()
        return joint.sum(axis=1)[:, self._category_index(issue, cats)]

    def _category_index(self, name: str, cats: list[str]) -> int:
        lower = [c.lower() for c in cats]
        if str(name).lower() in lower:
            return lower.index(str(name).lower())
        raise ModelInputError(unknown_name_message(name, cats, "issue")
                              + "; add an issue missing from the exit poll with extra_issues=")

    # ------------------------------------------------------------------ tables
    def vote_by_issue(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """The vote among each issue's voters, P(party | issue), percent: ``issue, party,
        mean, lower_90, upper_90`` (extra issues carry their stated split)."""
        joint, cats, _ = self.joint_draws()
        q = 100 * joint / joint.sum(axis=1, keepdims=True)
        mean, lower, upper = _interval(q, level)
        lo, hi = interval_columns(level)
        rows = [{"issue": issue, "party": party, "mean": mean[p, k], lo: lower[p, k],
                 hi: upper[p, k]}
                for k, issue in enumerate(cats) for p, party in enumerate(self.parties)]
        return pd.DataFrame(rows)

    def table(self, kind: str, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Any table of the exit poll from the cells, published or not (percent).

        ``kind`` is ``<response>_by_<subgroup>`` or ``<response>_share`` with variables
        ``group``, ``issue``, ``vote`` (e.g. ``issue_by_group``: each party-ID group's issue
        mix, independents included). Columns ``subgroup, response, mean, lower_90,
        upper_90`` (the interval columns name ``level``).
        """
        axes = {"group": 1, "issue": 2, "vote": 3}
        labels = {"group": self.groups, "issue": self.fitted_categories,
                  "vote": self.parties}
        resp, _, rest = kind.partition("_")
        sub = rest[3:] if rest.startswith("by_") else None
        if resp not in axes or (sub is not None and sub not in axes) or sub == resp or (
                sub is None and rest != "share"):
            raise ModelInputError(f"unknown table {kind!r}: use <response>_by_<subgroup> or "
                                  "<response>_share with group, issue, vote")
        keep = [axes[resp]] + ([axes[sub]] if sub else [])
        cells = self.cells()
        drop = tuple(a for a in (1, 2, 3) if a not in keep)
        marg = cells.sum(axis=drop)  # (draws, two axes in original order) or (draws, resp)
        if sub is None:
            shares = marg[:, None, :]
            subs = ["all"]
        else:
            if axes[sub] > axes[resp]:
                marg = np.swapaxes(marg, 1, 2)  # (draws, sub, resp)
            shares = marg / marg.sum(axis=2, keepdims=True)
            subs = labels[sub]
        mean, lower, upper = _interval(100 * shares, level)
        lo, hi = interval_columns(level)
        rows = [{"subgroup": s, "response": r, "mean": mean[a, b], lo: lower[a, b],
                 hi: upper[a, b]}
                for a, s in enumerate(subs) for b, r in enumerate(labels[resp])]
        return pd.DataFrame(rows)

    def issue_shares(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Each party-ID group's issue mix, P(issue | group), percent: ``group, issue, mean,
        lower_90, upper_90`` (groups whose table was not published are estimated)."""
        return self.table("issue_by_group", level).rename(
            columns={"subgroup": "group", "response": "issue"})

    def salience(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Share of all voters naming each issue (percent): ``issue, mean, lower_90,
        upper_90``."""
        joint, cats, _ = self.joint_draws()
        mean, lower, upper = _interval(100 * joint.sum(axis=1), level)
        lo, hi = interval_columns(level)
        return pd.DataFrame({"issue": cats, "mean": mean, lo: lower, hi: upper})

    # ------------------------------------------------------------------ checks
    def _thinned(self, view: VoteImpactResults | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Cells (draws, cells) and non-sampling sd (draws,) of at most PREDICTIVE_DRAWS."""
        view = view or self
        cells = view.cells()
        sigma = view.draws("nonsampling_pp")
        step = max(1, int(np.ceil(len(cells) / PREDICTIVE_DRAWS)))
        return cells[::step].reshape(len(cells[::step]), -1), sigma[::step]

    def _moments(self, p: np.ndarray, sigma: float, figures: pd.DataFrame
                 ) -> tuple[np.ndarray, np.ndarray]:
        rows = figures["figure"].to_numpy()
        num, den = self._design()
        extra = (figures["rounding_pp"].to_numpy(float) / 100) ** 2 / 12 + (sigma / 100) ** 2
        return figure_moments(p, num[rows], den[rows],
                              overlap_matrix(figures["n_eff"].to_numpy(float)), extra)

    def _design(self) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "_design_cache"):
            from opinion.models.election.inputs import figure_matrices

            self._design_cache = figure_matrices(self.figures(), self.groups,
                                           self.fitted_categories, self.parties)
        return self._design_cache

    def _replicate(self, figures: pd.DataFrame, view: VoteImpactResults | None = None,
                   conditional: bool = False) -> np.ndarray:
        """Replicated published figures (draws, figures), percent, rounded as published;
        ``conditional`` conditions on the fitted figures (the same respondents)."""
        p_draws, s_draws = self._thinned(view)
        rng = np.random.default_rng([self.random_seed, 20221108, int(conditional)])
        all_figs = self.figures()
        fitted = all_figs[all_figs["fitted"]]
        out = np.empty((len(p_draws), len(figures)))
        for d, (p, s) in enumerate(zip(p_draws, s_draws, strict=True)):
            if conditional:
                both = pd.concat([figures, fitted], ignore_index=True)
                mean, cov = self._moments(p, s, both)
                h = len(figures)
                solve = np.linalg.solve(cov[h:, h:], cov[h:, :h])
                observed = fitted["pct"].to_numpy(float) / 100
                mean = mean[:h] + solve.T @ (observed - mean[h:])
                cov = cov[:h, :h] - cov[:h, h:] @ solve
            else:
                mean, cov = self._moments(p, s, figures)
            out[d] = rng.multivariate_normal(mean, (cov + cov.T) / 2, method="cholesky")
        return _rounded(100 * out, figures["rounding_pp"].to_numpy(float))

    def _check_table(self, figures: pd.DataFrame, draws: np.ndarray, level: float
                     ) -> pd.DataFrame:
        """Published figures beside the replicates' mean and central interval (quantiles of
        the rounded replicates themselves, so the bounds are publishable values)."""
        mean = draws.mean(axis=0)
        lower, upper = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0,
                                   method="inverted_cdf")
        out = figures[["table", "sub_level", "resp_level", "pct", "poll_id"]].rename(
            columns={"sub_level": "subgroup", "resp_level": "response", "pct": "published"})
        lo, hi = interval_columns(level)
        out = out.assign(mean=mean, **{lo: lower, hi: upper})
        out["subgroup"] = out["subgroup"].fillna("all")
        out["mid_p"] = mid_p(draws, out["published"].to_numpy(float))
        out["inside"] = inside_by_mid_p(out["mid_p"].to_numpy(), level)
        return out.reset_index(drop=True)

    def posterior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Every fitted published figure beside the interval of its replicate (percent,
        rounded as published): ``table, subgroup, response, published, poll_id, mean,
        lower_90, upper_90, mid_p, inside`` (``mid_p`` a probability, 0-1); ``inside`` means
        a mid-p value in the central ``level`` range (ties with rounded replicates count half:
        no over-coverage by construction). The last row is the known vote of the first listed
        party among the listed parties."""
        figs = self.figures()
        fitted = figs[figs["fitted"]]
        out = self._check_table(fitted, self._replicate(fitted), level)
        return pd.concat([out, self._known_vote_row(level)], ignore_index=True)

    def _known_vote_row(self, level: float, view: VoteImpactResults | None = None
                        ) -> pd.DataFrame:
        view = view or self
        votes = view.cells().sum(axis=(1, 2))[:, :-1]
        share = 100 * votes[:, 0] / votes.sum(axis=1)
        sd = float(self.meta["config"]["vote_sd_pp"])
        rng = np.random.default_rng([self.random_seed, 7])
        draws = share + rng.normal(0, sd, len(share))
        mean, lower, upper = _interval(draws, level)
        known = 100 * float(self.meta["vote_known"][0])
        p = float(mid_p(draws[:, None], np.array([known]))[0])
        lo, hi = interval_columns(level)
        return pd.DataFrame([{"table": "known_vote", "subgroup": "listed parties",
                              "response": self.parties[0], "published": known,
                              "poll_id": "", "mean": mean, lo: lower, hi: upper,
                              "mid_p": p, "inside": bool(inside_by_mid_p(np.array(p), level))}])

    def heldout_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Every held-out figure beside its prediction (percent, rounded as published),
        conditioned on the fitted figures: ``table, subgroup, response, published, poll_id,
        mean, lower_90, upper_90, mid_p, inside, error`` (mean - published; ``inside`` as in
        :meth:`posterior_predictive_check`). Empty when nothing was held
        out; :meth:`heldout_summary` gives the MAE and coverage."""
        figs = self.figures()
        held = figs[~figs["fitted"]]
        if held.empty:
            return pd.DataFrame(columns=["table", "subgroup", "response", "published",
                                         "poll_id", "mean", *interval_columns(level),
                                         "mid_p", "inside", "error"])
        out = self._check_table(held, self._replicate(held, conditional=True), level)
        out["error"] = out["mean"] - out["published"]
        return out

    def heldout_summary(self, level: float = DEFAULT_LEVEL, *, party: str | None = None
                        ) -> dict[str, Any]:
        """``{figures, inside, mae, level}`` of the held-out check (``party``: only that
        response, e.g. the Republican share of each issue's voters)."""
        check = self.heldout_check(level)
        if party is not None:
            check = check[check["response"] == party]
        return {"figures": int(len(check)), "inside": int(check["inside"].sum()),
                "mae": float(check["error"].abs().mean()) if len(check) else float("nan"),
                "level": level}

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """What the priors alone allow for every published figure (fitted and held out),
        percent, rounded as published: ``table, subgroup, response, published, poll_id,
        mean, lower_90, upper_90, mid_p, inside``."""
        figs = self.figures()
        prior = self.prior_view()
        out = self._check_table(figs, self._replicate(figs, view=prior), level)
        return pd.concat([out, self._known_vote_row(level, view=prior)], ignore_index=True)

    # ------------------------------------------------------------------ counterfactuals
    def held_fixed(self, holding: str = "issue", split: str | dict[str, float] = "fitted",
                   **_: Any) -> str:
        """What a counterfactual holds fixed (plain language)."""
        who = ("every issue's voters keep their current vote split" if holding == "issue"
               else "within each party-ID group, every issue's voters keep their current vote "
                    "split")
        new = ("voters who newly name a shifted issue vote like its current voters"
               if split == "fitted" else "voters who newly name a shifted issue vote by the "
                                         "stated split")
        return f"Accounting, not a causal effect: {who}; {new}."

    def counterfactual_draws(
        self, shift: dict[str, float], source: str | dict[str, float] = "proportional",
        split: str | dict[str, float] = "fitted", split_sd: float = 0.0,
        *, extra_issues: dict[str, dict[str, Any]] | None = None, check: bool = True,
        holding: str = "issue",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Baseline and counterfactual vote draws, each (draws, party), proportions.

        Parameters
        ----------
        shift
            ``{issue: change}``, change as a proportion of voters (+0.08 = 8 more points
            name the issue; within each group with ``holding="group"``).
        source
            Where the net shift comes from (or goes to if negative): ``"proportional"``
            (every unshifted issue in proportion to its share, 'other' included), one issue
            name, or ``{issue: weight}`` with weights summing to 1.
        split
            How voters who newly name a shifted issue vote: ``"fitted"`` (like its current
            voters) or ``{party: proportion}`` (a stated prior, with ``split_sd``).
        holding
            ``"issue"``: every issue's voters keep their vote split (one cell: all voters);
            ``"group"``: every party-ID group's issue voters keep theirs (fitted issues only).
        """
        if holding not in ("issue", "group"):
            raise ModelInputError("holding must be 'issue' or 'group'")
        if holding == "group":
            extra = set(extra_issues or {}) | set(self.extra_issues)
            if extra_issues or extra & set(shift) or (
                    isinstance(source, str) and source in extra) or (
                    isinstance(source, dict) and extra & set(source)):
                raise ModelInputError("holding='group' works on the exit poll's own issues: "
                                      "extra issues have no group split")
            cells = self.cells()  # (draws, group, issue, party)
            mass, cats = cells.sum(axis=3), self.fitted_categories
            probs = cells / np.where(mass > 0, mass, 1.0)[..., None]
            labels = [f"party ID {g}" for g in self.groups]
        else:
            joint, cats, _ = self.joint_draws(extra_issues)  # (draws, party, category)
            mass = joint.sum(axis=1)[:, None, :]
            probs = (np.swapaxes(joint, 1, 2) / np.where(mass[:, 0] > 0, mass[:, 0], 1.0)
                     [..., None])[:, None]
            labels = ["all voters"]
        deltas = self._parse_shift(shift, cats)
        weights = self._source_vector(source, deltas, cats)
        new_split = self._new_split(split, split_sd, len(mass))
        return shift_cells(mass, probs, deltas, weights, new_split=new_split, issues=cats,
                           cell_labels=labels, check=check)

    def _parse_shift(self, shift: dict[str, float], cats: list[str]) -> dict[int, float]:
        if not isinstance(shift, dict):
            raise ModelInputError("shift must be a dict {issue: change as a proportion}")
        out: dict[int, float] = {}
        for name, delta in shift.items():
            delta = float(delta)
            if not -1 < delta < 1:
                raise ModelInputError(
                    f"shift of {name!r} is {delta}: shifts are proportions of voters (8 "
                    "points = 0.08)")
            k = self._category_index(name, cats)
            out[k] = out.get(k, 0.0) + delta
        return out

    def _source_vector(self, source: str | dict[str, float], deltas: dict[int, float],
                       cats: list[str]) -> np.ndarray | None:
        if isinstance(source, str) and source == "proportional":
            return None
        spec = {source: 1.0} if isinstance(source, str) else source
        if not isinstance(spec, dict) or not spec:
            raise ModelInputError("source must be 'proportional', an issue name or "
                                  "{issue: weight}")
        weights = np.zeros(len(cats))
        for name, weight in spec.items():
            k = self._category_index(name, cats)
            if k in deltas:
                raise ModelInputError(f"issue {name!r} is both shifted and a source")
            if float(weight) < 0:
                raise ModelInputError("source weights must be >= 0")
            weights[k] += float(weight)
        if abs(weights.sum() - 1) > 1e-6:
            raise ModelInputError(f"source weights must sum to 1 (got {weights.sum():g})")
        return weights

    def _new_split(self, split: str | dict[str, float], split_sd: float, n_draws: int
                   ) -> np.ndarray | None:
        if isinstance(split, str):
            if split != "fitted":
                raise ModelInputError("split must be 'fitted' or {party: proportion}")
            return None
        unknown = set(split) - set(self.parties)
        if unknown or not set(self.parties[:-1]) <= set(split):
            raise ModelInputError(f"split must name the parties {self.parties[:-1]} (and "
                                  "optionally 'other')")
        mean = np.array([float(split.get(p, 0.0)) for p in self.parties])
        if abs(mean.sum() - 1) > 0.011 or (mean < 0).any():
            raise ModelInputError("split must be proportions summing to 1")
        rng = np.random.default_rng(self.random_seed + 104729)
        return _simplex_draws(rng, mean / mean.sum(), split_sd, n_draws)

    def elasticities(self, level: float = DEFAULT_LEVEL, source: str = "proportional",
                     holding: str = "issue") -> pd.DataFrame:
        """Accounting change in the vote (points) per point of an issue's share, taken from
        the other issues, if voters kept their vote split: ``issue, quantity, mean, lower_90,
        upper_90``. For party p and issue j (``holding="issue"``, proportional) this is
        ``(q_{p|j} - v_p) / (1 - w_j)``."""
        _, cats, _ = self.joint_draws() if holding == "issue" else (None, self.issues, None)
        lo, hi = interval_columns(level)
        frames = []
        for issue in cats if holding == "issue" else self.fitted_categories:
            base, new = self.counterfactual_draws({issue: 0.01}, source, check=False,
                                                  holding=holding)
            labels, b = self._quantities(base)
            _, c = self._quantities(new)
            mean, lower, upper = _interval(c - b, level)
            frames.append(pd.DataFrame({"issue": issue, "quantity": labels, "mean": mean,
                                        lo: lower, hi: upper}))
        out = pd.concat(frames, ignore_index=True)
        out.attrs["held_fixed"] = self.held_fixed(holding=holding)
        return out

    def sensitivity(self, shift: dict[str, float] | None = None,
                    splits: dict[str, dict[str, float]] | None = None, split_sd: float = 0.0,
                    level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """The accounting change of the margin under one shift across assumptions.

        Rows: every source (proportional, then each single other issue) crossed with every
        split of the new voters (``"fitted"`` and each named alternative in ``splits``).
        Default shift: +5 points to the first extra issue (else the most salient issue).
        ``shift`` is in proportions of voters (0.05 = 5 points). Returns ``source, split,
        mean, lower_90, upper_90, note`` (points; the interval named after ``level``).
        """
        lo, hi = interval_columns(level)
        _, cats, _ = self.joint_draws()
        if shift is None:
            shift = {next(iter(self.extra_issues), self.issues[0]): 0.05}
        shifted = {self._category_index(k, cats) for k in shift}
        sources = ["proportional"] + [c for i, c in enumerate(cats) if i not in shifted]
        options: dict[str, str | dict[str, float]] = {"fitted": "fitted", **(splits or {})}
        rows = []
        for src in sources:
            for label, split in options.items():
                try:
                    m = self.counterfactual(shift, src, level, split=split,
                                            split_sd=split_sd).iloc[-1]
                except ModelInputError as err:
                    rows.append({"source": src, "split": label, "mean": np.nan,
                                 lo: np.nan, hi: np.nan, "note": str(err)[:80]})
                    continue
                rows.append({"source": src, "split": label, "mean": m["mean"],
                             lo: m[lo], hi: m[hi], "note": ""})
        out = pd.DataFrame(rows)
        out.attrs.update({"shift": shift, "held_fixed": self.held_fixed()})
        return out

    # ------------------------------------------------------------------ summaries
    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        """P(vote | issue), each group's issue mix and vote, the latent parameters."""
        cells = self.cells()
        joint = cells.sum(axis=1)  # (draws, issue, party)
        q = 100 * joint / joint.sum(axis=2, keepdims=True)
        rows = [(f"P({party} | {issue})", q[:, k, p])
                for k, issue in enumerate(self.fitted_categories)
                for p, party in enumerate(self.parties)]
        by_group = cells.sum(axis=3)
        s = 100 * by_group / by_group.sum(axis=2, keepdims=True)
        rows += [(f"P({issue} | party ID {g})", s[:, a, k])
                 for a, g in enumerate(self.groups)
                 for k, issue in enumerate(self.fitted_categories)]
        v = 100 * self.vote_draws()
        rows += [(f"vote {party}", v[:, p]) for p, party in enumerate(self.parties)]
        rows += [("party ID / vote correlation (rho)", self._posterior("rho")),
                 ("non-sampling error (points)", self._posterior("nonsampling_pp"))]
        direct = self._posterior("direct")
        rows += [(f"direct effect of {issue} (probit)", direct[:, k])
                 for k, issue in enumerate(self.fitted_categories)]
        return rows

    def headline_quantities(self) -> dict[str, Quantity]:
        """Each party's share among each issue's voters (percent)."""
        out: dict[str, Quantity] = {}
        for k, issue in enumerate(self.fitted_categories):
            for p, party in enumerate(self.parties):
                out[f"P({party} | {issue})"] = (
                    lambda r, p=p, k=k: 100 * r.cells().sum(axis=1)[:, k, p]
                    / r.cells().sum(axis=(1, 3))[:, k])
        return out

    def model_description(self) -> list[str]:
        from opinion.models.election.describe import describe_issue_vote

        return describe_issue_vote(self.meta, self.figures())

    def display_tables(self) -> list[tuple[str, pd.DataFrame]]:
        q = self.vote_by_issue()
        wide = q.pivot(index="issue", columns="party", values="mean").reset_index()
        out = [("Vote by most important issue (percent)", wide)]
        held = self.heldout_check()
        if len(held):
            out.append(("Held-out figures: published vs predicted", held))
        return out

    def next_steps(self) -> list[str]:
        return ["vote_by_issue()", "table('issue_by_group')", "posterior_predictive_check()",
                "heldout_check()", "counterfactual(shift={...})", "contraction_table()"]

    def headline(self) -> str:
        if self.focus is not None:
            return "Vote: " + self._focus_vote()
        q = self.vote_by_issue()
        lo, hi = interval_columns(DEFAULT_LEVEL)
        top = self.salience().sort_values("mean", ascending=False)
        parts = []
        for issue in top["issue"]:
            if issue == OTHER or len(parts) == 2:
                continue
            rows = q[q["issue"] == issue].sort_values("mean", ascending=False)
            r = rows.iloc[0]
            party = _PARTY_WORDS.get(str(r["party"]).lower(), str(r["party"]))
            parts.append(f"{issue} voters {r['mean']:.0f}% {party} "
                         f"({r[lo]:.0f}-{r[hi]:.0f}%, 90% interval)")
        return "; ".join(parts)

    # ------------------------------------------------------------------ plots
    def vote_chart_text(self) -> tuple[str, str | None, frozenset[str]]:
        extra = frozenset(self.extra_issues)
        note = ("Orange: issue not in the exit poll's list; share and split are stated "
                "assumptions, not estimates.") if extra else None
        return ("Who voted {party}, by most important issue (dashed: overall vote)", note,
                extra)

    def default_shifts(self, issue: str | None) -> tuple[str, np.ndarray | None, str, str]:
        issue = issue or next(iter(self.extra_issues), self.issues[0])
        return (issue, None, "",
                "New voters of the issue vote like its current voters; they come from other "
                "issues ({source}). Dotted lines: one point either way.")
