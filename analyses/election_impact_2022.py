# %% [markdown]
# # Issue salience and the 2022 U.S. House vote: what moved votes, and what the war could have
#
# The NBC News exit poll (Edison Research) asked voters which ONE issue mattered most to
# their vote, overall and by party. With the national House vote, Bayes' rule turns these
# tables into the vote split among each issue's voters, P(vote | issue), with uncertainty on
# every published share. Counterfactuals then ask how the vote changes when an issue's
# salience changes, holding each issue's vote split fixed: in particular, how far the war in
# Ukraine (not on the exit poll's list) would have had to rise as a top issue to move the
# national vote by one point.
#
# Run: `python analyses/election_impact_2022.py` or `opinion report election_impact_2022`.

# %%
import numpy as np
import pandas as pd

import opinion
from opinion.models.election import IssueVote
from opinion.report import Report, report_path

SEED = 20221108
DATASET = "us_issues_2022"
polls = opinion.datasets.load(DATASET)
ukraine = opinion.datasets.load("us_ukraine_support")

# National House vote, 2022: Republicans 51.5% of the two-party vote (Democrats 48.5%).
# NOT in the project's verified fact sheet (FACTS.md has no election-result rows); sources:
# the final tally reported at https://jabberwocking.com/update-the-house-popular-vote-in-2022/
# (51.5 / 48.5 two-party) and the New York Times' Nate Cohn in the Star Tribune
# (https://www.startribune.com/2022-review-how-republicans-lost-despite-winning-the-popular-vote/600235470:
# "51% to 48%", i.e. 51.5% two-party). A documented constant, not a dataset row.
HOUSE_VOTE_2022 = {"rep": 51.5, "dem": 48.5}

# %% [markdown]
# ## The exit-poll tables
#
# The overall and Democratic shares come from NBC's final weights; the Republican shares
# were published only for the election-night weighting (and without gun policy). The two
# weightings are one set of respondents, so each group is taken once: overall and Democrats
# from the final weights, Republicans from election night. The Republican gun-policy share is
# not published: it is inferred from the overall share (`missing="infer"`).

# %%
data = polls.data
final, night = "nep_nbc_final_2022-11-08", "nep_nbc_election_night_2022-11-08"
rows = data[(data["question_id"] == "exit_most_important_issue")
            & (((data["poll_id"] == final) & data["subgroup"].isin(["all", "party:dem"]))
               | ((data["poll_id"] == night) & (data["subgroup"] == "party:rep")))].copy()
rows["poll_id"] = "nbc_exit_2022"
tables = rows.pivot_table(index="response", columns="subgroup", values="pct").reset_index()
tables

# %% [markdown]
# ## The war in Ukraine: an issue the exit poll did not list
#
# It is carved out of the "other" remainder (about 10% of voters) with a stated share and
# split, both uncertain. Share: 2% (sd 1 point) of voters naming it as their top issue: it was
# not among the five listed issues, Gallup's open-ended "most important problem" had the
# Russia-Ukraine situation at 9% of adults in March 2022 at the height of attention (several
# mentions allowed), and a January 2023 Quinnipiac item (unverified) had 3%. Split: 55%
# Democratic (sd 8 points): support for military aid was widespread (Ipsos, October 2022: 69%
# more likely to back a candidate supporting continued military aid) and stronger among
# Democrats, so war-first voters probably leaned Democratic, but by how much is not measured.

# %%
ipsos = ukraine.data[ukraine.data["question_id"] == "ipsos_candidate_military_aid"]
ipsos_pct = float(ipsos.loc[ipsos["response"] == "more likely", "pct"].iloc[0])
WAR = "war in Ukraine"
WAR_SPEC = {"share": 0.02, "share_sd": 0.01, "split": {"rep": 0.45, "dem": 0.55},
            "split_sd": 0.08}

# %%
model = IssueVote(rows, vote=HOUSE_VOTE_2022, deff=2.0, missing="infer",
                  extra_issues={WAR: WAR_SPEC})
fit = model.fit(random_seed=SEED, draws=1000, tune=1000, chains=4)
fit

# %%
vbi = fit.vote_by_issue(0.9)
check = fit.overall_check(0.9)
elastic = fit.elasticities(0.9)
margin = fit.margin_label
vbi

# %% [markdown]
# ## What salience did: scenarios
#
# Each scenario moves salience and keeps every issue's vote split; voters come from (or go
# to) the other issues in proportion to their size.

# %%
scenarios = {
    "abortion 10 points less salient (27% -> 17%)": ({"abortion": -0.10}, "proportional"),
    "inflation 10 points less salient (31% -> 21%)": ({"inflation": -0.10}, "proportional"),
    "5 points of voters from inflation to abortion": ({"abortion": 0.05}, "inflation"),
    f"{WAR} +8 points": ({WAR: 0.08}, "proportional"),
}
scenario_rows = []
for label, (shift, source) in scenarios.items():
    cf = fit.counterfactual(shift, source=source)
    m = cf.iloc[-1]
    d = cf[cf["quantity"] == "dem"].iloc[0]
    scenario_rows.append({"scenario": label, "dem change": d["mean"], "dem lower": d["lower"],
                          "dem upper": d["upper"], "margin change": m["mean"],
                          "margin lower": m["lower"], "margin upper": m["upper"]})
scenario_table = pd.DataFrame(scenario_rows)
scenario_table

# %% [markdown]
# ## How much would the war's salience have had to rise?

# %%
need_dem = fit.required_shift(WAR, change=1.0, quantity="dem")
need_margin = fit.required_shift(WAR, change=-1.0)
curve = fit.shift_curve(WAR, np.linspace(0, 0.30, 31), quantity="dem")
sens = fit.sensitivity({WAR: 0.08}, splits={
    "war voters 65% dem": {"rep": 0.35, "dem": 0.65},
    "war voters 50% dem": {"rep": 0.50, "dem": 0.50},
    "war voters 45% dem": {"rep": 0.55, "dem": 0.45},
})
need_dem

# %% [markdown]
# ## Report

# %%
def q_row(issue: str, party: str) -> pd.Series:
    return vbi[(vbi["issue"] == issue) & (vbi["party"] == party)].iloc[0]


def fmt_need(row: pd.Series) -> str:
    upper = "never within the possible range" if not np.isfinite(row["upper"]) \
        else f"{row['upper']:.0f}"
    return (f"{row['median']:.0f} points (90% interval {row['lower']:.0f} to {upper}; "
            f"a one-point move is possible at all in {row['p_reachable']:.0%} of draws)")


inf_r, ab_d = q_row("inflation", "rep"), q_row("abortion", "dem")
war8 = fit.counterfactual({WAR: 0.08})
war8_dem = war8[war8["quantity"] == "dem"].iloc[0]
nd = need_dem.iloc[0]
report = Report("Issue salience and the 2022 U.S. House vote",
                subtitle="Vote by most important issue from the NBC exit poll, and "
                         "counterfactual salience of the war in Ukraine.", seed=SEED)
report.headline(
    f"Inflation voters (31% of voters) went {inf_r['mean']:.0f}% Republican "
    f"({inf_r['lower']:.0f}-{inf_r['upper']:.0f}%, 90% interval) and abortion voters (27%) "
    f"{ab_d['mean']:.0f}% Democratic ({ab_d['lower']:.0f}-{ab_d['upper']:.0f}%): the two "
    "most salient issues pulled in opposite directions with nearly equal weight.")
el_ab = elastic[(elastic["issue"] == "abortion") & (elastic["quantity"] == margin)].iloc[0]
el_inf = elastic[(elastic["issue"] == "inflation") & (elastic["quantity"] == margin)].iloc[0]
report.headline(
    f"Each point of salience moved the {margin} by {el_inf['mean']:+.2f} points for inflation "
    f"and {el_ab['mean']:+.2f} for abortion (90% intervals {el_inf['lower']:+.2f} to "
    f"{el_inf['upper']:+.2f} and {el_ab['lower']:+.2f} to {el_ab['upper']:+.2f}), holding each "
    "issue's vote split fixed.")
report.headline(
    f"For the war in Ukraine to add one point to the Democratic share of the House vote, its "
    f"salience would have had to rise by about {fmt_need(nd)}, from an assumed 2% of voters "
    f"naming it. Even +8 points would have moved the Democratic share by "
    f"{war8_dem['mean']:+.1f} points ({war8_dem['lower']:+.1f} to {war8_dem['upper']:+.1f}).")

report.section("Vote by most important issue")
report.figure(fit.plot_vote_by_issue(party="rep"),
              alt="Dot-and-interval chart of the Republican share of the vote among voters "
                  f"naming each issue as most important: about {inf_r['mean']:.0f}% for "
                  f"inflation and {100 - ab_d['mean']:.0f}% for abortion.",
              caption="Republican share of the two-party House vote among voters naming each "
                      "issue (90% intervals); dashed line: the national vote. The war's split "
                      "is a stated assumption, not an estimate.")
wide = vbi.pivot(index="issue", columns="party", values=["mean", "lower", "upper"])
sal = fit.salience(0.9).set_index("issue")
vote_table = pd.DataFrame({
    "issue": wide.index,
    "share of voters": sal.loc[wide.index, "mean"].to_numpy(),
    "rep": wide[("mean", "rep")].to_numpy(),
    "rep lower": wide[("lower", "rep")].to_numpy(),
    "rep upper": wide[("upper", "rep")].to_numpy(),
}).sort_values("share of voters", ascending=False)
report.table(vote_table, caption="Share of voters naming each issue and the Republican share "
                                 "of their vote (percent, 90% interval)",
             percent_columns=("share of voters", "rep", "rep lower", "rep upper"))
report.table(check.drop(columns="inside"),
             caption="Check: published overall shares against the shares implied by the party "
                     "tables and the vote (posterior predictive 90% interval)",
             percent_columns=("implied", "mean", "lower", "upper", "published"))

report.section("What salience did")
report.table(elastic[elastic["quantity"] == margin].drop(columns="quantity"),
             caption=f"Change in the {margin} (points) per point of an issue's salience, "
                     "taken proportionally from the other issues (90% interval)", decimals=2)
report.table(scenario_table, caption="Scenarios: change in the Democratic share and the margin "
                                     "(points, 90% interval)", decimals=2)

report.section("The war in Ukraine")
report.figure(fit.plot_counterfactual(issue=WAR, shifts=np.linspace(0, 0.30, 31)),
              alt="Line chart with a band: the change in the Republican-minus-Democratic margin "
                  "as the share of voters naming the war rises from 0 to 30 points; the band "
                  "widens and straddles zero.",
              caption="Margin change against a rise in the war's salience (90% band); new "
                      "war-first voters vote like the assumed war voters (55% Democratic, sd 8 "
                      "points).")
report.table(curve.iloc[::5], caption="Change in the Democratic share (points) by rise in the "
                                      "war's salience (points, 90% interval)", decimals=2)
report.table(pd.concat([need_dem, need_margin], ignore_index=True),
             caption="Rise in the war's salience (points) needed to move the Democratic share "
                     "by +1 point, or the margin by -1 point (inf: not reachable in that draw)",
             decimals=1)
report.table(sens, caption=f"Sensitivity: margin change (points) for {WAR} +8 points, by "
                           "where its new voters come from and how they vote", decimals=2)
report.note(f"Ipsos (October 2022): {ipsos_pct:.0f}% of adults were more likely to back a "
            "candidate supporting continued military aid to Ukraine. This measures support, "
            "not salience or vote choice: the war's share and split here are assumptions, and "
            "the sensitivity table shows how much they matter.")

report.methodology(
    "Model: each party's distribution over the most important issue, P(issue | party), is "
    "Dirichlet(1) a priori; the exit poll's party tables are multinomial counts on the "
    "effective sample size n x vote share / deff, with the overall table as multinomial counts "
    "on n / deff of the mixture sum_p P(issue | party) P(party). P(party) is Dirichlet, "
    "centred on the two-party House vote (Republicans 51.5%) with sd 1 point, because the "
    "exit poll's Democrats and Republicans are party identifiers, not exactly each party's "
    "voters (independents are split between the groups only approximately). Bayes' rule gives "
    "P(party | issue).",
    "The national House vote (Republicans 51.5% of the two-party vote) is a documented "
    "constant, not a verified row of the project's fact sheet: it is the final tally reported "
    "by jabberwocking.com and consistent with the New York Times' '51% to 48%' (Star "
    "Tribune); check it against the official Clerk of the House statistics before citing.",
    "Design effect: 2 (assumed; exit polls are cluster samples of polling places, weighted to "
    "the count; no design effect is published). n = 20,893 is a lower bound derived from the "
    "published in-person and phone interview counts. The overall and party tables come from "
    "the same respondents, so using both counts them twice (intervals slightly too narrow); "
    "the overall table is needed to identify the unpublished Republican gun-policy share.",
    "Counterfactuals are accounting, not causal estimates: shifting an issue's salience moves "
    "voters to it from the other issues in proportion to their size, every issue's voters keep "
    "their vote split, and new voters of an issue vote like its current voters. People whose "
    "priorities change may differ from those who already hold them.",
    "The war in Ukraine was not on the exit poll's list: its 2% share (sd 1 point) and 55% "
    "Democratic split (sd 8 points) are stated assumptions, drawn per posterior draw; they are "
    "carved out of the 'other' remainder, so the national vote is unchanged.",
    "Rounding: published shares are whole percents (up to 0.5 points of rounding error, not "
    "modelled). Sampling: nutpie NUTS, 4 chains x 1,000 draws after 1,000 tuning steps.",
)
report.diagnostics("Issue-vote model (NBC exit poll 2022)", fit.diagnostics)
report.dataset(DATASET)
report.dataset("us_ukraine_support")
out = report.write(report_path("election_impact_2022"))
print(f"wrote {out}")
