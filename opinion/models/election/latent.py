r"""The latent cells of the issue-vote model and the moments of the published figures.

Two pieces shared by the PyMC model (PyTensor) and the results (numpy):

- :func:`latent_grid`: quadrature nodes and weights of a standard normal disposition;
- :func:`figure_moments`: the mean and covariance of every published share given the cell
  probabilities: each figure is a ratio :math:`r_j = a_j^\top\pi / b_j^\top\pi` of two sums of
  cells, and by the delta method the shares of one multinomial sample of effective size
  :math:`n` have covariance :math:`\frac1n G\,\mathrm{diag}(\pi)\,G^\top` with
  :math:`G_j = (a_j - r_j b_j)/(b_j^\top\pi)` (the :math:`\pi\pi^\top` term vanishes
  because :math:`G_j^\top\pi = 0`). Tables with different effective sizes overlap in
  ``min(n_j, n_k)`` respondents (nested question subsamples), so the cross terms are scaled by
  :math:`\min(n_j,n_k)/(n_j n_k)`. The same respondents answered every table: this is ONE
  sample seen through several margins, and no respondent counts twice.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MIN_SUBGROUP = 1e-4
"""Subgroups are floored at this share of voters in the sampling variance (only extreme
prior draws come near it)."""
LATENT_RANGE = 6.0
"""The grid covers the latent disposition from -6 to +6 standard deviations."""


def latent_grid(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Equally spaced nodes on [-6, 6] and normalised standard-normal weights.

    Equal spacing (the trapezoid rule, very accurate for smooth integrands that vanish at
    the ends) rather than Gauss-Hermite nodes: the vote and party-ID probabilities are steep
    functions of the disposition when both correlate ~0.95 with it, and a 24-node
    Gauss-Hermite rule's wide central spacing does not resolve them (NUTS then sees a wiggly
    surface and mixes badly).
    """
    x = np.linspace(-LATENT_RANGE, LATENT_RANGE, int(nodes))
    w = np.exp(-0.5 * x ** 2)
    return x, w / w.sum()


def overlap_matrix(n_eff: np.ndarray) -> np.ndarray:
    """``min(n_j, n_k) / (n_j n_k)``: the sampling covariance scale of figures j and k."""
    n = np.asarray(n_eff, dtype=float)
    return np.minimum(n[:, None], n[None, :]) / (n[:, None] * n[None, :])


def figure_moments(p: Any, numerator: np.ndarray, denominator: np.ndarray,
                   overlap: np.ndarray, extra_variance: Any, xp: Any = np) -> tuple[Any, Any]:
    """Mean and covariance of the published figures (proportions).

    Parameters
    ----------
    p
        Cell probabilities, flattened (cells,), summing to 1.
    numerator, denominator
        0/1 matrices (figures x cells).
    overlap
        :func:`overlap_matrix` of the figures' effective sample sizes.
    extra_variance
        Added to the diagonal (rounding and non-sampling variance), scalar or (figures,).
    xp
        ``numpy`` or ``pytensor.tensor``.
    """
    num = xp.dot(numerator, p)
    den = xp.maximum(xp.dot(denominator, p), MIN_SUBGROUP)
    r = num / den
    grad = (numerator - r[:, None] * denominator) / den[:, None]
    cov = xp.dot(grad * p[None, :], grad.T) * overlap
    # a relative jitter keeps the matrix numerically positive definite in extreme prior
    # draws (a subgroup of almost no voters has an enormous sampling variance)
    jitter = 1e-9 * xp.max(xp.diagonal(cov))
    return r, cov + xp.eye(numerator.shape[0]) * (extra_variance + jitter + 1e-12)


def normal_cdf(z: Any, xp: Any = np) -> Any:
    """Standard normal CDF via erfc (numpy through scipy, or PyTensor)."""
    if xp is np:
        from scipy.special import erfc
        return 0.5 * erfc(-np.asarray(z) / np.sqrt(2.0))
    return 0.5 * xp.erfc(-z / np.sqrt(2.0))


def ordered_probs(cuts: Any, location: Any, scale: Any, xp: Any = np) -> Any:
    """Ordered-probit probabilities over the last axis: P(k) from cumulative
    ``Phi((cut_k - location) / scale)``; ``cuts`` (K-1,), ``location`` broadcastable."""
    z = (cuts - location[..., None]) / scale
    cum = normal_cdf(z, xp)
    zeros = xp.zeros_like(cum[..., :1])
    ones = xp.ones_like(cum[..., :1])
    full = xp.concatenate([zeros, cum, ones], axis=-1)
    return full[..., 1:] - full[..., :-1]
