"""Weight diagnostics: Kish design effect, effective n, weight distribution, balance (ASMD).

* Kish's design effect of unequal weights ``deff = n sum(w^2) / (sum w)^2`` (one
  implementation: :func:`opinion.frames.kish_deff`, re-exported here; ``n`` counts the
  non-zero weights) and the effective sample size ``(sum w)^2 / sum(w^2)``.
* Absolute standardised mean difference of a categorical weighting variable against its
  targets: for each category ``|p_weighted - p_target| / sqrt(p_target (1 - p_target))``
  (the target's own standard deviation as the scale), averaged over the categories; for a
  numeric calibration variable ``|mean_weighted - target_mean| / sd`` with the
  base-weighted standard deviation of the sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opinion.frames.microdata import kish_deff

__all__ = ["asmd_categorical", "asmd_numeric", "kish_deff", "weights_summary"]

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def weights_summary(weights: np.ndarray) -> pd.Series:
    """n, sum, Kish deff, effective n, min / quantiles / max and max/min ratio of weights."""
    w = np.asarray(weights, dtype=float)
    deff = kish_deff(w)
    out = {
        "n": float(w.size),
        "sum_weights": float(w.sum()),
        "kish_deff": deff,
        "effective_n": float(w.sum() ** 2 / np.sum(w**2)),
        "efficiency_pct": 100.0 / deff,
        "min": float(w.min()),
    }
    qs = np.quantile(w, QUANTILES)
    for q, v in zip(QUANTILES, qs, strict=True):
        out[f"p{round(q * 100):02d}"] = float(v)
    out["max"] = float(w.max())
    out["max_min_ratio"] = float(w.max() / w.min()) if w.min() > 0 else np.inf
    out["cv"] = float(w.std() / w.mean())
    return pd.Series(out, name="value")


def asmd_categorical(
    codes: np.ndarray, weights: np.ndarray, target_props: np.ndarray
) -> float:
    """Mean over categories of ``|p_w - p_t| / sqrt(p_t (1 - p_t))``."""
    k = target_props.shape[0]
    s = np.bincount(codes, weights=weights, minlength=k)
    p = s / s.sum()
    pt = np.asarray(target_props, dtype=float)
    ok = (pt > 0) & (pt < 1)
    if not ok.any():
        return 0.0
    return float(np.mean(np.abs(p[ok] - pt[ok]) / np.sqrt(pt[ok] * (1 - pt[ok]))))


def asmd_numeric(
    values: np.ndarray, weights: np.ndarray, target_mean: float, scale_weights: np.ndarray
) -> float:
    """``|weighted mean - target mean| / sd`` (sd weighted by ``scale_weights``)."""
    m = np.average(values, weights=weights)
    mb = np.average(values, weights=scale_weights)
    sd = np.sqrt(np.average((values - mb) ** 2, weights=scale_weights))
    return float(abs(m - target_mean) / sd) if sd > 0 else 0.0
