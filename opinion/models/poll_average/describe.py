"""The poll average's methodology text, generated from a fit's saved configuration and the
choices made at fit time (never typed into an analysis)."""

from __future__ import annotations

from typing import Any


def describe(meta: dict[str, Any]) -> list[str]:
    """Paragraphs: model and parameterisation, likelihood, priors in points."""
    c = meta["config"]
    responses = meta["responses"]
    walk = meta.get("random_walk", "centred")
    house_form = meta.get("house_effects_parameterization", "non-centred")
    grid = meta["grid_days"]
    grid_text = "daily knots" if grid == 1 else f"knots every {grid} days (linear " \
                                                 "interpolation between knots)"
    categories = (f"{len(responses)} response categories ({', '.join(responses)}; the last "
                  "is the reference)")
    effects = meta.get("effects", [])
    if len(meta["series"]) > 1:
        series = "a separate latent series per question"
    elif len(meta["questions"]) < 2:
        series = "one latent series"
    elif "item" in effects:
        series = ("one latent series shared by every question, with a wording offset per "
                  "question")
    else:
        series = ("one latent series shared by every question; no pollster asks more than "
                  "one wording, so wording differences are part of the house effects")
    if len(meta["pollsters"]) < 2 and not c.get("election"):
        house = "One pollster: no house effects."
    elif c["house_effects"] == "anchored" or c.get("election"):
        anchor = ("measured against the election result of " + str(c["election"][0])
                  if c.get("election") else
                  "measured against " + ", ".join(c["anchor_pollsters"]))
        house = f"House effects are free, {anchor} (non-centred)."
    else:
        house = (f"House effects of the {len(meta['pollsters'])} pollsters sum to zero "
                 f"(ZeroSumNormal, {house_form} parameterisation).")
    levels = [e for e in effects if e != "item"]
    effect_text = (f" Estimated level effects: {', '.join(levels)}." if levels else "")
    model = (f"Latent opinion over {categories} is a vector of log-odds following a "
             f"{walk} Gaussian random walk on {grid_text}, {meta['start']} to {meta['end']}; "
             f"{series}. Each poll sees the latent averaged over its "
             f"{'field period' if c['field_period'] else 'end date'} plus its pollster's "
             f"house effect. {house}{effect_text}")
    if c["likelihood"] == "normal":
        likelihood = ("Likelihood: each poll's log-odds share is Gaussian around the model "
                      "with its sampling variance on the effective sample size (n / design "
                      "effect) plus the poll-level error variance (the Kalman smoother's "
                      "model).")
    else:
        likelihood = ("Likelihood: the published shares of each poll are multinomial on its "
                      "effective sample size (n / design effect), written as stick-breaking "
                      "beta-binomials so that polls reporting only some categories are used "
                      "exactly; poll-level non-sampling error enters as beta-binomial "
                      "overdispersion.")
    priors = (f"Priors, in percentage points at a 50% share (1 logit = 25 points): the "
              f"typical one-month move of opinion HalfNormal({c['rw_pp_per_month']:g} pp); "
              f"house-effect spread HalfNormal({c['house_pp']:g} pp); poll-level error "
              f"Gamma(4, 4/{c['poll_error_pp']:g} pp) (mean {c['poll_error_pp']:g} pp); "
              f"population and mode effects Normal(0, {c['effect_pp']:g} pp); wording "
              f"offsets Normal(0, {c['item_pp']:g} pp); starting level Normal(log-odds of the "
              f"polls' average, {c['level_sd_logit']:g} logits).")
    return [model, likelihood, priors]
