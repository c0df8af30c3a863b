"""Methodology text of the election-impact models, generated from a fit's saved configuration
and the choices made at fit time (never typed into an analysis)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def _tables_text(figures: pd.DataFrame, fitted: bool) -> str:
    part = figures[figures["fitted"] == fitted]
    if part.empty:
        return "none"
    counts = part.groupby("table", sort=False).size()
    return ", ".join(f"{t} ({n} figure{'s' if n > 1 else ''})" for t, n in counts.items())


def describe_issue_vote(meta: dict[str, Any], figures: pd.DataFrame) -> list[str]:
    """Paragraphs: cells and latent structure, likelihood, held-out tables, priors."""
    c = meta["config"]
    groups, issues, parties = meta["groups"], meta["issues"], meta["parties"]
    lo, hi = meta.get("rho_range", (0.3, 0.98))
    split = float(c["loading_split"])
    rounding = sorted(set(figures["rounding_pp"].astype(float)))
    n_eff = sorted(set(figures["n_eff"].round().astype(int)))
    deffs = sorted(set(figures["deff"].astype(float))) if "deff" in figures else [c["deff"]]
    assumed = ", assumed" if deffs == [float(c["deff"])] else " (published per row or assumed)"
    known = ", ".join(f"{p} {100 * v:.2f}%"
                      for p, v in zip(parties, meta["vote_known"], strict=False))
    cells = (f"Latent cells: {len(groups)} party-ID groups ({', '.join(groups)}) x "
             f"{len(issues)} issue categories ({', '.join(issues)}) x {len(parties)} vote "
             f"categories ({', '.join(parties)}); every published share is a margin of these "
             "cells, and tables that were not published are estimated as margins too. The cells "
             "come from a one-dimensional latent disposition x ~ N(0, 1) integrated on "
             f"{c['latent_nodes']} grid points: party ID is an ordered probit in x, the issue a "
             "multinomial logit in x, the vote an ordered probit in x plus a direct effect of "
             "the voter's issue (zero-sum over issues), and each group votes for none of the "
             "listed parties with its own probability. The party-ID/vote correlation rho is "
             f"estimated; it is split between the two loadings with loading_split = {split:g} "
             f"(loading of party ID rho^{split:g}, of the vote rho^{1 - split:g}): an "
             "assumption the margins cannot check.")
    likelihood = (
        "Likelihood: all published figures are ONE sample seen through several margins, "
        "jointly multivariate normal around the shares the cells imply, with the delta-method "
        "covariance of one multinomial sample of the cells on the effective sample size "
        f"n / deff (deff {', '.join(f'{v:g}' for v in deffs)}{assumed}; effective n "
        f"{', '.join(f'{v:,}' for v in n_eff)}), plus uniform rounding error (width "
        f"{', '.join(f'{v:g}' for v in rounding)} point; variance width^2/12) and a "
        "non-sampling error common to all figures. The known vote of the listed parties "
        f"({known} of their votes) enters as a normal observation with sd "
        f"{c['vote_sd_pp']:g} points.")
    held = (f"Fitted tables: {_tables_text(figures, True)}. Held out and predicted "
            f"(conditioned on the fitted figures of the same respondents): "
            f"{_tables_text(figures, False)}.")
    a, b = c["other_vote_prior"]
    cut = meta.get("cut_sd", 1.5)
    priors = (f"Priors: group and vote cutpoints: the first Normal(0, {cut:g}), gaps between "
              f"them HalfNormal({cut:g}) (latent sd units); rho Uniform({lo:g}, {hi:g}); "
              f"issue intercepts Normal(0, {c['issue_logit_sd']:g}) and slopes on x Normal(0, "
              f"{c['issue_slope_sd']:g}) (log-odds against 'other'); direct issue effects "
              f"ZeroSumNormal({c['direct_sd']:g}) in probit units of a voter's own vote; each "
              f"group's vote for none of the listed parties Beta({a:g}, {b:g}) (mean "
              f"{100 * a / (a + b):.0f}%); non-sampling error HalfNormal("
              f"{c['nonsampling_sd_pp']:g} points).")
    return [cells, likelihood, held, priors]


def describe_vote_mrp(meta: dict[str, Any]) -> list[str]:
    """Paragraphs: regression, priors, likelihood, poststratification and calibration."""
    c = meta["config"]
    parties, groups = meta["parties"], meta["groups"]
    inter = [" x ".join(p) for p in meta.get("interactions") or []]
    levels = meta["levels"]
    effects = ", ".join(f"{g} ({len(levels[g])} levels)" for g in groups)
    model = (f"Multilevel {'logistic' if len(parties) == 2 else 'multinomial (softmax)'} "
             f"regression of the vote ({', '.join(parties)}; reference {parties[0]}) on "
             f"varying intercepts for {effects}"
             + (f", varying effects for the interactions {', '.join(inter)}" if inter else "")
             + (f" and fixed slopes for {', '.join(meta['covariates'])} (per sample sd)"
                if meta["covariates"] else "")
             + "; every varying effect is zero-sum over its levels (non-centred).")
    priors = (f"Priors in logits: baseline Normal(0, {c['intercept_sd']:g}); each group's sd "
              f"half Student-t({c['group_sd_df']:g}, {c['group_sd_scale']:g})"
              + (f", each interaction's sd half Student-t({c['group_sd_df']:g}, "
                 f"{c['interaction_sd_scale']:g})" if inter else "")
              + (f"; slopes Normal(0, log {c['slope_odds_factor']:g}) per sd"
                 if meta["covariates"] else "") + ".")
    if meta.get("weighted"):
        lik = (f"Likelihood: survey-weighted pseudo-likelihood (each respondent's log-likelihood "
               f"times its weight, weights rescaled to Kish's effective n "
               f"{meta['n_eff']:.0f}); an approximation, not a full design-based analysis.")
    else:
        lik = "Likelihood: categorical, unweighted (every respondent counts once)."
    held = meta.get("n_heldout") or 0
    sample = (f"{meta['n'] - held:,} respondents in the fit"
              + (f", {held:,} held out at random for the out-of-sample check" if held else "")
              + ".")
    cells = len(meta["population"]["data"])
    post = (f"Poststratification over {cells:,} population cells; levels or combinations "
            "without respondents take a draw from their group's distribution.")
    if c.get("calibrate_to"):
        total = sum(float(v) for v in c["calibrate_to"].values())
        target = ", ".join(f"{p} {100 * float(v) / total:.1f}%"
                           for p, v in c["calibrate_to"].items())
        post += (f" Calibrated to a known result ({target}, sd "
                 f"{float(c.get('calibrate_sd_pp') or 0):g} points): per draw one logit shift "
                 "per party in every cell so that the poststratified vote matches it.")
    return [model, priors, lik + " " + sample, post]
