"""Configuration of the issue-salience model, with priors in percentage points.

Salience shares are small (an issue named by 5-40% of people), so priors are stated in
percentage points *at a 20% share*, where one unit of log-odds is 16 points
(``d share / d logit = 0.2 * 0.8``); :func:`pp_to_logit` converts. Multiplicative readings are
given too: a log-odds sd of 0.25 lets a share move by a factor of about 1.3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from opinion.models.core.config import ModelConfig
from opinion.models.core.names import DEFAULT_NON_ISSUES

PP_PER_LOGIT_AT_20 = 16.0
"""Percentage points per unit of log-odds at a 20% share (100 x 0.2 x 0.8)."""

SALIENCE_FORMATS = ("single_choice", "multi_mention", "rating")
"""Question formats the model understands."""


def pp_to_logit(pp: float) -> float:
    """A scale in percentage points at a 20% share, as log-odds (1 logit = 16 pp there)."""
    return pp / PP_PER_LOGIT_AT_20


@dataclass(frozen=True)
class IssueSalienceConfig(ModelConfig):
    """Settings of :class:`~opinion.models.IssueSalience`.

    Data selection and cleaning
    ---------------------------
    questions
        ``question_id`` values to model (default: every question whose format is
        single_choice, multi_mention or rating; other formats are skipped and listed in
        ``results.meta["skipped_questions"]``).
    groups
        Subgroups to model, e.g. ``("all", "party:dem", "party:rep")`` (default: every
        subgroup in the chosen questions). A subgroup need not be in every poll: it is
        estimated from the polls that report it, pooled toward the first group.
    issues
        Issues to model (default: every issue in the chosen questions, after aliases).
        Responses of other issues are merged into the remainder of single-choice polls and
        dropped from multi-mention and rating polls.
    issue_aliases
        Rename issues so that different spellings meet, e.g. ``{"the economy": "economy"}``.
    non_issues
        Responses that are not issues (don't know, other, none ...).
    check_issue_names
        Refuse issue names that look like the same issue spelled two ways ("Economy" and
        "the economy", "immigration" and "imigration"); resolve with ``issue_aliases``.
    question_formats
        ``{question_id: format}`` for frames without a ``question_format`` column, or to
        override it.
    choice_set
        Which issues compete in a single-choice poll. ``"offered"`` (default): respondents
        choose among the options the poll listed (+ "other"); an issue that was not listed
        is not in the choice set, and the people who would have chosen it choose among the
        listed options instead: in proportion (IIA, Luce choice) unless ``nests`` says that
        it draws mainly from related issues. ``"all"``: every modelled issue is in every
        choice set and the people who would choose an unlisted issue answer "other", so the
        unlisted issues together are capped by the poll's remainder share. Closed lists
        push respondents to the nearest listed option rather than to "other" (an exit poll
        offering 5 issues leaves 9% for everything else), hence the default.
    offered
        ``{question_id or poll_id: [issues]}``: issues that were on a single-choice list but
        are not reported (their share then counts in the remainder). Default: the offered
        issues are the reported ones.
    reference_question
        The question whose scale results are reported on (default: the single-choice
        question with the most polls, else the question with the most polls). Its format
        effects are zero by definition; its construct is the *reference construct*.

    Option sets and constructs (not IIA, not one scale)
    ---------------------------------------------------
    nests
        ``{nest name: [issues]}``: groups of related issues that substitute for each other
        in single-choice questions (nested logit). An option added to a list draws mostly
        from its own nest (e.g. "inflation" from "jobs and the economy"). Each nest has a
        dissimilarity ``lambda`` in (0.05, 1]: 1 is IIA, near 0 its issues are near-perfect
        substitutes. Issues in no nest are their own nest (IIA among them). Default: none.
    nest_lambda_prior
        ``(a, b)`` of the Beta prior of each nest's ``(lambda - 0.05) / 0.95`` (default
        ``(1.5, 1.5)``: centred on 0.5, 90% between 0.14 and 0.91, i.e. anything from
        strong substitution to nearly IIA). With two equally salient nest mates and small
        shares, ``2 - 2 ** (1 - lambda)`` of the added option's share comes from outside its
        nest (1 under IIA, 0.59 at lambda 0.5).
    constructs
        ``{question_id: construct}``: which questions measure the same thing. Questions of
        one construct share a latent scale up to format effects (intercept, slope) and small
        wording offsets; different constructs ("most important *problem* facing the
        country" vs "issue that mattered most to your *vote*") are linked by an estimated
        link: issue-specific deviations with their own, wider spread (``construct_pp``).
        Default: a ``construct`` column of the frame when present, else each question
        format is its own construct (``single_choice``, ``multi_mention``, ``rating``).
        Ranks are claimed only among the issues measured on a construct.
    construct_pp
        Half-normal scale of the spread of issue-specific offsets between a construct and the
        reference construct, beyond the linear link that each question's intercept and slope
        carry (pp at 20%; default 8 = 0.5 logit: an issue's standing on another construct may
        differ by a factor of about 1.6 on top of the link). With few shared issues the data
        hardly separate the spread from the slope: at 16 pp the sampler met a funnel at wide
        spreads on the 2022 data (R-hat 1.012, divergences at the top of the spread).

    Sample sizes
    ------------
    deff
        Design effect(s) to use instead of the frame's: one number for every poll or
        ``{poll_id: deff}``. Without it, the frame's ``deff`` is used (published, from the
        margin of error, else 1) except for exit polls, below.
    exit_poll_deff
        Design effect assumed for exit polls (population ``"v"``) whose frame ``deff`` was
        *assumed* 1 (nothing published). Default 2.0: exit polls are cluster samples of
        polling places with heavy weighting; 2 is a deliberately cautious assumption, not a
        published figure.
    subgroup_n_fraction
        Share of a poll's n taken as a subgroup's size when ``subgroup_n`` is not published
        (default 1/3: roughly one of three party groups). An assumption; set it for your data.

    Time
    ----
    time
        ``"static"`` (one salience per group and issue), ``"monthly"`` (knots ``grid_days``
        apart, linearly interpolated) or ``"auto"`` (monthly when polls span at least
        ``auto_monthly_days`` days).
    grid_days, auto_monthly_days
        Knot spacing and the span that switches ``"auto"`` to monthly.
    walk
        How salience moves between knots: ``"random_walk"`` (default: no pull back) or
        ``"ar1"`` (mean reversion, an Ornstein-Uhlenbeck process sampled at the knots:
        salience is event-driven and decays back to each issue's long-run level; Wlezien
        2005; Jennings and Wlezien 2011).
    half_life_months, half_life_sd_log
        ``walk="ar1"``: log-normal prior of the half-life of a deviation from the long-run
        level, median ``half_life_months`` (6) and log-sd ``half_life_sd_log`` (1: 90%
        between 1.2 and 31 months).
    group_time
        Subgroup deviations that change over time (a random walk of each subgroup's
        deviation, zero at the anchor knot): ``"auto"`` (default: on when time is monthly
        and some subgroup is reported in polls at least ``grid_days`` apart), ``"on"`` or
        ``"off"``.
    group_rw_pp_per_month
        Half-normal scale of the monthly move of a subgroup's deviation (pp at 20%).
    reference_date
        Default date for shares, ranks and comparisons (default: the last poll's end date).

    Likelihood
    ----------
    likelihood
        ``"exact"``: (beta-)binomial cells (a Dirichlet-multinomial for single-choice polls);
        ``"quasi"``: Nelder and Pregibon's extended quasi-likelihood of each cell, the binomial
        deviance divided by the beta-binomial's variance inflation (its saddlepoint
        approximation: exact for pure binomial cells, the beta-binomial's mean and variance
        otherwise; several times faster to evaluate, with no log-gamma functions);
        ``"normal"``: a Gaussian on each cell's empirical logit with the exact cell's mean and
        variance (kept for comparison: poor for cells with few counts); ``"auto"``
        (default): exact up to ``exact_max_cells`` reported shares, quasi above.
    exact_max_cells
        Size limit of ``"auto"`` for the exact likelihood.
    parameterization, centered_min_blocks
        Random effects (subgroup deviations, the walk, wording and poll effects)
        ``"centered"``, ``"noncentered"`` or ``"auto"``: centred when there are at least
        ``centered_min_blocks`` poll x question x group blocks. Centred, the walk's knot
        levels are the parameters (a Gaussian random walk); non-centred, its standardised
        monthly steps. Pollster effects are always non-centred.

    Priors (percentage points at a 20% share, 1 logit = 16 pp)
    ----------------------------------------------------------
    level_sd_logit
        Sd of each issue's log-odds against "other" (reference scale), centred at 0. The
        default 2.0 spans shares from a fraction of a percent to most of the sample; use
        10 with ``poll_error_pp=0`` for flat priors.
    group_pp
        Half-normal scale of the spread of subgroup deviations from the first group.
    rw_pp_per_month
        Half-normal scale of the typical monthly move of an issue's salience.
    wording_pp
        Half-normal scale of issue-by-question wording effects (how far one question's
        relative salience of an issue departs from the reference question's).
    other_sd_logit
        Sd of a single-choice question's "other"/remainder intercept against the reference.
    intercept_sd_logit
        Sd of the intercept of multi-mention and rating questions (logit of the share for an
        issue at reference salience 0).
    slope_sd
        Log-normal sd of the slope linking multi-mention/rating log-odds to salience
        (median 1; ratings compress differences, so slopes below 1 are expected).
    house_pp
        Half-normal scale of pollster effects per issue (zero-sum over pollsters; only when
        some question is asked by two or more pollsters).
    poll_intercept_pp
        Half-normal scale of a multi-mention/rating poll's shared intercept (respondents who
        name or rate many issues lift every issue of that poll: the correlation between
        items answered by the same people).
    poll_error_pp, poll_error_sd_log
        Non-sampling error of one reported share, in pp at 20% (Dirichlet-multinomial /
        beta-binomial overdispersion): log-normal with median ``poll_error_pp`` (1.5) and
        log-sd ``poll_error_sd_log`` (0.5: 90% between 0.7 and 3.4 pp), one per format. Not
        half-normal: with few polls the data barely inform it, and a prior reaching zero lets
        a huge poll's weight swing a hundredfold (a funnel the sampler cannot cross, measured
        on the 2022 exit poll). 0 switches it off (pure multinomial/binomial sampling error).
    """

    questions: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None
    issues: tuple[str, ...] | None = None
    issue_aliases: dict[str, str] = field(default_factory=dict)
    non_issues: tuple[str, ...] = DEFAULT_NON_ISSUES
    check_issue_names: bool = True
    question_formats: dict[str, str] = field(default_factory=dict)
    choice_set: Literal["offered", "all"] = "offered"
    offered: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reference_question: str | None = None
    deff: float | dict[str, float] | None = None
    exit_poll_deff: float = 2.0
    subgroup_n_fraction: float = 1 / 3
    nests: dict[str, tuple[str, ...]] = field(default_factory=dict)
    nest_lambda_prior: tuple[float, float] = (1.5, 1.5)
    constructs: dict[str, str] = field(default_factory=dict)
    construct_pp: float = 8.0
    time: Literal["auto", "static", "monthly"] = "auto"
    grid_days: int = 30
    auto_monthly_days: int = 60
    walk: Literal["random_walk", "ar1"] = "random_walk"
    half_life_months: float = 6.0
    half_life_sd_log: float = 1.0
    group_time: Literal["auto", "on", "off"] = "auto"
    group_rw_pp_per_month: float = 1.0
    reference_date: str | None = None
    likelihood: Literal["auto", "exact", "quasi", "normal"] = "auto"
    exact_max_cells: int = 1500
    parameterization: Literal["auto", "centered", "noncentered"] = "auto"
    centered_min_blocks: int = 40
    level_sd_logit: float = 2.0
    group_pp: float = 10.0
    rw_pp_per_month: float = 2.0
    wording_pp: float = 4.0
    other_sd_logit: float = 1.0
    intercept_sd_logit: float = 2.0
    slope_sd: float = 0.5
    house_pp: float = 1.5
    poll_intercept_pp: float = 3.0
    poll_error_pp: float = 1.5
    poll_error_sd_log: float = 0.5

    model_label = "IssueSalience"

    def problems(self) -> list[str]:
        out: list[str] = []
        if self.time not in {"auto", "static", "monthly"}:
            out.append("time must be 'auto', 'static' or 'monthly'")
        if self.choice_set not in {"offered", "all"}:
            out.append("choice_set must be 'offered' or 'all'")
        if self.likelihood not in {"auto", "exact", "quasi", "normal"}:
            out.append("likelihood must be 'auto', 'exact', 'quasi' or 'normal'")
        if self.parameterization not in {"auto", "centered", "noncentered"}:
            out.append("parameterization must be 'auto', 'centered' or 'noncentered'")
        if not isinstance(self.grid_days, int) or self.grid_days < 1:
            out.append("grid_days must be a positive whole number of days")
        if self.walk not in {"random_walk", "ar1"}:
            out.append("walk must be 'random_walk' or 'ar1'")
        if self.group_time not in {"auto", "on", "off"}:
            out.append("group_time must be 'auto', 'on' or 'off'")
        out += self._nest_problems()
        for name in ("level_sd_logit", "group_pp", "rw_pp_per_month", "wording_pp",
                     "other_sd_logit", "intercept_sd_logit", "slope_sd", "house_pp",
                     "poll_intercept_pp", "exit_poll_deff", "poll_error_sd_log",
                     "construct_pp", "half_life_months", "half_life_sd_log",
                     "group_rw_pp_per_month"):
            if not getattr(self, name) > 0:
                out.append(f"{name} must be positive")
        if self.poll_error_pp < 0:
            out.append("poll_error_pp must be >= 0 (0 switches it off)")
        if not 0 < self.subgroup_n_fraction <= 1:
            out.append("subgroup_n_fraction must be in (0, 1]")
        bad = {q: f for q, f in self.question_formats.items() if f not in SALIENCE_FORMATS}
        if bad:
            out.append(
                f"question_formats must be one of {', '.join(SALIENCE_FORMATS)}; got {bad}")
        deffs = (self.deff.values() if isinstance(self.deff, dict)
                 else [] if self.deff is None else [self.deff])
        if any(not float(d) > 0 for d in deffs):
            out.append("deff must be positive")
        return out

    def _nest_problems(self) -> list[str]:
        out = []
        prior = tuple(self.nest_lambda_prior)
        if len(prior) != 2 or not all(float(v) > 0 for v in prior):
            out.append("nest_lambda_prior must be two positive numbers (a, b) of a Beta prior")
        seen: dict[str, str] = {}
        for nest, members in self.nests.items():
            members = [members] if isinstance(members, str) else list(members)
            if len(set(members)) < 2:
                out.append(f"nest {nest!r} needs at least two issues")
            for issue in members:
                if issue in seen and seen[issue] != nest:
                    out.append(f"issue {issue!r} is in two nests ({seen[issue]!r}, {nest!r})")
                seen[issue] = nest
        return out
