"""Design-based intervals and tests for tables: logit / Wilson intervals, Rao-Scott chi-square.

* :func:`proportion_interval` — ``"logit"`` is R ``svyciprop(method="logit")``: a Wald
  interval for ``logit(p)`` with standard error ``se / (p (1 - p))`` and a t quantile on the
  design degrees of freedom, transformed back. ``"wilson"`` is the Wilson score interval on
  the effective sample size ``n_eff = p (1 - p) / se^2`` with the same t quantile in place of
  z (Kish-style design adjustment). ``"wald"`` is ``p +- t se``.
* :func:`rao_scott` — R ``svychisq``: Pearson's X^2 on the weighted table scaled to the
  number of respondents, corrected by the eigenvalues ``delta`` of the design-effect matrix
  ``(C' D^-1 C / N)^-1 C' D^-1 V D^-1 C`` (``C`` spans the interaction contrasts, ``D`` the
  diagonal of cell proportions, ``V`` their design covariance). First-order ("Chisq"):
  ``X^2 / mean(delta)`` on ``(r-1)(c-1)`` df; second-order ("F"):
  ``F = X^2 / sum(delta)`` on ``d0 = sum(delta)^2 / sum(delta^2)`` and ``nu d0`` df, ``nu``
  the design degrees of freedom.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from opinion.errors import DataValidationError

__all__ = ["IntervalMethod", "RaoScott", "mean_interval", "proportion_interval", "rao_scott"]

IntervalMethod = Literal["logit", "wilson", "wald"]


def _tq(level: float, df: np.ndarray | float) -> np.ndarray:
    if not 0 < level < 1:
        raise DataValidationError(f"confidence level must be between 0 and 1, got {level}")
    df = np.asarray(df, dtype=float)
    q = 1 - (1 - level) / 2
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(df) & (df > 0), stats.t.ppf(q, np.maximum(df, 1e-12)),
                        stats.norm.ppf(q))


def mean_interval(
    estimate: np.ndarray, se: np.ndarray, df: np.ndarray | float, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric ``estimate +- t_df se`` interval (R ``confint(..., df=degf(design))``)."""
    t = _tq(level, df)
    return estimate - t * se, estimate + t * se


def proportion_interval(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray | float,
    *,
    method: IntervalMethod = "logit",
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval for design-based proportions.

    Parameters
    ----------
    p, se : ndarray
        Estimated proportions (0-1) and their design-based standard errors.
    df : ndarray or float
        Design degrees of freedom (``inf`` for the normal quantile).
    method : {"logit", "wilson", "wald"}
        See the module docstring. A proportion of exactly 0 or 1 (or a zero standard error)
        gets the degenerate interval ``[p, p]`` under every method.
    level : float
        Two-sided confidence level.

    Returns
    -------
    lower, upper : ndarray
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    t = _tq(level, df)
    degenerate = (p <= 0) | (p >= 1) | (se <= 0)
    pc = np.clip(p, 1e-300, 1 - 1e-16)
    sc = np.where(se > 0, se, 1.0)
    if method == "logit":
        eta = np.log(pc / (1 - pc))
        half = t * sc / (pc * (1 - pc))
        lo = 1 / (1 + np.exp(-(eta - half)))
        hi = 1 / (1 + np.exp(-(eta + half)))
    elif method == "wilson":
        n_eff = pc * (1 - pc) / sc**2
        t2 = t**2
        centre = (pc + t2 / (2 * n_eff)) / (1 + t2 / n_eff)
        half = t / (1 + t2 / n_eff) * np.sqrt(pc * (1 - pc) / n_eff + t2 / (4 * n_eff**2))
        lo, hi = centre - half, centre + half
    elif method == "wald":
        lo, hi = p - t * se, p + t * se
    else:
        raise DataValidationError(
            f"unknown interval method {method!r}: use 'logit', 'wilson' or 'wald'"
        )
    lo = np.where(degenerate, p, lo)
    hi = np.where(degenerate, p, hi)
    return lo, hi


@dataclass(frozen=True)
class RaoScott:
    """Rao-Scott tests of independence in a two-way table (R ``svychisq``).

    Attributes
    ----------
    pearson : float
        Pearson's X^2 on the weighted table scaled to the respondent count (R's "Chisq"
        statistic).
    df : int
        ``(r - 1)(c - 1)``.
    chisq_adjusted : float
        First-order corrected statistic ``X^2 / mean(delta)``.
    p_chisq : float
        Its chi-square p-value on ``df`` degrees of freedom.
    f : float
        Second-order statistic ``X^2 / sum(delta)`` (R's "F").
    ndf, ddf : float
        Its numerator and denominator degrees of freedom.
    p_f : float
        Its F p-value.
    design_df : float
        Design degrees of freedom ``nu``.
    deltas : tuple of float
        Eigenvalues of the design-effect matrix (generalised design effects).
    n : int
        Respondents in the table.
    """

    pearson: float
    df: int
    chisq_adjusted: float
    p_chisq: float
    f: float
    ndf: float
    ddf: float
    p_f: float
    design_df: float
    deltas: tuple[float, ...]
    n: int

    def to_frame(self) -> pd.DataFrame:
        """Both tests as a two-row table (statistic, df, p-value)."""
        return pd.DataFrame(
            {
                "test": ["Rao-Scott F (second order)", "Rao-Scott chi-square (first order)"],
                "statistic": [self.f, self.chisq_adjusted],
                "ndf": [self.ndf, float(self.df)],
                "ddf": [self.ddf, np.inf],
                "p_value": [self.p_f, self.p_chisq],
                "pearson_x2": [self.pearson, self.pearson],
            }
        )

    def as_dict(self) -> dict:
        """Plain dict (JSON-friendly)."""
        d = asdict(self)
        d["deltas"] = list(self.deltas)
        return d


def interaction_contrasts(nr: int, nc: int) -> np.ndarray:
    """Basis of the interaction contrasts of an ``nr x nc`` table (cells, rows fastest)."""
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(rows == i).astype(float) for i in range(1, nr)]
        + [(cols == j).astype(float) for j in range(1, nc)]
    )
    q, _ = np.linalg.qr(x1, mode="complete")
    return q[:, x1.shape[1]:]


def rao_scott(
    table: np.ndarray, cell_props: np.ndarray, cell_vcov: np.ndarray, n: int, design_df: float
) -> RaoScott:
    """Rao-Scott first- and second-order corrections of Pearson's X^2.

    Parameters
    ----------
    table : ndarray
        ``nr x nc`` weighted counts.
    cell_props : ndarray
        Estimated cell proportions in cell order (rows fastest), length ``nr * nc``.
    cell_vcov : ndarray
        Their design-based covariance.
    n : int
        Number of respondents in the table (the table is rescaled to sum to ``n``).
    design_df : float
        Design degrees of freedom.
    """
    nr, nc = table.shape
    if nr < 2 or nc < 2:
        raise DataValidationError(
            f"a chi-square test needs at least two categories in each variable (got {nr} x {nc})"
        )
    tbl = table * n / table.sum()
    expected = np.outer(tbl.sum(axis=1), tbl.sum(axis=0)) / n
    pearson = float(((tbl - expected) ** 2 / expected).sum())
    cmat = interaction_contrasts(nr, nc)
    p = np.asarray(cell_props, dtype=float)
    inv = np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p))
    denom = cmat.T @ (inv[:, None] / n * cmat)
    numr = cmat.T @ (inv[:, None] * cell_vcov * inv[None, :]) @ cmat
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    tr2 = float(np.trace(delta @ delta))
    d0 = tr**2 / tr2
    df = (nr - 1) * (nc - 1)
    f = pearson / tr
    chisq_adj = pearson / (tr / delta.shape[0])
    eig = np.sort(np.real(np.linalg.eigvals(delta)))[::-1]
    return RaoScott(
        pearson=pearson,
        df=df,
        chisq_adjusted=chisq_adj,
        p_chisq=float(stats.chi2.sf(chisq_adj, df)),
        f=f,
        ndf=d0,
        ddf=d0 * design_df,
        p_f=float(stats.f.sf(f, d0, d0 * design_df)),
        design_df=float(design_df),
        deltas=tuple(float(e) for e in eig),
        n=int(n),
    )
