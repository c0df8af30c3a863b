"""Figures for the MRP vote model: poststratified vote by issue, counterfactual priority."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes

from opinion.plots.election import draw_shift_curve, draw_vote_by_issue
from opinion.plots.theme import get_ax

if TYPE_CHECKING:
    from opinion.results.mrp import VoteMRPResults


def plot_vote_by_issue(results: VoteMRPResults, ax: Axes | None = None, *,
                       party: str | None = None, level: float = 0.9) -> Axes:
    """Poststratified share of ``party`` among each issue's voters, with its interval.

    Parameters
    ----------
    results
        A fitted :class:`~opinion.models.election.mrp.VoteMRP` with an issue column.
    ax
        Axes to draw on (default: a new figure).
    party
        The party shown (default: the party with the largest poststratified vote).
    level
        Interval level.
    """
    return draw_vote_by_issue(
        results, ax, party=party, level=level,
        title="Who votes {party}, by most important issue (MRP; dashed: overall)",
        note="Multilevel regression of survey respondents, poststratified to the "
             "population table.")


def plot_counterfactual(results: VoteMRPResults, ax: Axes | None = None, *,
                        issue: str | None = None, shifts: np.ndarray | list[float] | None = None,
                        source: str | dict[str, float] = "proportional",
                        level: float = 0.9) -> Axes:
    """Margin change (points) against the shift in priority of one issue, with its band.

    Default issue: the issue named by the largest share of the population. Shifts go up to
    the largest shift every population cell can take (at most 30 points).
    """
    shares = results.issue_shares().sort_values("share", ascending=False)
    issue = issue or str(shares["issue"].iloc[0])
    if shifts is None:
        k = results._issue_index(issue)
        room = float((1 - results.mass[:, k] / results.mass.sum(axis=1)).min())
        shifts = np.linspace(0, min(0.3, room), 31)
    curve = results.shift_curve(issue, shifts, source, level=level)
    src = source if isinstance(source, str) else ", ".join(source)
    return draw_shift_curve(
        get_ax(ax), curve,
        xlabel=f"Rise in the share of voters naming '{issue}' in every cell (points)",
        ylabel=f"Change in {results.margin_label} (points)",
        title=f"Counterfactual priority of '{issue}' (MRP, {level:.0%} band)",
        note=f"New voters of the issue vote like its modelled voters in their cell; they come "
             f"from other issues ({src}). Dotted lines: one point either way.")
