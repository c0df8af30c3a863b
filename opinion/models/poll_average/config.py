"""Configuration of the poll average, with priors stated in percentage points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from opinion.models.core.config import ModelConfig

LIKELIHOODS = ("auto", "binomial", "normal", "kalman")


@dataclass(frozen=True)
class PollAverageConfig(ModelConfig):
    """Settings of :class:`~opinion.models.PollAverage`.

    Priors are given in percentage points at a 50% share (where 1 logit unit = 25 pp) and
    converted to the logit scale internally.

    Attributes
    ----------
    questions
        ``question_id`` values forming one question family (``None``: all in the frame).
    subgroup
        Which subgroup to model (default ``"all"``).
    responses
        Order of response categories; default: order of first appearance. Don't-know style
        answers are kept as categories of their own.
    response_map
        Rename responses so that different wordings share categories, e.g.
        ``{"favor": "support"}``.
    pool_items
        ``True``: different questions share one latent series with an item offset each
        (relative to ``reference_question``); ``False``: each question gets its own series.
    reference_question
        The question whose scale the pooled trend is reported on (default: the one with the
        most polls).
    grid_days
        Days between knots of the latent random walk; ``"auto"`` picks 1 day for spans up to
        200 days, else 7, and at least ``span / (2 x polls)`` days for sparse series (the
        latent is linearly interpolated between knots).
    field_period
        Place each poll on the average of its field days (``True``) or on its end date.
    parameterization
        Random-walk parameterisation. ``"centered"`` samples the path itself (best when polls
        are dense: at least one per knot), ``"noncentered"`` samples standardised steps (best
        when polls are sparse); ``"auto"`` picks by polls per knot (centred from 2 per knot)
        and centres zero-sum house effects only when every pollster has 10 or more polls.
        Explicit values apply to the walk and the house effects alike.
    start, end
        Date range of the trend (default: the polls' range). Polls outside it are an error.
    house_effects
        ``"zero_sum"`` (house effects sum to zero over pollsters) or ``"anchored"`` (those in
        ``anchor_pollsters`` are fixed at zero; the others are free).
    anchor_pollsters
        Pollsters taken as unbiased when ``house_effects="anchored"``.
    election
        ``(date, {response: pct})``: an election result that anchors the level on that date
        (then house effects are free, measured against the result).
    likelihood
        ``"binomial"`` (multinomial by stick-breaking, on the effective n; the path is
        sampled), ``"normal"`` (Gaussian on the logit scale with the path sampled; two
        categories only), ``"kalman"`` (the same Gaussian likelihood with the daily path
        integrated out by a Kalman filter: NUTS samples only the scales and effects, the
        path is drawn afterwards; two categories, daily grid) or ``"auto"`` (default):
        ``"kalman"`` for two-category questions on the ``"auto"`` or daily grid whose polls
        all have at least ``KALMAN_MIN_COUNT`` effective respondents on each side (where the
        Gaussian approximation holds), ``"binomial"`` otherwise (see
        :func:`~opinion.models.poll_average.inputs.choose_likelihood`).
    rw_pp_per_month
        Prior scale (half-normal) of the typical one-month move of opinion, in pp.
    house_pp
        Prior scale (half-normal) of the spread of house effects, in pp.
    poll_error_pp
        Prior mean (Gamma with shape 4) of poll-level non-sampling error, in pp.
    effect_pp
        Prior sd of population (a/rv/lv/v) and mode effects, in pp.
    item_pp
        Prior sd of question-wording offsets, in pp.
    level_sd_logit
        Prior sd of the starting level around the polls' average, on the logit scale.
    """

    questions: tuple[str, ...] | None = None
    subgroup: str = "all"
    responses: tuple[str, ...] | None = None
    response_map: dict[str, str] = field(default_factory=dict)
    pool_items: bool = True
    reference_question: str | None = None
    grid_days: int | Literal["auto"] = "auto"
    field_period: bool = True
    parameterization: Literal["auto", "centered", "noncentered"] = "auto"
    start: str | None = None
    end: str | None = None
    house_effects: Literal["zero_sum", "anchored"] = "zero_sum"
    anchor_pollsters: tuple[str, ...] = ()
    election: tuple[str, dict[str, float]] | None = None
    likelihood: Literal["auto", "binomial", "normal", "kalman"] = "auto"
    rw_pp_per_month: float = 3.0
    house_pp: float = 3.0
    poll_error_pp: float = 1.5
    effect_pp: float = 3.0
    item_pp: float = 10.0
    level_sd_logit: float = 1.5

    model_label = "PollAverage"

    def problems(self) -> list[str]:
        out = []
        out += self.one_of("house_effects", ("zero_sum", "anchored"))
        if self.house_effects == "anchored" and not self.anchor_pollsters:
            out.append("house_effects='anchored' needs anchor_pollsters=[...]")
        out += self.one_of("parameterization", ("auto", "centered", "noncentered"))
        out += self.one_of("likelihood", LIKELIHOODS)
        if self.likelihood == "kalman" and self.grid_days not in ("auto", 1):
            out.append("likelihood='kalman' integrates out a daily path: leave grid_days at "
                       "'auto' (or 1)")
        if self.grid_days != "auto" and (not isinstance(self.grid_days, int)
                                         or isinstance(self.grid_days, bool)
                                         or self.grid_days < 1):
            out.append("grid_days must be a positive whole number of days or 'auto'")
        for name in ("rw_pp_per_month", "house_pp", "poll_error_pp", "effect_pp", "item_pp",
                     "level_sd_logit"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value > 0:
                out.append(f"{name} must be a positive number")
        return out


def pp_to_logit(pp: float) -> float:
    """Convert a scale in percentage points at 50% to the logit scale (1 logit = 25 pp)."""
    return pp / 100 / 0.25
