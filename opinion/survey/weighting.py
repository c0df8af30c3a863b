"""Weighting algorithms on numpy arrays: raking, post-stratification, calibration, trimming.

All functions take the current weights as a 1-D array (one column of weights) or a 2-D array
(``n x k``: the full-sample weights and replicate weights, each weighted on its own, as R's
``survey`` does for replicate designs) and return new arrays; inputs are never modified.

* :func:`rake_weights` — iterative proportional fitting (raking) to marginal totals, as R's
  ``rake()``: each sweep post-stratifies on every margin in turn. Group sums use
  ``np.bincount`` on integer codes (one pass over the data per margin), so a million
  respondents with four margins rake in well under a second. Optional bounds cap the
  weights inside the iterations ("trim and re-rake" until both hold).
* :func:`poststratify_weights` — ``w * N_g / sum_g(w)`` on joint cells.
* :func:`calibrate_weights` — linear (GREG, ``g = 1 + X lambda``) or raking-ratio
  (``g = exp(X eta)``, Newton's method as R's ``grake``) calibration to totals of a model
  matrix ``X``.
* :func:`trim_weights` — R's ``trimWeights``: weights outside ``[lower, upper]`` are set to
  the bound and the trimmed amount is shared equally by the other weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import sparse

from opinion.errors import ConvergenceError, WeightingError
from opinion.survey.linearization import GregRecord, PostStratRecord, RakingRecord

__all__ = [
    "CalibrationResult",
    "RakeResult",
    "calibrate_weights",
    "orthonormal_basis",
    "poststratify_weights",
    "rake_weights",
    "trim_weights",
]


def _sums(codes: np.ndarray, k: int, w: np.ndarray, indicator: sparse.csr_matrix | None):
    if w.ndim == 1:
        return np.bincount(codes, weights=w, minlength=k)
    return indicator @ w  # type: ignore[operator]


def _indicator(codes: np.ndarray, k: int) -> sparse.csr_matrix:
    n = codes.shape[0]
    return sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(k, n))


@dataclass(frozen=True)
class RakeResult:
    """Raked weights with what the variance and the diagnostics need.

    Attributes
    ----------
    weights : ndarray
        New weights (same shape as the input).
    record : RakingRecord
        Margin codes and the final full-sample weights, for calibration-aware variances.
    iterations : int
        Number of sweeps.
    max_error : float
        Largest absolute gap between a weighted margin and its target, divided by the total.
    """

    weights: np.ndarray
    record: RakingRecord
    iterations: int
    max_error: float


def _check_rake_inputs(n: int, codes: list[np.ndarray], targets: list[np.ndarray],
                       ks: list[int], names: list[str], lower: float | None,
                       upper: float | None) -> None:
    """Every problem with the raking inputs, in one WeightingError."""
    problems = []
    for c, k, nm in zip(codes, ks, names, strict=True):
        c = np.asarray(c)
        if c.shape != (n,) or c.dtype.kind not in "iu" or (len(c) and (
                c.min() < 0 or c.max() >= k)):
            problems.append(f"codes of {nm!r} must be {n} integers in 0..{k - 1} (one per "
                            "row, indexing its targets)")
    total = float(targets[0].sum())
    for t, nm in zip(targets, names, strict=True):
        if abs(float(t.sum()) - total) > 1e-8 * total:
            problems.append(f"margin totals disagree: {names[0]!r} sums to {total:.10g}, "
                            f"{nm!r} to {float(t.sum()):.10g}")
    if lower is not None and upper is not None and lower > upper:
        problems.append(f"lower bound {lower:g} is above upper bound {upper:g}")
    if problems:
        raise WeightingError("; ".join(problems))


def rake_weights(
    weights: np.ndarray,
    codes: list[np.ndarray],
    targets: list[np.ndarray],
    *,
    names: list[str] | None = None,
    categories: list[list] | None = None,
    max_iter: int = 200,
    tol: float = 1e-10,
    lower: float | None = None,
    upper: float | None = None,
) -> RakeResult:
    """Rake weights to marginal totals by iterative proportional fitting.

    Parameters
    ----------
    weights : ndarray
        Starting weights, ``(n,)`` or ``(n, k)`` (each column raked on its own).
    codes : list of ndarray of int
        Per margin, the category index (0..K-1) of each row.
    targets : list of ndarray
        Per margin, the target total of each category (all margins share one total).
    names, categories : list, optional
        Variable names and category values, for error messages.
    max_iter : int
        Maximum number of sweeps over the margins.
    tol : float
        Convergence when, in one sweep, every weighted margin is within ``tol * total`` of
        its target before it is matched (and the bounds held without clipping).
    lower, upper : float, optional
        Bounds on the weights (absolute), enforced after every sweep.

    Returns
    -------
    RakeResult

    Raises
    ------
    WeightingError
        If a category's weights sum to zero (empty cell) or the margins disagree on the
        total.
    ConvergenceError
        If the margins are not met within ``max_iter`` sweeps; the message names the
        variable and category furthest from its target.
    """
    w = np.array(weights, dtype=float, copy=True)
    names = names or [f"margin {i + 1}" for i in range(len(codes))]
    ks = [int(np.shape(t)[0]) for t in targets]
    _check_rake_inputs(w.shape[0], codes, targets, ks, names, lower, upper)
    total = float(targets[0].sum())
    indicators = [_indicator(c, k) if w.ndim == 2 else None for c, k in zip(codes, ks, strict=True)]
    tcol = [t if w.ndim == 1 else t[:, None] for t in targets]

    def check_empty(s: np.ndarray, m: int) -> None:
        bad = np.argwhere(np.atleast_1d(s <= 0) & np.atleast_1d(tcol[m] > 0))
        if bad.size:
            cat = categories[m][bad[0][0]] if categories else bad[0][0]
            raise WeightingError(
                f"empty cell: the weights of category {cat!r} of variable {names[m]!r} sum to "
                "zero, so raking cannot reach its target"
            )

    err = np.inf
    it = 0
    worst = (0, 0)
    while it < max_iter:
        it += 1
        # the gap of each margin is measured just before it is matched; a sweep in which
        # every gap is below tol * total leaves every margin within about tol * total
        err = 0.0
        for m, (c, k) in enumerate(zip(codes, ks, strict=True)):
            s = _sums(c, k, w, indicators[m])
            check_empty(s, m)
            gap = np.abs(s - tcol[m]) / total
            g = float(gap.max())
            if g > err:
                err = g
                worst = (m, int(np.unravel_index(np.argmax(gap), gap.shape)[0]))
            w *= (tcol[m] / s)[c]
        if lower is not None or upper is not None:
            before = w.copy()
            np.clip(w, lower, upper, out=w)
            # clipping that still moves weights (relative to the mean weight) means the
            # margins and the bounds do not hold together yet
            err = max(err, float(np.abs(w - before).max()) / (total / w.shape[0]))
        if err < tol:
            break
    if not err < tol:
        m, j = worst
        cat = categories[m][j] if categories else j
        bounds = ""
        if lower is not None or upper is not None:
            bounds = f" with weights bounded to [{lower}, {upper}]"
        raise ConvergenceError(
            f"raking did not converge in {max_iter} iterations{bounds}: category {cat!r} of "
            f"variable {names[m]!r} is still {err:.3g} of the total away from its target "
            "(the margins may be inconsistent, a cell nearly empty, or the bounds too tight)"
        )
    # at convergence the weights after each margin of the last sweep equal the final ones
    w_main = w if w.ndim == 1 else w[:, 0].copy()
    record = RakingRecord(codes=tuple(codes), n_groups=tuple(ks),
                          weights=tuple(w_main for _ in codes))
    return RakeResult(weights=w, record=record, iterations=it, max_error=err)


def poststratify_weights(
    weights: np.ndarray,
    codes: np.ndarray,
    targets: np.ndarray,
    *,
    name: str = "post-stratum",
    categories: list | None = None,
) -> tuple[np.ndarray, PostStratRecord]:
    """Post-stratify: multiply the weights of each cell by ``target / sum of weights``.

    Parameters
    ----------
    weights : ndarray
        Current weights ``(n,)`` or ``(n, k)``.
    codes : ndarray of int
        Cell index of each row.
    targets : ndarray
        Population count of each cell.

    Returns
    -------
    new_weights : ndarray
    record : PostStratRecord
        For the calibration-aware variance (full-sample column).
    """
    w = np.asarray(weights, dtype=float)
    k = int(targets.shape[0])
    if w.ndim == 1:
        s = np.bincount(codes, weights=w, minlength=k)
        ratio = targets / np.where(s > 0, s, 1.0)
        bad = np.flatnonzero(s <= 0)
        new = w * ratio[codes]
    else:
        s = _indicator(codes, k) @ w
        bad = np.unique(np.argwhere(s <= 0)[:, 0])
        new = w * (targets[:, None] / np.where(s > 0, s, 1.0))[codes]
    if bad.size:
        cat = categories[bad[0]] if categories else bad[0]
        raise WeightingError(f"empty cell: the weights of {name} = {cat!r} sum to zero")
    main_old = w if w.ndim == 1 else w[:, 0]
    main_new = new if new.ndim == 1 else new[:, 0]
    return new, PostStratRecord(codes=codes, n_groups=k, weights=main_new.copy(),
                                old_weights=main_old.copy())


def orthonormal_basis(a: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space of ``a`` (rank-revealing, via the SVD)."""
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    if s.size == 0:
        return u[:, :0]
    rank = int(np.sum(s > s[0] * max(a.shape) * np.finfo(float).eps))
    return u[:, :rank]


@dataclass(frozen=True)
class CalibrationResult:
    """Calibrated weights, the g-factors of the full-sample column and the variance record."""

    weights: np.ndarray
    g: np.ndarray
    record: GregRecord
    iterations: int


def _calibrate_column(
    x: np.ndarray,
    d: np.ndarray,
    totals: np.ndarray,
    method: Literal["linear", "raking"],
    max_iter: int,
    tol: float,
    names: list[str],
) -> tuple[np.ndarray, int]:
    if method == "linear":
        # scale the columns, solve the normal equations through the SVD of sqrt(d) X (not
        # by inverting X'DX, whose condition number is squared) and refine the solution
        norms = np.sqrt((x**2 * np.abs(d)[:, None]).sum(axis=0))
        norms[norms == 0] = 1.0
        xs = x / norms
        ts = totals / norms
        _, s, vt = np.linalg.svd(xs * np.sqrt(np.abs(d))[:, None], full_matrices=False)
        keep = s > s[0] * max(xs.shape) * np.finfo(float).eps
        vk, s2 = vt[keep], s[keep] ** 2
        lam = np.zeros(xs.shape[1])
        g = np.ones_like(d)
        for _ in range(4):
            r = ts - xs.T @ (d * g)
            lam = lam + vk.T @ ((vk @ r) / s2)
            g = 1.0 + xs @ lam
        achieved = x.T @ (d * g)
        miss = np.abs(achieved - totals) / (1.0 + np.abs(totals))
        if miss.max() > 1e-6:
            j = int(np.argmax(miss))
            raise WeightingError(
                f"calibration totals are inconsistent: {names[j]!r} can only reach "
                f"{achieved[j]:.10g}, not {totals[j]:.10g} (do the margins share one total?)"
            )
        return g, 1
    eta = np.zeros(x.shape[1])
    g = np.ones_like(d)
    for it in range(1, max_iter + 1):
        misfit = totals - x.T @ (d * g)
        rel = np.abs(misfit) / (1.0 + np.abs(totals))
        if rel.max() < tol:
            return g, it
        hess = x.T @ (x * (d * g)[:, None])
        step = np.linalg.pinv(hess) @ misfit
        for _ in range(60):
            with np.errstate(over="ignore"):
                g_new = np.exp(x @ (eta + step))
            if np.all(np.isfinite(g_new)):
                break
            step = step / 2
        eta = eta + step
        g = g_new
    misfit = totals - x.T @ (d * g)
    rel = np.abs(misfit) / (1.0 + np.abs(totals))
    j = int(np.argmax(rel))
    raise ConvergenceError(
        f"raking calibration did not converge in {max_iter} iterations: the total of "
        f"{names[j]!r} is off by {rel[j]:.3g} (relative)"
    )


def calibrate_weights(
    weights: np.ndarray,
    x: np.ndarray,
    totals: np.ndarray,
    *,
    method: Literal["linear", "raking"] = "linear",
    names: list[str] | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> CalibrationResult:
    """Calibrate weights so that ``X' w_new = totals``.

    Parameters
    ----------
    weights : ndarray
        Current weights ``d``, ``(n,)`` or ``(n, k)`` (each column calibrated on its own).
    x : ndarray
        Model matrix (``n x p``); it may be rank-deficient (e.g. all dummies of several
        factors) as long as the totals are consistent.
    totals : ndarray
        Population totals of the columns of ``x``.
    method : {"linear", "raking"}
        Linear (GREG, chi-square distance: ``g = 1 + X lambda``; weights can turn negative)
        or raking ratio (``g = exp(X eta)``, always positive; equals raking to convergence).
    names : list of str, optional
        Column names, for messages.
    max_iter, tol : int, float
        Newton iterations and convergence (``|misfit| / (1 + |total|) < tol``) for
        ``method="raking"``.

    Returns
    -------
    CalibrationResult
    """
    d_all = np.asarray(weights, dtype=float)
    x = np.asarray(x, dtype=float)
    totals = np.asarray(totals, dtype=float)
    names = names or [f"x{j}" for j in range(x.shape[1])]
    if method not in ("linear", "raking"):
        raise WeightingError(f"unknown calibration method {method!r}: use 'linear' or 'raking'")
    cols = [d_all] if d_all.ndim == 1 else [d_all[:, j] for j in range(d_all.shape[1])]
    gs = []
    iters = 0
    for d in cols:
        g, it = _calibrate_column(x, d, totals, method, max_iter, tol, names)
        gs.append(g)
        iters = max(iters, it)
    g_main = gs[0]
    new = d_all * (g_main if d_all.ndim == 1 else np.column_stack(gs))
    d0 = cols[0]
    whalf = np.sqrt(d0)
    record = GregRecord(basis=orthonormal_basis(x * whalf[:, None]), w=g_main * whalf)
    return CalibrationResult(weights=new, g=g_main, record=record, iterations=iters)


def trim_weights(
    weights: np.ndarray,
    *,
    lower: float | None = None,
    upper: float | None = None,
    strict: bool = False,
    max_iter: int = 100,
) -> tuple[np.ndarray, int]:
    """Trim weights to ``[lower, upper]`` and share the trimmed amount equally (R ``trimWeights``).

    Parameters
    ----------
    weights : ndarray
        ``(n,)`` or ``(n, k)``; each column trimmed on its own.
    lower, upper : float, optional
        Absolute bounds.
    strict : bool
        Repeat until no weight is outside the bounds (the redistribution can push weights
        over the bound again).

    Returns
    -------
    new_weights : ndarray
    n_trimmed : int
        Number of full-sample weights that were outside the bounds at the first pass.
    """
    w = np.array(weights, dtype=float, copy=True)
    lo = -np.inf if lower is None else float(lower)
    hi = np.inf if upper is None else float(upper)
    if lo > hi:
        raise WeightingError(f"lower bound {lo:g} is above upper bound {hi:g}")
    cols = [w] if w.ndim == 1 else [w[:, j] for j in range(w.shape[1])]
    n_trimmed = 0
    for j, col in enumerate(cols):
        for it in range(max_iter):
            outside = (col < lo) | (col > hi)
            if not outside.any():
                break
            if j == 0 and it == 0:
                n_trimmed = int(outside.sum())
            if outside.all():
                raise WeightingError(
                    f"every weight is outside the trimming bounds [{lo:g}, {hi:g}]"
                )
            new = np.clip(col, lo, hi)
            col[:] = new + np.where(outside, 0.0, (col - new).sum() / (~outside).sum())
            if not strict:
                break
        else:
            raise ConvergenceError(
                f"strict trimming to [{lo:g}, {hi:g}] did not settle in {max_iter} rounds; "
                "the bounds are too tight for the total"
            )
    return w, n_trimmed
