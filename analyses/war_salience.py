# %% [markdown]
# # Where did the war rank for U.S. voters in 2022?
#
# The November 2022 article behind this project said the war in Ukraine was outranked by the
# economy, abortion and crime. This analysis asks how far the published 2022 polls support
# that, with probabilities: where the war ranked among voters' issues at the midterm
# (2022-11-08), overall and by party, and how sure we can be.
#
# The evidence comes in three shapes that do not measure the same thing:
#
# - the **NBC exit poll** (Edison Research, voters on 2022-11-08): "which ONE issue mattered
#   most", a closed list of five issues (inflation, abortion, crime, gun policy,
#   immigration) — the war was not on the list;
# - **Gallup's issue importance** battery (registered voters, 3-20 October): the share
#   calling each issue "extremely important" to their vote, including "relations with
#   Russia";
# - **Gallup's most important problem** (adults, March and November-December): open-ended,
#   several answers allowed, including the "Russia-Ukraine situation" in March.
#
# The hierarchical issue-salience model (`opinion.models.IssueSalience`) puts them on one
# scale: each issue's share if every modelled issue were on an exit-poll style list, with
# question-format effects (intercept and slope for the rating and mention questions, an
# issue-by-question wording effect) learned from the issues the questions share.
#
# Run as a script (`python analyses/war_salience.py`, from any folder) or open as a notebook
# with jupytext. It uses only the bundled, checksummed dataset `us_issues_2022`.

# %%
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from opinion.plots.theme import apply_theme

import opinion
from opinion.formatting import format_probability, ordinal
from opinion.frames.pollframe import PollFrame
from opinion.models.core.diagnostics import ConvergenceWarning
from opinion.models.salience import IssueSalience
from opinion.report import Report, format_interval, report_path

DATASET = "us_issues_2022"
SEED = 2022
MIDTERM = "2022-11-08"
WAR = "the war (russia/ukraine)"
LEVEL = 0.9
# six poll x group blocks inform about 200 parameters, many mostly through their priors:
# longer tuning and a higher target acceptance than the defaults (measured: the defaults left
# R-hat up to 1.07 on these data)
DRAWS, TUNE, TARGET_ACCEPT = 2000, 2000, 0.95
polls = opinion.datasets.load(DATASET)
polls

# %% [markdown]
# ## The data the model sees
#
# The exit poll appears twice in the dataset: election-night weighting (all voters and
# Republicans) and final weighting (all voters and Democrats). They are the **same
# respondents** reweighted, so we keep one "all voters" row set (the final weights) and take
# each party from the only weighting that reports it. The exit poll's n is a *derived lower
# bound* (17,912 in-person + 2,981 phone interviews = 20,893; the dataset says so), its design
# effect is not published (we assume 2, `exit_poll_deff`), and party sizes are not published
# (one third of n each, `subgroup_n_fraction`). The two war items — "relations with Russia"
# (rating) and the "Russia-Ukraine situation" (open-ended problem) — are treated as one issue,
# the war; a sensitivity fit below keeps them apart.

# %%
data = polls.data
same_people = ((data["poll_id"] == "nep_nbc_election_night_2022-11-08")
               & (data["subgroup"] == "all"))
frame = PollFrame(data[~same_people].reset_index(drop=True), source=f"datasets/{DATASET}")
ALIASES = {"relations with russia": WAR, "russia-ukraine situation": WAR}
inputs = (frame.data[frame.data["question_format"] != "binary"]
          .assign(pct=lambda d: d["pct"].round(0))
          [["poll_id", "question_id", "question_format", "population", "subgroup", "n",
            "response", "pct"]])
inputs

# %%
def fit_model(tune=TUNE, draws=DRAWS, target_accept=TARGET_ACCEPT, **options):
    model = IssueSalience(frame, issue_aliases=options.pop("aliases", ALIASES),
                          reference_date=MIDTERM, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("always", ConvergenceWarning)
        results = model.fit(random_seed=SEED, draws=draws, tune=tune,
                            target_accept=target_accept, progressbar=False)
    return model, results


model, fit = fit_model()
fit.diagnostics.status()

# %% [markdown]
# ## Where the war ranks

# %%
ranks = fit.rank_summary(level=LEVEL)
shares = fit.shares(LEVEL)
lines = {g: fit.where_ranks(WAR, group=g) for g in fit.groups}
lines

# %%
apply_theme()
fig_all, ax = plt.subplots(figsize=(8.5, 5.2), layout="constrained")
fit.plot_ranks(ax=ax, group="all")
for label in ax.get_yticklabels():
    if label.get_text() == WAR:
        label.set_fontweight("bold")
fig_party, axes = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
for ax_, group in zip(axes, ["party:dem", "party:rep"], strict=True):
    fit.plot_ranks(ax=ax_, group=group, highlight=WAR)
fig_shares, ax = plt.subplots(figsize=(8.5, 6), layout="constrained")
fit.plot_shares(ax=ax, level=LEVEL)

# %% [markdown]
# ## What pooling adds, and the single-poll baseline
#
# Each exit-poll row set on its own gets a frequentist interval (statsmodels
# `multinomial_proportions_confint`, Goodman; per share it equals a Wilson interval) on its
# effective sample size. The model's interval for the same quantity — that poll's own
# five-issue list — also uses the other polls and allows for non-sampling error.

# %%
compare = fit.compare_baseline(LEVEL)
simultaneous = fit.baseline(LEVEL)  # Goodman simultaneous intervals, every poll
fig_base, ax = plt.subplots(figsize=(8.5, 5), layout="constrained")
fit.plot_baseline(ax=ax, level=LEVEL, poll_id="nep_nbc_final_2022-11-08")
compare

# %% [markdown]
# ## Sensitivity
#
# Two analyst choices matter most: (1) how a closed single-choice list treats issues it does
# not offer — by default respondents choose among the listed options (Luce choice), the
# alternative (`choice_set="all"`) puts every unlisted issue into the exit poll's 9%
# remainder, capping it there; (2) merging the two war items.

# %%
# capping unlisted issues at the exit poll's remainder makes a harder geometry (immigration
# and inflation late in October sit against the cap): at target_accept 0.95, 4,000 tuning
# steps left R-hat at 1.023; at 0.99 with 4,000 tuning steps R-hat is 1.008 and bulk ESS 232
# per 8,000 draws; with 4,000 draws per chain R-hat is 1.013 (inflation, late October). The
# report shows this fit's red diagnostics banner; read its row with that caveat.
_, fit_all_set = fit_model(choice_set="all", tune=4000, draws=4000, target_accept=0.99)
_, fit_separate = fit_model(aliases={})
sensitivity = pd.DataFrame([
    {"variant": "default (listed options only; war items merged)",
     "statement": fit.where_ranks(WAR, group="all")},
    {"variant": "unlisted issues fall into the exit poll's remainder (choice_set='all'"
                + ("" if fit_all_set.diagnostics.ok else "; not converged, see Diagnostics")
                + ")",
     "statement": fit_all_set.where_ranks(WAR, group="all")},
    {"variant": "war items kept apart: 'relations with russia' (rating)",
     "statement": fit_separate.where_ranks("relations with russia", group="all")},
    {"variant": "war items kept apart: 'russia-ukraine situation' (problem, March)",
     "statement": fit_separate.where_ranks("russia-ukraine situation", group="all")},
])
sensitivity

# %% [markdown]
# ## Report

# %%
war_all = ranks[(ranks["group"] == "all") & (ranks["issue"] == WAR)].iloc[0]
war_share = shares[(shares["group"] == "all") & (shares["issue"] == WAR)].iloc[0]
contrast = fit.contrasts("party:dem", "party:rep", issue=WAR, level=LEVEL).iloc[0]
economy_etc = [i for i in ("economy", "abortion", "crime") if i in fit.issues]
p_below = {i: 1 - fit.prob_above(WAR, i, group="all") for i in economy_etc}

report = Report("Where did the war rank for U.S. voters in 2022?",
                subtitle="Issue salience at the 2022 midterm from the exit poll and Gallup, "
                         "with rank probabilities",
                seed=SEED)
report.headline(
    f"Among {len(fit.issues)} issues, the war ranks about "
    f"{ordinal(round(war_all['mean_rank']))} for all voters on {MIDTERM}: {lines['all']}.")
report.headline(
    "The article's claim that the war was outranked by the economy, abortion and crime: "
    + ", ".join(f"P(war below {issue}) {format_probability(p)}"
                for issue, p in p_below.items()) + ".")
report.headline(
    "On an exit-poll style list of every modelled issue, "
    + format_interval(war_share["mean"], war_share["lower"], war_share["upper"], 1, LEVEL)
    + " of voters would name the war as the issue that mattered most.")
report.headline(
    f"By party: Democrats — {lines['party:dem']}; Republicans — {lines['party:rep']}. "
    f"The share difference (Democrats minus Republicans) is {contrast['difference']:+.1f} "
    f"points ({contrast['lower']:+.1f} to {contrast['upper']:+.1f}); the party data are "
    "exit-poll rows on which the war was not listed, so party ranks of the war lean on the "
    "all-voter estimate.")

report.section("Where the war ranks")
report.text(
    "Rank 1 is the issue most often named as mattering most. The heat map gives, for each "
    "issue, the posterior probability of each rank at the midterm (2022-11-08). Issues are "
    "ordered by expected rank.")
report.figure(fig_all, alt=f"Heat map of rank probabilities for {len(fit.issues)} issues among "
              "all U.S. voters at the 2022 midterm; darker cells are more probable ranks. The "
              "war row is in bold.",
              caption=f"Rank probabilities, all voters, {MIDTERM}.")
report.table(ranks[ranks["group"] == "all"].drop(columns="group"),
             caption=f"Rank summary, all voters ({LEVEL:.0%} rank interval)", decimals=2)
report.figure(fig_party, alt="Two heat maps of rank probabilities: Democrats (left) and "
              "Republicans (right); abortion leads for Democrats and inflation for "
              "Republicans, the war ranks near the bottom for both.",
              caption="Rank probabilities by party.")
report.section("Shares")
report.figure(fig_shares, alt="Dot-and-interval plot of each issue's share naming it the "
              "most important, for all voters, Democrats and Republicans.",
              caption=f"Share naming each issue as mattering most on a list of every modelled "
                      f"issue ({LEVEL:.0%} intervals). Shares are on the exit poll's scale.")
report.table(shares.drop(columns="date"), caption=f"Shares on {MIDTERM} (%)",
             percent_columns=("mean", "lower", "upper"))
report.table(fit.contrasts("party:dem", "party:rep", level=LEVEL)
             [["issue", "share_a", "share_b", "difference", "lower", "upper", "p_higher",
               "mean_rank_a", "mean_rank_b"]]
             .rename(columns={"share_a": "Democrats", "share_b": "Republicans",
                              "p_higher": "P(higher for Democrats)",
                              "mean_rank_a": "mean rank (Dem)",
                              "mean_rank_b": "mean rank (Rep)"}),
             caption="Democrats vs Republicans (difference in percentage points)",
             percent_columns=("Democrats", "Republicans"), decimals=2)
report.table(fit.pairwise(group="all").reset_index(),
             caption="P(row issue ranks above column issue), all voters", decimals=2)

report.section("What pooling adds")
report.text(
    "Single polls alone: each exit-poll row set with its own interval (Goodman / Wilson on "
    "its effective sample size). The model's interval for the same quantity also uses the "
    "other polls and allows for non-sampling error, so it can be wider than a huge exit "
    "poll's sampling interval: pooling adds the issues a poll did not ask about and "
    "honesty about error, not just precision.")
report.figure(fig_base, alt="For each issue on the NBC final-weights exit poll, the poll's "
              "own 90% interval beside the pooled model's interval.",
              caption="Single poll (baseline) vs pooled model, NBC final weights.")
report.table(compare, caption=f"Reference-question polls: baseline vs model ({LEVEL:.0%})",
             percent_columns=("poll_share", "poll_lower", "poll_upper", "model_mean",
                              "model_lower", "model_upper"))
report.table(simultaneous.drop(columns=["method"]),
             caption=f"Baseline for every poll: Goodman simultaneous {LEVEL:.0%} intervals "
                     "(single choice) and Bonferroni-Wilson (mentions, ratings), no pooling",
             percent_columns=("share", "lower", "upper"))

report.section("Sensitivity and caveats")
report.table(sensitivity, caption="Where the war ranks under other analyst choices")
report.note(
    "Question formats differ and the model can only bridge them through the issues they "
    "share. 'Most important problem facing the country' (Gallup, adults, open-ended, several "
    "answers) is not 'the issue that mattered most to your vote' (exit poll, voters, closed "
    "list), and neither is 'extremely important to your vote' (Gallup, registered voters, "
    "each issue rated separately). 'Government' is a problem, not a policy issue, and comes "
    "only from the open-ended question.")
report.note(
    "The war was not on the exit poll's list. Its rank rests on Gallup's 'relations with "
    "Russia' rating (October) and the March 'Russia-Ukraine situation' mentions, carried to "
    "November by the model's monthly random walk; the wording effects are shrunk toward "
    "zero but not known, which is why its share interval is wide.")
report.note(
    "The exit poll's n (20,893) is derived from its published components and may be larger; "
    "its design effect (2) and the party subgroup sizes (n/3) are assumptions; the model's "
    "non-sampling error term dominates for a poll this large, so these matter little.")
report.table(inputs, caption="Modelled poll figures (%; the binary 'net economic' item is "
             "not an issue and is not modelled)", percent_columns=("pct",), decimals=0)

report.methodology(
    "Model (opinion.models.IssueSalience): each issue has a latent salience (log-odds "
    "against 'other') per group (all voters; Democrats and Republicans as partially pooled "
    "deviations) on a monthly random walk from March to December 2022. The reference "
    "question is the exit poll: shares are Luce choice probabilities, e^theta_k / (1 + sum_j "
    "e^theta_j). Single-choice polls are multinomial over the listed issues and a remainder "
    "(an issue that is not listed is not in the choice set); the open-ended problem and the "
    "importance ratings are one binomial per issue with a question intercept and slope on "
    "the salience scale, an issue-by-question wording effect (zero-sum per question) and, for "
    "the open-ended question asked twice, a poll intercept shared by its issues (the same "
    "respondents answer all). Non-sampling error enters as Dirichlet-multinomial / "
    "beta-binomial overdispersion.",
    "Priors, in percentage points at a 20% share (1 logit = 16 pp): subgroup deviations "
    "half-normal(10), monthly change half-normal(2), wording half-normal(4), poll intercept "
    "half-normal(3), non-sampling error log-normal with median 1.5 (90% between 0.7 and "
    "3.4); issue levels N(0, 2) on the logit scale; rating/mention slopes log-normal(0, "
    "0.5), intercepts N(0, 2).",
    f"Sampling: nutpie NUTS, 4 chains x {DRAWS} draws after {TUNE} tuning steps (target "
    f"acceptance {TARGET_ACCEPT}), starting at a data-based point; convergence checked by "
    "R-hat, effective sample size and divergences (see Diagnostics). Prior and posterior "
    "predictive draws are stored with the fit.",
    "Baseline: each poll alone, statsmodels multinomial_proportions_confint (Goodman) on "
    "the effective counts; Wilson intervals for the rating and mention shares.",
)
report.diagnostics("issue salience (default)", fit.diagnostics)
report.diagnostics("issue salience (choice_set='all')", fit_all_set.diagnostics)
report.diagnostics("issue salience (war items apart)", fit_separate.diagnostics)
report.dataset(DATASET)
out = report.write(report_path("war_salience"))
print(f"wrote {out}")
