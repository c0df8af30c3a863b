"""What the two election-impact models share: vote tables and accounting counterfactuals.

:class:`VoteImpactResults` is the base of :class:`~opinion.models.election.results.
IssueVoteResults` (the published tables of an exit poll) and :class:`~opinion.models.election.
mrp_results.VoteMRPResults` (microdata, poststratified). Both answer the same questions with
the same code and columns: ``vote()``, ``vote_by_issue()``, ``counterfactual()``,
``shift_curve()``, ``required_shift()``, and plot them the same way.

Counterfactuals are ACCOUNTING, not causal effects: :func:`shift_cells` moves a share of
voters into an issue inside every cell (a party-ID group, a population cell, or all voters)
and lets every cell x issue keep its current vote split. What is held fixed is stated with
every result (``attrs["held_fixed"]``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError, OpinionError, unknown_name_message
from opinion.formatting import interval_columns
from opinion.models.core.results import DEFAULT_LEVEL, ModelResults
from opinion.models.core.results import interval as _interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

OTHER = "other"


def _source_weights(share: np.ndarray, deltas: dict[int, float],
                    source: np.ndarray | None, labels: list[str]) -> np.ndarray:
    """Weights (..., cells, issues) of the issues that give up the net shift."""
    free = np.ones(share.shape[-1], dtype=bool)
    free[list(deltas)] = False
    if source is not None:
        return np.broadcast_to(np.asarray(source, dtype=float), share.shape)
    avail = (share * free).sum(axis=-1, keepdims=True)
    net = float(sum(deltas.values()))
    empty = (avail[..., 0] <= 0) & (net != 0)
    if empty.any():
        first = int(np.flatnonzero(empty.reshape(-1, empty.shape[-1]).any(axis=0))[0])
        raise ModelInputError(
            f"some cells have no voters outside the shifted issue(s) to take the shift from "
            f"(e.g. {labels[first]}); name sources explicitly")
    return share * free / np.where(avail > 0, avail, 1.0)


def shift_cells(mass: np.ndarray, probs: np.ndarray, deltas: dict[int, float],
                source: np.ndarray | None = None, *, new_split: np.ndarray | None = None,
                issues: list[str] | None = None, cell_labels: list[str] | None = None,
                check: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The vote before and after shifting issue priority inside every cell (accounting).

    Parameters
    ----------
    mass
        Voters (cells, issues), or per draw (draws, cells, issues); every cell has voters.
    probs
        Vote split of every cell x issue (draws, cells, issues, parties).
    deltas
        ``{issue index: change}``, changes as proportions of each cell's voters.
    source
        Weights (issues,) of the issues that give up the net shift (summing to 1), or
        ``None`` for every unshifted issue in proportion to its share in the cell.
    new_split
        How voters who newly name a shifted issue vote (draws, parties); default: like the
        issue's current voters in their cell.
    issues, cell_labels
        Names used in error messages.
    check
        Refuse shifts that push a share outside [0, 1] (default); ``False`` computes the
        linear accounting anyway (for slopes).

    Returns
    -------
    tuple of numpy.ndarray
        Baseline and counterfactual vote (draws, parties), proportions. With no shift the
        counterfactual is the baseline exactly.

    Raises
    ------
    ModelInputError
        If a share would leave [0, 1] in some cell (checked on the posterior mean of the
        shares when they vary by draw).
    """
    mass = np.asarray(mass, dtype=float)
    per_draw = mass.ndim == 3
    m = mass if per_draw else mass[None]
    total = m.sum(axis=(1, 2))[:, None]
    base = np.einsum("dbik,dbi->dk", probs, np.broadcast_to(m, probs.shape[:3])) / total
    if not deltas or all(float(d) == 0 for d in deltas.values()):
        return base, base.copy()
    cell_total = m.sum(axis=2, keepdims=True)
    share = m / cell_total
    labels = cell_labels or [f"cell {b}" for b in range(share.shape[1])]
    change = np.zeros_like(share)
    for k, delta in deltas.items():
        change[..., k] += float(delta)
    net = float(sum(deltas.values()))
    change -= net * _source_weights(share, deltas, source, labels)
    if check:
        _check_feasible(share.mean(axis=0), change.mean(axis=0), issues, labels)
    weight = np.broadcast_to(cell_total * change, probs.shape[:3]) / total[:, :, None]
    diff = np.einsum("dbik,dbi->dk", probs, weight)
    if new_split is not None:
        for k, delta in deltas.items():
            if delta > 0:  # newcomers vote by the stated split, not the issue's current one
                w_k = np.broadcast_to(cell_total[..., 0] * delta, probs.shape[:2]) / total
                diff += w_k.sum(axis=1)[:, None] * new_split
                diff -= np.einsum("dbk,db->dk", probs[:, :, k, :], w_k)
    return base, base + diff


def _check_feasible(share: np.ndarray, change: np.ndarray, issues: list[str] | None,
                    labels: list[str]) -> None:
    new = share + change
    bad = (new < -1e-9) | (new > 1 + 1e-9)
    if not bad.any():
        return
    cells, cols = np.nonzero(bad)
    k, first = int(cols[0]), int(cells[0])
    names = issues or [str(i) for i in range(share.shape[1])]
    raise ModelInputError(
        f"the shift would push the share of {names[k]!r} outside 0-100% in "
        f"{int(bad[:, k].sum())} of {len(share)} cell(s) (e.g. {labels[first]}: "
        f"{100 * share[first, k]:.1f}% -> {100 * new[first, k]:.1f}%); shares must stay "
        "between 0 and 100%. Use a smaller shift or other sources")


def mid_p(draws: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Mid-p value of observed figures among replicated ones (draws on axis 0):
    ``P(replicate < observed) + P(replicate == observed) / 2``. For rounded or discrete
    figures an interval check "lower <= observed <= upper" over-covers (ties at the bounds
    count as inside); the mid-p value is uniform when the model is calibrated, so "inside"
    means ``(1 - level) / 2 <= mid-p <= (1 + level) / 2``."""
    below = (draws < observed[None]).mean(axis=0)
    ties = (draws == observed[None]).mean(axis=0)
    return below + ties / 2


def inside_by_mid_p(p: np.ndarray, level: float) -> np.ndarray:
    """True where a mid-p value lies in the central ``level`` range."""
    return (p >= (1 - level) / 2) & (p <= (1 + level) / 2)


class VoteImpactResults(ModelResults):
    """Shared interface of the election-impact results (see the module docstring).

    Subclasses provide ``parties``, ``issues``, :meth:`vote_draws`,
    :meth:`vote_by_issue`, :meth:`counterfactual_draws`, and the hooks
    :meth:`held_fixed`, :meth:`vote_chart_text` and :meth:`default_shifts`.
    """

    parties: list[str]
    focus_label = "party"

    def focus_choices(self) -> list[str]:
        """The parties: set ``fit.focus = "Dole"`` to headline that party's vote."""
        return list(self.parties)

    def default_focus(self) -> str | None:
        """No party by default (the headline covers them all)."""
        saved = self.meta.get("focus")
        return saved if saved in self.parties else None

    def _focus_vote(self) -> str:
        """``Dole 41% (38-44%, 90%)``: the vote of :attr:`focus`."""
        draws = 100 * self.vote_draws()[:, self.parties.index(self.focus)]
        mean, lower, upper = _interval(draws, DEFAULT_LEVEL)
        return f"{self.focus} {mean:.0f}% ({lower:.0f}-{upper:.0f}%, 90%)"

    def vote_draws(self) -> np.ndarray:  # pragma: no cover - abstract
        """The vote (draws, party), proportions."""
        raise NotImplementedError

    def vote_by_issue(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def counterfactual_draws(self, shift: dict[str, float],
                             source: str | dict[str, float] = "proportional", **options: Any
                             ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def held_fixed(self, **options: Any) -> str:  # pragma: no cover - abstract
        """What a counterfactual with these options holds fixed (plain language)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ vote
    def vote(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """The vote (percent of all voters): ``party, mean, lower_90, upper_90`` (the
        interval columns name ``level``)."""
        mean, lower, upper = _interval(100 * self.vote_draws(), level)
        lo, hi = interval_columns(level)
        return pd.DataFrame({"party": self.parties, "mean": mean, lo: lower, hi: upper})

    @property
    def _margin_pair(self) -> tuple[int, int] | None:
        listed = [k for k, p in enumerate(self.parties) if p != OTHER]
        if len(listed) < 2:
            return None
        means = self.vote_draws().mean(axis=0)
        order = sorted(listed, key=lambda k: -means[k])
        return order[0], order[1]

    @property
    def margin_label(self) -> str:
        a, b = self._margin_pair or (0, 0)
        return f"margin ({self.parties[a]} - {self.parties[b]})"

    def _quantities(self, vote: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Party votes and the margin between the two largest parties (draws, quantity),
        percent."""
        labels = list(self.parties)
        cols = [100 * vote]
        pair = self._margin_pair
        if pair is not None:
            a, b = pair
            labels.append(self.margin_label)
            cols.append(100 * (vote[:, a] - vote[:, b])[:, None])
        return labels, np.concatenate(cols, axis=1)

    def _check_party(self, party: str) -> int:
        if party not in self.parties:
            raise OpinionError(unknown_name_message(party, self.parties, "party"))
        return self.parties.index(party)

    # ------------------------------------------------------------------ counterfactuals
    def counterfactual(self, shift: dict[str, float],
                       source: str | dict[str, float] = "proportional",
                       level: float = DEFAULT_LEVEL, **options: Any) -> pd.DataFrame:
        """The vote if issue priority shifted and voters kept their vote split (accounting).

        ``shift`` is in proportions of voters as documented by :meth:`counterfactual_draws`
        (0.08 = 8 points). Returns ``quantity, baseline, counterfactual, mean, lower_90,
        upper_90, p_increase``: one row per party and one for the margin between the two
        largest parties; ``baseline`` and ``counterfactual`` are percent, ``mean`` and the
        interval (named after ``level``) the *change* in points; ``p_increase`` is a
        probability (0-1). ``attrs["held_fixed"]`` says what is held fixed. This is not a
        causal effect: see :meth:`held_fixed`.
        """
        base, new = self.counterfactual_draws(shift, source, **options)
        labels, b = self._quantities(base)
        _, c = self._quantities(new)
        diff = c - b
        mean, lower, upper = _interval(diff, level)
        lo, hi = interval_columns(level)
        out = pd.DataFrame({"quantity": labels, "baseline": b.mean(axis=0),
                            "counterfactual": c.mean(axis=0), "mean": mean, lo: lower,
                            hi: upper, "p_increase": (diff > 0).mean(axis=0)})
        out.attrs.update({"shift": shift, "source": source, "level": level, **options,
                          "held_fixed": self.held_fixed(**options)})
        return out

    def _slope(self, issue: str, source: str | dict[str, float], quantity: str | None,
               **options: Any) -> tuple[str, np.ndarray]:
        """Change of ``quantity`` (points) per point of the issue's share (draws): the
        accounting is linear in the shift."""
        base, new = self.counterfactual_draws({issue: 0.01}, source, check=False, **options)
        labels, b = self._quantities(base)
        _, c = self._quantities(new)
        name = quantity or labels[-1]
        if name not in labels:
            raise ModelInputError(unknown_name_message(name, labels, "quantity"))
        return name, (c - b)[:, labels.index(name)]

    def shift_curve(self, issue: str, shifts: np.ndarray | list[float] | None = None,
                    source: str | dict[str, float] = "proportional",
                    quantity: str | None = None, level: float = DEFAULT_LEVEL,
                    **options: Any) -> pd.DataFrame:
        """Change of one quantity (default: the margin) over a range of shifts (accounting).

        ``shifts`` are proportions of voters (0.08 = 8 points). Returns ``shift`` (points of
        issue priority), ``mean, lower_90, upper_90`` (points of vote; the interval named
        after ``level``). Every shift is checked for feasibility.
        """
        shifts = np.linspace(0, 0.3, 31) if shifts is None else np.asarray(shifts, float)
        lo, hi = interval_columns(level)
        rows = []
        for delta in shifts:
            base, new = self.counterfactual_draws({issue: float(delta)}, source, **options)
            labels, b = self._quantities(base)
            _, c = self._quantities(new)
            name = quantity or labels[-1]
            if name not in labels:
                raise ModelInputError(unknown_name_message(name, labels, "quantity"))
            mean, lower, upper = _interval((c - b)[:, labels.index(name)], level)
            rows.append({"shift": 100 * float(delta), "mean": float(mean),
                         lo: float(lower), hi: float(upper)})
        out = pd.DataFrame(rows)
        out.attrs["held_fixed"] = self.held_fixed(**options)
        return out

    def required_shift(self, issue: str, change: float = 1.0, quantity: str | None = None,
                       source: str | dict[str, float] = "proportional",
                       level: float = DEFAULT_LEVEL, **options: Any) -> pd.DataFrame:
        """Shift (points) of an issue's share at which ``quantity`` would be ``change``
        points different, if voters kept their vote split (accounting).

        Per draw ``change / slope``; draws where the slope has the wrong sign, or the shift
        would exceed the voters available, have none: ``p_reachable`` is the share of draws
        where it exists (a probability, 0-1), and an upper bound of ``inf`` means "possibly
        never". Columns ``issue, quantity, change, median, lower_90, upper_90, p_reachable``
        (``change`` and the shifts in points; the interval named after ``level``).
        """
        name, slope = self._slope(issue, source, quantity, **options)
        room = 100 * (1 - self._issue_share_draws(issue))
        need = np.where(slope * change > 0, change / np.where(slope == 0, np.inf, slope),
                        np.inf)
        need = np.where(need <= room, need, np.inf)
        lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
        lo_col, hi_col = interval_columns(level)
        return pd.DataFrame([{
            "issue": issue, "quantity": name, "change": change,
            "median": float(np.quantile(need, 0.5, method="inverted_cdf")),
            lo_col: float(np.quantile(need, lo, method="inverted_cdf")),
            hi_col: float(np.quantile(need, hi, method="inverted_cdf")),
            "p_reachable": float(np.isfinite(need).mean()),
        }])

    def _issue_share_draws(self, issue: str) -> np.ndarray:  # pragma: no cover - abstract
        """Share of all voters naming ``issue`` (draws,), proportions."""
        raise NotImplementedError

    # ------------------------------------------------------------------ hooks
    def vote_chart_text(self) -> tuple[str, str | None, frozenset[str]]:
        """Title, source note and highlighted issues of :meth:`plot_vote_by_issue`."""
        return "Who voted {party}, by most important issue (dashed: overall vote)", None, \
            frozenset()

    def default_shifts(self, issue: str | None) -> tuple[str, np.ndarray | None, str, str]:
        """Issue and shifts :meth:`plot_counterfactual` uses by default, with the axis and
        note wording: ``(issue, shifts, what_moves, note)``."""
        raise NotImplementedError  # pragma: no cover

    # ------------------------------------------------------------------ plots
    def plot_vote_by_issue(self, ax: Axes | None = None, *, party: str | None = None,
                           level: float = DEFAULT_LEVEL) -> Axes:
        """Share of ``party`` (default: the largest) among each issue's voters with its
        interval; dashed line at its overall vote."""
        from opinion.models.election.plots import plot_vote_by_issue

        vote = self.vote(level)
        vote = vote[vote["party"] != OTHER]
        party = party or str(vote.sort_values("mean", ascending=False)["party"].iloc[0])
        self._check_party(party)
        overall = float(vote.loc[vote["party"] == party, "mean"].iloc[0])
        title, note, highlight = self.vote_chart_text()
        return plot_vote_by_issue(self.vote_by_issue(level), party=party, overall=overall,
                                  ax=ax, level=level, title=title, note=note,
                                  highlight=highlight)

    def plot_counterfactual(self, ax: Axes | None = None, *, issue: str | None = None,
                            shifts: np.ndarray | list[float] | None = None,
                            source: str | dict[str, float] = "proportional",
                            level: float = DEFAULT_LEVEL, **options: Any) -> Axes:
        """Accounting change in the margin against the shift of one issue's share."""
        from opinion.models.election.plots import plot_shift_curve

        issue, default, what, note = self.default_shifts(issue)
        curve = self.shift_curve(issue, default if shifts is None else shifts, source,
                                 level=level, **options)
        src = source if isinstance(source, str) else ", ".join(source)
        return plot_shift_curve(
            curve, ax=ax, level=level,
            xlabel=f"Rise in the share of voters naming '{issue}'{what} (points)",
            ylabel=f"Change in {self.margin_label} (points)",
            title=f"If '{issue}' voters grew and every voter kept their vote split "
                  f"({level:.0%} band)",
            note=note.format(source=src) + " Accounting, not a causal effect.")
