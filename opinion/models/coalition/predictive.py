"""Replicated survey shares and event counts from draws (posterior or prior), on the scale
the data were published on: percent of respondents, event-months per member."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns


def share_draws(draws: dict[str, np.ndarray], name: str, cells: pd.DataFrame,
                rng: np.random.Generator, replicate: bool = True) -> np.ndarray:
    """``(draw, cell)`` shares in percent of latent ``name``'s cells.

    ``draws`` holds ``name`` ``(draw, unit, month)``, ``{name}_intercept``,
    ``{name}_loading`` ``(draw, item)``, ``{name}_bias`` ``(draw, pair)``,
    ``{name}_bias_sd`` and ``{name}_poll_error`` ``(draw,)``. With ``replicate`` the share
    is a beta-binomial replicate on the cell's effective n (sampling and non-sampling
    error); without it, the expected share.
    """
    u, t, q = (cells[c].to_numpy() for c in ("unit", "t", "q"))
    pair = cells["pair"].to_numpy()
    latent = np.asarray(draws[name], float)[:, u, t]
    bias = np.asarray(draws[f"{name}_bias"], float)
    known = pair >= 0
    delta = np.zeros_like(latent)
    delta[:, known] = bias[:, pair[known]]
    # a pair without a bias term (one cell): a new pair's bias, drawn from its prior
    sd = np.asarray(draws[f"{name}_bias_sd"], float)[:, None]
    delta[:, ~known] = sd * rng.standard_normal((len(sd), int((~known).sum())))
    eta = (draws[f"{name}_intercept"][:, q] + draws[f"{name}_loading"][:, q] * latent
           + delta)
    p = 1.0 / (1.0 + np.exp(-eta))
    if not replicate:
        return 100 * p
    error = np.asarray(draws[f"{name}_poll_error"], float)[:, None]
    phi = np.maximum(0.25 / error**2 - 1.0, 1e-3)
    p_rep = rng.beta(np.maximum(p * phi, 1e-9), np.maximum((1 - p) * phi, 1e-9))
    trials = cells["trials"].to_numpy()
    return 100 * rng.binomial(trials[None, :], p_rep) / trials[None, :]


def cell_check(cells: pd.DataFrame, replicated: np.ndarray, level: float) -> pd.DataFrame:
    """Each published share (percent) beside its replicated mean and central interval
    (columns named after ``level``: ``lower_90``, ``upper_90``)."""
    lo, hi = np.quantile(replicated, [(1 - level) / 2, (1 + level) / 2], axis=0)
    lo_col, hi_col = interval_columns(level)
    out = cells[["row_id", "iso2", "item", "month", "pct", "n_eff"]].copy()
    out["mean"], out[lo_col], out[hi_col] = replicated.mean(axis=0), lo, hi
    out["inside"] = (out["pct"] >= out[lo_col]) & (out["pct"] <= out[hi_col])
    return out.reset_index(drop=True)


def event_check(p: np.ndarray, y: np.ndarray, observed: np.ndarray, members: list[str],
                rng: np.random.Generator, level: float) -> pd.DataFrame:
    """Event-months per member: observed against replicated counts over the data months
    (counts; the interval columns named after ``level``)."""
    months = observed.all(axis=0)
    prob = p[:, :, months]
    replicated = (rng.random(prob.shape) < prob).sum(axis=2)
    lo, hi = np.quantile(replicated, [(1 - level) / 2, (1 + level) / 2], axis=0)
    lo_col, hi_col = interval_columns(level)
    out = pd.DataFrame({"member": members, "observed": y[:, months].sum(axis=1),
                        "mean": replicated.mean(axis=0), lo_col: lo, hi_col: hi})
    out["inside"] = (out["observed"] >= out[lo_col]) & (out["observed"] <= out[hi_col])
    return out


def latent_frame(draws: np.ndarray, units: pd.DataFrame, months: pd.DatetimeIndex, end: int,
                 level: float, scale: str) -> pd.DataFrame:
    """Tidy ``member, date, mean, lower_90, upper_90`` (the interval named after ``level``)
    of a latent ``(draw, unit, month)``: percent, or logits with ``scale="logit"``."""
    values = 100.0 / (1.0 + np.exp(-draws)) if scale == "percent" else draws
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
    mean = values.mean(axis=0)
    u, t = np.meshgrid(np.arange(len(units)), np.arange(len(months)), indexing="ij")
    lo_col, hi_col = interval_columns(level)
    return pd.DataFrame({"member": units["iso2"].to_numpy()[u.ravel()],
                         "date": months[t.ravel()], "mean": mean.ravel(),
                         lo_col: lo.ravel(), hi_col: hi.ravel(),
                         "forecast": t.ravel() > end})


def interval_frame(values: np.ndarray, members: list[str], months: pd.DatetimeIndex,
                   level: float) -> pd.DataFrame:
    """Tidy ``member, date, mean, lower_90, upper_90`` (the interval named after ``level``)
    of ``(draw, member, month)`` values, in their own unit."""
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2], axis=0)
    m, t = np.meshgrid(np.arange(len(members)), np.arange(len(months)), indexing="ij")
    lo_col, hi_col = interval_columns(level)
    return pd.DataFrame({"member": np.asarray(members)[m.ravel()], "date": months[t.ravel()],
                         "mean": values.mean(axis=0).ravel(), lo_col: lo.ravel(),
                         hi_col: hi.ravel()})


def stage_draws(source: Any, name: str) -> dict[str, np.ndarray]:
    """The draws :func:`share_draws` needs, from a results object (posterior or prior)."""
    keys = (name, f"{name}_intercept", f"{name}_loading", f"{name}_bias",
            f"{name}_bias_sd", f"{name}_poll_error")
    return {k: source.draws(k) for k in keys}
