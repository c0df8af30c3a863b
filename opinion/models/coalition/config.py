"""Configuration of the coalition-pressure model (priors on the log-odds scale)."""

from __future__ import annotations

from dataclasses import dataclass, field

from opinion.models.core.config import ModelConfig

DEFAULT_ITEMS: dict[str, int] = {
    "ecfr_peace_justice_camp:peace": 1,
    "ecfr_peace_justice_camp:justice": -1,
    "ep_eb_approve_eu_support_ukraine:approve": -1,
}
"""Poll items (``question_id:response``) and their direction: +1 when the share rises with the
preference for negotiating now, -1 when it falls. The first is the reference item: the latent
is on its log-odds scale (ECFR's 'Peace' camp share)."""


NON_MEMBERS_2022: tuple[str, ...] = ("AT", "CY", "FI", "IE", "MT", "SE")
"""EU states polled by ECFR / Eurobarometer in 2022 that were not NATO members (Finland
joined in 2023, Sweden in 2024): left out of the poll cells by default."""


@dataclass(frozen=True)
class CoalitionConfig(ModelConfig):
    """Settings of :class:`~opinion.models.CoalitionPressure`.

    Attributes
    ----------
    items
        ``{"question_id:response": direction}``; the first item is the reference (intercept
        0, loading 1). Other items get an intercept and a loading whose sign is ``direction``.
    drop_countries
        Polled countries to leave out (default: EU non-members of NATO in November 2022).
        Any other poll country that is not in ``members`` is an error.
    country_n
        Sample size assumed for a country in a multi-country poll when the poll does not
        publish ``subgroup_n`` (ECFR and Eurobarometer do not). ECFR polled about 800-1,000
        people per country and Eurobarometer about 1,000 per member state, so 1,000.
    start, end
        First and last month of the pressure grid (monthly dates).
    calendar_start, calendar_end
        The election calendar's span: an election dated outside it is an input error (the
        bundled calendar is verified only for 2022-11-15 onwards; elections after 2027 carry
        no weight within the grid anyway).
    weights
        ``"equal"``, ``"aid"`` (share of 2022 Kiel allocations; members without a bundled
        figure get weight 0) or a ``{iso2: weight}`` mapping summing to 1.
    blocking_share
        Weight share above which members pushing to negotiate block a qualified majority.
    mu_sd, region_sd, member_sd
        Prior sd of the coalition mean (around ``mu_center``), and half-normal scales of the
        region and member deviations (log-odds).
    mu_center
        Prior centre of the coalition mean: log-odds of 35%, ECFR's 10-country Peace share.
    item_intercept_sd, item_loading_sd
        Prior sd of item intercepts and of log item loadings.
    poll_error
        Mean (Gamma, shape 4) of item-by-country non-sampling error, log-odds.
    salience_sd, salience_effect_sd
        Half-normal scale of the spread of domestic-issue salience across members, and of
        its effect on pressure (per log-odds of salience).
    election_effect_sd
        Half-normal scale of ``beta``, the election boost to pressure (log-odds).
    decay_days, decay_sd
        ``lambda ~ LogNormal(log(decay_days), decay_sd)``: the election term's decay, days.
    """

    items: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_ITEMS))
    country_n: int = 1000
    drop_countries: tuple[str, ...] = NON_MEMBERS_2022
    start: str = "2022-11-01"
    end: str = "2024-12-01"
    calendar_start: str = "2022-11-15"
    calendar_end: str = "2027-12-31"
    weights: str | dict[str, float] = "equal"
    blocking_share: float = 0.35
    mu_center: float = -0.619  # logit(0.35)
    mu_sd: float = 1.0
    region_sd: float = 0.5
    member_sd: float = 0.5
    item_intercept_sd: float = 1.5
    item_loading_sd: float = 0.5
    poll_error: float = 0.2
    salience_sd: float = 0.5
    salience_effect_sd: float = 0.5
    election_effect_sd: float = 0.5
    decay_days: float = 180.0
    decay_sd: float = 0.5

    model_label = "CoalitionPressure"

    def problems(self) -> list[str]:
        out: list[str] = []
        if not self.items:
            out.append("items must name at least one 'question_id:response'")
        for key, direction in self.items.items():
            if ":" not in key:
                out.append(f"item {key!r} must be 'question_id:response'")
            if direction not in (1, -1):
                out.append(f"direction of item {key!r} must be +1 or -1")
        if not (isinstance(self.country_n, int | float) and self.country_n >= 10):
            out.append(f"country_n must be a sample size >= 10, not {self.country_n!r}")
        if not 0 < self.blocking_share < 1:
            out.append("blocking_share must be between 0 and 1")
        for name in ("mu_sd", "region_sd", "member_sd", "item_intercept_sd", "item_loading_sd",
                     "poll_error", "salience_sd", "salience_effect_sd", "election_effect_sd",
                     "decay_days", "decay_sd"):
            if not getattr(self, name) > 0:
                out.append(f"{name} must be positive")
        return out
