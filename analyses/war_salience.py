# %% [markdown]
# # Where did the war rank for U.S. voters in 2022?
#
# The November 2022 article behind this project said the war in Ukraine was outranked by the
# economy, abortion and crime. This analysis asks how far the published 2022 polls support
# that, with probabilities: where the war ranked among voters' issues at the midterm
# (2022-11-08), and what that rank rests on.
#
# The evidence comes in three shapes that do not measure the same thing:
#
# - the **NBC exit poll** (Edison Research, voters on 2022-11-08): "which ONE issue mattered
#   most to your vote", a closed list of five issues (inflation, abortion, crime, gun policy,
#   immigration) — the war was not on the list;
# - **Gallup's issue importance** battery (registered voters, 3-20 October): the share
#   calling each issue "extremely important" to their vote for Congress, including
#   "relations with Russia";
# - **Gallup's most important problem** (adults, March and November-December): open-ended,
#   several answers allowed, including the "Russia-Ukraine situation" in March.
#
# The first two ask about the *vote*; the third about the *problems facing the country*, a
# different construct (Jennings and Wlezien 2011). The model (`IssueSalience`) keeps the two
# constructs apart, links them by estimated issue offsets, and claims ranks only among the
# issues measured on a construct. A real option-set change (Economist/YouGov adding
# "Inflation / prices" to its list in July 2022) measures how far inflation and the economy
# substitute for each other when a list offers one and not the other.
#
# Run as a script (`python analyses/war_salience.py`) or `opinion report war_salience`. It
# uses the bundled, checksummed datasets `us_issues_2022` and `poll_figures_incomplete`.

# %%
import time

import numpy as np
import pandas as pd

import opinion
from opinion.formatting import interval_columns, ordinal
from opinion.frames.pollframe import PollFrame
from opinion.models.core.wording import probability_words
from opinion.models.salience import IssueSalience
from opinion.report import Report, format_interval, report_path
from opinion.survey import proportion_ci

DATASET, CHECK_DATASET = "us_issues_2022", "poll_figures_incomplete"
RATED = "gallup_issue_importance_2022"  # the only vote-scale item that measures the war
SEED = 2022
MIDTERM = "2022-11-08"
WAR = "the war (russia/ukraine)"
LEVEL = 0.9
LO, HI = interval_columns(LEVEL)  # the interval columns of every table below
# sampler settings: every fit must pass R-hat <= 1.01, bulk and tail ESS >= 400 and no
# divergences. Measured on these data at target acceptance 0.95: 4 x 1,000 draws after 700
# tuning steps left one divergence (main fit) and tail ESS 326 (IIA); 4 x 1,500 after 1,000
# left R-hat 1.013 on the subgroup sd of the pooled-construct alternative (every other vote
# fit: min bulk ESS 700-775, no divergences). Numba compilation (about 20 s a graph), not
# sampling, dominates each fit, so the longer chains cost little. The option-set check's two
# polls pin few parameters: 4 x 500 draws gave min bulk ESS 837.
DRAWS, TUNE, TARGET_ACCEPT = 2000, 1000, 0.95
CHECK_DRAWS, CHECK_TUNE = 500, 500
polls = opinion.datasets.load(DATASET)
polls

# %% [markdown]
# ## The data the model sees
#
# The exit poll appears twice in the dataset: election-night weighting (all voters and
# Republicans) and final weighting (all voters and Democrats). They are the **same
# respondents** reweighted, so we keep one "all voters" row set (the final weights) and take
# each party from the only weighting that reports it. The exit poll listed five issues for
# everyone, so an issue a party table leaves out (gun policy for Republicans) is on that
# list and in its remainder. The two war items are treated as one issue, the war; an
# alternative fit keeps them apart.

# %%
data = polls.data
same_people = ((data["poll_id"] == "nep_nbc_election_night_2022-11-08")
               & (data["subgroup"] == "all"))
frame = PollFrame(data[~same_people].reset_index(drop=True), source=f"datasets/{DATASET}")
exit_rows = frame.data[frame.data["question_id"] == "exit_most_important_issue"]
EXIT_LIST = sorted(exit_rows.loc[exit_rows["subgroup"] == "all", "response"].unique())
ALIASES = {"relations with russia": WAR, "russia-ukraine situation": WAR}
CONSTRUCTS = {"exit_most_important_issue": "vote", "gallup_issue_importance_2022": "vote",
              "gallup_mip": "problem"}
inputs = (frame.data[frame.data["question_format"] != "binary"]
          [["poll_id", "question_id", "question_format", "population", "subgroup", "n",
            "response", "pct"]])
inputs

# %% [markdown]
# ## A real option-set change: how much do inflation and the economy substitute?
#
# In July 2022 the Economist/YouGov weekly "most important issue" list gained "Inflation /
# prices". In its first week it drew 24%, and "jobs and the economy" fell from 19% to 12% —
# more than IIA (every option losing in proportion) predicts. The figures are verified on
# YouGov's own page; its sample size and field dates are not on that page, so the check uses
# the series' stated weekly design (1,500 U.S. adult citizens) and one static salience for
# the two weeks.

# %%
table = opinion.datasets.load(CHECK_DATASET)
yougov_rows = table[table["question_id"] == "economist_yougov_most_important_issue"].copy()
YOUGOV_N = 1500
yougov_rows["n"] = YOUGOV_N
before_mask = yougov_rows["poll_id"].str.endswith("prior_week")
yougov_rows.loc[before_mask, ["start_date", "end_date"]] = ["2022-07-12", "2022-07-19"]
yougov_rows.loc[~before_mask, ["start_date", "end_date"]] = ["2022-07-19", "2022-07-26"]
yougov = PollFrame.from_frame(
    yougov_rows[["poll_id", "pollster", "sponsor", "start_date", "end_date", "population",
                 "country", "n", "question_id", "question_text", "question_format",
                 "subgroup", "response", "pct", "source_url"]].astype(str),
    today=pd.Timestamp("2030-01-01").date(), source=f"datasets/{CHECK_DATASET}")
NEST = {"prices and economy": ["inflation", "economy"]}


def fit_model(label, polls_, draws=DRAWS, tune=TUNE, **options):
    """One fit, announced and timed (the sampler shows its own progress when interactive)."""
    started = time.perf_counter()
    print(f"fitting {label} ...", flush=True)
    results = IssueSalience(polls_, **options).fit(
        random_seed=SEED, draws=draws, tune=tune, target_accept=TARGET_ACCEPT)
    print(f"  {label}: {time.perf_counter() - started:.1f} s "
          f"({results.diagnostics.status()})", flush=True)
    return results


# IIA needs no fit here: its prediction for the week after is closed-form (each listed
# option keeps its share of what inflation leaves)
check_fits = {"nested": fit_model("option-set check (nested)", yougov, draws=CHECK_DRAWS,
                                  tune=CHECK_TUNE, nests=NEST)}
published = yougov.data.set_index(["poll_id", "response"])["pct"].astype(float)
before = published.xs("economist_yougov_2022-07-26_prior_week")
after = published.xs("economist_yougov_2022-07-26_latest")


def nest_lambda(results):
    return results.draws("nest_lambda")[:, 0]


lam = nest_lambda(check_fits["nested"])
lam_contraction = check_fits["nested"].contraction(nest_lambda)
rows = []
for issue in ("economy", "health care", "taxes and government spending"):
    row = {"issue": issue, "published before": before[issue], "published after": after[issue],
           "IIA (Luce) prediction after": before[issue] * (1 - after["inflation"] / 100)}
    for name, fit_ in check_fits.items():
        reported, draws = fit_.block_share_draws("economist_yougov_2022-07-26_latest", "all")
        row[f"{name} model, fitted after"] = draws[:, reported.index(issue)].mean()
    rows.append(row)
option_check = pd.DataFrame(rows)
option_check

# %% [markdown]
# The dissimilarity of the (inflation, economy) nest measured here is carried into the vote
# model below as the prior of the same nest (a Beta matched to its posterior mean and
# variance): the exit poll lists inflation but not the economy, and Gallup's rating the
# economy but not inflation, so those data alone cannot say how the two substitute.

# %%
unit = (lam - 0.05) / 0.95
m, v = unit.mean(), unit.var()
concentration = m * (1 - m) / v - 1
NEST_PRIOR = (round(float(m * concentration), 2), round(float((1 - m) * concentration), 2))
BASE = dict(issue_aliases=ALIASES, reference_date=MIDTERM, constructs=CONSTRUCTS,
            offered={"exit_most_important_issue": EXIT_LIST},
            nests={"prices and economy": ["inflation", "economy"]},
            nest_lambda_prior=NEST_PRIOR)

# %% [markdown]
# ## The vote model and its alternatives

# %%
# three alternatives, one assumption each (each is a distinct graph: about 20 s of numba
# compilation apiece, so the list is kept to the assumptions the rank claim rests on)
ALTERNATIVES = {
    "IIA (no nests)": {"nests": {}},
    "one construct (problems pooled with the vote scale)": {
        "constructs": {q: "vote" for q in CONSTRUCTS}},
    "mean-reverting salience (AR(1))": {"walk": "ar1"},
}
fit = fit_model("main fit", frame, **BASE)
alternatives = {name: fit_model(name, frame, **{**BASE, **change})
                for name, change in ALTERNATIVES.items()}
fit.diagnostics.status()

# %% [markdown]
# ## Where the war ranks

# %%
ranks = fit.rank_summary(level=LEVEL)
shares = fit.shares(LEVEL)
war_k = fit.construct_issues().index(WAR)


def war_rank(results, construct=None, issue=WAR):
    k = results.construct_issues(construct).index(issue)
    return results.rank_samples(construct=construct)[:, k].astype(float)


def war_share(results):
    return results.share_draws()[:, 0, war_k]


def war_offset(results):
    return results.offset_draws(RATED, WAR)


economy_etc = [i for i in ("economy", "abortion", "crime") if i in fit.construct_issues()]


def below_all(results):
    s = results.share_draws()[:, 0]
    idx = [results.construct_issues().index(i) for i in economy_etc]
    return (s[:, [war_k]] < s[:, idx]).all(axis=1).astype(float)


rank_draws_war = war_rank(fit)
war_row = ranks[(ranks["group"] == "all") & (ranks["issue"] == WAR)].iloc[0]
war_share_row = shares[(shares["group"] == "all") & (shares["issue"] == WAR)].iloc[0]
p_below = {i: 1 - fit.prob_above(WAR, i, group="all") for i in economy_etc}
lines = {g: fit.where_ranks(WAR, group=g) for g in fit.groups}
offset_contraction = fit.contraction(war_offset)
rated = inputs[(inputs["question_id"] == RATED) & (inputs["subgroup"] == "all")]
rated = rated.assign(issue=rated["response"].str.lower().replace(ALIASES))
rated_rank = int((rated["pct"] > rated.loc[rated["issue"] == WAR, "pct"].max()).sum()) + 1
lines

# %%
fig_all = fit.plot_ranks(group="all", highlight=WAR)
fig_dem = fit.plot_ranks(group="party:dem", highlight=WAR)
fig_rep = fit.plot_ranks(group="party:rep", highlight=WAR)
fig_shares = fit.plot_shares(level=LEVEL)

# %% [markdown]
# ## What the rank claims assume, and the alternatives side by side

# %%
def rank_row(name, results, issue, construct=None):
    measured = results.construct_issues(construct)
    if issue not in measured:
        where = [c for c in results.constructs()["construct"]
                 if issue in results.construct_issues(c)]
        return {"fit": name, "construct": results.construct_info(construct)["construct"],
                "issue": issue, "statement": f"not measured on this construct (measured on "
                                             f"{', '.join(where)}): no rank claimed",
                "issues ranked": len(measured), "mean rank": np.nan, "P(rank <= 5)": np.nan}
    draws = war_rank(results, construct, issue)
    return {"fit": name, "construct": results.construct_info(construct)["construct"],
            "issue": issue,
            "statement": results.where_ranks(issue, group="all", construct=construct),
            "issues ranked": len(measured), "mean rank": draws.mean(),
            "P(rank <= 5)": (draws <= 5).mean()}


side_by_side = [rank_row("main", fit, WAR), rank_row("main", fit, WAR, "problem")]
for name, alt in alternatives.items():
    side_by_side.append(rank_row(name, alt, WAR))
side_by_side = pd.DataFrame(side_by_side)
differences = pd.DataFrame([{"fit": name, "differs from the main fit in": fit.differences(alt)}
                            for name, alt in alternatives.items()])
side_by_side

# %% [markdown]
# ## Model checks on the published scale

# %%
ppc = fit.posterior_predictive_check(LEVEL)
prior_check = fit.prior_predictive_check(LEVEL)
fig_ppc = fit.plot_predictive(level=LEVEL)
compare = fit.compare_baseline(LEVEL)
fig_base = fit.plot_baseline(level=LEVEL, poll_id="nep_nbc_final_2022-11-08")
contraction = fit.contraction_table(LEVEL)

# %% [markdown]
# ## Report

# %%
report = Report("Where did the war rank for U.S. voters in 2022?",
                subtitle="Issue salience at the 2022 midterm from the exit poll and Gallup, "
                         "constructs kept apart, with rank probabilities",
                seed=SEED)
rank_lo, rank_hi = np.quantile(rank_draws_war, [0.05, 0.95])
midterm_words = f"{pd.Timestamp(MIDTERM).day} {pd.Timestamp(MIDTERM):%B %Y}"


def plain(line: str) -> str:
    """A where_ranks sentence with the war named in words."""
    return line.replace(WAR, "the war in Ukraine")


report.headline(
    f"On the vote scale (the exit poll's 'issue that mattered most', with Gallup's "
    f"'extremely important to your vote' as the same construct), the war ranks about "
    f"{ordinal(round(war_row['mean_rank']))} of {len(fit.construct_issues())} issues measured "
    f"there on {midterm_words} (90% interval: {ordinal(round(rank_lo))} to "
    f"{ordinal(round(rank_hi))}): {plain(lines['all'])}.",
    value=war_row["mean_rank"], lower=rank_lo, upper=rank_hi, level=LEVEL,
    contraction=fit.contraction(war_rank))
war_rated = float(rated.loc[rated["issue"] == WAR, "pct"].max())
rated_n = int(rated.loc[rated["issue"] == WAR, "n"].max())
rated_lo, rated_hi = proportion_ci(war_rated / 100, rated_n, method="wilson",  # percent
                                   level=0.9)
report.headline(
    f"In Gallup's October rating itself (the only vote-scale item that measures the war; "
    f"published figures, no model), {war_rated:.0f}% ({rated_lo:.0f}-{rated_hi:.0f}%, 90% "
    f"Wilson interval, n = {rated_n:,}) of registered voters called relations "
    f"with Russia extremely important to their vote: {ordinal(rated_rank)} of the "
    f"{len(rated)} issues Gallup asked about.",
    value=war_rated, contraction=None)
p_all = below_all(fit).mean()
report.headline(
    "The article's claim that the war was outranked by the economy, abortion and crime: the "
    "war ranked "
    + ", ".join(f"below {issue} with probability {probability_words(p)}"
                for issue, p in p_below.items())
    + f"; below all three at once with probability {probability_words(p_all)}.",
    value=p_all, level=None, contraction=fit.contraction(below_all))
report.headline(
    "On an exit-poll style list of every issue measured on the vote scale, "
    + format_interval(war_share_row["mean"], war_share_row[LO], war_share_row[HI], 1,
                      LEVEL)
    + " of voters would name the war as the issue that mattered most.",
    value=war_share_row["mean"], lower=war_share_row[LO], upper=war_share_row[HI],
    level=LEVEL, contraction=fit.contraction(war_share))
for group, label in (("party:dem", "Democrats"), ("party:rep", "Republicans")):
    gi = fit.groups.index(group)

    def rank_in(results, gi=gi):
        return results.rank_samples(group=results.groups[gi])[:, war_k].astype(float)

    draws = rank_in(fit)
    report.headline(
        f"{label}: {plain(lines[group])}. No party table measured the war: this rank follows from "
        "the all-voter estimate and the prior spread of party deviations.",
        value=draws.mean(), lower=float(np.quantile(draws, 0.05)),
        upper=float(np.quantile(draws, 0.95)), level=LEVEL, contraction=fit.contraction(rank_in))
off = war_offset(fit)
report.headline(
    f"The war's offset on Gallup's rating (how far its rating sits from where its vote-scale "
    f"salience puts it) is {off.mean():+.2f} logits ({np.quantile(off, 0.05):+.2f} to "
    f"{np.quantile(off, 0.95):+.2f}): only one item measures the war on the vote scale, and "
    f"the data {'barely move' if offset_contraction < 0.5 else 'move'} this offset from its "
    f"prior (contraction {offset_contraction:.2f}).",
    value=off.mean(), lower=float(np.quantile(off, 0.05)), upper=float(np.quantile(off, 0.95)),
    level=LEVEL, contraction=offset_contraction)
lam_lo, lam_hi = np.quantile(lam, [0.05, 0.95])
iia_gap = option_check.iloc[0]["IIA (Luce) prediction after"] - after["economy"]


def yougov_share(pct: float) -> str:
    """A published YouGov share with its 90% Wilson interval at the assumed sample size."""
    lo, hi = (100 * x for x in proportion_ci(pct / 100, YOUGOV_N, method="wilson", level=0.9))
    return f"{pct:.0f}% ({lo:.0f}-{hi:.0f}%, 90% interval at n = {YOUGOV_N:,})"


report.headline(
    f"When Economist/YouGov added 'Inflation / prices' to its list in July 2022, jobs and the "
    f"economy fell from {yougov_share(before['economy'])} to "
    f"{yougov_share(after['economy'])}, {iia_gap:.1f} points more than if the new option had "
    "drawn evenly from every other one (independence of irrelevant alternatives, IIA): the two "
    f"substitute, with a nest dissimilarity of {np.median(lam):.2f} (90% interval "
    f"{lam_lo:.2f} to {lam_hi:.2f}; 1 = IIA).",
    value=float(np.median(lam)), lower=float(lam_lo), upper=float(lam_hi), level=LEVEL,
    contraction=lam_contraction)
inside = float(ppc["inside"].mean())
report.headline(f"Model check: {int(ppc['inside'].sum())} of the {len(ppc)} published shares "
                f"({inside:.0%}) fall inside their {LEVEL:.0%} posterior predictive intervals.",
                value=100 * inside, contraction=None)

report.section("Where the war ranks")
report.text(
    "Rank 1 is the issue most often named as mattering most on a list offering every issue "
    "measured on the vote scale. The heat map gives, for each issue, the posterior "
    f"probability of each rank at the midterm ({MIDTERM}). Issues are ordered by expected "
    "rank; issues measured only as 'problems facing the country' (Gallup's open-ended "
    "question) are not ranked here.")
report.figure(fig_all, alt=f"Heat map of rank probabilities for {len(fit.construct_issues())} "
              "issues among all U.S. voters at the 2022 midterm; darker cells are more probable "
              "ranks. The war row is in bold.",
              caption=f"Rank probabilities on the vote scale, all voters, {MIDTERM}.")
report.table(ranks[ranks["group"] == "all"].drop(columns="group"),
             caption=f"Rank summary, all voters ({LEVEL:.0%} rank interval)", decimals=2)
report.figure(fig_dem, alt="Heat map of rank probabilities for Democrats.",
              caption="Rank probabilities, Democrats (the war is not in any party table).")
report.figure(fig_rep, alt="Heat map of rank probabilities for Republicans.",
              caption="Rank probabilities, Republicans (the war is not in any party table).")
report.section("Constructs: which questions measure what")
report.table(fit.constructs().assign(
    questions=lambda d: d["questions"].map(", ".join),
    measured=lambda d: d["measured"].map(", ".join),
    shared=lambda d: d["shared"].map(", ".join)),
    caption="Constructs of the main fit: ranks are claimed only among the issues measured "
            "on a construct")
report.table(fit.rank_summary(group="all", construct="problem", level=LEVEL),
             caption="Ranks among the 'problem facing the country' issues (Gallup's "
                     "open-ended question), all adults", decimals=2)
report.section("Shares")
report.figure(fig_shares, alt="Dot-and-interval plot of each issue's share naming it the "
              "issue that mattered most, for all voters, Democrats and Republicans.",
              caption=f"Share naming each issue on a list of every issue measured on the vote "
                      f"scale ({LEVEL:.0%} intervals).")
report.table(shares.drop(columns="date"), caption=f"Shares on {MIDTERM} (%)",
             percent_columns=("mean", LO, HI))
report.table(fit.pairwise(group="all").reset_index(),
             caption="P(row issue ranks above column issue), all voters", decimals=2)

report.section("Option sets: inflation and the economy")
report.text(
    "IIA (Luce's rule) says an option added to a list takes its share from every option in "
    "proportion. The Economist/YouGov list change of July 2022 is a direct test: the table "
    "gives the published shares, the IIA prediction from the week before and inflation's "
    "first-week share, and both models' fitted shares for the week after.")
report.table(option_check, caption="Economist/YouGov most important issue, the week "
             "'Inflation / prices' joined the list and the week before (%)",
             percent_columns=tuple(c for c in option_check.columns if c != "issue"))
report.check("option_set_change_yougov_2022", {
    "pollster": "YouGov / The Economist", "change": "'Inflation / prices' added, July 2022",
    "assumed_n": YOUGOV_N,
    "published": {"before": before.to_dict(), "after": after.to_dict()},
    "iia_luce_prediction_after": dict(zip(option_check["issue"],
                                          option_check["IIA (Luce) prediction after"],
                                          strict=True)),
    "fitted_after": {name: dict(zip(option_check["issue"],
                                    option_check[f"{name} model, fitted after"], strict=True))
                     for name in check_fits},
    "nest_lambda": {"median": float(np.median(lam)), "lower": float(lam_lo),
                    "upper": float(lam_hi), "level": LEVEL,
                    "contraction": float(lam_contraction)},
    "vote_model_nest_prior_beta": list(NEST_PRIOR)})

report.section("What pooling adds")
report.text(
    "Single polls alone: each exit-poll row set with its own interval (Goodman / Wilson on "
    "its effective sample size). The model's interval for the same quantity also uses the "
    "other polls and allows for non-sampling error, so it can be wider than a huge exit "
    "poll's sampling interval.")
report.figure(fig_base, alt="For each issue on the NBC final-weights exit poll, the poll's "
              "own 90% interval beside the pooled model's interval.",
              caption="Single poll (baseline) vs pooled model, NBC final weights.")
report.table(compare, caption=f"Reference-question polls: baseline vs model ({LEVEL:.0%})",
             percent_columns=("poll_share", f"poll_{LO}", f"poll_{HI}", "model_mean",
                              f"model_{LO}", f"model_{HI}"))

report.section("Model checks")
report.figure(fig_ppc, alt="Each published share as a dot against the interval of shares "
              "the fitted model replicates for the same poll, question and group.",
              caption=f"Posterior predictive check on the published scale ({LEVEL:.0%}).")
report.table(ppc, caption="Published shares beside their replicated intervals (%)",
             percent_columns=("observed", LO, HI))
report.table(prior_check, caption="Prior predictive range of one published share per "
             "question beside the observed range (%)",
             percent_columns=("observed_min", "observed_max", LO, "median", HI))
report.check("posterior_predictive", {"inside90": inside, "n": int(len(ppc))})

report.sensitivity()
report.text(fit.rank_assumptions())
report.table(side_by_side, caption="Where the war ranks under each alternative (all voters; "
             "mean rank and P(rank <= 5) among the issues measured on the construct)",
             decimals=2)
report.table(differences, caption="What each alternative changes (from the fits' settings)")
report.table(contraction.drop(columns="flag"),
             caption="How much the data moved each share and rank of the main fit "
                     "(contraction = 1 - posterior variance / prior variance)", decimals=2)
report.check("rank_alternatives", side_by_side.assign(
    **{"mean rank": side_by_side["mean rank"].astype(float)}).to_dict(orient="records"))
report.table(inputs, caption="Modelled poll figures (%; the binary 'net economic' item is "
             "not an issue and is not modelled)", percent_columns=("pct",), decimals=0)

exit_n = int(exit_rows["n"].iloc[0])
report.methodology(
    f"Data: the exit poll's n ({exit_n:,}) is derived from its published components and may "
    "be larger; one weighting per group is used (all voters and Democrats from the final "
    "weights, Republicans from election night). The Economist/YouGov check uses the series' "
    f"stated weekly sample ({YOUGOV_N:,}) because the source page gives none.",
    f"The vote model's prior for the (inflation, economy) nest dissimilarity is a Beta "
    f"{NEST_PRIOR} on (lambda - 0.05) / 0.95, matched to the mean and variance of the "
    "Economist/YouGov check's posterior.",
    "Baseline: each poll alone, statsmodels multinomial_proportions_confint (Goodman) on the "
    "effective counts; Wilson intervals for the rating and mention shares.")
report.methodology_of("Issue salience, main fit", fit)
report.methodology_of("Option-set check (Economist/YouGov), nested", check_fits["nested"])
report.diagnostics("issue salience (main)", fit.diagnostics)
for name, alt in alternatives.items():
    report.diagnostics(f"issue salience ({name})", alt.diagnostics)
for name, fit_ in check_fits.items():
    report.diagnostics(f"option-set check ({name})", fit_.diagnostics)
report.dataset(DATASET)
report.dataset(CHECK_DATASET)
out = report.write(report_path("war_salience"))
print(f"wrote {out}")
