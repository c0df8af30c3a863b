"""Latent paths on a grid of knots, linearly interpolated to days (shared by the models
with a time dimension)."""

from __future__ import annotations

import numpy as np


def interpolation_matrix(n_days: int, grid_days: int) -> np.ndarray:
    """Days x knots matrix that linearly interpolates knot values to every day."""
    n_knots = knot_count(n_days, grid_days)
    day = np.arange(n_days, dtype=float) / grid_days
    left = np.minimum(np.floor(day).astype(int), n_knots - 2) if n_knots > 1 else np.zeros(
        n_days, dtype=int)
    weight = day - left
    out = np.zeros((n_days, n_knots))
    rows = np.arange(n_days)
    if n_knots == 1:
        out[:, 0] = 1.0
        return out
    out[rows, left] = 1 - weight
    out[rows, left + 1] += weight
    return out


def knot_count(n_days: int, grid_days: int) -> int:
    """Knots needed so that the last knot is on or after the last day."""
    return int(np.ceil((n_days - 1) / grid_days)) + 1 if n_days > 1 else 1
