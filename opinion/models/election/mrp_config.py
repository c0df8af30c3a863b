"""Settings of the MRP vote model (:class:`~opinion.models.election.mrp.VoteMRP`).

One frozen dataclass, :class:`VoteMRPConfig`, checked on creation; the maths and the meaning
of the prior settings are in :mod:`opinion.models.election.mrp`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from opinion.errors import ModelInputError


@dataclass(frozen=True)
class VoteMRPConfig:
    """Settings of :class:`VoteMRP` (see :mod:`opinion.models.election.mrp` for the maths).

    Attributes
    ----------
    vote
        Outcome column (the party voted for; two or more categories).
    groups
        Columns with varying intercepts (categorical; values are compared as text, ``1.0`` and
        ``1`` are the same level).
    covariates
        Numeric columns with fixed slopes (standardised internally; slopes are per sample sd).
    issue
        The issue-priority column (one of ``groups``) that counterfactuals shift, or ``None``.
    weight
        Survey weight column, or ``None`` for an unweighted fit.
    count
        Column of the population table holding the cell counts (people, voters or weights).
    reference
        Baseline party (default: the first category in sorted order).
    intercept_sd
        Prior sd of the baseline log-odds (default 1.5).
    group_odds_factor
        Prior scale of the varying intercepts as an odds factor (default 2).
    slope_odds_factor
        Prior scale of the slopes as an odds factor per sd of the covariate (default 4).
    allow_new_levels
        Let population levels absent from the sample take a draw from the group-level
        distribution (default True); False refuses them.
    """

    vote: str = "vote"
    groups: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    issue: str | None = None
    weight: str | None = None
    count: str = "n"
    reference: str | None = None
    intercept_sd: float = 1.5
    group_odds_factor: float = 2.0
    slope_odds_factor: float = 4.0
    allow_new_levels: bool = True
    population_hash: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        problems = []
        if not self.intercept_sd > 0:
            problems.append("intercept_sd must be positive")
        for name in ("group_odds_factor", "slope_odds_factor"):
            if not getattr(self, name) > 1:
                problems.append(f"{name} must be > 1 (an odds factor; 2 = 'about double')")
        if len(set(self.groups)) != len(self.groups):
            problems.append(f"groups repeat a column: {list(self.groups)}")
        both = sorted(set(self.groups) & set(self.covariates))
        if both:
            problems.append(f"column(s) {both} are both a group and a covariate")
        if self.vote in self.groups or self.vote in self.covariates:
            problems.append(f"the vote column {self.vote!r} cannot also be a predictor")
        if problems:
            raise ModelInputError("VoteMRP settings:\n- " + "\n- ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        out = asdict(self)
        out["groups"] = list(self.groups)
        out["covariates"] = list(self.covariates)
        return out

