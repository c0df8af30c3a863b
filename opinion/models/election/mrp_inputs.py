"""Data preparation of the MRP vote model: input checks, level matching, weights, cells.

:func:`prepare_mrp` checks the respondents and the population table (listing every problem at
once), turns group values into level labels (``1.0`` and ``1`` are the same level), matches
population levels to sample levels (refusing near-misspellings, noting new levels), rescales
the survey weights to Kish's effective sample size and expands the population into the
complete grid of cells (splitting cells by issue priority when the table has no issue column).
The maths is in :mod:`opinion.models.election.mrp`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError
from opinion.frames.microdata import Microdata, format_code
from opinion.models.core.inputs import problems_message
from opinion.models.election.mrp_config import VoteMRPConfig


def kish_effective_n(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (= n for equal weights)."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.square(w).sum())


def rescale_weights(weights: np.ndarray) -> np.ndarray:
    """Weights rescaled to sum to Kish's effective sample size (see
    :mod:`opinion.models.election.mrp`)."""
    w = np.asarray(weights, dtype=float)
    return w * kish_effective_n(w) / w.sum()


def as_levels(values: pd.Series) -> pd.Series:
    """Values as level labels (text): ``1.0 -> "1"``, missing stays missing."""
    out = values.astype(object).map(lambda v: format_code(v) if pd.notna(v) else np.nan)
    return out.astype(object)


def _level_order(values: pd.Series, original: pd.Series) -> list[str]:
    """Levels in a natural order: categorical order, numeric order, else alphabetical."""
    present = list(dict.fromkeys(values.dropna()))
    if isinstance(original.dtype, pd.CategoricalDtype):
        cats = [format_code(c) for c in original.cat.categories]
        return [c for c in cats if c in present] + sorted(set(present) - set(cats))
    numeric = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if numeric.notna().all():
        return [present[i] for i in np.argsort(numeric.to_numpy(), kind="stable")]
    return sorted(present)


def _spelling_key(level: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", str(level)).strip().casefold()


@dataclass
class MRPData:
    """Prepared sample and population (what the model and its results see)."""

    frame: pd.DataFrame
    parties: list[str]
    y: np.ndarray
    levels: dict[str, list[str]]
    idx: dict[str, np.ndarray]
    X: np.ndarray
    cov_mean: list[float]
    cov_sd: list[float]
    w: np.ndarray
    n_eff: float
    cells: pd.DataFrame
    base_cols: list[str]
    new_levels: dict[str, list[str]]
    notes: list[str]


def _as_frame(microdata: Microdata | pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame,
                                                                              str | None]:
    if isinstance(microdata, Microdata):
        frame = microdata.data.copy()
        for col in columns:
            if col in frame and microdata.value_labels.get(col):
                frame[col] = microdata.labelled(col).astype(object)
        return frame, microdata.weight
    if isinstance(microdata, pd.DataFrame):
        return microdata.copy(), None
    raise ModelInputError("VoteMRP needs a Microdata object or a pandas DataFrame of "
                          f"respondents, not {type(microdata).__name__}")


def prepare_mrp(microdata: Microdata | pd.DataFrame, population: pd.DataFrame,
                config: VoteMRPConfig) -> MRPData:
    """Check and prepare the respondents and the population table.

    Raises
    ------
    ModelInputError
        Listing every problem found (missing columns, an outcome with fewer than two
        categories, bad weights or counts, population levels spelled differently ...).
    """
    c = config
    groups, covs = list(c.groups), list(c.covariates)
    frame, _ = _as_frame(microdata, [c.vote, *groups])
    problems: list[str] = []
    needed = [c.vote, *groups, *covs] + ([c.weight] if c.weight else [])
    missing = [col for col in needed if col not in frame.columns]
    if missing:
        problems.append(f"sample: missing column(s) {missing} (have: "
                        f"{', '.join(map(str, frame.columns[:25]))})")
    if c.issue is not None and c.issue not in groups:
        problems.append(f"issue column {c.issue!r} must be one of groups {groups}")
    if not isinstance(population, pd.DataFrame):
        raise ModelInputError("population must be a DataFrame with one row per cell")
    pop_needed = [g for g in groups if g != c.issue] + covs + [c.count]
    pop_missing = [col for col in pop_needed if col not in population.columns]
    if pop_missing:
        problems.append(f"population table: missing column(s) {pop_missing} (it needs every "
                        f"group column{' except the issue' if c.issue else ''}, every "
                        f"covariate and the count column {c.count!r})")
    if problems:
        raise ModelInputError(problems_message("VoteMRP cannot use these data", problems))

    notes: list[str] = []
    data = pd.DataFrame({c.vote: as_levels(frame[c.vote])})
    for g in groups:
        data[g] = as_levels(frame[g])
    for cov in covs:
        values = pd.to_numeric(frame[cov], errors="coerce")
        bad = int((values.isna() & frame[cov].notna()).sum())
        if bad:
            problems.append(f"covariate {cov!r} is not numeric ({bad} non-numeric values)")
        data[cov] = values.astype(float)
    if c.weight:
        data["_weight"] = pd.to_numeric(frame[c.weight], errors="coerce").astype(float)
    else:
        data["_weight"] = 1.0
    if problems:
        raise ModelInputError(problems_message("VoteMRP cannot use these data", problems))
    complete = data.notna().all(axis=1)
    if (~complete).any():
        notes.append(f"{int((~complete).sum())} respondent(s) with a missing vote, group, "
                     "covariate or weight were left out")
        data = data[complete].reset_index(drop=True)
        frame = frame[complete.to_numpy()].reset_index(drop=True)
    if data.empty:
        raise ModelInputError("VoteMRP: no respondent has a vote and every predictor")
    w_raw = data["_weight"].to_numpy()
    if (w_raw < 0).any() or not np.isfinite(w_raw).all() or w_raw.sum() <= 0:
        problems.append(f"weight {c.weight!r} has negative, infinite or all-zero values")
    parties = _level_order(data[c.vote], frame[c.vote])
    if len(parties) < 2:
        problems.append(f"outcome {c.vote!r} has {len(parties)} categor"
                        f"{'y' if len(parties) == 1 else 'ies'} {parties}: need at least 2")
    elif c.reference is not None:
        if str(c.reference) not in parties:
            problems.append(f"reference party {c.reference!r} is not an outcome category "
                            f"({parties})")
        else:
            parties.remove(str(c.reference))
            parties.insert(0, str(c.reference))
    for g in groups:
        if data[g].nunique() < 2:
            problems.append(f"group {g!r} has a single level in the sample: drop it from "
                            "groups")
    for cov in covs:
        if cov in data and data[cov].std() == 0:
            problems.append(f"covariate {cov!r} is constant in the sample")
    counts = pd.to_numeric(population[c.count], errors="coerce")
    bad_counts = ~(counts > 0) | ~np.isfinite(counts.fillna(0))
    if bad_counts.any():
        rows = [int(i) for i in np.flatnonzero(bad_counts.to_numpy())[:5]]
        problems.append(f"population table: {int(bad_counts.sum())} cell(s) with a missing or "
                        f"non-positive count in {c.count!r} (rows {rows})")
    levels = {g: _level_order(data[g], frame[g]) for g in groups}
    pop = pd.DataFrame(index=population.index)
    new_levels: dict[str, list[str]] = {}
    for g in groups:
        if g not in population.columns:
            continue
        pop[g] = as_levels(population[g])
        if pop[g].isna().any():
            problems.append(f"population table: {int(pop[g].isna().sum())} missing value(s) "
                            f"in {g!r}")
            continue
        unseen = [lv for lv in dict.fromkeys(pop[g]) if lv not in levels[g]]
        keys = {_spelling_key(lv): lv for lv in levels[g]}
        spelled = [(lv, keys[_spelling_key(lv)]) for lv in unseen if _spelling_key(lv) in keys]
        if spelled:
            shown = ", ".join(f"{a!r} (sample: {b!r})" for a, b in spelled)
            problems.append(f"population table: level(s) of {g!r} spelled differently from the "
                            f"sample: {shown}")
        fresh = [lv for lv in unseen if _spelling_key(lv) not in keys]
        if fresh:
            if not c.allow_new_levels:
                problems.append(f"population table: level(s) of {g!r} not in the sample: "
                                f"{fresh} (allow_new_levels=True draws them from the "
                                "group-level distribution)")
            new_levels[g] = fresh
            notes.append(f"{g}: population level(s) {fresh} have no respondents; their "
                         "intercepts are drawn from the group-level distribution")
    for cov in covs:
        values = pd.to_numeric(population[cov], errors="coerce")
        if values.isna().any():
            problems.append(f"population table: covariate {cov!r} has missing or non-numeric "
                            "values")
        pop[cov] = values.astype(float)
    if problems:
        raise ModelInputError(problems_message("VoteMRP cannot use these data", problems))
    pop["count"] = counts.astype(float)

    base_cols = [g for g in groups if g != c.issue] + covs
    cells = _cell_grid(pop, data, base_cols, c.issue, levels, new_levels, notes)
    for a, b in c.interactions:
        name = interaction_name(a, b)
        levels[name] = combined_levels(data[a], data[b], levels[a], levels[b])
        unseen = [lv for lv in dict.fromkeys(combined(cells[a], cells[b]))
                  if lv not in levels[name]]
        if unseen:
            new_levels[name] = unseen
            notes.append(f"{name}: {len(unseen)} combination(s) of the population have no "
                         "respondents; their effects are drawn from the interaction's "
                         "distribution")
        data[name] = combined(data[a], data[b])
    held = _holdout_mask(len(data), c.holdout_fraction, c.holdout_seed)
    if held.any():
        notes.append(f"{int(held.sum())} of {len(data)} respondents ({c.holdout_fraction:.0%}, "
                     f"seed {c.holdout_seed}) held out of the fit for heldout_check()")
    fit = data[~held]
    y = np.array([parties.index(v) for v in fit[c.vote]], dtype="int64")
    effects = [*groups, *(interaction_name(a, b) for a, b in c.interactions)]
    idx = {g: pd.Categorical(fit[g], categories=levels[g]).codes.astype("int64")
           for g in effects}
    cov_mean = [float(fit[cov].mean()) for cov in covs]
    cov_sd = [float(fit[cov].std()) for cov in covs]
    X = ((fit[covs].to_numpy(dtype=float) - np.array(cov_mean)) / np.array(cov_sd)
         if covs else np.zeros((len(fit), 0)))
    w = rescale_weights(w_raw[~held])
    out = data.drop(columns=[interaction_name(a, b) for a, b in c.interactions]).rename(
        columns={"_weight": "weight"})
    out["heldout"] = held
    out["weight_scaled"] = 0.0
    out.loc[~held, "weight_scaled"] = w
    return MRPData(frame=out, parties=parties, y=y, levels=levels, idx=idx, X=X,
                   cov_mean=cov_mean, cov_sd=cov_sd, w=w,
                   n_eff=kish_effective_n(w_raw[~held]), cells=cells, base_cols=base_cols,
                   new_levels=new_levels, notes=notes)


def interaction_name(a: str, b: str) -> str:
    """Name of the varying effect of the combinations of groups ``a`` and ``b``."""
    return f"{a}:{b}"


def combined(a: pd.Series, b: pd.Series) -> pd.Series:
    """Combination labels ``level_a | level_b``."""
    return a.astype(str).str.cat(b.astype(str), sep=" | ")


def combined_levels(a: pd.Series, b: pd.Series, levels_a: list[str], levels_b: list[str]
                    ) -> list[str]:
    """The combinations present in the sample, in the order of the two groups' levels."""
    present = set(combined(a, b))
    return [f"{x} | {y}" for x in levels_a for y in levels_b if f"{x} | {y}" in present]


def _holdout_mask(n: int, fraction: float, seed: int) -> np.ndarray:
    if fraction <= 0:
        return np.zeros(n, dtype=bool)
    rng = np.random.default_rng([int(seed), 1996])
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=int(round(fraction * n)), replace=False)] = True
    return mask


def _cell_grid(pop: pd.DataFrame, data: pd.DataFrame, base_cols: list[str], issue: str | None,
               levels: dict[str, list[str]], new_levels: dict[str, list[str]],
               notes: list[str]) -> pd.DataFrame:
    """Complete population grid: every base cell x every issue level, with its count.

    Rows are ordered base cell by base cell (issue levels inside), so the counts reshape to
    (base cells, issues).
    """
    key = base_cols or ["_all"]
    pop = pop.assign(_all="all") if not base_cols else pop
    if issue is None:
        return pop.groupby(key, sort=False, dropna=False)["count"].sum().reset_index()[
            [*base_cols, "count"]]
    issues = levels[issue] + new_levels.get(issue, [])
    if issue in pop.columns:
        mass = pop.groupby([*key, issue], sort=False)["count"].sum().unstack(issue,
                                                                             fill_value=0.0)
    else:
        other = [col for col in base_cols if col in levels]
        w = data["_weight"]
        overall = w.groupby(data[issue]).sum().reindex(issues, fill_value=0.0)
        overall = overall / overall.sum()
        base = pop.groupby(key, sort=False)["count"].sum()
        if other:
            within = (w.groupby([data[col] for col in other] + [data[issue]]).sum()
                      .unstack(issue, fill_value=0.0).reindex(columns=issues, fill_value=0.0))
            within = within.div(within.sum(axis=1), axis=0)
            lookup = base.reset_index()[other]
            shares = within.reindex(pd.MultiIndex.from_frame(lookup) if len(other) > 1
                                    else pd.Index(lookup[other[0]]))
            fallback = shares.isna().any(axis=1).to_numpy()
            shares = shares.to_numpy(copy=True)
            shares[fallback] = overall.to_numpy()
            if fallback.any():
                notes.append(f"{int(fallback.sum())} population cell(s) have no respondents in "
                             "the sample: split by the overall weighted issue distribution")
        else:
            shares = np.broadcast_to(overall.to_numpy(), (len(base), len(issues)))
        mass = pd.DataFrame(base.to_numpy()[:, None] * shares, index=base.index,
                            columns=issues)
        notes.append(f"the population table has no {issue!r} column: each cell was split by "
                     "the survey-weighted issue distribution of its respondents")
    mass = mass.reindex(columns=issues, fill_value=0.0)
    long = mass.stack().rename("count").reset_index()
    long.columns = [*key, issue, "count"]
    return long[[*base_cols, issue, "count"]].reset_index(drop=True)

