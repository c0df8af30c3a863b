"""Simulated survey microdata with a known population and a known multilevel truth (MRP).

The population (``design_seed``): ``states`` states x 4 age bands x 3 education levels x the
issues, with cell counts from state sizes, age and education margins and issue distributions
that differ by state. The truth (``seed``): a multilevel logistic (two parties) or softmax
(more) model, :math:`\\eta_{c,k} = \\alpha_k + \\sum_g a_{g,k}[\\ell_g(c)]`, effects
:math:`a_{g,k} \\sim N(0, \\sigma_g)`. The sample: ``n`` respondents drawn from the cells with
probability proportional to count x inclusion propensity, the propensity falling for young and
less educated people (unequal inclusion); weights are the inverse propensity times a little
random noise (as raking would produce), normalised to mean 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

AGES = ("18-29", "30-44", "45-64", "65+")
EDUCS = ("no degree", "some college", "degree")
ISSUES = ("economy", "immigration", "abortion", "war in Ukraine")
DEFAULT_SD = {"state": 0.5, "age": 0.3, "educ": 0.4, "issue": 0.8}


@dataclass
class MRPTruth:
    """The simulation's truth.

    Attributes
    ----------
    cells
        The population table with the true vote probability of every party (``p_<party>``).
    shares
        True poststratified vote (percent): ``by, group, party, share`` for the whole
        population (``by = "all"``) and every level of every group column.
    effects
        ``{group: DataFrame(level x contrast)}`` true varying intercepts (log-odds).
    intercept
        True baseline log-odds per non-reference party.
    """

    cells: pd.DataFrame
    shares: pd.DataFrame
    effects: dict[str, pd.DataFrame] = field(default_factory=dict)
    intercept: dict[str, float] = field(default_factory=dict)


def simulate_population(states: int = 10, design_seed: int = 0,
                        issues: tuple[str, ...] = ISSUES, size: float = 1e6) -> pd.DataFrame:
    """Population table ``state, age, educ, issue, n`` (every count positive)."""
    rng = np.random.default_rng(design_seed)
    state_names = [f"S{i + 1:02d}" for i in range(states)]
    state_w = rng.lognormal(0, 0.6, states)
    age_w = np.array([0.2, 0.26, 0.33, 0.21])
    educ_w = np.array([0.4, 0.28, 0.32])
    grid = pd.MultiIndex.from_product([state_names, AGES, EDUCS, issues],
                                      names=["state", "age", "educ", "issue"]).to_frame(
                                          index=False)
    issue_w = rng.dirichlet(np.full(len(issues), 8.0), size=states)  # by state
    s = grid["state"].map({n: i for i, n in enumerate(state_names)}).to_numpy()
    a = grid["age"].map({n: i for i, n in enumerate(AGES)}).to_numpy()
    e = grid["educ"].map({n: i for i, n in enumerate(EDUCS)}).to_numpy()
    k = grid["issue"].map({n: i for i, n in enumerate(issues)}).to_numpy()
    share = (state_w[s] / state_w.sum() * age_w[a] * educ_w[e] * issue_w[s, k]
             * rng.lognormal(0, 0.2, len(grid)))
    grid["n"] = np.maximum(1, np.round(size * share / share.sum())).astype(int)
    return grid


def simulate_mrp(seed: int, *, n: int = 1500, states: int = 10, design_seed: int = 0,
                 parties: tuple[str, ...] = ("dem", "rep"),
                 group_sd: dict[str, float] | None = None, intercept_sd: float = 0.3,
                 issues: tuple[str, ...] = ISSUES, weight_noise: float = 0.15,
                 interaction_sd: float = 0.0,
                 ) -> tuple[pd.DataFrame, pd.DataFrame, MRPTruth]:
    """Simulate a weighted survey sample, its population table and the truth.

    Parameters
    ----------
    seed
        Seed of the truth (effects) and of the sample.
    n
        Respondents.
    states, design_seed, issues
        The population (:func:`simulate_population`), identical for every ``seed``.
    parties
        Parties; the first is the reference.
    group_sd
        True sd of each group's intercepts (log-odds), default
        ``{"state": 0.5, "age": 0.3, "educ": 0.4, "issue": 0.8}``.
    intercept_sd
        Sd of the true baseline log-odds.
    weight_noise
        Sd of the log of the random part of the weights.
    interaction_sd
        Sd of true issue x state effects (log-odds; default 0: none). Drawn after the main
        effects, so the main effects of a seed do not change with it.

    Returns
    -------
    tuple
        ``(sample, population, truth)``: sample ``state, age, educ, issue, vote, weight``,
        the population table ``state, age, educ, issue, n`` and a :class:`MRPTruth`.
    """
    sds = {**DEFAULT_SD, **(group_sd or {})}
    population = simulate_population(states, design_seed, issues)
    rng = np.random.default_rng(seed)
    contrasts = list(parties[1:])
    intercept = rng.normal(0, intercept_sd, len(contrasts))
    eta = np.broadcast_to(intercept, (len(population), len(contrasts))).copy()
    effects = {}
    for g in ("state", "age", "educ", "issue"):
        levels = list(dict.fromkeys(population[g]))
        a = rng.normal(0, sds[g], (len(levels), len(contrasts)))
        effects[g] = pd.DataFrame(a, index=levels, columns=contrasts)
        eta += a[population[g].map({lv: i for i, lv in enumerate(levels)}).to_numpy()]
    if interaction_sd > 0:
        combos = population["issue"].astype(str) + " | " + population["state"].astype(str)
        labels = list(dict.fromkeys(combos))
        a = rng.normal(0, interaction_sd, (len(labels), len(contrasts)))
        effects["issue:state"] = pd.DataFrame(a, index=labels, columns=contrasts)
        eta += a[combos.map({lv: i for i, lv in enumerate(labels)}).to_numpy()]
    full = np.concatenate([np.zeros((len(eta), 1)), eta], axis=1)
    p = np.exp(full - full.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    cells = population.copy()
    for j, party in enumerate(parties):
        cells[f"p_{party}"] = p[:, j]
    # unequal inclusion: the young and the less educated answer less often
    age_i = cells["age"].map({a: i for i, a in enumerate(AGES)}).to_numpy()
    educ_i = cells["educ"].map({e: i for i, e in enumerate(EDUCS)}).to_numpy()
    propensity = np.exp(0.35 * age_i + 0.45 * educ_i)
    draw = rng.multinomial(n, cells["n"] * propensity / (cells["n"] * propensity).sum())
    rows = np.repeat(np.arange(len(cells)), draw)
    votes = np.array([rng.choice(len(parties), p=p[r]) for r in rows]) if len(parties) > 2 \
        else (rng.random(len(rows)) < p[rows, 1]).astype(int)
    weight = (1 / propensity[rows]) * rng.lognormal(0, weight_noise, len(rows))
    sample = cells.iloc[rows][["state", "age", "educ", "issue"]].reset_index(drop=True)
    sample["vote"] = np.asarray(parties)[votes]
    sample["weight"] = weight / weight.mean()
    sample = sample.sample(frac=1.0, random_state=rng.integers(2**31)).reset_index(drop=True)
    return sample, population, MRPTruth(cells, _true_shares(cells, parties), effects,
                                        dict(zip(contrasts, intercept.tolist(), strict=True)))


def _true_shares(cells: pd.DataFrame, parties: tuple[str, ...]) -> pd.DataFrame:
    frames = []
    probs = cells[[f"p_{p}" for p in parties]].to_numpy() * cells["n"].to_numpy()[:, None]
    weighted = pd.DataFrame(probs, columns=list(parties))
    for by in ("all", "state", "age", "educ", "issue"):
        key = pd.Series("all", index=cells.index) if by == "all" else cells[by]
        totals = weighted.groupby(key.to_numpy(), sort=False).sum()
        shares = 100 * totals.div(totals.sum(axis=1), axis=0)
        long = shares.rename_axis("group").reset_index().melt(
            id_vars="group", var_name="party", value_name="share")
        frames.append(long.assign(by=by))
    return pd.concat(frames, ignore_index=True)[["by", "group", "party", "share"]]
