"""The cell likelihoods of the issue-salience model: exact (beta-)binomial, extended
quasi-likelihood and the empirical-logit normal, on data containers.

Every observed array is a PyMC data container (``pm.Data``), so a compiled model can be
re-sampled on new counts (``nutpie`` ``with_data``; simulation-based calibration swaps the
containers behind each observed variable). Nothing that depends on the counts is
precomputed outside the graph.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy.special import xlogy

LIKELIHOODS = ("exact", "quasi", "normal")


def cell_data(name: str, cells: pd.DataFrame, kind: str) -> dict[str, np.ndarray]:
    """The observed arrays of one likelihood term, by container name."""
    trials = cells["trials"].to_numpy().astype(float)
    counts = cells["count"].to_numpy().astype(float)
    if kind == "exact":
        return {f"{name}_trials": trials.astype("int64"),
                f"{name}_count": counts.astype("int64")}
    if kind == "quasi":
        return {f"{name}_trials": trials, f"{name}_count": counts}
    return {f"{name}_trials": trials,
            f"{name}_logit": np.log((counts + 0.5) / (trials - counts + 0.5))}


def add_cells(name: str, dim: str, cells: pd.DataFrame, kind: str, p: pt.TensorVariable,
              rest: pt.TensorVariable | None, phi: pt.TensorVariable | None,
              logit: pt.TensorVariable, log_p: pt.TensorVariable | None = None) -> None:
    """Add one likelihood term: cells with success weight ``p`` against ``rest``.

    ``rest=None``: ``p`` is a probability, ``invlogit(logit)``, and ``rest = 1 - p``;
    ``log_p``: ``log(p)`` computed more cheaply by the caller.

    Exact: Binomial(n, q) with ``q = p / (p + rest)``, or beta-binomial with ``alpha = phi
    p, beta = phi rest`` (a Dirichlet-multinomial stick), whose variance is the binomial
    one times ``k = 1 + (n - 1) / (phi (p + rest) + 1)``.

    Quasi (Nelder and Pregibon's extended quasi-likelihood, the saddlepoint approximation
    of an overdispersed binomial): ``log L = -D / (2 k) - log(k) / 2`` with the binomial
    deviance ``D / 2 = c log(c / (n q)) + (n - c) log((n - c) / (n (1 - q)))``. It is the
    binomial likelihood itself when ``k = 1`` (no non-sampling error), and matches the
    beta-binomial's mean and variance otherwise; it needs two softplus functions per cell
    instead of a dozen log-gamma functions. Replicated data are beta-binomial draws.

    Normal: the empirical logit ``y = log((c + 1/2) / (n - c + 1/2))`` is N(``logit``,
    ``k / (n q (1 - q))``) at the *model's* ``q``. Over-confident where counts are small
    (subgroup shares of 1-2%): kept for comparison.
    """
    model = pm.modelcontext(None)
    model.add_coord(dim, np.arange(len(cells)))
    data = cell_data(name, cells, kind)
    logistic = rest is None  # multi-mention/rating: p = invlogit(logit), rest = 1 - p
    if logistic:
        rest = 1.0 - p
    trials = pm.Data(f"{name}_trials", data[f"{name}_trials"], dims=dim)
    if kind == "exact":
        counts = pm.Data(f"{name}_count", data[f"{name}_count"], dims=dim)
        if phi is None:
            pm.Binomial(name, n=trials, p=p / (p + rest), observed=counts, dims=dim)
        else:
            pm.BetaBinomial(name, alpha=phi * p, beta=phi * rest, n=trials,
                            observed=counts, dims=dim)
        return
    # alpha + beta of the beta-binomial (infinite: binomial)
    concentration = (pt.as_tensor(np.inf) if phi is None
                     else phi if logistic else phi * (p + rest))
    if kind == "quasi":
        counts = pm.Data(f"{name}_count", data[f"{name}_count"], dims=dim)
        if logistic:
            log_q = -pt.softplus(-logit)
            log_not_q = log_q - logit
        else:
            log_total = pt.log(p + rest)
            log_q = (pt.log(p) if log_p is None else log_p) - log_total
            log_not_q = pt.log(rest) - log_total
        pm.CustomDist(name, log_q, log_not_q, concentration, trials,
                      logp=quasi_logp, random=beta_binomial_draws, observed=counts,
                      dims=dim)
        return
    observed = pm.Data(f"{name}_logit", data[f"{name}_logit"], dims=dim)
    q = p / (p + rest)
    var = 1.0 / (trials * q * (1.0 - q)) * (1.0 + (trials - 1.0) / (concentration + 1.0))
    pm.Normal(name, mu=logit, sigma=pt.sqrt(var), observed=observed, dims=dim)


def saturated_loglik(counts: np.ndarray, trials: np.ndarray) -> np.ndarray:
    """``c log(c / n) + (n - c) log((n - c) / n)``: the binomial log-likelihood at ``q = c /
    n`` (0 log 0 = 0), the constant that turns the log-likelihood into half a deviance."""
    n = np.maximum(trials, 1.0)
    return xlogy(counts, counts / n) + xlogy(trials - counts, (trials - counts) / n)


def _xlogy_over(x: pt.TensorVariable, n: pt.TensorVariable) -> pt.TensorVariable:
    """``x log(x / n)`` with ``0 log 0 = 0`` (PyTensor)."""
    safe = pt.switch(x > 0, x, 1.0)
    return pt.switch(x > 0, x * pt.log(safe / n), 0.0)


def quasi_logp(value: pt.TensorVariable, log_q: pt.TensorVariable,
               log_not_q: pt.TensorVariable, concentration: pt.TensorVariable,
               trials: pt.TensorVariable) -> pt.TensorVariable:
    """Extended quasi-likelihood of counts ``value`` with success probability ``exp(log_q)``
    (see :func:`add_cells`); the saturated term is computed from the counts in the graph."""
    n = pt.maximum(trials, 1.0)
    saturated = _xlogy_over(value, n) + _xlogy_over(trials - value, n)
    half_deviance = saturated - value * log_q - (trials - value) * log_not_q
    inflation = 1.0 + (trials - 1.0) / (concentration + 1.0)
    return -half_deviance / inflation - 0.5 * pt.log(inflation)


def beta_binomial_draws(log_q: np.ndarray, log_not_q: np.ndarray, concentration: np.ndarray,
                        trials: np.ndarray, rng: np.random.Generator | None = None,
                        size: tuple[int, ...] | None = None) -> np.ndarray:
    """Replicated counts of the quasi cells: beta-binomial (binomial at infinite
    concentration) with the cells' trials."""
    rng = np.random.default_rng() if rng is None else rng
    q = np.exp(np.asarray(log_q, dtype=float))
    concentration = np.asarray(concentration, dtype=float)
    shape = np.broadcast_shapes(q.shape, concentration.shape, np.shape(trials)) if size is None \
        else tuple(size)
    q = np.broadcast_to(q, shape)
    if np.all(np.isinf(concentration)):
        prob = q
    else:
        a = np.broadcast_to(np.clip(concentration, 1e-9, 1e12), shape)
        prob = rng.beta(np.maximum(a * q, 1e-12), np.maximum(a * (1.0 - q), 1e-12))
    n = np.broadcast_to(np.asarray(trials), shape).astype("int64")
    return rng.binomial(n, prob).astype(float)
