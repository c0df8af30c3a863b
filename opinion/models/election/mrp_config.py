"""Settings of the MRP vote model (:class:`~opinion.models.election.mrp.VoteMRP`).

One frozen dataclass, :class:`VoteMRPConfig`, checked on creation; the maths and the meaning
of the prior settings are in :mod:`opinion.models.election.mrp`.
"""

from __future__ import annotations

from dataclasses import dataclass

from opinion.models.core.config import ModelConfig


@dataclass(frozen=True)
class VoteMRPConfig(ModelConfig):
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
        The issue-priority column (one of ``groups``) that counterfactuals shift, or ``None``
        (default ``"auto"``: ``"issue"`` when it is one of ``groups``, else ``None``).
    weight
        Survey weight column; ``None`` (default) uses the microdata's own weight if it has
        one; ``False`` fits unweighted.
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
    issue: str | None = "auto"
    weight: str | bool | None = None
    count: str = "n"
    reference: str | None = None
    intercept_sd: float = 1.5
    group_odds_factor: float = 2.0
    slope_odds_factor: float = 4.0
    allow_new_levels: bool = True

    model_label = "VoteMRP"

    def __post_init__(self) -> None:
        if self.issue == "auto":
            groups = (self.groups,) if isinstance(self.groups, str) else tuple(self.groups)
            object.__setattr__(self, "issue", "issue" if "issue" in groups else None)
        super().__post_init__()

    def problems(self) -> list[str]:
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
        return problems
