# %% [markdown]
# # Issue priorities and the 2022 U.S. House vote: what one exit poll's tables say
#
# The 2022 national exit poll (Edison Research for the National Election Pool) published
# several tables of the same voters: the party-ID make-up of the electorate, the issue that
# mattered most (overall, among Democrats, among Republicans), the House vote by party ID and
# the House vote among each issue's voters. `IssueVote` treats them as margins of one set of
# latent cells (party-ID group x issue x vote), with the official count as the vote, and can
# leave any table out and predict it. Counterfactuals here are accounting ("if issue voters
# kept their vote split"), not causal effects.
#
# Run: `python analyses/election_impact_2022.py` or `opinion report election_impact_2022`.

# %%
import re

import numpy as np
import pandas as pd

import opinion
from opinion.formatting import interval_columns
from opinion.models.election import IssueVote
from opinion.models.election.plots import PARTY_NAMES
from opinion.report import Report, report_path

SEED = 20221108
# measured on these data (4 x 1,000 draws, each fit alone on 2 cores): 1,000 tuning steps
# cost more than the draws (main fit 24.0 s; 400 steps: 9.9 s, same ESS); at 500 steps every
# fit below converged (max R-hat 1.004-1.009, min bulk ESS 755-1,097, no divergences)
SAMPLING = dict(draws=1000, tune=500, chains=4)
LO, HI = interval_columns(0.9)  # the 90% interval columns of every table below
issues = opinion.datasets.load("us_issues_2022").data
tables = pd.concat([issues[issues["question_id"] == "exit_most_important_issue"],
                    opinion.datasets.load("exit_poll_2022").data], ignore_index=True)
house = opinion.datasets.load("us_house_vote_2022")
clerk = house[(house["basis"] == "clerk") & (house["party"] != "total")]
OFFICIAL = dict(zip(clerk["party"], clerk["votes"].astype(float), strict=True))
ukraine = opinion.datasets.load("us_ukraine_support")

# %% [markdown]
# ## One figure per table cell
#
# Several outlets quoted the same tables from different weighting updates (election night,
# overnight, final). Every figure is kept once: later weightings first, then the outlets in
# the order below; what is set aside is listed in the model's notes.

# %%
PRIORITY = ["nep_nbc_final_2022-11-08", "nep_2022-11-08_nbc_final", "nep_2022-11-08_rns_1109",
            "nep_2022-11-08_cnn_1109", "nep_2022-11-08_bloomberg_1109",
            "nep_2022-11-08_reuters", "nep_2022-11-08_nbc_mtp", "nep_2022-11-08_usatoday"]
WAR = "war in Ukraine"
WAR_SPEC = {"share": 0.02, "share_sd": 0.01, "split": {"rep": 0.45, "dem": 0.55},
            "split_sd": 0.08}
STRICT = ["vote_by_issue", "issue_by_vote"]


def issue_vote(**changes) -> IssueVote:
    return IssueVote(tables, vote=OFFICIAL, poll_priority=PRIORITY, **changes)


def fit(model: IssueVote):
    return model.fit(random_seed=SEED, **SAMPLING)


main = fit(issue_vote(extra_issues={WAR: WAR_SPEC}))
heldout = fit(issue_vote(holdout=["vote_by_issue"]))
strict = fit(issue_vote(holdout=STRICT))
main

# %% [markdown]
# ## Held-out check: predicting the published vote-by-issue table
#
# Fit without the vote-by-issue table, then compare the prediction (conditioned on the
# fitted tables of the same respondents) with what was published. The strict version also
# leaves out the issue mix of Democratic House voters, the same crosstab seen from the other
# side: then no table crossing issue and vote is in the fit.

# %%
PUBLISHED_WORDING = {"inflation": "inflation", "abortion": "abortion", "crime": "crime",
                     "immigration": "immigration"}
ACCEPTANCE = ["inflation", "abortion", "immigration"]


def held_table(results) -> pd.DataFrame:
    check = results.heldout_check(0.9)
    return check[check["table"] == "vote_by_issue"].drop(columns="table")


def check_entry(results, note: str) -> dict:
    check = held_table(results)
    rep = check[check["response"] == "rep"]
    focus = rep[rep["subgroup"].isin(ACCEPTANCE)]
    rows = [{"issue": r["subgroup"], "party": r["response"], "published": r["published"],
             "poll_id": r["poll_id"], "mean": round(float(r["mean"]), 2),
             LO: float(r[LO]), HI: float(r[HI]), "inside_90": bool(r["inside"])}
            for r in check.to_dict("records")]
    return {"note": note, "level": 0.9, "figures": rows,
            "mae_rep_inflation_abortion_immigration": float(focus["error"].abs().mean()),
            "inside_90_rep_inflation_abortion_immigration": int(focus["inside"].sum()),
            "mae_all": float(check["error"].abs().mean()),
            "inside_90_all": int(check["inside"].sum()), "n_figures": int(len(check))}


checks = {
    "heldout_vote_by_issue": check_entry(
        heldout, "vote_by_issue left out; the issue mix of Democratic House voters (44% "
                 "abortion) stays in the fit: it is the same crosstab in column percentages, "
                 "so the abortion figure is not an independent check"),
    "heldout_issue_vote_margin": check_entry(
        strict, "every table crossing issue and vote left out (vote_by_issue and "
                "issue_by_vote): what the other margins and the model's structure predict"),
}
pd.DataFrame(checks["heldout_vote_by_issue"]["figures"])

# %% [markdown]
# ## Sensitivity fits
#
# The split of the party-ID/vote correlation between their loadings is not identified by the
# margins (it decides how strongly issue and vote go together within a party-ID group); the
# design effect is assumed. Alternatives, refitted.

# %%
split_fits = {s: fit(issue_vote(holdout=STRICT, loading_split=s)) for s in (0.1, 0.9)}
split_fits[0.5] = strict
deff_fit = fit(issue_vote(deff=4.0))

# %% [markdown]
# ## Accounting counterfactuals

# %%
vbi = main.vote_by_issue(0.9)
margin = main.margin_label
# "margin (rep - dem)" in words, for the headline
margin_words = re.sub(r"margin \((\w+) - (\w+)\)", lambda m: (
    f"{PARTY_NAMES.get(m.group(1), m.group(1))}-minus-"
    f"{PARTY_NAMES.get(m.group(2), m.group(2))} margin"), margin)
elastic = main.elasticities(0.9)
elastic_group = main.elasticities(0.9, holding="group")
scenarios = {
    "abortion named by 5 points fewer voters (taken evenly from the others)":
        ({"abortion": -0.05}, "proportional"),
    "inflation named by 5 points fewer voters": ({"inflation": -0.05}, "proportional"),
    "5 points of voters from inflation to abortion": ({"abortion": 0.05}, "inflation"),
}
scenario_rows = []
for label, (shift, source) in scenarios.items():
    for holding in ("issue", "group"):
        cf = main.counterfactual(shift, source, 0.9, holding=holding).iloc[-1]
        scenario_rows.append({"scenario": label, "held fixed": holding,
                              "margin change": cf["mean"], LO: cf[LO], HI: cf[HI]})
scenario_table = pd.DataFrame(scenario_rows)
held_issue = main.held_fixed(holding="issue")
held_group = main.held_fixed(holding="group")
scenario_table

# %% [markdown]
# ## The war in Ukraine: an issue the exit poll did not list
#
# Carved out of the 'other' remainder with a stated share and split (WAR_SPEC): both
# assumptions, so every number about it rests on them (sensitivity section).

# %%
ipsos = ukraine.data[ukraine.data["question_id"] == "ipsos_candidate_military_aid"]
ipsos_pct = float(ipsos.loc[ipsos["response"] == "more likely", "pct"].iloc[0])
war_shift = {WAR: 0.08}
war_sens = main.sensitivity(war_shift, splits={
    "war voters 65% dem": {"rep": 0.35, "dem": 0.65},
    "war voters 50% dem": {"rep": 0.50, "dem": 0.50},
    "war voters 45% dem": {"rep": 0.55, "dem": 0.45}})
need = main.required_shift(WAR, change=1.0, quantity="dem")
war_sens


# %% [markdown]
# ## Report

# %%
def q(results, issue: str, party: str) -> pd.Series:
    table = results.vote_by_issue(0.9)
    return table[(table["issue"] == issue) & (table["party"] == party)].iloc[0]


def share_of(party: str, issue: str):
    return lambda r: 100 * r.cells().sum(axis=1)[:, r.fitted_categories.index(issue),
                                                  r.parties.index(party)] \
        / r.cells().sum(axis=(1, 3))[:, r.fitted_categories.index(issue)]


def independents(issue: str):
    return lambda r: 100 * r.cells()[:, r.groups.index("ind"),
                                     r.fitted_categories.index(issue)].sum(axis=1) \
        / r.cells()[:, r.groups.index("ind")].sum(axis=(1, 2))


def margin_change(shift: dict, source: str, holding: str):
    def quantity(r):
        base, new = r.counterfactual_draws(shift, source, holding=holding)
        labels, b = r._quantities(base)
        _, c = r._quantities(new)
        return (c - b)[:, -1]
    return quantity


def fmt(value: float, lower: float, upper: float, unit: str = "%") -> str:
    return f"{value:.0f}{unit} ({lower:.0f}-{upper:.0f}{unit}, 90% interval)"


report = Report("Issue priorities and the 2022 U.S. House vote",
                subtitle="The published tables of the 2022 national exit poll as margins of "
                         "one sample; a held-out check; accounting counterfactuals.", seed=SEED)
inf_r, ab_d = q(main, "inflation", "rep"), q(main, "abortion", "dem")
top_share = main.salience(0.9).set_index("issue")
inf_s, ab_s = top_share.loc["inflation"], top_share.loc["abortion"]
report.headline(
    f"Inflation voters ({inf_s['mean']:.0f}% of voters, {inf_s[LO]:.0f}-"
    f"{inf_s[HI]:.0f}%) went {fmt(inf_r['mean'], inf_r[LO], inf_r[HI])} "
    f"Republican and abortion voters ({ab_s['mean']:.0f}%, {ab_s[LO]:.0f}-"
    f"{ab_s[HI]:.0f}%) {fmt(ab_d['mean'], ab_d[LO], ab_d[HI])} Democratic for "
    "the House.",
    value=inf_r["mean"], lower=inf_r[LO], upper=inf_r[HI], level=0.9,
    contraction=main.contraction(share_of("rep", "inflation")))
ind = main.issue_shares(0.9)
ind_inf = ind[(ind["group"] == "ind") & (ind["issue"] == "inflation")].iloc[0]
ind_ab = ind[(ind["group"] == "ind") & (ind["issue"] == "abortion")].iloc[0]
report.headline(
    "Independents, whose issue mix the exit poll did not publish, named "
    f"inflation {fmt(ind_inf['mean'], ind_inf[LO], ind_inf[HI])} and abortion "
    f"{fmt(ind_ab['mean'], ind_ab[LO], ind_ab[HI])} as their top issue "
    "(estimated from the other tables).",
    value=ind_inf["mean"], lower=ind_inf[LO], upper=ind_inf[HI], level=0.9,
    contraction=main.contraction(independents("inflation")))
held = checks["heldout_vote_by_issue"]
strict_check = checks["heldout_issue_vote_margin"]
infl_pred = next(f for f in held["figures"] if f["issue"] == "inflation"
                 and f["party"] == "rep")
where_published = ("inside" if infl_pred[LO] <= infl_pred["published"]
                   <= infl_pred[HI] else "outside")
report.headline(
    f"Left out of the fit, the vote-by-issue table is predicted with a mean absolute error of "
    f"{held['mae_rep_inflation_abortion_immigration']:.1f} points for the Republican share of "
    f"inflation, abortion and immigration voters "
    f"({held['inside_90_rep_inflation_abortion_immigration']} of 3 inside their 90% "
    f"intervals; inflation voters: "
    f"{fmt(infl_pred['mean'], infl_pred[LO], infl_pred[HI])} predicted, and the "
    f"published figure is {where_published} that interval). With no table "
    f"crossing issue and vote in the fit the error is "
    f"{strict_check['mae_rep_inflation_abortion_immigration']:.1f} points.")
ab_cf = main.counterfactual({"abortion": -0.05}, "proportional", 0.9)
abm = ab_cf.iloc[-1]
report.headline(
    f"Accounting, not a causal effect: had abortion been the top issue of 5 points fewer "
    f"voters, taken evenly from the other issues, and had every issue's voters kept their vote "
    f"split, the {margin_words} would have been {abm['mean']:+.1f} points different "
    f"({abm[LO]:+.1f} to {abm[HI]:+.1f}).",
    value=abm["mean"], lower=abm[LO], upper=abm[HI], level=0.9,
    contraction=main.contraction(margin_change({"abortion": -0.05}, "proportional", "issue")))
war8 = main.counterfactual(war_shift, "proportional", 0.9)
war_dem = war8[war8["quantity"] == "dem"].iloc[0]

report.section("The exit poll's tables")
report.text("Every published figure of the fit beside the interval of its replicate (same "
            "joint model, rounded as published). The last row is the official two-party "
            "vote (Clerk of the House).")
report.table(main.posterior_predictive_check(0.9).drop(columns=["inside"]),
             caption="Posterior predictive check on the published scale (percent)",
             percent_columns=("published", "mean", LO, HI))
report.text("Model notes (figures set aside when two outlets or weightings published the same "
            "cell): " + "; ".join(main.meta["notes"]) + ".")

report.section("Vote by most important issue")
report.figure(main.plot_vote_by_issue(party="rep"),
              alt="Dot-and-interval chart of the Republican share of the House vote among "
                  "voters naming each issue as most important.",
              caption="Republican share among each issue's voters (90% intervals); dashed "
                      "line: the Republican vote. The war's split is a stated assumption.")
wide = vbi.pivot(index="issue", columns="party", values="mean").reset_index()
sal = main.salience(0.9).set_index("issue")["mean"]
wide.insert(1, "share of voters", wide["issue"].map(sal))
report.table(wide.sort_values("share of voters", ascending=False),
             caption="Share of voters naming each issue and their House vote (percent, "
                     "posterior means)",
             percent_columns=("share of voters", "rep", "dem", "other"))
mix = main.issue_shares(0.9).pivot(index="issue", columns="group", values="mean").reset_index()
report.table(mix, caption="Issue mix of each party-ID group (percent; independents' mix and "
                          "Republicans' gun-policy share were not published: estimated)",
             percent_columns=tuple(main.groups))

report.section("Held-out check")
report.text("The vote-by-issue table left out of the fit and predicted, conditioned on the "
            "fitted tables of the same respondents (90% predictive intervals, rounded as "
            "published). " + held["note"] + ".")
report.table(held_table(heldout), caption="Vote by issue left out (percent; error in points)",
             percent_columns=("published", "mean", LO, HI))
report.text("Strict version: " + strict_check["note"] + ".")
report.table(held_table(strict), caption="Every table crossing issue and vote left out "
                                         "(percent; error in points)",
             percent_columns=("published", "mean", LO, HI))
for name, entry in checks.items():
    report.check(name, entry)

report.section("Accounting counterfactuals")
report.text(held_issue + " Within groups: " + held_group)
el = elastic[elastic["quantity"] == margin].drop(columns="quantity").merge(
    elastic_group[elastic_group["quantity"] == margin].drop(columns="quantity"),
    on="issue", suffixes=("", " (within groups)"))
report.table(el, caption=f"Accounting change in the {margin} (points) per point of an "
                         "issue's share, taken evenly from the other issues (90% intervals)",
             decimals=2)
report.table(scenario_table, caption=f"Scenarios: accounting change in the {margin} (points; "
                                     "held fixed: each issue's split overall, or within each "
                                     "party-ID group)", decimals=2)
report.figure(main.plot_counterfactual(issue="abortion", shifts=np.linspace(-0.10, 0.10, 21)),
              alt=f"Line chart with a band: the accounting change in the {margin} as the "
                  "share of voters naming abortion moves from 10 points lower to 10 points "
                  "higher; the line falls as abortion's share rises.",
              caption="If abortion's share of voters moved and every issue's voters kept their "
                      "vote split (accounting; 90% band).")

report.sensitivity()
report.text("What the numbers above assume, with the alternatives' results beside them.")
rows = []
for split, res in sorted(split_fits.items()):
    entry = check_entry(res, "")
    rows.append({"loading split": split,
                 "MAE (rep share: inflation, abortion, immigration)":
                     entry["mae_rep_inflation_abortion_immigration"],
                 "inside 90% (of 3)": entry["inside_90_rep_inflation_abortion_immigration"],
                 "inflation rep (predicted)": next(f["mean"] for f in entry["figures"]
                                                   if f["issue"] == "inflation"
                                                   and f["party"] == "rep")})
report.table(pd.DataFrame(rows),
             caption="Strict held-out prediction under other splits of the party-ID/vote "
                     "correlation (not identified by the margins)", decimals=1)
deff_inf = q(deff_fit, "inflation", "rep")
report.text(f"Design effect {deff_fit.meta['config']['deff']:g} instead of "
            f"{main.meta['config']['deff']:g}: inflation voters "
            f"{fmt(deff_inf['mean'], deff_inf[LO], deff_inf[HI])} Republican "
            f"(headline: {fmt(inf_r['mean'], inf_r[LO], inf_r[HI])}).")
report.text(f"The war in Ukraine, an issue the exit poll did not list, rests on an assumed "
            f"share ({100 * WAR_SPEC['share']:.0f}%, sd {100 * WAR_SPEC['share_sd']:.0f} point) "
            f"and split ({100 * WAR_SPEC['split']['dem']:.0f}% Democratic, sd "
            f"{100 * WAR_SPEC['split_sd']:.0f} points). If 8 more points "
            f"of voters had named it and voted by that split, the Democratic share would have "
            f"been {war_dem['mean']:+.1f} points different ({war_dem[LO]:+.1f} to "
            f"{war_dem[HI]:+.1f}): the sign and size follow the assumed split (rows "
            "below), not the exit poll.")
report.table(war_sens.dropna(subset=["mean"]).drop(columns="note"),
             caption=f"The war in Ukraine +8 points: accounting change in the {margin} by "
                     "where its new voters come from and how they vote", decimals=2)
report.table(need, caption="Rise in the war's share (points) at which the Democratic share "
                           "would be 1 point higher, if voters kept their splits (inf: never)",
             decimals=1)
report.note(f"Ipsos (October 2022): {ipsos_pct:.0f}% of adults were more likely to back a "
            "candidate supporting continued military aid to Ukraine. This measures support, "
            "not salience or vote choice: the war's share and split are assumptions.")
report.table(main.prior_predictive_check(0.9).drop(columns=["inside"]).head(12),
             caption="Prior predictive check: what the priors alone allow for the first "
                     "published figures (percent)",
             percent_columns=("published", "mean", LO, HI))

report.methodology(
    f"Data: the exit poll's tables from the bundled datasets us_issues_2022 (issue shares) and "
    f"exit_poll_2022 (vote by issue, vote by party ID, party ID, issue mix of Democratic House "
    f"voters); n = {int(tables['n'].max()):,} interviews is derived from the published "
    "components (a lower bound). The vote is the Clerk of the House's count "
    f"(us_house_vote_2022): Republicans {OFFICIAL['rep']:,.0f}, Democrats "
    f"{OFFICIAL['dem']:,.0f} ({100 * OFFICIAL['rep'] / sum(OFFICIAL.values()):.2f}% of the "
    "two-party vote).")
for label, res in [("Main fit", main), ("Vote by issue held out", heldout),
                   ("Issue x vote held out", strict), ("Design effect 4", deff_fit),
                   *[(f"Loading split {s}", r) for s, r in sorted(split_fits.items())
                     if s != 0.5]]:
    report.methodology_of(label, res)
    report.diagnostics(label, res.diagnostics)
for name in ("us_issues_2022", "exit_poll_2022", "us_house_vote_2022", "us_ukraine_support"):
    report.dataset(name)
out = report.write(report_path("election_impact_2022"))
print(f"wrote {out}")
