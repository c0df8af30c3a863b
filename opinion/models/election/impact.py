"""What the two election-impact models share: the vote-by-issue and counterfactual views.

:class:`VoteImpactResults` is the base of :class:`~opinion.models.election.results.
IssueVoteResults` (published exit-poll tables) and :class:`~opinion.models.election.
mrp_results.VoteMRPResults` (microdata, poststratified). Both answer the same questions in
the same tables: ``vote()``, ``vote_by_issue()``, ``shift_curve()`` and ``counterfactual()``
with identical columns, so they plot the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from opinion.errors import OpinionError
from opinion.models.core.results import DEFAULT_LEVEL, ModelResults

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class VoteImpactResults(ModelResults):
    """Shared interface of the election-impact results (see the module docstring).

    Subclasses provide ``parties``, ``vote(level)``, ``vote_by_issue(level)``,
    ``shift_curve(issue, shifts, source, level=)``, ``margin_label`` and the hooks
    :meth:`vote_chart_text` and :meth:`default_shifts`.
    """

    parties: list[str]

    def vote(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def vote_by_issue(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    def shift_curve(self, issue: str, shifts: np.ndarray | list[float] | None = None,
                    source: str | dict[str, float] = "proportional", *,
                    level: float = DEFAULT_LEVEL) -> pd.DataFrame:  # pragma: no cover
        raise NotImplementedError

    @property
    def margin_label(self) -> str:  # pragma: no cover
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

    # ------------------------------------------------------------------ shared views
    def _check_party(self, party: str) -> int:
        if party not in self.parties:
            raise OpinionError(f"unknown party {party!r} (have: {', '.join(self.parties)})")
        return self.parties.index(party)

    def plot_vote_by_issue(self, ax: Axes | None = None, *, party: str | None = None,
                           level: float = DEFAULT_LEVEL) -> Axes:
        """Share of ``party`` (default: the largest) among each issue's voters with its
        interval; dashed line at its overall vote."""
        from opinion.models.election.plots import plot_vote_by_issue

        vote = self.vote(level)
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
                            level: float = DEFAULT_LEVEL) -> Axes:
        """Change in the margin against the salience shift of one issue, with its band."""
        from opinion.models.election.plots import plot_shift_curve

        issue, default, what, note = self.default_shifts(issue)
        curve = self.shift_curve(issue, default if shifts is None else shifts, source,
                                 level=level)
        src = source if isinstance(source, str) else ", ".join(source)
        return plot_shift_curve(
            curve, ax=ax, xlabel=f"Rise in the share of voters naming '{issue}'{what} (points)",
            ylabel=f"Change in {self.margin_label} (points)",
            title=f"Counterfactual salience of '{issue}' ({level:.0%} band)",
            note=note.format(source=src))
