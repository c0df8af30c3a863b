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
    group_sd_scale, group_sd_df
        Prior of the sd of every group's varying intercepts: half Student-t with
        ``group_sd_df`` degrees of freedom (default 3) and scale ``group_sd_scale`` logits
        (default 1.5). Wide on purpose: the predictors users pass (party identification,
        ideology) have level effects of several logits, which a tight prior would shrink; the
        prior predictive check by level (``prior_predictive_check(by=...)``) shows the vote
        shares it allows on the probability scale.
    interactions
        Pairs of ``groups`` whose combinations get their own varying effects (e.g.
        ``(("issue", "party_id"),)``: the issue x party-ID interaction), zero-sum over the
        combinations seen in the sample.
    interaction_sd_scale
        Scale (logits) of the half Student-t prior of each interaction's sd (default 1.0).
    slope_odds_factor
        Prior scale of the slopes as an odds factor per sd of the covariate (default 4).
    allow_new_levels
        Let population levels (and level combinations) absent from the sample take a draw
        from the group-level distribution (default True); False refuses them.
    calibrate_to
        A known result ``{party: share}`` (percentages or counts; normalised) that the
        poststratified vote of the whole population is shifted to: per draw, one shift of each
        party's log-odds in every cell (a "logit shift"), so that poststratified totals match
        it. ``None`` (default): no calibration.
    calibrate_sd_pp
        Uncertainty of ``calibrate_to`` (sd, points; default 0: the result is known). Per
        draw the target is drawn from it.
    holdout_fraction
        Share of respondents left out of the fit (at random, seeded by ``holdout_seed``) and
        predicted by ``heldout_check()``: an out-of-sample check that cannot over-cover by
        construction (default 0: none).
    holdout_seed
        Seed of the held-out draw (default 0).
    """

    vote: str = "vote"
    groups: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    issue: str | None = "auto"
    weight: str | bool | None = None
    count: str = "n"
    reference: str | None = None
    intercept_sd: float = 1.5
    group_sd_scale: float = 1.5
    group_sd_df: float = 3.0
    interactions: tuple[tuple[str, str], ...] = ()
    interaction_sd_scale: float = 1.0
    slope_odds_factor: float = 4.0
    allow_new_levels: bool = True
    calibrate_to: dict[str, float] | None = None
    calibrate_sd_pp: float = 0.0
    holdout_fraction: float = 0.0
    holdout_seed: int = 0

    model_label = "VoteMRP"

    def __post_init__(self) -> None:
        if self.issue == "auto":
            groups = (self.groups,) if isinstance(self.groups, str) else tuple(self.groups)
            object.__setattr__(self, "issue", "issue" if "issue" in groups else None)
        pairs = (self.interactions,) if self.interactions and isinstance(
            self.interactions[0], str) else self.interactions
        object.__setattr__(self, "interactions", tuple(tuple(str(c) for c in p) for p in pairs))
        super().__post_init__()

    def problems(self) -> list[str]:
        problems = []
        for name in ("intercept_sd", "group_sd_scale", "group_sd_df", "interaction_sd_scale"):
            if not getattr(self, name) > 0:
                problems.append(f"{name} must be positive")
        if not self.slope_odds_factor > 1:
            problems.append("slope_odds_factor must be > 1 (an odds factor; 2 = 'about "
                            "double')")
        for pair in self.interactions:
            if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(self.groups):
                problems.append(f"interaction {list(pair)} must be two different columns of "
                                f"groups {list(self.groups)}")
        if self.calibrate_to is not None and (
                len(self.calibrate_to) < 2
                or any(not float(v) > 0 for v in self.calibrate_to.values())):
            problems.append("calibrate_to must give every party a positive share or count")
        if not self.calibrate_sd_pp >= 0:
            problems.append("calibrate_sd_pp must be >= 0")
        if not 0 <= self.holdout_fraction < 0.9:
            problems.append("holdout_fraction must be in [0, 0.9)")
        if len(set(self.groups)) != len(self.groups):
            problems.append(f"groups repeat a column: {list(self.groups)}")
        both = sorted(set(self.groups) & set(self.covariates))
        if both:
            problems.append(f"column(s) {both} are both a group and a covariate")
        if self.vote in self.groups or self.vote in self.covariates:
            problems.append(f"the vote column {self.vote!r} cannot also be a predictor")
        return problems
