"""Methodology paragraphs generated from a fit's saved configuration and data choices."""

from __future__ import annotations

from typing import Any

import numpy as np


def _pp(logit_sd: float) -> str:
    """A log-odds sd as percentage points near 35% (slope p(1-p) = 0.23 per logit)."""
    return f"{logit_sd:g} log-odds (about {100 * 0.2275 * logit_sd:.0f} pp near 35%)"


def data_paragraph(results: Any) -> str:
    cells = results.observations()
    op = cells[cells["latent"] == "opinion"]
    parts = [f"Data: {len(op)} opinion cells ({op['iso2'].nunique()} countries, "
             f"{op['wave'].nunique()} survey waves, "
             f"{len(results.meta['latents']['opinion']['items'])} items)"]
    if "salience" in results.meta["latents"]:
        sal = cells[cells["latent"] == "salience"]
        parts.append(f"{len(sal)} salience cells ({sal['iso2'].nunique()} countries, "
                     f"{len(results.meta['latents']['salience']['items'])} item x issue "
                     "measures)")
    calibration = results.units.loc[~results.units["member"], "iso2"].tolist()
    text = "; ".join(parts) + (f"; {int(results.arrays['event_y'][:, : results.end + 1].sum())}"
                               f" member-months with a defection event out of "
                               f"{len(results.iso2) * (results.end + 1)}.")
    if calibration:
        text += (f" Non-members calibrating items only: {', '.join(calibration)}.")
    basis = op["n_basis"].value_counts()
    text += " Sample sizes of opinion cells: " + ", ".join(
        f"{k} {v}" for k, v in basis.items()) + "."
    return text


def measurement_paragraph(results: Any) -> str:
    c = results.meta["config"]
    o = results.meta["latents"]["opinion"]
    return (
        "Stage 1 (measurement): each country's latent preference for negotiating follows a "
        f"monthly random walk from {results.months[0]:%b %Y} to {results.months[-1]:%b %Y}: "
        "a coalition-wide walk plus the country's own walk, both pinned at "
        f"{results.months[o['anchor']]:%b %Y}, around a level partially pooled by region. "
        f"The scale is the log-odds of the reference item {o['items'][0]!r} (direction "
        f"{int(o['directions'][0]):+d}); every other item has an intercept, a loading whose "
        "sign is its stated direction, and an item x country bias (DCPO / Claassen 2019). "
        "Cells are beta-binomial on effective n = n / "
        f"{c['deff']:g} (design effect); cells without a documented n use "
        f"{c['impute_n']} interviews (missing_n={c['missing_n']!r}); one response per "
        "question enters. Priors: mean level N(logit "
        f"{c['opinion_center_pct']:g}%, {c['level_sd']:g}); region and country sds "
        f"HalfNormal({_pp(c['region_sd'])}) and HalfNormal({_pp(c['country_sd'])}); walk steps "
        f"HalfNormal({_pp(c['common_step_sd'])}) a month (coalition) and "
        f"HalfNormal({_pp(c['country_step_sd'])}) (country); item intercepts N(m, "
        f"{c['item_intercept_sd']:g}), m ~ N(0, 1.5); log loadings "
        f"N(0, {c['item_loading_sd']:g}); bias sd HalfNormal({c['bias_sd']:g}); non-sampling "
        f"error log-normal with median {c['poll_error_pp']:g} pp at 50% (log-sd "
        f"{c['poll_error_sd_log']:g}). Salience of the economy against the war is measured "
        "the same way (domestic economic issues load +1, the international situation and "
        f"the war -1; reference {c['salience_reference']!r}).")


def event_paragraph(results: Any) -> str:
    c = results.meta["config"]
    terms = ", ".join(results.terms)
    return (
        "Stage 2 (behaviour): a member-month has a defection event when at least one act of "
        f"type {', '.join(c['event_types'])} by {', '.join(c['actor_types'])} is recorded "
        f"(subtypes {', '.join(c['exclude_subtypes']) or 'none'} excluded). Logistic model "
        f"with terms {terms}: member history as a pooled effect (sd HalfNormal("
        f"{c['history_sd']:g})), latent opinion and salience centred at their member-month "
        f"means, election proximity exp(-months to the next election / lambda), a change of "
        f"government in the last {c['change_window']} months. Priors: base rate logit "
        f"{100 * c['base_rate']:g}% a month, sd {c['base_rate_sd']:g}; effects N(0, "
        f"{c['effect_sd']:g}) in log-odds; lambda log-normal with median "
        f"{c['decay_months']:g} months (log-sd {c['decay_sd_log']:g}). Stage 1's uncertainty "
        "enters as a measurement-error term (its posterior mean and sd per member-month, "
        "integrated out with the probit approximation), so events never revise measured "
        "opinion; predictions pair stage 1's joint draws with stage 2's draw by draw. "
        "Members' events are independent given the parameters.")


def describe(results: Any) -> list[str]:
    paragraphs = [data_paragraph(results), measurement_paragraph(results),
                  event_paragraph(results)]
    stage2 = results.meta.get("stage2") or {}
    if stage2:
        tune = f" after {stage2['tune']} tuning steps" if "tune" in stage2 else ""
        paragraphs.append(f"Stage 2 was sampled (the same chains and draws as stage 1{tune}) "
                          f"in {stage2.get('seconds', np.nan):.0f} s with "
                          f"{stage2.get('divergences', 0)} divergent transitions (counted in "
                          "the diagnostics below).")
    if results.meta.get("notes"):
        paragraphs.append("Notes: " + "; ".join(results.meta["notes"]) + ".")
    return paragraphs
