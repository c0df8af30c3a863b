"""opinion.survey.Design against R's survey package (independent implementation).

Reference values were produced by ``tests/reference/r_survey/make_reference.R`` with R 4.2.2
and survey 4.1.1 (see ``versions.txt``) on R's own ``api`` data (apistrat, apiclus1) and on a
simulated stratified cluster sample with fpc (``sim_survey.csv``, fixed seed). The R script
writes every number to ``results.csv`` (case, quantity, term, value); these tests only read
the CSV files, so they need no R. Every comparison is to 1e-6 relative.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from opinion.survey.design import Design

REF = Path(__file__).parent / "reference" / "r_survey"
RTOL = 1e-6


@cache
def results() -> pd.DataFrame:
    return pd.read_csv(REF / "results.csv", keep_default_na=False)


def ref(case: str, quantity: str) -> dict[str, float]:
    r = results()
    sel = r[(r["case"] == case) & (r["quantity"] == quantity)]
    assert len(sel), f"no reference for {case}/{quantity}"
    return dict(zip(sel["term"], sel["value"].astype(float), strict=True))


PERCENT = 100.0
"""R reports proportions on 0-1; opinion shows them in percent (points for se and leads)."""


def check(case: str, quantity: str, ours: dict[str, float], rtol: float = RTOL,
          scale: float = 1.0) -> None:
    """Our values against R's reference times ``scale`` (``PERCENT`` for proportions)."""
    expected = ref(case, quantity)
    assert set(ours) == set(expected), (case, quantity, sorted(ours), sorted(expected))
    for term, value in expected.items():
        np.testing.assert_allclose(ours[term], scale * value, rtol=rtol, atol=0,
                                   err_msg=f"{case} {quantity} {term}")


def check_table(case: str, ours: dict[str, dict[str, float]], wor: dict | None = None,
                scale: float = 1.0) -> None:
    """ours: quantity -> term -> value for estimate, se, deff_replace (and deff); estimate
    and se are compared with R's times ``scale``."""
    for q, values in ours.items():
        check(case, q, values, scale=scale if q in ("estimate", "se") else 1.0)
    if wor is not None:
        check(case, "deff", wor)


def as_terms(df: pd.DataFrame, key: str | list[str], prefix: str = "") -> dict[str, dict]:
    if isinstance(key, list):
        names = [":".join(map(str, t)) for t in df[key].itertuples(index=False)]
    else:
        names = [f"{prefix}{v}" for v in df[key]]
    return {
        "estimate": dict(zip(names, df["estimate"], strict=True)),
        "se": dict(zip(names, df["se"], strict=True)),
        "deff_replace": dict(zip(names, df["deff"], strict=True)),
    }


def wor(df: pd.DataFrame, key: str, prefix: str = "") -> dict[str, float]:
    return {f"{prefix}{v}": d for v, d in zip(df[key], df["deff"], strict=True)}


# ------------------------------------------------------------------ designs
@cache
def apistrat() -> pd.DataFrame:
    return pd.read_csv(REF / "apistrat.csv")


@cache
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(REF / "apiclus1.csv")


@cache
def sim() -> pd.DataFrame:
    return pd.read_csv(REF / "sim_survey.csv")


def dstrat() -> Design:
    return Design(apistrat(), weights="pw", strata="stype", fpc="fpc")


def dclus1() -> Design:
    return Design(apiclus1(), weights="pw", clusters="dnum", fpc="fpc")


def dsim() -> Design:
    return Design(sim(), weights="w", strata="region", clusters="psu", fpc="npsu_pop")


POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}


def sim_targets() -> pd.DataFrame:
    return pd.read_csv(REF / "sim_targets.csv")


def r_weights(name: str) -> np.ndarray:
    return pd.read_csv(REF / f"weights_{name}.csv")["w"].to_numpy()


# ------------------------------------------------------------------ helpers per statistic
def means(case: str, d: Design, variables: list[str], with_wor: bool = True) -> None:
    t = d.mean(variables)
    check_table(case, as_terms(t, "variable"),
                wor(d.mean(variables, deff="wor"), "variable") if with_wor else None)


def totals(case: str, d: Design, var: str, with_wor: bool = True) -> None:
    t = d.total(var)  # totals are counts or the variable's unit, never percent
    key, prefix = ("variable", "") if "value" not in t else ("value", var)
    check_table(case, as_terms(t, key, prefix),
                wor(d.total(var, deff="wor"), key, prefix) if with_wor else None)


def props(case: str, d: Design, var: str, with_wor: bool = True) -> None:
    t = d.topline(var)
    check_table(case, as_terms(t, "value", var),
                wor(d.topline(var, deff="wor"), "value", var) if with_wor else None,
                scale=PERCENT)


def by_mean(case: str, d: Design, var: str, by: str) -> None:
    check_table(case, as_terms(d.mean(var, by=by), by))


def by_props(case: str, d: Design, var: str, by: str) -> None:
    t = d.topline(var, by=by).copy()
    t["term"] = [f"{g}:{var}{v}" for g, v in zip(t[by], t["value"], strict=True)]
    check_table(case, as_terms(t, "term"), scale=PERCENT)


def chisq(case: str, d: Design, row: str, col: str) -> None:
    rs = d.chisq(row, col)
    check(case, "F", {"statistic": rs.f, "ndf": rs.ndf, "ddf": rs.ddf, "p_value": rs.p_f})
    check(case, "Chisq", {"statistic": rs.pearson, "df": rs.df, "p_value": rs.p_chisq})


def ciprop(case: str, d: Design, var: str, category: str) -> None:
    t = d.topline(var, ci="logit")
    row = t[t["value"] == category].iloc[0]
    check(case, "estimate", {"p": row["estimate"]}, scale=PERCENT)
    check(case, "ci", {"lower": row["lower_95"], "upper": row["upper_95"]}, scale=PERCENT)
    check(case, "df", {"df": row["df"]})


# ------------------------------------------------------------------ stratified (apistrat)
def test_stratified_means_totals_proportions() -> None:
    d = dstrat()
    means("strat_mean", d, ["api00", "enroll"])
    totals("strat_total", d, "enroll")
    props("strat_prop", d, "sch.wide")
    totals("strat_prop_total", d, "sch.wide")


def test_stratified_subgroups_chisq_ciprop() -> None:
    d = dstrat()
    by_mean("strat_by", d, "api00", "awards")
    by_props("strat_by_prop", d, "sch.wide", "yr.rnd")
    chisq("strat_chisq", d, "sch.wide", "comp.imp")
    chisq("strat_chisq_3x2", d, "stype", "awards")
    ciprop("strat_ciprop", d, "sch.wide", "Yes")


# ------------------------------------------------------------------ clustered (apiclus1)
def test_cluster_design() -> None:
    d = dclus1()
    means("clus1_mean", d, ["api00", "api99"])
    totals("clus1_total", d, "enroll")
    props("clus1_prop", d, "stype")
    by_mean("clus1_by", d, "api00", "stype")
    chisq("clus1_chisq", d, "sch.wide", "stype")
    ciprop("clus1_ciprop", d, "sch.wide", "Yes")
    ciprop("clus1_ciprop_E", d, "stype", "E")


def test_poststratified_cluster_design() -> None:
    d = dclus1().poststratify("stype", POP_TYPES)
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("clus1_ps"), rtol=1e-12)
    means("clus1_ps_mean", d, ["api00"])
    totals("clus1_ps_total", d, "enroll")
    props("clus1_ps_prop", d, "sch.wide")
    by_mean("clus1_ps_by", d, "api00", "sch.wide")


def test_raked_cluster_design() -> None:
    d = dclus1().rake({"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, tol=1e-14)
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("clus1_rake"), rtol=1e-9)
    means("clus1_rake_mean", d, ["api00", "enroll"])
    totals("clus1_rake_total", d, "enroll")
    props("clus1_rake_prop", d, "comp.imp")
    by_mean("clus1_rake_by", d, "api00", "stype")
    chisq("clus1_rake_chisq", d, "comp.imp", "stype")


def test_linear_calibration_cluster_design() -> None:
    d = dclus1().calibrate({"stype": POP_TYPES}, totals={"api99": 3914069})
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("clus1_cal"), rtol=1e-10)
    means("clus1_cal_mean", d, ["api00"])
    totals("clus1_cal_total", d, "enroll")
    props("clus1_cal_prop", d, "sch.wide")


# ------------------------------------------------------------------ replicate weights
def test_jk1_replicates_built_like_r() -> None:
    d = dclus1().as_replicate("JK1")
    check("clus1_jk1", "scale", {"scale": d._rep.scale})
    means("clus1_jk1_mean", d, ["api00", "enroll"])
    totals("clus1_jk1_total", d, "enroll")
    props("clus1_jk1_prop", d, "stype")


def test_jk1_weighting_reweights_every_replicate() -> None:
    jk1 = dclus1().as_replicate("JK1")
    rk = jk1.rake({"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, tol=1e-14)
    means("clus1_jk1_rake_mean", rk, ["api00"], with_wor=False)
    props("clus1_jk1_rake_prop", rk, "comp.imp", with_wor=False)
    cal = jk1.calibrate({"stype": POP_TYPES}, totals={"api99": 3914069})
    means("clus1_jk1_cal_mean", cal, ["api00"], with_wor=False)
    ps = jk1.poststratify("stype", POP_TYPES)
    means("clus1_jk1_ps_mean", ps, ["api00"], with_wor=False)


def test_bootstrap_replicate_weights_from_file() -> None:
    rw = pd.read_csv(REF / "repweights_clus1_boot.csv").to_numpy()
    scale = ref("clus1_boot", "scale")["scale"]
    d = Design(apiclus1(), weights="pw", replicate_weights=rw, replicate_type="bootstrap",
               scale=scale)
    means("clus1_boot_mean", d, ["api00", "enroll"], with_wor=False)
    totals("clus1_boot_total", d, "enroll", with_wor=False)
    props("clus1_boot_prop", d, "stype", with_wor=False)
    by_mean("clus1_boot_by", d, "api00", "stype")
    chisq("clus1_boot_chisq", d, "sch.wide", "stype")


def test_jkn_stratified() -> None:
    d = dstrat().as_replicate("JKn")
    means("strat_jkn_mean", d, ["api00"], with_wor=False)
    totals("strat_jkn_total", d, "enroll", with_wor=False)


def test_brr_replicate_weights_from_file() -> None:
    ids = pd.read_csv(REF / "repweights_sim_brr_ids.csv")["id"]
    data = sim().set_index("id").loc[ids].reset_index()
    rw = pd.read_csv(REF / "repweights_sim_brr.csv").to_numpy()
    d = Design(data, weights="w", replicate_weights=rw, replicate_type="BRR")
    check("sim_brr", "scale", {"scale": d._rep.scale})
    props("sim_brr_prop", d, "vote", with_wor=False)
    means("sim_brr_mean", d, ["income"], with_wor=False)


# ------------------------------------------------------------------ simulated stratified cluster
def test_sim_stratified_cluster_with_fpc() -> None:
    d = dsim()
    means("sim_mean", d, ["income", "approve"])
    totals("sim_total", d, "income")
    props("sim_prop", d, "vote")
    chisq("sim_chisq", d, "vote", "age")
    ciprop("sim_ciprop", d, "vote", "A")
    # missing answers are left out (R na.rm=TRUE): a domain of those who answered
    t = d.mean("trust")
    check("sim_trust", "estimate", {"trust": t["estimate"].iloc[0]})
    check("sim_trust", "se", {"trust": t["se"].iloc[0]})
    check("sim_trust", "deff_replace", {"trust": t["deff"].iloc[0]})


def test_sim_raked() -> None:
    d = dsim().rake(sim_targets(), kind="count", tol=1e-14)
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("sim_rake"), rtol=1e-9)
    means("sim_rake_mean", d, ["income", "approve"])
    totals("sim_rake_total", d, "income")
    props("sim_rake_prop", d, "vote")
    by_props("sim_rake_by", d, "vote", "sex")
    by_mean("sim_rake_by_region", d, "income", "region")
    chisq("sim_rake_chisq", d, "vote", "age")
    ciprop("sim_rake_ciprop", d, "vote", "A")


def test_sim_raked_with_proportions_equals_counts() -> None:
    t = sim_targets()
    props_targets = {
        var: dict(zip(g["category"], g["target"] / g["target"].sum(), strict=True))
        for var, g in t.groupby("variable")
    }
    a = dsim().rake(props_targets, total=1e6, tol=1e-14)
    np.testing.assert_allclose(a.weights.to_numpy(), r_weights("sim_rake"), rtol=1e-9)


def test_sim_lead_and_subgroup_difference() -> None:
    d = dsim().rake(sim_targets(), kind="count", tol=1e-14)
    lead = d.lead("vote", "A", "B").iloc[0]
    check("sim_rake_lead", "estimate", {"A-B": lead["lead"]}, scale=PERCENT)
    check("sim_rake_lead", "se", {"A-B": lead["se"]}, scale=PERCENT)
    diff = d.compare_subgroups("vote", "sex", "F", "M", category="A").iloc[0]
    check("sim_rake_sexdiff", "estimate", {"F-M": diff["difference"]}, scale=PERCENT)
    check("sim_rake_sexdiff", "se", {"F-M": diff["se"]}, scale=PERCENT)
    check("sim_rake_sexdiff", "df", {"df": diff["df"]})


def test_sim_raking_calibration() -> None:
    d = dsim().calibrate(sim_targets(), kind="count", method="raking", tol=1e-13)
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("sim_calrake"), rtol=1e-9)
    # raking and raking calibration reach the same weights
    np.testing.assert_allclose(r_weights("sim_calrake"), r_weights("sim_rake"), rtol=1e-9)
    props("sim_calrake_prop", d, "vote")
    means("sim_calrake_mean", d, ["income"])


def test_sim_linear_calibration_with_numeric_total() -> None:
    d = dsim().calibrate(sim_targets(), kind="count", totals={"income": 4.6e10})
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("sim_cal"), rtol=1e-10)
    means("sim_cal_mean", d, ["approve"])
    props("sim_cal_prop", d, "vote")
    totals("sim_cal_total", d, "approve")
    by_mean("sim_cal_by", d, "approve", "age")


def test_sim_poststratified_on_joint_cells() -> None:
    cells = pd.read_csv(REF / "sim_agesex_targets.csv")
    d = dsim().poststratify(["age", "sex"], cells)
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("sim_ps"), rtol=1e-12)
    props("sim_ps_prop", d, "vote")
    means("sim_ps_mean", d, ["income"])
    by_props("sim_ps_by", d, "vote", "educ")


def test_sim_trim_like_trimweights() -> None:
    d = dsim().trim(upper=80, lower=20, relative=False)
    np.testing.assert_allclose(d.weights.to_numpy(), r_weights("sim_trim"), rtol=1e-12)


def test_sim_jkn_raked_replicates() -> None:
    jkn = dsim().as_replicate("JKn")
    props("sim_jkn_prop", jkn, "vote", with_wor=False)
    rk = jkn.rake(sim_targets(), kind="count", tol=1e-14)
    props("sim_jkn_rake_prop", rk, "vote", with_wor=False)
    means("sim_jkn_rake_mean", rk, ["income"], with_wor=False)
    by_props("sim_jkn_rake_by", rk, "vote", "sex")
    chisq("sim_jkn_rake_chisq", rk, "vote", "age")


def test_every_reference_case_is_checked() -> None:
    """Guard: each case written by the R script is used by a test in this file."""
    source = Path(__file__).read_text()
    missing = [c for c in results()["case"].unique() if f'"{c}"' not in source]
    assert not missing
