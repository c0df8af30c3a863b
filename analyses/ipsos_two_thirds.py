# %% [markdown]
# # How solid is "two-thirds"?
#
# In October 2022 a Reuters/Ipsos poll (n = 1,005 U.S. adults, online, fielded 4-5 October)
# found 66% support for continuing to provide weapons to Ukraine; the news article that
# started this project reported it as "two-thirds of Americans". This analysis asks how much
# that single number can carry: its interval under a realistic design effect, whether it is
# distinguishable from two-thirds or from a bare majority, and how it compares with other
# 2022-23 polls on arming and aiding Ukraine, whose wordings differ.
#
# Run as a script (`python analyses/ipsos_two_thirds.py` or `opinion report ipsos_two_thirds`)
# or open as a notebook with jupytext. It uses only bundled, checksummed data.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import opinion
from opinion.formatting import interval_columns
from opinion.models.core.layout import wrap_text
from opinion.models.core.theme import palette, percent_axis, source_note, theme
from opinion.report import Report, format_interval, report_path
from opinion.survey import deff_from_moe, difference_test, margin_of_error, proportion_ci

DATASET = "us_ukraine_support"
LEVEL = 0.95
LO, HI = interval_columns(LEVEL)  # lower_95, upper_95: the interval columns below
polls = opinion.datasets.load(DATASET)
polls

# %% [markdown]
# ## The headline poll and its design effect
#
# Ipsos publishes a *credibility interval* rather than a margin of error. For its August 2022
# Reuters poll of the same size (n = 1,005) it stated +/-3.8 points; backing the design effect
# out of that (deff = n (moe / 1.96)^2 / 0.25) gives about 1.5, typical of a weighted online
# panel. We use it for the October poll, whose own interval was not captured.

# %%
N = 1005
SHARE = 0.66
DEFF = float(deff_from_moe(N, 3.8))
rows = []
for label, deff in (("simple random sample (deff 1)", 1.0),
                    (f"Ipsos' stated precision (deff {DEFF:.2f})", DEFF)):
    lo, hi = proportion_ci(SHARE, N, method="wilson", deff=deff, level=LEVEL)  # percent
    rows.append({"assumption": label, "estimate": 100 * SHARE, LO: lo, HI: hi,
                 "margin of error (pts)": margin_of_error(N, SHARE, deff=deff),
                 "effective n": N / deff})
intervals = pd.DataFrame(rows)
intervals

# %% [markdown]
# Two-thirds (66.7%) is well inside the interval, and so is anything from the low 60s to
# about 70%: the poll cannot tell "two-thirds" from "three in five". A bare majority, on the
# other hand, is far outside it.

# %%
lo_r, hi_r = proportion_ci(SHARE, N, method="wilson", deff=DEFF, level=LEVEL)
z = (SHARE - 0.5) / np.sqrt(SHARE * (1 - SHARE) * DEFF / N)
methods = pd.DataFrame([
    {"method": m, LO: a, HI: b}
    for m in ("wilson", "jeffreys", "agresti_coull", "clopper_pearson")
    for a, b in [proportion_ci(SHARE, N, method=m, deff=DEFF, level=LEVEL)]
])
methods

# %% [markdown]
# ## Other 2022-23 polls on arming and aiding Ukraine
#
# Each comparison below is a *different question*: "continue providing weapons" (Ipsos),
# "providing weapons: favor / oppose / neither" (AP-NORC, with an explicit middle option),
# "support Ukraine as long as it takes" (Chicago Council), "help without risking war"
# (Quinnipiac). Differences therefore mix real change, wording and house effects; the tests
# treat each pair as independent samples, which is right for different polls and wrong for
# two questions in the same poll (marked).

# %%
data = polls.data
supportive = {
    "ipsos_continue_weapons": "support",
    "ipsos_continue_financial_aid": "support",
    "ipsos_support_despite_nuclear_threats": "agree",
    "apnorc_provide_weapons": "favor",
    "apnorc_send_funds": "favor",
    "ccga_as_long_as_it_takes": "as long as it takes",
    "quinnipiac_help_without_risking_war": "without risking war",
}
pick = data[(data["subgroup"] == "all")
            & data.apply(lambda r: supportive.get(r["question_id"]) == r["response"], axis=1)]
base = pick[pick["question_id"] == "ipsos_continue_weapons"].iloc[0]
comparison = []
for row in pick.sort_values("end_date").itertuples():
    # polls without a published margin get Ipsos' stated precision for the same n, not deff 1
    deff = DEFF if row.deff_source == "assumed 1" else row.deff
    lo, hi = proportion_ci(row.pct / 100, row.n, deff=deff, level=LEVEL)  # percent
    same_poll = row.poll_id == base["poll_id"]
    entry = {
        "poll": f"{row.pollster} ({row.end_date:%b %Y})", "question": row.question_text,
        "answer": row.response, "estimate": row.pct, LO: lo, HI: hi,
        "n": row.n, "deff": deff,
        "deff source": "Ipsos' stated precision" if row.deff_source == "assumed 1"
        else row.deff_source,
        "difference vs Ipsos weapons (pts)": np.nan, "p-value": np.nan,
    }
    if row.question_id != "ipsos_continue_weapons":
        test = difference_test(row.pct / 100, row.n, SHARE, N, deff1=deff, deff2=DEFF)
        entry["difference vs Ipsos weapons (pts)"] = test.diff  # points
        entry["p-value"] = test.pvalue
        entry["p"] = "< 0.001" if test.pvalue < 0.001 else f"{test.pvalue:.3f}"
        entry["note"] = "same poll: not independent" if same_poll else ""
    else:
        entry["note"] = "the headline figure"
    comparison.append(entry)
comparison = pd.DataFrame(comparison)
comparison

# %%
PALETTE = palette()


def comparison_chart(narrow: bool = False):
    """Dot-and-interval chart of ``comparison``; ``narrow`` draws it for a phone, each poll's
    label on its own line above its interval instead of beside it."""
    labels = [f"{p}: {q}" for p, q in zip(comparison["poll"], comparison["question"],
                                          strict=True)]
    rows = len(comparison)
    with theme():
        if narrow:
            fig, ax = plt.subplots(figsize=(3.75, 0.62 * rows + 1.9), layout="constrained")
        else:
            wrapped = [wrap_text(label, 46) for label in labels]
            lines = sum(label.count("\n") + 1 for label in wrapped)
            fig, ax = plt.subplots(figsize=(8, 0.24 * lines + 0.2 * rows + 1.5),
                                   layout="constrained")
    y = np.arange(rows)[::-1]
    colours = [PALETTE[3] if "headline" in str(n) else PALETTE[0] for n in comparison["note"]]
    ax.hlines(y, comparison[LO], comparison[HI], color=colours, lw=3)
    ax.scatter(comparison["estimate"], y, color=colours, zorder=3, s=40)
    ax.axvline(200 / 3, color="#666666", lw=1, ls="--")
    ax.set_ylim(-0.6, rows - 0.1)
    ax.text(200 / 3, rows - 0.35, " two-thirds", color="#444444", fontsize=9)
    ax.axvline(50, color="#999999", lw=0.8, ls=":")
    percent_axis(ax, "x")
    if narrow:
        ax.set_yticks(y, [""] * rows)
        ax.set_xlim(25, 100)
        for yi, label in zip(y, labels, strict=True):
            ax.annotate(wrap_text(label, 58), xy=(0, yi), xycoords=("axes fraction", "data"),
                        xytext=(0, 5), textcoords="offset points", fontsize=7.5, va="bottom",
                        color="#262626", bbox={"facecolor": "white", "edgecolor": "none",
                                               "alpha": 0.85, "pad": 0.5})
        ax.set_xlabel(f"Share giving the supportive answer ({LEVEL:.0%} interval, design "
                      "effects included)")
    else:
        ax.set_yticks(y, wrapped, fontsize=8)
        ax.set_xlabel(f"Share giving the supportive answer ({LEVEL:.0%} interval, design effects "
                      "included)")
    source_note(ax, "Sources: Ipsos/Reuters, AP-NORC, Chicago Council/Ipsos, Quinnipiac; "
                    "bundled dataset us_ukraine_support.")
    return fig


fig, fig_phone = comparison_chart(), comparison_chart(narrow=True)

# %% [markdown]
# ## Report

# %%
report = Report("How solid is “two-thirds”? The Ipsos October 2022 poll on arming Ukraine",
                subtitle="One poll, its uncertainty, and how it compares with other polls.",
                seed=None)
real = intervals.iloc[1]
# One poll's design-based interval: no prior touches it (contraction None).
report.headline(
    "Ipsos/Reuters (Oct 4-5 2022, n = 1,005): "
    + format_interval(real["estimate"], real[LO], real[HI], 1, LEVEL).replace(
        "interval", "confidence interval")
    + f" support continuing to send weapons, allowing for a design effect of {DEFF:.2f}.",
    value=real["estimate"], lower=real[LO], upper=real[HI], level=LEVEL,
    contraction=None)
report.headline(
    f"“Two-thirds” is inside that interval, but so is anything from "
    f"{real[LO]:.0f}% to {real[HI]:.0f}%; a bare majority is not "
    f"(z = {z:.1f} against an even split).", value=z, contraction=None)
other = comparison.dropna(subset=["p-value"])
indep = other[other["note"] == ""]
report.headline(
    f"Other polls with other wordings range from {indep['estimate'].min():.0f}% to "
    f"{indep['estimate'].max():.0f}%: wording (an explicit 'neither' option, 'as long as it "
    "takes', risk of war) moves the number more than sampling error does.",
    value=indep["estimate"].max() - indep["estimate"].min(), contraction=None)
report.check("design_effect", {"ipsos_deff": DEFF, "effective_n": N / DEFF,
                               "source": "Ipsos' stated +/-3.8 for n = 1,005"})
report.section("The headline poll")
report.text("A single poll's margin of error depends on its design effect: weighting an online "
            "panel to the population inflates the variance. Ipsos' stated credibility "
            f"interval for a poll of the same size (+/-3.8) implies deff = {DEFF:.2f}, an "
            f"effective sample of about {N / DEFF:.0f} rather than 1,005.")
report.table(intervals, caption="Interval for 66% under two assumptions (Wilson, 95%)",
             percent_columns=("estimate", LO, HI))
report.table(methods, caption="The same interval by four methods (deff included)",
             percent_columns=(LO, HI))
report.section("Against other polls")
report.figure(fig, narrow=fig_phone,
              alt="Dot-and-interval plot of the share giving a supportive answer in "
              "seven 2022-23 U.S. polls on arming or aiding Ukraine, with the Ipsos 66% "
              "highlighted and a dashed line at two-thirds.",
              caption="Each line is a 95% interval with the poll's design effect. Different "
                      "questions: compare wordings before comparing numbers.")
report.table(comparison[["poll", "question", "answer", "estimate", LO, HI, "n",
                         "deff", "deff source", "difference vs Ipsos weapons (pts)", "p",
                         "note"]],
             caption="Supportive answers and difference tests against the Ipsos weapons item "
                     "(two independent samples; statsmodels test_proportions_2indep)",
             percent_columns=("estimate", LO, HI), decimals=1)
report.note("The article blended two Ipsos items: 66% support continuing to provide weapons; "
            "73% say the U.S. should keep supporting Ukraine despite Russia's nuclear threats.")
deff_sources = comparison["deff source"].value_counts()
report.methodology(
    f"Intervals are Wilson score intervals at {LEVEL:.0%} on the effective sample size "
    "n / deff (statsmodels proportion_confint).",
    "Design effects, poll by poll (the deff column of the comparison table): "
    + "; ".join(f"{source}: {count} poll(s)" for source, count in deff_sources.items())
    + f". Polls that publish no margin of error take Ipsos' stated precision for n = 1,005 "
    f"(+/-3.8 points, deff {DEFF:.2f}) rather than deff 1.",
    "Differences between polls use statsmodels test_proportions_2indep (Wald, unpooled) on "
    "effective sizes. Two questions asked in the same poll are not independent samples; "
    "their tests are shown only for orientation and marked.",
    f"Figures come from the bundled dataset {DATASET}, built only from verified rows of the "
    "project's fact sheet, each with its source URL.",
)
report.dataset(DATASET)
out = report.write(report_path("ipsos_two_thirds"))
print(f"wrote {out}")
