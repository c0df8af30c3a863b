# %% [markdown]
# # U.S. opinion on aiding Ukraine, 2022-2024: a poll average with house effects
#
# Pew Research Center and Gallup both ask whether the U.S. is giving Ukraine too much, about
# the right amount of, or not enough support. One poll is one noisy draw; this analysis pools
# them in a Bayesian poll average (a random walk on the log-odds scale with house effects,
# "not sure" kept as its own category) and asks how opinion moved, and where the October 2022
# Ipsos "two-thirds support sending weapons" figure sits against it.
#
# Run: `python analyses/us_ukraine_support.py` or `opinion report us_ukraine_support`.

# %%
import numpy as np
import pandas as pd

import opinion
from opinion.models import PollAverage
from opinion.models.core.wording import probability_words
from opinion.report import Report, format_interval, report_path
from opinion.survey import deff_from_moe, proportion_ci

SEED = 20221005
DATASET = "us_ukraine_support"
polls = opinion.datasets.load(DATASET)
polls

# %% [markdown]
# ## The model
#
# Two question series share one latent trend: Pew's "too much / about the right amount / not
# enough support" and Gallup's "too much / the right amount / not enough to help Ukraine".
# Gallup publishes no "not sure" share, so its polls inform the other three categories and
# leave "not sure" to Pew (the model handles unreported categories exactly). Each pollster
# asks only its own wording, so wording and house effect cannot be told apart: the Gallup
# "house effect" below includes the wording difference.

# %%
model = PollAverage(
    polls,
    questions=["pew_support_amount", "gallup_help_ukraine_amount"],
    response_map={"right amount": "about the right amount"},
    responses=["too much", "about the right amount", "not enough", "not sure"],
)
model.effects_report()

# %%
fit = model.fit(random_seed=SEED, draws=2000, tune=1500, chains=4, target_accept=0.98)
fit

# %%
trend = fit.trend(0.9)
latest = fit.latest(0.9)
change = fit.change("2022-03-13", "2024-07-07", response="too much")
house = fit.house_effects(0.9)
ppc = fit.posterior_predictive_check(0.9)
prior = fit.prior_predictive_check(0.9)
latest

# %% [markdown]
# ## Where does the Ipsos "two-thirds" sit?
#
# Ipsos asked a different question: "should the U.S. continue providing weapons to Ukraine"
# (66% support, 4-5 October 2022). The closest reading of the average is the share saying the
# U.S. gives about the right amount or not enough, i.e. at least the current level.

# %%
ipsos_date = "2022-10-05"
idx = {r: i for i, r in enumerate(fit.responses)}


def at_least_on_ipsos_day(results):
    """Draws of 'about the right amount' + 'not enough' on the Ipsos poll's last day."""
    shares = results.daily_shares()[:, 0, results._day_index(ipsos_date)]
    return shares[:, idx["about the right amount"]] + shares[:, idx["not enough"]]


shares = fit.daily_shares()[:, 0, fit._day_index(ipsos_date)]
at_least = at_least_on_ipsos_day(fit)
not_too_much = 100 - shares[:, idx["too much"]]
ipsos_deff = float(deff_from_moe(1005, 3.8))  # Ipsos' stated precision for n = 1,005
ipsos_lo, ipsos_hi = proportion_ci(0.66, 1005, deff=ipsos_deff, level=0.9)  # percent
comparison = pd.DataFrame([
    {"measure": f"Ipsos: continue providing weapons (one poll, 90% CI, deff {ipsos_deff:.2f})",
     "estimate": 66.0, "lower_90": ipsos_lo, "upper_90": ipsos_hi},
    {"measure": "Average: right amount or not enough (90% band)",
     "estimate": at_least.mean(), "lower_90": np.quantile(at_least, 0.05),
     "upper_90": np.quantile(at_least, 0.95)},
    {"measure": "Average: anything but 'too much' (90% band)",
     "estimate": not_too_much.mean(), "lower_90": np.quantile(not_too_much, 0.05),
     "upper_90": np.quantile(not_too_much, 0.95)},
])
comparison

# %% [markdown]
# ## Report

# %%
too_much = latest[latest["response"] == "too much"].iloc[0]
first = trend[(trend["response"] == "too much")].iloc[0]
ch = change.iloc[0]
report = Report("U.S. opinion on aiding Ukraine, 2022-2024",
                subtitle="A Bayesian average of Pew and Gallup polls, house effects removed.",
                seed=SEED)
report.headline(
    "The share of Americans saying the U.S. gives Ukraine too much support rose from "
    + format_interval(first["mean"], first["lower_90"], first["upper_90"])
    + " in March 2022 to "
    + format_interval(too_much["mean"], too_much["lower_90"], too_much["upper_90"])
    + f" by July 2024 (change {ch['mean']:+.0f} points, 90% interval {ch['lower_90']:+.0f} to "
    f"{ch['upper_90']:+.0f}; the probability that it rose is "
    f"{probability_words(ch['p_increase'])}).",
    value=ch["mean"], lower=ch["lower_90"], upper=ch["upper_90"], level=0.9,
    contraction=fit.contraction("change over the trend: too much"))
row, ipsos = comparison.iloc[1], comparison.iloc[0]
report.headline(
    "In early October 2022 the average had "
    + format_interval(row["estimate"], row["lower_90"], row["upper_90"])
    + " saying the U.S. gave about the right amount or not enough: Ipsos' "
    + format_interval(ipsos["estimate"], ipsos["lower_90"], ipsos["upper_90"]).replace(
        "interval", "confidence interval")
    + " backing for continuing to send weapons (a different question) is in the same range, "
    "not an outlier.",
    value=row["estimate"], lower=row["lower_90"], upper=row["upper_90"], level=0.9,
    contraction=fit.contraction(at_least_on_ipsos_day))
inside = float(ppc["inside"].mean())
report.headline(f"Model check: {int(ppc['inside'].sum())} of {len(ppc)} published shares "
                f"({inside:.0%}) fall inside their 90% posterior predictive intervals.",
                value=100 * inside, contraction=None)
report.check("posterior_predictive", {"inside90": inside, "n": int(len(ppc))})
report.section("Trend")
report.figure(fit.plot_trend(level=0.9),
              alt="Line chart of four response shares from March 2022 to July 2024 with 90% "
                  "bands: 'too much' rises from under 10% to about a third.",
              caption="Posterior mean and 90% credible band per response; dots are polls, "
                      "sized by sample size (Gallup's 'right amount' mapped to 'about the right "
                      "amount').")
report.table(latest.assign(date=latest["date"].dt.strftime("%Y-%m-%d")),
             caption="Latest estimate (90% interval)",
             percent_columns=("mean", "lower_90", "upper_90"))
report.table(change, caption="Change in 'too much' from March 2022 to July 2024 (points)")
report.section("Against the Ipsos two-thirds")
report.table(comparison, caption="Ipsos' single poll against the average on the same date",
             percent_columns=("estimate", "lower_90", "upper_90"))
report.note("Different questions: Ipsos asked about continuing to provide weapons; Pew and "
            "Gallup about the overall amount of support. The comparison locates the Ipsos "
            "figure; it does not say the questions measure the same thing.")
report.section("House effects")
report.figure(fit.plot_house_effects(response="too much"),
              alt="Dot-and-interval chart of the house effect of Gallup and Pew on the 'too "
                  "much' share, in percentage points.",
              caption="House effect on 'too much' (points, 90% interval); they sum to zero.")
report.table(house, caption="House effects by response (percentage points, 90% interval)")
report.note("Each pollster asks only its own wording, so a house effect here includes the "
            "wording difference between Gallup's and Pew's questions.")
report.section("Model checks")
report.table(ppc.assign(end_date=ppc["end_date"].dt.strftime("%Y-%m-%d")),
             caption="Posterior predictive check: each published share (percent, as the "
                     "pollster published it) beside the 90% interval of the same share in "
                     "replicated data", percent_columns=("observed", "lower_90", "upper_90"))
report.table(prior, caption="Prior predictive check: the range of published shares the priors "
                            "alone allow (90%), wide by design",
             percent_columns=("lower_90", "median", "upper_90"))
report.table(fit.summary().reset_index(), caption="Parameter summary (90% intervals)")
report.sensitivity()
report.table(fit.contraction_table().drop(columns=["flag"]),
             caption="How much the data moved each headline quantity: prior and posterior "
                     "(90% intervals) and contraction = 1 - posterior variance / prior "
                     "variance")
report.methodology_of("Poll average (Pew + Gallup)", fit)
report.methodology(
    "Design effects: "
    + "; ".join(f"{pollster}: {', '.join(sorted(set(map(str, group))))}"
                for pollster, group in polls.data[polls.data["question_id"].isin(
                    ["pew_support_amount", "gallup_help_ukraine_amount"])]
                .groupby("pollster")["deff_source"])
    + ". A poll without a published margin of error enters at its full n; the poll-level "
    "error term absorbs part of the overstated precision.",
    "Cross-checks in the test suite: an exact Kalman smoother (statsmodels) and The "
    "Economist's published average of the 2022 French polls.")
report.diagnostics("Poll average (Pew + Gallup)", fit.diagnostics)
report.dataset(DATASET)
out = report.write(report_path("us_ukraine_support"))
print(f"wrote {out}")
