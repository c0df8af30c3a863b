"""The poll average's methodology text, generated from a fit's saved configuration and the
choices made at fit time (never typed into an analysis)."""

from __future__ import annotations

from typing import Any

KALMAN_RULE = ("two response categories, a daily grid, and at least {count} effective "
               "respondents on each side of every poll")


def describe(meta: dict[str, Any]) -> list[str]:
    """Paragraphs: model and parameterisation, likelihood (and why), priors in points."""
    c = meta["config"]
    likelihood = meta.get("likelihood", c["likelihood"])
    return [_model(meta, likelihood), _likelihood(meta, likelihood), _priors(c)]


def _series(meta: dict[str, Any]) -> str:
    effects = meta.get("effects", [])
    if len(meta["series"]) > 1:
        return "a separate latent series per question"
    if len(meta["questions"]) < 2:
        return "one latent series"
    if "item" in effects:
        return "one latent series shared by every question, with a wording offset per question"
    return ("one latent series shared by every question; no pollster asks more than one "
            "wording, so wording differences are part of the house effects")


def _house(meta: dict[str, Any]) -> str:
    c = meta["config"]
    house_form = meta.get("house_effects_parameterization", "non-centred")
    if len(meta["pollsters"]) < 2 and not c.get("election"):
        return "One pollster: no house effects."
    if c["house_effects"] == "anchored" or c.get("election"):
        anchor = ("measured against the election result of " + str(c["election"][0])
                  if c.get("election") else
                  "measured against " + ", ".join(c["anchor_pollsters"]))
        return f"House effects are free, {anchor} (non-centred)."
    return (f"House effects of the {len(meta['pollsters'])} pollsters sum to zero "
            f"(ZeroSumNormal, {house_form} parameterisation).")


def _model(meta: dict[str, Any], likelihood: str) -> str:
    c = meta["config"]
    responses = meta["responses"]
    categories = (f"{len(responses)} response categories ({', '.join(responses)}; the last "
                  "is the reference)")
    levels = [e for e in meta.get("effects", []) if e != "item"]
    effect_text = f" Estimated level effects: {', '.join(levels)}." if levels else ""
    period = "field period" if c["field_period"] else "end date"
    if likelihood == "kalman":
        return (f"Latent opinion over {categories} is the log-odds of the first, following "
                f"a Gaussian random walk on daily knots, {meta['start']} to {meta['end']}; "
                f"{_series(meta)}. Each poll sees the latent on the middle day of its "
                f"{period} plus its pollster's house effect. {_house(meta)}{effect_text} "
                "The daily path is integrated out of the likelihood exactly by a Kalman "
                "filter (tridiagonal precision, O(days)), so NUTS samples only the scales "
                "and effects; the path is then drawn for every posterior draw from its exact "
                "conditional distribution (forward filtering, backward sampling).")
    walk = meta.get("random_walk", "centred")
    grid = meta["grid_days"]
    grid_text = "daily knots" if grid == 1 else f"knots every {grid} days (linear " \
                                                 "interpolation between knots)"
    return (f"Latent opinion over {categories} is a vector of log-odds following a "
            f"{walk} Gaussian random walk on {grid_text}, {meta['start']} to {meta['end']}; "
            f"{_series(meta)}. Each poll sees the latent averaged over its {period} plus "
            f"its pollster's house effect. {_house(meta)}{effect_text}")


def _likelihood(meta: dict[str, Any], likelihood: str) -> str:
    from opinion.models.poll_average.inputs import KALMAN_MIN_COUNT

    rule = KALMAN_RULE.format(count=KALMAN_MIN_COUNT)
    chosen = meta["config"]["likelihood"] == "auto"
    if likelihood in {"normal", "kalman"}:
        text = ("Likelihood: each poll's log-odds share of the first response is Gaussian "
                "around the model, with its sampling variance on the effective sample size "
                "(n / design effect) plus the poll-level error variance (the Gaussian "
                "approximation of the binomial; exact Kalman-smoother model).")
        if chosen:
            text += f" Chosen automatically because the polls have {rule}."
        return text
    text = ("Likelihood: the published shares of each poll are multinomial on its effective "
            "sample size (n / design effect), written as stick-breaking beta-binomials so "
            "that polls reporting only some categories are used exactly; poll-level "
            "non-sampling error enters as beta-binomial overdispersion.")
    if chosen:
        text += (" Chosen automatically: the faster Kalman arm (path integrated out) needs "
                 f"{rule}, which these polls do not all have.")
    return text


def _priors(c: dict[str, Any]) -> str:
    return (f"Priors, in percentage points at a 50% share (1 logit = 25 points): the typical "
            f"one-month move of opinion HalfNormal({c['rw_pp_per_month']:g} pp); house-effect "
            f"spread HalfNormal({c['house_pp']:g} pp); poll-level error Gamma(4, "
            f"4/{c['poll_error_pp']:g} pp) (mean {c['poll_error_pp']:g} pp); population and "
            f"mode effects Normal(0, {c['effect_pp']:g} pp); wording offsets Normal(0, "
            f"{c['item_pp']:g} pp); starting level Normal(log-odds of the polls' average, "
            f"{c['level_sd_logit']:g} logits).")
