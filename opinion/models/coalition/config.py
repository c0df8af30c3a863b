"""Settings of the coalition-pressure model: data choices, event selection and priors.

Priors are stated in the units users think in. The two latent scales are log-odds of a
reference item: opinion on the scale of the share *not* backing EU-financed military aid
(Standard Eurobarometer wording), salience on the scale of the share naming rising prices
among the country's two most important issues. Near the middle of these scales one log-odds
unit is about 25 percentage points; near 20% or 80% it is about 16 points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opinion.models.core.config import ModelConfig

DEFAULT_POLL_ITEMS: dict[str, int] = {
    "pew_support_amount:too much": 1,
    "gallup_help_ukraine_amount:too much": 1,
    "apnorc_provide_weapons:oppose": 1,
    "apnorc_send_funds:oppose": 1,
    "ccga_as_long_as_it_takes:urge ukraine to settle asap": 1,
    "gallup_reclaim_vs_end_quickly:reclaim territory": -1,
    "ipsos_continue_weapons:support": -1,
    "ipsos_continue_financial_aid:support": -1,
    "economist_yougov_military_aid_level:decrease": 1,
}
"""Poll-frame items (``question_id:response``) that measure the opinion latent, with their
direction (+1: a higher share means more pressure to negotiate / less support for aid). The
defaults code the U.S. polls bundled with the toolkit; one response per question enters, so
a sample is never counted twice."""

DEFECTION_TYPES = ("halt_military_aid", "cut_aid", "veto_eu_support", "block_nato_decision",
                   "call_for_negotiations")
GOVERNMENT_ACTORS = ("head_of_government", "government", "parliament")
TERMS = ("history", "opinion", "salience", "election", "change", "partisanship")
"""Terms of the event model: the member's own event history (a partially pooled member
effect), latent opinion, salience, election proximity, a recent change of government, and
(optional) a change coded as less supportive of Ukraine."""
N_POLICIES = ("impute", "drop", "error")
LIKELIHOODS = ("beta_binomial", "quasi")


@dataclass(frozen=True)
class CoalitionConfig(ModelConfig):
    """Settings of :class:`~opinion.models.coalition.CoalitionPressure`.

    Attributes
    ----------
    opinion_reference
        Panel item fixing the opinion scale (intercept 0, loading +-1 by its direction).
    salience_reference
        ``item:issue`` of the salience panel fixing the salience scale.
    salience_groups
        ``issue_group -> direction`` of the salience items modelled: domestic economic issues
        load +1, the international situation and the war -1 (the latent is the salience of
        the economy *against* the war).
    salience_scopes
        Scopes of salience items used (``national``: the country's most important issues;
        EU-level and personal-concern items measure something else).
    poll_items
        ``question_id:response -> direction`` of the ``polls`` table (see
        :data:`DEFAULT_POLL_ITEMS`).
    likelihood
        ``"quasi"`` (default: Nelder and Pregibon's extended quasi-likelihood, the
        saddlepoint approximation of the beta-binomial: the same mean and variance, about
        four times cheaper per cell) or ``"beta_binomial"`` (exact).
    deff
        Design effect: effective n = n / deff for every survey cell.
    missing_n, impute_n
        What to do with a survey cell whose sample size is not documented: ``"impute"``
        (default: ``impute_n`` interviews, flagged ``n_basis`` = ``imputed``), ``"drop"`` or
        ``"error"``. A documented per-country design size (``standard_wave_design``) is used
        as given. Above a few hundred interviews the beta-binomial's non-sampling error,
        not n, sets a cell's weight.
    non_members
        Use panel rows of non-members (``nato_member`` false) to calibrate items (they get
        a latent series of their own and never enter the event model).
    start, end
        First and last month of the grid (``YYYY-MM``; default: first survey month, last
        month with a survey or an event).
    forecast_months
        Months after ``end`` to forecast (the default split window).
    event_types, actor_types, exclude_subtypes
        Which events count as defection events (country-months with at least one).
    change_window
        Months a change of government counts as recent (the month of the change included).
    terms
        Terms of the event model (see :data:`TERMS`); ``partisanship`` is off by default
        because its coding (``ukraine_position_change``) was made with hindsight.
    blocking_share
        Share of aid that members must hold for their defection to block (default 0.35).
    opinion_center_pct, salience_center_pct, level_sd
        Prior centres (percent on each reference item) and sd (log-odds) of the mean levels.
    region_sd, country_sd
        Half-normal scales (log-odds) of region and member deviations from that mean.
    common_step_sd, country_step_sd
        Half-normal scales (log-odds per month) of the coalition-wide random walk and of each
        member's own walk (0.1 is about 2.5 points a month).
    item_intercept_sd, item_loading_sd
        Spread (sd, log-odds) of item intercepts around their estimated mean, and sd of log
        loadings.
    bias_sd
        Half-normal scale of item x country bias (log-odds).
    poll_error_pp, poll_error_sd_log
        Non-sampling error per cell, percentage points at a 50% share: log-normal with
        median ``poll_error_pp`` and log-sd ``poll_error_sd_log``.
    base_rate, base_rate_sd
        Prior of a typical member's monthly event probability: ``logit(base_rate)`` with sd
        ``base_rate_sd`` (log-odds).
    history_sd, effect_sd
        Half-normal scale of member effects; sd of each covariate effect (log-odds of a
        monthly event per log-odds unit of opinion or salience, per unit of proximity,
        for a recent change).
    decay_months, decay_sd_log
        Election proximity ``exp(-months to the next election / lambda)``, ``lambda``
        log-normal with median ``decay_months`` and log-sd ``decay_sd_log``.
    """

    opinion_reference: str = "eb_military_equipment_agree"
    salience_reference: str = "eb_qa3a_national_top2:prices_inflation"
    salience_groups: dict[str, int] = field(
        default_factory=lambda: {"domestic_economic": 1, "international_war": -1})
    salience_scopes: tuple[str, ...] = ("national",)
    poll_items: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_POLL_ITEMS))
    likelihood: str = "quasi"
    deff: float = 1.5
    missing_n: str = "impute"
    impute_n: int = 800
    non_members: bool = True
    start: str | None = None
    end: str | None = None
    forecast_months: int = 6
    event_types: tuple[str, ...] = DEFECTION_TYPES
    actor_types: tuple[str, ...] = GOVERNMENT_ACTORS
    exclude_subtypes: tuple[str, ...] = ("mediation",)
    change_window: int = 6
    terms: tuple[str, ...] = ("history", "opinion", "salience", "election", "change")
    blocking_share: float = 0.35
    opinion_center_pct: float = 35.0
    salience_center_pct: float = 30.0
    level_sd: float = 1.0
    region_sd: float = 0.5
    country_sd: float = 0.5
    common_step_sd: float = 0.1
    country_step_sd: float = 0.08
    item_intercept_sd: float = 1.0
    item_loading_sd: float = 0.5
    bias_sd: float = 0.5
    poll_error_pp: float = 3.0
    poll_error_sd_log: float = 0.5
    base_rate: float = 0.02
    base_rate_sd: float = 1.5
    history_sd: float = 1.5
    effect_sd: float = 1.0
    decay_months: float = 3.0
    decay_sd_log: float = 0.75

    model_label = "CoalitionPressure"

    def problems(self) -> list[str]:
        out = _direction_problems("salience_groups", self.salience_groups)
        out += _direction_problems("poll_items", self.poll_items)
        out += [f"poll item {k!r} must be 'question_id:response'"
                for k in self.poll_items if ":" not in k]
        if ":" not in self.salience_reference:
            out.append("salience_reference must be 'item:issue'")
        if self.likelihood not in LIKELIHOODS:
            out.append(f"likelihood must be one of {LIKELIHOODS}, not {self.likelihood!r}")
        if self.missing_n not in N_POLICIES:
            out.append(f"missing_n must be one of {N_POLICIES}, not {self.missing_n!r}")
        out += [f"unknown term {t!r} (known: {', '.join(TERMS)})" for t in self.terms
                if t not in TERMS]
        if not self.event_types:
            out.append("event_types must name at least one event type")
        if not self.actor_types:
            out.append("actor_types must name at least one actor type")
        for name in ("deff", "level_sd", "region_sd", "country_sd", "common_step_sd",
                     "country_step_sd", "item_intercept_sd", "item_loading_sd", "bias_sd",
                     "poll_error_pp", "poll_error_sd_log", "base_rate_sd", "history_sd",
                     "effect_sd", "decay_months", "decay_sd_log"):
            if not getattr(self, name) > 0:
                out.append(f"{name} must be positive, not {getattr(self, name)!r}")
        out += _range_problems(self)
        return out


def _direction_problems(name: str, mapping: dict[str, int]) -> list[str]:
    return [f"{name}: direction of {k!r} must be +1 or -1, not {v!r}"
            for k, v in mapping.items() if v not in (1, -1)]


def _range_problems(c: CoalitionConfig) -> list[str]:
    out = []
    for name in ("opinion_center_pct", "salience_center_pct"):
        if not 0 < getattr(c, name) < 100:
            out.append(f"{name} must be a share in (0, 100)")
    if not 0 < c.base_rate < 1:
        out.append("base_rate must be a probability in (0, 1)")
    if not 0 < c.blocking_share <= 1:
        out.append("blocking_share must be in (0, 1]")
    if not (isinstance(c.impute_n, int) and c.impute_n >= 10):
        out.append(f"impute_n must be a whole number >= 10, not {c.impute_n!r}")
    for name in ("forecast_months", "change_window"):
        value = getattr(c, name)
        if not (isinstance(value, int) and value >= 0):
            out.append(f"{name} must be a whole number >= 0, not {value!r}")
    return out
