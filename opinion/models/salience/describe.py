"""The issue-salience model's methodology text, generated from a fit's saved configuration
and the choices made at fit time (never typed into an analysis)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from opinion.models.salience.measurement import NEST_FLOOR


def describe(meta: dict[str, Any]) -> list[str]:
    """Paragraphs: latent salience and time, choice model, constructs, formats and
    likelihood, priors in points, and what the rank claims assume."""
    return [_latent(meta), _choice(meta), _constructs(meta), _likelihood(meta), _priors(meta),
            assumptions(meta)]


def _join(items: list[str]) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _latent(meta: dict[str, Any]) -> str:
    c = meta["config"]
    issues, groups, knots = meta["issues"], meta["groups"], meta["knots"]
    form = "centred" if meta.get("centered") else "non-centred"
    text = (f"Each of {len(issues)} issues has a latent salience, its log-odds against "
            f"'other' on the reference question ({meta['reference_question']}), for "
            f"{_join(groups)}")
    if len(groups) > 1:
        text += (f"; subgroups are partially pooled deviations from {groups[0]}, estimated "
                 "from the polls that report them")
    if meta["time"] == "static":
        text += ". Salience is one value per group and issue (polls span < "
        text += f"{c['auto_monthly_days']} days)."
    else:
        path = ("a random walk" if c.get("walk", "random_walk") == "random_walk" else
                "a mean-reverting AR(1) (Ornstein-Uhlenbeck) process around each issue's "
                "long-run level, with an estimated half-life")
        text += (f". Salience moves over {len(knots)} knots {meta['grid_days']} days apart "
                 f"({knots[0]} to {knots[-1]}, linear interpolation between knots) as {path}; "
                 "a poll sees it at its field midpoint")
        if meta.get("group_time"):
            text += "; subgroup deviations also drift over time (group x time terms)."
        elif len(groups) > 1:
            text += ("; subgroup deviations are constant over time (no group x time terms: "
                     + ("switched off)." if c.get("group_time") == "off" else
                        "no subgroup is reported in polls a knot apart)."))
        else:
            text += "."
    text += (f" Random effects are {form} ({meta.get('blocks', '?')} poll x question x group "
             f"blocks); in the non-centred form every vector of issue effects is sampled as "
             f"its mean plus a zero-sum part (the same prior).")
    if meta.get("use_house"):
        text += f" Pollster effects per issue sum to zero over {len(meta['pollsters'])} pollsters."
    return text


def _choice(meta: dict[str, Any]) -> str:
    c = meta["config"]
    nests = meta.get("nests") or {}
    if c["choice_set"] == "all":
        choice_set = ("every modelled issue is in every choice set; people who would choose "
                      "an issue a poll did not list answer 'other', so the unlisted issues "
                      "together are capped by the poll's remainder (choice_set='all')")
    else:
        choice_set = ("respondents choose among the options a poll listed and 'other'; "
                      "people who would choose an unlisted issue choose among the listed "
                      "ones instead (choice_set='offered')")
    if nests:
        described = "; ".join(f"{name}: {_join(members)}" for name, members in nests.items())
        rule = (f"a nested logit: related issues substitute for each other within a nest "
                f"({described}), each nest with a dissimilarity lambda in ({NEST_FLOOR:g}, 1] "
                f"(1 = IIA), so an option added to a list draws mostly from its own nest")
    else:
        rule = ("Luce's choice rule (multinomial logit, IIA): an option added to a list "
                "draws from every listed option in proportion")
    return (f"Single-choice questions: {choice_set}. The choice among them is {rule}. The "
            "counts follow a Dirichlet-multinomial, written as stick-breaking beta-binomials "
            "over the reported issues with every other answer in one remainder (an offered "
            "issue a poll did not report is in its remainder).")


def _constructs(meta: dict[str, Any]) -> str:
    rows = meta.get("constructs") or []
    parts = []
    for row in rows:
        role = "reference construct" if row["reference"] else "construct"
        parts.append(f"{role} '{row['construct']}' (questions {_join(row['questions'])}; "
                     f"issues measured: {_join(row['measured'])})")
    text = "Constructs: " + "; ".join(parts) + "."
    if len(rows) > 1:
        text += (" Each other construct is linked to the reference one by issue-specific "
                 "offsets with an estimated spread, zero-sum over the issues it shares with "
                 "other constructs (their common level is the question's intercept); an issue "
                 "the reference construct does not measure takes its reference salience from "
                 "the first other construct that measures it"
                 + (", with a free offset (it competes in the reference lists' remainders)"
                    if meta["config"]["choice_set"] == "all" else
                    " (an offset there would not be identified)")
                 + ". Questions of one construct differ only by their format (intercept, "
                 "slope) and small wording offsets.")
    text += (" Ranks and shares are reported on one construct at a time and only among the "
             "issues measured on it.")
    return text


def _likelihood(meta: dict[str, Any]) -> str:
    c = meta["config"]
    kind = meta.get("likelihood", "exact")
    like = {"exact": "exact (beta-)binomial cells",
            "quasi": ("each cell's extended quasi-likelihood (Nelder and Pregibon; the "
                      "beta-binomial's saddlepoint approximation)"),
            "normal": "a Gaussian on each cell's empirical logit"}[kind]
    text = ("Multi-mention ('most important problem', several answers) and rating "
            "('extremely important') questions: one binomial per issue, logit = intercept + "
            "slope x (reference salience - the mean level of the reference question's issues "
            "- a fixed pivot) + "
            "construct offset + wording offset + a poll intercept shared by the issues one "
            "set of respondents answered (questions asked in two or more polls). "
            f"Likelihood: {like} on the effective sample size n / design effect")
    text += ("; non-sampling error of a share is beta-binomial overdispersion, one scale "
             "per format." if c["poll_error_pp"] > 0 else "; no non-sampling error term.")
    notes = meta.get("notes") or []
    if notes:
        text += " Data: " + "; ".join(notes) + "."
    return text


def _priors(meta: dict[str, Any]) -> str:
    c = meta["config"]
    hn = [f"subgroup deviations HalfNormal({c['group_pp']:g} pp)",
          f"monthly change HalfNormal({c['rw_pp_per_month']:g} pp)",
          f"construct offsets HalfNormal({c['construct_pp']:g} pp)",
          f"wording offsets HalfNormal({c['wording_pp']:g} pp)",
          f"pollster effects HalfNormal({c['house_pp']:g} pp)",
          f"poll intercepts HalfNormal({c['poll_intercept_pp']:g} pp)"]
    if meta.get("group_time"):
        hn.append(f"monthly drift of a subgroup deviation "
                  f"HalfNormal({c['group_rw_pp_per_month']:g} pp)")
    err = c["poll_error_pp"]
    lo, hi = err * np.exp(-1.645 * c["poll_error_sd_log"]), err * np.exp(
        1.645 * c["poll_error_sd_log"])
    text = ("Priors, in percentage points at a 20% share (1 logit = 16 points): scales of "
            + "; ".join(hn) + f"; non-sampling error log-normal with median {err:g} pp (90% "
            f"between {lo:.1f} and {hi:.1f}); issue levels Normal(0, {c['level_sd_logit']:g} "
            f"logits); 'other' intercepts Normal(0, {c['other_sd_logit']:g}); rating/mention "
            f"intercepts Normal(0, {c['intercept_sd_logit']:g}) and log-slopes "
            f"Normal(0, {c['slope_sd']:g}).")
    if meta.get("nests"):
        a, b = c["nest_lambda_prior"]
        q = NEST_FLOOR + (1 - NEST_FLOOR) * stats.beta(a, b).ppf([0.05, 0.95])
        text += (f" Nest dissimilarity {NEST_FLOOR:g} + {1 - NEST_FLOOR:g} x Beta({a:g}, "
                 f"{b:g}) (90% between {q[0]:.2f} and {q[1]:.2f}).")
    if meta["time"] != "static" and c.get("walk") == "ar1":
        h, s = c["half_life_months"], c["half_life_sd_log"]
        text += (f" Half-life log-normal, median {h:g} months (90% between "
                 f"{h * np.exp(-1.645 * s):.1f} and {h * np.exp(1.645 * s):.0f}).")
    return text


def assumptions(meta: dict[str, Any]) -> str:
    """What a rank claim of this fit rests on, in one paragraph."""
    c = meta["config"]
    ref = next((r for r in meta.get("constructs") or [] if r["reference"]), None)
    questions = ref["questions"] if ref else [meta["reference_question"]]
    items = [f"ranks on the reference construct use only {_join(questions)}"
             + (" and treat these questions as one construct" if len(questions) > 1 else "")]
    items.append("shares are those of a list offering every issue measured on the construct")
    items.append("the choice among listed issues is "
                 + ("a nested logit with the nests stated above (their dissimilarity is "
                    "estimated only where a pollster's list changed)"
                    if meta.get("nests") else "IIA (no nests)"))
    items.append("issues a poll did not list are "
                 + ("answered as 'other'" if c["choice_set"] == "all" else
                    "not in its choice set"))
    if meta["time"] != "static":
        items.append("salience between polls follows the "
                     + ("mean-reverting AR(1)" if c.get("walk") == "ar1" else "random walk"))
    items.append("an issue's offset on a question it alone measures is known only through "
                 "its prior (its contraction shows how much the data moved it)")
    return "What the rank claims assume: " + "; ".join(items) + "."
