# %% [markdown]
# # Negotiation pressure from evidence: which NATO publics leaned towards talks, and did it
# # predict what their governments did?
#
# Thirty democracies backed Ukraine against one Russia. This analysis measures, month by
# month from 2022 to 2025, how far each member's public leaned towards negotiating rather
# than supporting Ukraine until it wins, and how salient the economy was against the war, from
# repeated surveys (Eurobarometer, ECFR, YouGov, eupinions, national trackers and the bundled
# U.S. polls; EU non-members calibrate the shared items). It then asks whether that public
# pressure predicted what governments actually did (aid halts and cuts, EU vetoes, heads of
# government calling for immediate talks), judged out of sample against a base rate, each
# member's own history and an opinion-only model, and what it implies for a split of the
# coalition.
#
# Run: `python analyses/coalition_pressure.py` or `opinion report coalition_pressure`.

# %%
import time

import numpy as np
import pandas as pd

import opinion
from opinion.formatting import format_probability, interval_columns
from opinion.models.coalition import CoalitionPressure
from opinion.models.core.wording import probability_words
from opinion.report import Report, format_interval, report_path

SEED = 20221115
LEVEL = 0.9
LO, HI = interval_columns(LEVEL)  # the interval columns of every table below
DATASETS = [opinion.datasets.COALITION_PANEL, *opinion.datasets.COALITION_TABLES.values()]
panel, tables = opinion.datasets.coalition_inputs()
started = time.perf_counter()

# %% [markdown]
# ## The model
#
# Two linked parts, fitted in stages (see the methodology, generated from the fit): survey
# items measure each country's latent preference for negotiating and the salience of the
# economy against the war (monthly random walks pooled by region, item intercepts and
# direction-signed loadings, item x country bias, overdispersed binomial cells); an event
# model then asks how those, election proximity and a change of government shift the
# monthly probability of a defection event, with each member's own history as a pooled
# effect.

# %%
model = CoalitionPressure(panel, **tables)
fit = model.fit(random_seed=SEED, draws=4000, tune=1000, chains=4)
fit_seconds = time.perf_counter() - started
fit

# %%
opinion_table = fit.opinion(LEVEL)
coverage = fit.coverage()
effects = fit.effects(LEVEL)
last = fit.months[fit.end]
latest = opinion_table[opinion_table["date"] == last].set_index("member")
latest["name"] = coverage.set_index("member")["name"]
ranked = latest[latest["surveyed"]].sort_values("mean", ascending=False)
no_data = coverage[coverage["opinion_cells"] == 0]
effects

# %% [markdown]
# ## Out of sample: the rolling-origin back-test and held-out survey cells

# %%
# refits feed averages (mean predicted probabilities, held-out shares), so they are short;
# of the leave-one-term-out variants only the model without opinion is refitted (what
# opinion adds beyond the other terms); `fit.backtest()` runs them all
BACKTEST = {"draws": 300, "tune": 400, "chains": 2, "leave_one_out": ("opinion",)}
SENSITIVITY = {"effect_sd": [0.5, 2.0], "history_sd": [0.75, 3.0], "decay_months": [1.5, 6.0],
               "terms": [(*fit.terms, "partisanship")]}
started = time.perf_counter()
backtest = fit.backtest(**BACKTEST)
pooled = fit.backtest_summary(**BACKTEST)
check = fit.backtest_check(**BACKTEST)
holdout = fit.holdout(fraction=0.1, folds=2, draws=300, tune=400, chains=2)
held = fit.holdout_summary(fraction=0.1, folds=2, draws=300, tune=400, chains=2)
held_salience = fit.holdout_summary("salience", fraction=0.1, folds=2, draws=300, tune=400,
                                    chains=2)
sensitivity = fit.sensitivity(SENSITIVITY, draws=300, tune=400)
evidence_seconds = time.perf_counter() - started
pooled

# %% [markdown]
# ## Report

# %%
def interval_pct(row: pd.Series) -> str:
    return format_interval(row["mean"], row[LO], row[HI], level=LEVEL)


def interval_of(draws: np.ndarray, fmt: str = "+.0f", unit: str = " points") -> str:
    lo, hi = np.quantile(draws, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return (f"{draws.mean():{fmt}}{unit} ({LEVEL:.0%} interval {lo:{fmt}} to "
            f"{hi:{fmt}})")


def latent_at(code: str):
    i = fit.iso2.index(code)
    return lambda r: 100 / (1 + np.exp(-r.latent_draws("opinion")[:, i, r.end]))


def members_mean(codes: list[str]):
    idx = [fit.iso2.index(c) for c in codes]
    return lambda r: (100 / (1 + np.exp(-r.latent_draws("opinion")[:, idx, r.end]))).mean(1)


report = Report("Negotiation pressure from evidence: NATO publics and their governments, "
                "2022-2025",
                subtitle="Latent opinion and salience measured from repeated surveys; an event "
                         "model of what governments did, tested out of sample.", seed=SEED)
window = fit.window_label()
top = ranked.head(3)
report.headline(
    f"Publics leaning most towards negotiating in {last:%B %Y} (share not backing "
    f"EU-financed military aid, Eurobarometer scale): "
    + "; ".join(f"{row['name']} {interval_pct(row)}" for _, row in top.iterrows()) + ".",
    value=float(top["mean"].iloc[0]), lower=float(top[LO].iloc[0]),
    upper=float(top[HI].iloc[0]), level=LEVEL,
    contraction=fit.contraction(latent_at(top.index[0])))
def baltic_gap(other: str):
    baltic, versus = members_mean(["EE", "LV", "LT"]), latent_at(other)
    return lambda r: baltic(r) - versus(r)


for other, name in (("FR", "France"), ("HU", "Hungary")):
    gap = baltic_gap(other)
    draws = gap(fit)
    report.headline(
        f"Baltic publics against {name} ({last:%b %Y}): Baltic average minus {name}, "
        f"{interval_of(draws)}; the probability that Baltic publics lean less towards "
        f"negotiating is {probability_words((draws < 0).mean())}.",
        value=float(draws.mean()), lower=float(np.quantile(draws, 0.05)),
        upper=float(np.quantile(draws, 0.95)), level=LEVEL, contraction=fit.contraction(gap))
beta = fit.draws("beta_opinion")
report.headline(
    f"Did opinion predict defections? Out of sample (back-test, {check['n_origins']} origins, "
    f"{check['n_events']} event-months), the full model's log score is "
    f"{check['model']['log_score']:.3f} against {check['base_rate']['log_score']:.3f} for the "
    f"base rate and {check['country_history']['log_score']:.3f} for each member's own "
    f"history; the opinion-only model scores {check['opinion_only']['log_score']:.3f} (higher "
    "is better).", value=check["model"]["log_score"], contraction=None)
report.headline(
    f"Effect of public opinion on a government's monthly odds of a defection event: "
    f"{interval_of(beta, '+.2f', ' log-odds')} per log-odds unit of opinion; the "
    f"probability that the effect is positive is {probability_words((beta > 0).mean())}.",
    value=float(beta.mean()), lower=float(np.quantile(beta, 0.05)),
    upper=float(np.quantile(beta, 0.95)), level=LEVEL,
    contraction=fit.contraction(lambda r: r.draws("beta_opinion")))
split_any = fit.split_draws(None, "any")
report.headline(
    f"Probability that at least one member has a defection event in {window}: "
    f"{interval_of(split_any, '.2f', '')} over the posterior.",
    value=float(split_any.mean()), lower=float(np.quantile(split_any, 0.05)),
    upper=float(np.quantile(split_any, 0.95)), level=LEVEL,
    contraction=fit.contraction(lambda r: r.split_draws(None, "any")))
split_block = fit.split_draws(None, "blocking")
share = fit.meta["config"]["blocking_share"]
report.headline(
    f"Probability that members holding at least {share:.0%} of allocated aid defect in "
    f"{window}: {interval_of(split_block, '.2f', '')} over the posterior (the United States "
    f"alone holds {100 * fit.aid[fit.iso2.index('US')]:.0f}% of Kiel's counted allocations).",
    value=float(split_block.mean()), lower=float(np.quantile(split_block, 0.05)),
    upper=float(np.quantile(split_block, 0.95)), level=LEVEL,
    contraction=fit.contraction(lambda r: r.split_draws(None, "blocking")))
report.headline(
    f"Held-out survey cells ({held['n']} opinion cells, a random tenth left out in each of "
    f"two fits): mean "
    f"absolute error {held['mae_pp']:.1f} points; {round(held['coverage90'] * held['n'])} of "
    f"{held['n']} cells ({held['coverage90']:.0%}) fall inside their 90% predictive intervals "
    "(Claassen 2019's best model misses held-out cells by about 6 points).",
    value=held["mae_pp"], contraction=None)
report.headline(
    f"{len(no_data)} of 30 members have no survey cell on the opinion scale "
    f"({', '.join(no_data['name'])}): they are shown as their region's pooled value with its "
    "full spread, never as a measured value.")

# %%
report.section("Which publics leaned towards negotiating, and when")
report.figure(fit.plot_heatmap(), narrow=fit.plot_heatmap(phone=True),
              alt="Heat map of 30 NATO members by month, 2022-2025, coloured by the share not "
                  "backing EU-financed military aid, with dots in the months a government "
                  "defected; members without survey data are starred.",
              caption="Latent opinion by member and month (posterior mean). Dots: months with "
                      "a defection event. Starred members have no survey data.")
report.figure(fit.plot_opinion(), narrow=fit.plot_opinion(ncol=3, panel=(1.25, 1.2)),
              alt="Thirty small line charts of each member's latent opinion from 2022 to "
                  "mid-2026 with 90% bands; members without data in grey with wide bands.",
              caption="Each member's latent preference for negotiating (90% band); grey: no "
                      "survey data. The last six months are forecasts.")
table = latest.reset_index()[["name", "member", "mean", LO, HI, "surveyed"]]
report.table(table.sort_values("mean", ascending=False),
             caption=f"Latent opinion in {last:%B %Y} (% not backing EU-financed military "
                     "aid, 90% interval); surveyed = at least one cell",
             percent_columns=("mean", LO, HI))
if fit.has_salience():
    report.figure(fit.plot_opinion(latent="salience"),
                  narrow=fit.plot_opinion(latent="salience", ncol=3, panel=(1.25, 1.2)),
                  alt="Small line charts of the salience of the economy against the war per "
                      "member, 2022-2026, with 90% bands.",
                  caption="Salience of domestic economic issues against the war (share naming "
                          "rising prices among the top two issues, reference scale).")
report.table(coverage, caption="Data per member: survey cells on each scale, first and last "
                               "survey month, months with a defection event")

# %%
report.section("Did public pressure predict what governments did?")
report.text(
    "Each origin refits both stages on what was known before it (survey cells fielded "
    "before the origin, events and changes of government before it) and predicts every "
    "member's monthly probability of a defection event for the next six months. Brier "
    "score: mean squared error (lower is better); log score: mean log predictive "
    "probability (higher is better). Election dates are taken as known in advance, which "
    "snap elections were not.")
report.table(pooled[["model", "brier", "log_score", "n_events", "n_cells", "n_origins"]],
             caption="Back-test, pooled over all origins", decimals=4)
report.table(backtest, caption="Back-test by origin (refit diagnostics: worst R-hat and "
                               "divergences of the two stages)", decimals=4)
worst = backtest.dropna(subset=["max_rhat"]).sort_values("max_rhat").iloc[-1]
report.text(
    f"The refits at each origin are short ({BACKTEST['chains']} chains x "
    f"{BACKTEST['draws']} draws) and are not held to the convergence gate of the full fit: "
    f"their worst R-hat is {worst['max_rhat']:.2f} (origin {worst['origin']}), "
    f"{int(backtest['divergences'].fillna(0).sum())} divergences in all. The scores are "
    "averages of predicted probabilities over those draws, so they carry Monte Carlo error "
    "from imperfectly mixed refits that this report does not quantify.")
report.figure(fit.plot_calibration(**BACKTEST),
              alt="Calibration plot: observed monthly frequency of defection events against "
                  "the predicted probability, binned, for the model, the opinion-only model, "
                  "the country-history baseline and the base rate.",
              caption="Back-test calibration (marker area: member-months in the bin).")
report.table(effects, caption="Event-model effects (log-odds of a monthly defection event) "
                              "and how much the events moved them (contraction)",
             decimals=2)
without = pooled.set_index("model")
rows = [{"term": t, "log_score_without": without.loc[f"without_{t}", "log_score"],
         "change_when_dropped": without.loc[f"without_{t}", "log_score"]
         - without.loc["model", "log_score"]}
        for t in fit.terms if f"without_{t}" in without.index]
if rows:  # with leave_one_out=True
    report.table(pd.DataFrame(rows), caption="What each term adds out of sample: pooled log "
                                             "score without the term, and its change "
                                             "(negative: the term helped)", decimals=4)

# %%
report.section("The Baltic states against France and Hungary")
compare = ["EE", "LV", "LT", "FR", "HU"]
rows = []
for code in compare:
    draws = fit.split_draws(None, "any", members=[code])
    row = latest.loc[code]
    rows.append({"member": row["name"], "opinion": row["mean"], LO: row[LO],
                 HI: row[HI], "P(defection event)": 100 * draws.mean()})
report.table(pd.DataFrame(rows),
             caption=f"Latent opinion in {last:%B %Y} (90% interval) and the probability of a "
                     f"defection event in {window}",
             percent_columns=("opinion", LO, HI, "P(defection event)"))
baltic_event = fit.split_probability(members=["EE", "LV", "LT"])
report.text(f"P(any Baltic government defects in {window}) = "
            f"{format_probability(baltic_event)}; France "
            f"{format_probability(fit.split_probability(members=['FR']))}; Hungary "
            f"{format_probability(fit.split_probability(members=['HU']))}.")

# %%
report.section("The split: thirty partners against one Russia")
curve = fit.split_curve()
report.figure(fit.plot_split_curve(),
              alt="Line chart of the probability that at least one member has a defection "
                  "event in the next six months, rising with the number of members in a "
                  "randomly drawn coalition, with a 90% band.",
              caption="Probability of at least one defection event for a coalition of k "
                      "members drawn at random, from the fitted event model.")
report.table(curve.drop(columns=["member"]).assign(  # probabilities shown in percent
    **{"mean": 100 * curve["mean"], LO: 100 * curve[LO], HI: 100 * curve[HI]}),
    caption="Split curve (90% band)", percent_columns=("mean", LO, HI))

# %%
report.section("What the data cannot say")
thin = coverage[(coverage["opinion_cells"] > 0) & (coverage["opinion_cells"] < 5)]
report.text(
    f"{len(no_data)} members have no opinion cell ({', '.join(no_data['member'])}) and "
    f"{len(thin)} have fewer than five ({', '.join(thin['member'])}); their levels rest on "
    "their region's pooled value. The U.S. and Canada are measured only by their own polls, "
    "whose wordings no other country shares: their level against Europe rests on the "
    "assumption that their items are, on average, as easy to agree with as the others.")
report.text(
    f"Defection events are rare ({int(fit.arrays['event_y'][:, : fit.end + 1].sum())} "
    f"member-months out of {len(fit.iso2) * (fit.end + 1)}) and concentrated in a few "
    "members (Hungary, the U.S., Slovakia); a member with no recorded event may simply "
    "have none found. The event model treats members' events as independent given the "
    "parameters. Kiel's aid figures are one late vintage, not what was known at the time.")
report.sensitivity()
report.table(sensitivity, caption="Effect of opinion and split probabilities as one "
                                  "event-model assumption changes (stage 2 refitted)",
             decimals=3)
report.table(fit.contraction_table().drop(columns=["flag"]),
             caption="How much the data moved each headline quantity (prior and posterior "
                     "90% intervals; contraction = 1 - posterior variance / prior variance)",
             decimals=3)
report.methodology(
    f"Run time: the fit took {fit_seconds:.0f} s and the back-test, held-out cells and "
    f"sensitivity refits {evidence_seconds:.0f} s (NUTS throughout; refits 2 chains x 300 "
    "draws). Held-out salience cells: mean absolute error "
    f"{held_salience['mae_pp']:.1f} points, 90% coverage {held_salience['coverage90']:.0%} "
    f"(n = {held_salience['n']}).")
report.methodology_of("Coalition pressure (both stages)", fit)
report.diagnostics("Coalition pressure (both stages)", fit.diagnostics)
report.check("backtest", check)
report.check("holdout", held)
report.check("holdout_salience", held_salience)
for name in DATASETS:
    report.dataset(name)
out = report.write(report_path("coalition_pressure"))
print(f"wrote {out}")
