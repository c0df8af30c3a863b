"""Rolling-origin back-test of the event model, and held-out survey cells.

Back-test: for each origin month T, both stages are refitted on what was known before T
(survey cells whose field midpoint falls before T; events and changes of government before
T; election dates are taken as known in advance, which snap elections were not), and the
probability of a defection event is predicted for every member in months T .. T + h - 1.
Scores over all scored member-months (y = 1 when the member had an event that month):

- Brier score: mean (p - y)^2 (lower is better);
- log score: mean of y log p + (1 - y) log(1 - p) (higher is better).

Compared models: the full event model (``model``), the model with opinion as its only term
(``opinion_only``), the model without each of its terms (``without_<term>``), and two
baselines that need no fit: ``base_rate`` (every member-month gets the pooled past rate,
(events + 1/2) / (member-months + 1)) and ``country_history`` (each member's own past rate,
shrunk towards the base rate with the weight of 24 member-months: (k + 24 r) / (n + 24)).

Held-out cells: a random ``fraction`` of each latent's cells is left out of a stage-1 refit
and predicted (beta-binomial replicate on the cell's effective n): absolute error of the
predictive mean in points and whether the central 90% predictive interval covers the
published share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.coalition.events import probability_draws
from opinion.models.coalition.predictive import share_draws
from opinion.models.coalition.refits import RefitSettings, Refitter

PRIOR_MONTHS = 24.0
"""Weight (in member-months) of the base rate in the country-history baseline."""


def default_origins(months: pd.DatetimeIndex, end: int, horizon: int,
                    first: str = "2023-01", step: int = 6) -> list[str]:
    """Every ``step`` months from ``first`` while the whole window has data."""
    start = months.get_loc(pd.Timestamp(first)) if pd.Timestamp(first) in months else 0
    return [f"{months[t]:%Y-%m}" for t in range(start, end - horizon + 2, step)]


def scores(p: np.ndarray, y: np.ndarray) -> dict[str, float]:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return {"brier": float(np.mean((p - y) ** 2)),
            "log_score": float(np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))),
            "n_events": int(y.sum()), "n_cells": int(y.size)}


def baselines(y: np.ndarray, origin: int) -> dict[str, np.ndarray]:
    """Member probabilities ``(member,)`` of the two baselines from months before ``origin``."""
    past = y[:, :origin]
    rate = (past.sum() + 0.5) / (past.size + 1.0)
    own = (past.sum(axis=1) + PRIOR_MONTHS * rate) / (past.shape[1] + PRIOR_MONTHS)
    return {"base_rate": np.full(y.shape[0], rate), "country_history": own}


def variants(terms: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    out = {"model": terms, "opinion_only": ("opinion",)}
    for term in terms:
        out[f"without_{term}"] = tuple(t for t in terms if t != term)
    return out


def run_origin(refitter: Refitter, origin: int, horizon: int, settings: RefitSettings,
               seed: int, models: dict[str, tuple[str, ...]]
               ) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Refit at one origin; score every model on the next ``horizon`` months."""
    inputs = refitter.inputs
    keep = {lat.name: lat.cells["t"].to_numpy() < origin
            for lat in (inputs.opinion, inputs.salience) if lat is not None}
    draws, check1 = refitter.measure(refitter.cell_weights(keep), settings, seed)
    y = inputs.events.y
    window = np.arange(origin, min(origin + horizon, inputs.end + 1))
    label = f"{inputs.months[origin]:%Y-%m}"
    rows, predictions = [], []
    for k, (name, terms) in enumerate(models.items()):
        arrays = refitter.arrays(draws, origin=origin, terms=terms)
        params, check2 = refitter.behave(arrays, settings, seed + 1 + k)
        p = probability_draws(params, arrays, draws["opinion"], draws.get("salience"),
                              inputs.n_members).mean(axis=0)[:, window]
        rows.append({"origin": label, "model": name, **scores(p, y[:, window]),
                     "max_rhat": max(check1["max_rhat"], check2["max_rhat"]),
                     "divergences": check1["divergences"] + check2["divergences"]})
        predictions.append(_predictions(label, name, p, y[:, window], inputs, window))
    for name, base in baselines(y, origin).items():
        p = np.repeat(base[:, None], len(window), axis=1)
        rows.append({"origin": label, "model": name, **scores(p, y[:, window])})
        predictions.append(_predictions(label, name, p, y[:, window], inputs, window))
    return rows, pd.concat(predictions, ignore_index=True)


def _predictions(origin: str, model: str, p: np.ndarray, y: np.ndarray, inputs: Any,
                 window: np.ndarray) -> pd.DataFrame:
    m, t = np.meshgrid(np.arange(p.shape[0]), window, indexing="ij")
    return pd.DataFrame({"origin": origin, "model": model,
                         "member": np.asarray(inputs.members)[m.ravel()],
                         "date": inputs.months[t.ravel()], "p": p.ravel(), "y": y.ravel()})


def run_backtest(refitter: Refitter, origins: list[str], horizon: int,
                 settings: RefitSettings, seed: int, models: dict[str, tuple[str, ...]]
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows ``origin, model, brier, log_score, n_events, n_cells, max_rhat, divergences``
    and every scored prediction."""
    months = refitter.inputs.months
    rows, predictions = [], []
    for k, origin in enumerate(origins):
        t = months.get_loc(pd.Timestamp(origin).to_period("M").to_timestamp())
        r, p = run_origin(refitter, int(t), horizon, settings, seed + 100 * k, models)
        rows += r
        predictions.append(p)
    return pd.DataFrame(rows), pd.concat(predictions, ignore_index=True)


def pooled(predictions: pd.DataFrame) -> pd.DataFrame:
    """Scores of every model over all scored member-months of all origins."""
    rows = [{"model": model, **scores(g["p"].to_numpy(), g["y"].to_numpy()),
             "n_origins": int(g["origin"].nunique())}
            for model, g in predictions.groupby("model", sort=False)]
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- held-out cells
def run_holdout(refitter: Refitter, fraction: float, folds: int, settings: RefitSettings,
                seed: int, level: float = 0.9) -> pd.DataFrame:
    """Predictions of held-out cells (percent): ``latent, fold, row_id, iso2, item, month,
    pct, mean, lower_90, upper_90, inside, abs_error`` (the interval named after ``level``;
    ``abs_error`` in points)."""
    lo_col, hi_col = interval_columns(level)
    rng = np.random.default_rng(seed)
    inputs = refitter.inputs
    latents = [lat for lat in (inputs.opinion, inputs.salience) if lat is not None]
    k = max(int(round(1 / fraction)), 2)
    assignment = {lat.name: rng.permutation(np.arange(len(lat.cells)) % k) for lat in latents}
    out = []
    for fold in range(min(folds, k)):
        keep = {name: a != fold for name, a in assignment.items()}
        draws, _ = refitter.measure(refitter.cell_weights(keep), settings, seed + fold)
        for lat in latents:
            held = lat.cells[~keep[lat.name]]
            rep = share_draws(draws, lat.name, held, rng)
            lo, hi = np.quantile(rep, [(1 - level) / 2, (1 + level) / 2], axis=0)
            table = held[["row_id", "iso2", "item", "month", "pct", "n_eff"]].assign(
                latent=lat.name, fold=fold, mean=rep.mean(axis=0), **{lo_col: lo, hi_col: hi})
            out.append(table)
    table = pd.concat(out, ignore_index=True)
    table["inside"] = (table["pct"] >= table[lo_col]) & (table["pct"] <= table[hi_col])
    table["abs_error"] = (table["mean"] - table["pct"]).abs()
    return table


def holdout_summary(table: pd.DataFrame, latent: str = "opinion") -> dict[str, float]:
    own = table[table["latent"] == latent]
    return {"mae_pp": float(own["abs_error"].mean()),
            "coverage90": float(own["inside"].mean()), "n": int(len(own))}
