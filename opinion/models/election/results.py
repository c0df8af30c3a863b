"""Results of the issue-vote model: vote by issue, counterfactual salience, elasticities.

Shares, votes and changes are in percent / percentage points; shifts of salience are given
as proportions of all voters (``0.08`` = 8 points). Intervals are equal-tailed posterior
intervals at ``level`` (default 90%). Counterfactuals are computed on the posterior draws
(numpy, vectorised), never by re-fitting; see :mod:`opinion.models.election.model` for the
accounting identity they use.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import ModelInputError
from opinion.models.core.hashing import records_to_frame
from opinion.models.core.results import DEFAULT_LEVEL, Quantity
from opinion.models.core.results import interval as _interval
from opinion.models.election.impact import VoteImpactResults

if TYPE_CHECKING:
    from matplotlib.axes import Axes  # noqa: F401
_OTHER = "other"


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


class IssueVoteResults(VoteImpactResults):
    """What a fitted :class:`~opinion.models.IssueVote` returns."""

    model_label = "Issue vote"

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        super().__init__(idata, meta)
        self.parties: list[str] = list(meta["parties"])
        self.issues: list[str] = list(meta["issues"])
        self.fitted_categories: list[str] = list(meta["categories"])
        self.extra_issues: dict[str, dict[str, Any]] = dict(meta.get("extra_issues") or {})
        self.vote_published = np.asarray(meta["vote_published"], dtype=float)
        order = np.argsort(-self.vote_published, kind="stable")
        self._margin_pair = (int(order[0]), int(order[1])) if len(order) > 1 else None
        self._joint_cache: dict[str, tuple[np.ndarray, list[str], dict]] = {}

    # ------------------------------------------------------------------ draws
    @property
    def categories(self) -> list[str]:
        """Issue categories after extra issues: listed issues, extra issues, 'other'."""
        return self.joint_draws()[1]

    @property
    def margin_label(self) -> str:
        a, b = self._margin_pair or (0, 0)
        return f"margin ({self.parties[a]} - {self.parties[b]})"

    def joint_draws(self, extra_issues: dict[str, dict[str, Any]] | None = None
                    ) -> tuple[np.ndarray, list[str], dict[str, Any]]:
        """Joint P(party, issue) draws (draws, party, category) with extra issues carved out
        of 'other', the category labels and a dict of notes (e.g. clipped draws).

        Extra issues are drawn with a generator seeded from the fit's seed, so repeated calls
        give identical numbers.
        """
        from opinion.models.election.config import normalise_extra_issues

        extra = (self.extra_issues if extra_issues is None
                 else normalise_extra_issues(extra_issues))
        key = json.dumps(extra, sort_keys=True)
        if key in self._joint_cache:
            return self._joint_cache[key]
        s = self._posterior("s")
        v = self._posterior("v")
        joint = v[:, :, None] * s
        cats = list(self.fitted_categories)
        info: dict[str, Any] = {}
        if extra:
            if _OTHER not in cats:
                raise ModelInputError("extra issues need the 'other' remainder category")
            rng = np.random.default_rng(self.random_seed + 7919)
            k_other = cats.index(_OTHER)
            other = joint[:, :, k_other].copy()
            added = []
            clipped = 0
            for name, spec in extra.items():
                clash = name in cats
                if clash:
                    raise ModelInputError(f"extra issue {name!r} is already a category")
                unknown = set(spec["split"]) ^ set(self.parties)
                if unknown:
                    raise ModelInputError(f"extra issue {name!r}: split must name exactly the "
                                          f"parties {self.parties}")
                w = _beta_draws(rng, spec["share"], spec["share_sd"], len(joint))
                mean_split = np.array([spec["split"][p] for p in self.parties])
                r = _simplex_draws(rng, mean_split, spec["split_sd"], len(joint))
                want = w[:, None] * r
                if spec["share"] > other.sum(axis=1).mean():
                    raise ModelInputError(
                        f"extra issue {name!r}: share {spec['share']:.3f} exceeds the 'other' "
                        f"remainder it is taken from ({other.sum(axis=1).mean():.3f})")
                take = np.minimum(want, other)
                clipped += int((take < want - 1e-15).any(axis=1).sum())
                other = other - take
                added.append(take)
                cats.insert(k_other + len(added) - 1, name)
            joint = np.concatenate([joint[:, :, :k_other], np.stack(added, axis=2),
                                    other[:, :, None], joint[:, :, k_other + 1:]], axis=2)
            info["clipped_draws"] = clipped
        self._joint_cache[key] = (joint, cats, info)
        return self._joint_cache[key]

    def _category_index(self, name: str, cats: list[str]) -> int:
        if name in cats:
            return cats.index(name)
        lower = [c.lower() for c in cats]
        if name.lower() in lower:
            return lower.index(name.lower())
        raise ModelInputError(f"unknown issue {name!r} (have: {', '.join(cats)}); add an issue "
                              "missing from the exit poll with extra_issues=")

    def vote_draws(self) -> np.ndarray:
        """Fitted vote shares (draws, party), proportions."""
        return self._posterior("v")

    # ------------------------------------------------------------------ tables
    def vote_by_issue(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """P(vote | issue) in percent: ``issue, party, mean, lower, upper``.

        Extra issues carry their stated split (with its stated uncertainty).
        """
        joint, cats, _ = self.joint_draws()
        q = 100 * joint / joint.sum(axis=1, keepdims=True)
        mean, lower, upper = _interval(q, level)
        rows = []
        for k, issue in enumerate(cats):
            for p, party in enumerate(self.parties):
                rows.append({"issue": issue, "party": party, "mean": mean[p, k],
                             "lower": lower[p, k], "upper": upper[p, k]})
        return pd.DataFrame(rows)

    def salience(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Share of all voters naming each issue (percent): ``issue, mean, lower, upper``."""
        joint, cats, _ = self.joint_draws()
        mean, lower, upper = _interval(100 * joint.sum(axis=1), level)
        return pd.DataFrame({"issue": cats, "mean": mean, "lower": lower, "upper": upper})

    def vote(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Fitted vote (percent) against the published vote."""
        mean, lower, upper = _interval(100 * self.vote_draws(), level)
        return pd.DataFrame({"party": self.parties, "published": 100 * self.vote_published,
                             "mean": mean, "lower": lower, "upper": upper})

    def issue_shares(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """P(issue | party) in percent: ``party, issue, mean, lower, upper`` (fitted only)."""
        s = 100 * self._posterior("s")
        mean, lower, upper = _interval(s, level)
        rows = [{"party": p, "issue": c, "mean": mean[i, k], "lower": lower[i, k],
                 "upper": upper[i, k]}
                for i, p in enumerate(self.parties) for k, c in enumerate(self.fitted_categories)]
        return pd.DataFrame(rows)

    def overall_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Posterior predictive check of the published overall issue shares (percent).

        ``mean, lower, upper`` are the predictive interval of the published share:
        binomial sampling on the overall table's effective n around ``sum_p s_{p,i} v_p``
        (the implied salience). ``inside`` flags published shares inside it.
        """
        data = records_to_frame(self.meta["data"])
        overall = data[data["party"] == "all"]
        if overall.empty:
            return pd.DataFrame(columns=["issue", "implied", "mean", "lower", "upper",
                                         "published", "inside"])
        published = overall.set_index("issue")["pct"]
        n_eff = int(overall["N"].iloc[0])
        w = (self._posterior("v")[:, :, None] * self._posterior("s")).sum(axis=1)
        rng = np.random.default_rng(self.random_seed + 31)
        predicted = 100 * rng.binomial(n_eff, np.clip(w, 0, 1)) / n_eff
        mean, lower, upper = _interval(predicted, level)
        out = pd.DataFrame({"issue": self.fitted_categories, "implied": 100 * w.mean(axis=0),
                            "mean": mean, "lower": lower, "upper": upper})
        out["published"] = out["issue"].map(published)
        out["inside"] = (out["published"] >= out["lower"]) & (out["published"] <= out["upper"])
        return out[out["published"].notna()].reset_index(drop=True)

    # ------------------------------------------------------------------ counterfactuals
    def _parse_shift(self, shift: dict[str, float], cats: list[str]) -> dict[int, float]:
        if not isinstance(shift, dict):
            raise ModelInputError("shift must be a dict {issue: change as a proportion}")
        out: dict[int, float] = {}
        for name, delta in shift.items():
            delta = float(delta)
            if not -1 < delta < 1:
                raise ModelInputError(
                    f"shift of {name!r} is {delta}: shifts are proportions of all voters "
                    "(8 points = 0.08)")
            k = self._category_index(name, cats)
            out[k] = out.get(k, 0.0) + delta
        return out

    def _source_weights(self, source: str | dict[str, float], w: np.ndarray,
                        shifted: dict[int, float], cats: list[str]) -> np.ndarray:
        """(draws, categories) weights of the issues that give (or take) the net shift."""
        free = np.ones(len(cats), dtype=bool)
        free[list(shifted)] = False
        if isinstance(source, str):
            if source == "proportional":
                base = w * free[None, :]
                total = base.sum(axis=1, keepdims=True)
                return base / np.where(total > 0, total, 1.0)
            source = {source: 1.0}
        if not isinstance(source, dict) or not source:
            raise ModelInputError("source must be 'proportional', an issue name or "
                                  "{issue: weight}")
        weights = np.zeros(len(cats))
        for name, weight in source.items():
            k = self._category_index(name, cats)
            if not free[k]:
                raise ModelInputError(f"issue {name!r} is both shifted and a source")
            if float(weight) < 0:
                raise ModelInputError("source weights must be >= 0")
            weights[k] += float(weight)
        if abs(weights.sum() - 1) > 1e-6:
            raise ModelInputError(f"source weights must sum to 1 (got {weights.sum():g})")
        return np.broadcast_to(weights, w.shape)

    def counterfactual_draws(
        self, shift: dict[str, float], source: str | dict[str, float] = "proportional",
        split: str | dict[str, float] = "fitted", split_sd: float = 0.0,
        *, extra_issues: dict[str, dict[str, Any]] | None = None, check: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Baseline and counterfactual vote draws, each (draws, party), proportions.

        Parameters
        ----------
        shift
            ``{issue: change}``, change as a proportion of all voters (+0.08 = 8 more points
            name the issue). Several issues may shift at once.
        source
            Where the net shift comes from (or goes to if negative): ``"proportional"``
            (default: every issue not shifted, in proportion to its salience, including
            'other'), one issue name, or ``{issue: weight}`` with weights summing to 1.
        split
            How voters who newly name a shifted issue vote: ``"fitted"`` (like the issue's
            current voters) or ``{party: proportion}`` (a stated prior, with ``split_sd``).
        """
        joint, cats, _ = self.joint_draws(extra_issues)
        n_draws = len(joint)
        w = joint.sum(axis=1)  # draws x categories
        q = joint / np.where(w > 0, w, 1.0)[:, None, :]  # draws x party x categories
        base = joint.sum(axis=2)
        deltas = self._parse_shift(shift, cats)
        if not deltas or all(d == 0 for d in deltas.values()):
            return base, base.copy()
        net = sum(deltas.values())
        src = self._source_weights(source, w, deltas, cats)
        if check:
            self._check_feasible(w, deltas, src, net, cats)
        if isinstance(split, str):
            if split != "fitted":
                raise ModelInputError("split must be 'fitted' or {party: proportion}")
            new_split = None
        else:
            unknown = set(split) ^ set(self.parties)
            if unknown:
                raise ModelInputError(f"split must name exactly the parties {self.parties}")
            mean = np.array([float(split[p]) for p in self.parties])
            if abs(mean.sum() - 1) > 0.011 or (mean < 0).any():
                raise ModelInputError("split must be proportions summing to 1")
            rng = np.random.default_rng(self.random_seed + 104729)
            new_split = _simplex_draws(rng, mean / mean.sum(), split_sd, n_draws)
        change = np.zeros_like(base)
        for k, delta in deltas.items():
            if delta > 0:
                r = q[:, :, k] if new_split is None else new_split
                change += delta * r
            else:
                change += delta * q[:, :, k]
        # the sources lose (or gain) the net shift at their own splits
        change -= net * np.einsum("dk,dpk->dp", src, q)
        return base, base + change

    def _check_feasible(self, w: np.ndarray, deltas: dict[int, float], src: np.ndarray,
                        net: float, cats: list[str]) -> None:
        mean_w = w.mean(axis=0)
        new = mean_w - net * src.mean(axis=0)
        for k, delta in deltas.items():
            new[k] = mean_w[k] + delta
        bad = np.flatnonzero((new < -1e-9) | (new > 1 + 1e-9))
        if len(bad):
            k = int(bad[0])
            raise ModelInputError(
                f"the shift would make the share of {cats[k]!r} {100 * new[k]:.1f}% (it is "
                f"{100 * mean_w[k]:.1f}%): shares must stay between 0 and 100%. Use a smaller "
                "shift or other sources")

    def _quantities(self, vote: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Party votes and the margin (draws, quantity), percent."""
        labels = list(self.parties)
        cols = [100 * vote]
        if self._margin_pair is not None:
            a, b = self._margin_pair
            labels.append(self.margin_label)
            cols.append(100 * (vote[:, a] - vote[:, b])[:, None])
        return labels, np.concatenate(cols, axis=1)

    def counterfactual(
        self, shift: dict[str, float], source: str | dict[str, float] = "proportional",
        split: str | dict[str, float] = "fitted", split_sd: float = 0.0,
        level: float = DEFAULT_LEVEL, *, extra_issues: dict[str, dict[str, Any]] | None = None,
    ) -> pd.DataFrame:
        """Vote shares and margin under shifted salience (percent / points).

        Returns ``quantity, baseline, counterfactual, mean, lower, upper, p_increase`` with
        one row per party and one for the margin between the two largest parties;
        ``mean, lower, upper`` are the *change* in points. See :meth:`counterfactual_draws`
        for the arguments.
        """
        base, new = self.counterfactual_draws(shift, source, split, split_sd,
                                              extra_issues=extra_issues)
        labels, b = self._quantities(base)
        _, c = self._quantities(new)
        diff = c - b
        mean, lower, upper = _interval(diff, level)
        out = pd.DataFrame({"quantity": labels, "baseline": b.mean(axis=0),
                            "counterfactual": c.mean(axis=0), "mean": mean, "lower": lower,
                            "upper": upper, "p_increase": (diff > 0).mean(axis=0)})
        out.attrs.update({"shift": shift, "source": source, "split": split, "level": level})
        return out

    def elasticities(self, level: float = DEFAULT_LEVEL, source: str = "proportional"
                     ) -> pd.DataFrame:
        """Change in vote (points) per point of an issue's salience, drawn from every other
        issue in proportion (the default) : ``issue, quantity, mean, lower, upper``.

        For party p and issue j this is ``(q_{p|j} - v_p) / (1 - w_j)``: positive when the
        issue's voters favour the party more than the electorate does.
        """
        _, cats, _ = self.joint_draws()
        frames = []
        for issue in cats:
            base, new = self.counterfactual_draws({issue: 0.01}, source, check=False)
            labels, b = self._quantities(base)
            _, c = self._quantities(new)
            mean, lower, upper = _interval(c - b, level)
            frames.append(pd.DataFrame({"issue": issue, "quantity": labels, "mean": mean,
                                        "lower": lower, "upper": upper}))
        return pd.concat(frames, ignore_index=True)

    def shift_curve(self, issue: str, shifts: np.ndarray | list[float] | None = None,
                    source: str | dict[str, float] = "proportional",
                    quantity: str | None = None, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Change of one quantity (default: the margin) over a range of salience shifts.

        Returns ``shift`` (points of salience), ``mean, lower, upper`` (points of vote).
        """
        shifts = np.linspace(0, 0.3, 31) if shifts is None else np.asarray(shifts, float)
        rows = []
        for delta in shifts:
            base, new = self.counterfactual_draws({issue: float(delta)}, source)
            labels, b = self._quantities(base)
            _, c = self._quantities(new)
            j = labels.index(quantity or labels[-1]) if (quantity or labels[-1]) in labels \
                else None
            if j is None:
                raise ModelInputError(f"unknown quantity {quantity!r} (have: {labels})")
            mean, lower, upper = _interval((c - b)[:, j], level)
            rows.append({"shift": 100 * float(delta), "mean": float(mean),
                         "lower": float(lower), "upper": float(upper)})
        return pd.DataFrame(rows)

    def required_shift(self, issue: str, change: float = 1.0, quantity: str | None = None,
                       source: str | dict[str, float] = "proportional",
                       level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Salience shift (points) that moves ``quantity`` by ``change`` points.

        The change is linear in the shift, so per draw the required shift is
        ``change / slope``. Draws where the slope has the wrong sign (or the shift would exceed
        the share of voters available) have no such shift: ``p_reachable`` is the share of
        draws where it exists. The interval is over draws (a shift of ``inf`` when
        unreachable), so an upper bound of ``inf`` means "possibly never".
        """
        base, new = self.counterfactual_draws({issue: 0.01}, source, check=False)
        labels, b = self._quantities(base)
        _, c = self._quantities(new)
        name = quantity or labels[-1]
        if name not in labels:
            raise ModelInputError(f"unknown quantity {name!r} (have: {labels})")
        slope = (c - b)[:, labels.index(name)]  # points of vote per point of salience
        joint, cats, _ = self.joint_draws()
        w = joint.sum(axis=1)[:, self._category_index(issue, cats)]
        room = 100 * (1 - w)
        need = np.where(slope * change > 0, change / np.where(slope == 0, np.inf, slope),
                        np.inf)
        need = np.where(need <= room, need, np.inf)
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        return pd.DataFrame([{
            "issue": issue, "quantity": name, "change": change,
            "median": float(np.quantile(need, 0.5, method="inverted_cdf")),
            "lower": float(np.quantile(need, lo, method="inverted_cdf")),
            "upper": float(np.quantile(need, hi, method="inverted_cdf")),
            "p_reachable": float(np.isfinite(need).mean()),
        }])

    def sensitivity(self, shift: dict[str, float] | None = None,
                    splits: dict[str, dict[str, float]] | None = None, split_sd: float = 0.0,
                    level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """The margin change under one shift across assumptions.

        Rows: every source (proportional, then each single other issue) crossed with every
        split of the new voters (``"fitted"`` and each named alternative in ``splits``:
        ``{label: {party: proportion}}``). Default shift: +5 points to the first extra issue
        (else the most salient issue). Returns ``source, split, mean, lower, upper`` (points).
        """
        _, cats, _ = self.joint_draws()
        if shift is None:
            target = next(iter(self.extra_issues), self.issues[0])
            shift = {target: 0.05}
        shifted = {self._category_index(k, cats) for k in shift}
        sources: list[str] = ["proportional"] + [c for i, c in enumerate(cats)
                                                 if i not in shifted]
        split_options: dict[str, str | dict[str, float]] = {"fitted": "fitted",
                                                              **(splits or {})}
        rows = []
        for src in sources:
            for label, split in split_options.items():
                try:
                    frame = self.counterfactual(shift, src, split, split_sd, level)
                except ModelInputError as err:
                    rows.append({"source": src, "split": label, "mean": np.nan,
                                 "lower": np.nan, "upper": np.nan, "note": str(err)[:80]})
                    continue
                m = frame.iloc[-1]
                rows.append({"source": src, "split": label, "mean": m["mean"],
                             "lower": m["lower"], "upper": m["upper"], "note": ""})
        out = pd.DataFrame(rows)
        out.attrs["shift"] = shift
        return out

    # ------------------------------------------------------------------ summaries
    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        """P(vote | issue), issue shares by party and the vote."""
        joint, cats, _ = self.joint_draws()
        q = 100 * joint / joint.sum(axis=1, keepdims=True)
        rows = [(f"P({party} | {issue})", q[:, p, k])
                for k, issue in enumerate(cats) for p, party in enumerate(self.parties)]
        s = 100 * self._posterior("s")
        rows += [(f"P({issue} | {party})", s[:, p, k])
                 for p, party in enumerate(self.parties)
                 for k, issue in enumerate(self.fitted_categories)]
        v = 100 * self.vote_draws()
        rows += [(f"vote {party}", v[:, p]) for p, party in enumerate(self.parties)]
        return rows

    def headline_quantities(self) -> dict[str, Quantity]:
        """Each party's share among each listed issue's voters."""
        out: dict[str, Quantity] = {}
        for k, issue in enumerate(self.fitted_categories):
            for p, party in enumerate(self.parties):
                out[f"P({party} | {issue})"] = (
                    lambda r, p=p, k=k: 100 * (r._posterior("v")[:, p] * r._posterior("s")[:, p, k])
                    / (r._posterior("v")[:, :, None] * r._posterior("s")).sum(axis=1)[:, k])
        return out

    def next_steps(self) -> list[str]:
        return ["vote_by_issue()", "counterfactual(shift={...})", "shift_curve(issue)",
                "sensitivity()", "plot_vote_by_issue()", "contraction_table()"]

    def headline(self) -> str:
        q = self.vote_by_issue()
        _, cats, _ = self.joint_draws()
        top = self.salience().sort_values("mean", ascending=False)
        parts = []
        for issue in top["issue"].head(2):
            if issue == _OTHER:
                continue
            rows = q[q["issue"] == issue].sort_values("mean", ascending=False)
            r = rows.iloc[0]
            parts.append(f"{issue} voters {r['mean']:.0f}% {r['party']} "
                         f"({r['lower']:.0f}-{r['upper']:.0f}%)")
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
