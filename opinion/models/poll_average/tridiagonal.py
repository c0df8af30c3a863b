r"""Gaussian algebra of a symmetric positive-definite tridiagonal precision matrix.

A daily random walk observed with Gaussian noise has a tridiagonal posterior precision
:math:`Q` (diagonal ``d``, off-diagonal ``e``). Integrating the walk out of the likelihood
needs

.. math::

    F(d, e, c) = \tfrac12 c^\top Q^{-1} c - \tfrac12 \log\det Q,

which an :math:`L D L^\top` factorisation (``L`` unit lower bidiagonal, ``D`` diagonal: one
division per day, no square roots) gives in O(T). Its gradient needs :math:`m = Q^{-1} c`
and the tridiagonal band of :math:`\Sigma = Q^{-1}` (selected inversion, also O(T)):

.. math::

    \partial F / \partial c = m, \quad
    \partial F / \partial d_t = -\tfrac12 (m_t^2 + \Sigma_{tt}), \quad
    \partial F / \partial e_t = -(m_t m_{t+1} + \Sigma_{t,t+1}).

Observations :math:`y_i = x_{p_i} + o_i + N(0, v_i)`, :math:`v_i = s_i + \tau^2`, add
:math:`1/v_i` to ``d`` and :math:`(y_i - o_i)/v_i` to ``c`` at :math:`p_i`, and their
marginal log-likelihood is

.. math::

    \log p(y) = -\tfrac12 \sum_i \left[\log 2\pi v_i + (y_i - o_i)^2 / v_i\right]
        + F(\text{posterior}) - F(\text{prior}).

:class:`GaussianChainLoglik` is a PyTensor Op computing it and its gradient in one pass,
with a numba implementation (nutpie compiles models with numba) written as plain loops:
compact machine code, which matters because nutpie links and re-optimises the whole
compiled model in every process. The numpy functions at the end are the same algebra
vectorised over posterior draws, used to draw the path afterwards (forward filtering,
backward sampling in precision form: :math:`x = m + L^{-\top} z`, ``L`` the Cholesky
factor).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytensor.tensor as pt
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op

_SOURCE_VERSION = int(hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12], 16)
"""Numba cache version of the Op below: any edit of this file invalidates its cache."""
LOG_EVERY = 8
"""Pivots multiplied together before one logarithm (eight pivots of the walk, about 1/q
each, stay far from overflow)."""
TWO_PI = 2.0 * np.pi


# ---------------------------------------------------------------------- kernels (plain loops)
def _chain(d, e, c, inv, ratio, z, mean, var, cov):
    """``F(d, e, c)``; fills ``mean = Q^{-1} c``, ``var`` and ``cov`` (diagonal and first
    off-diagonal of ``Q^{-1}``). ``-inf`` when ``Q`` is not positive definite."""
    n = d.shape[0]
    pivot = d[0]
    z[0] = c[0]
    quad = 0.0
    logdet = 0.0
    product = 1.0
    for t in range(n):
        if t > 0:
            ratio[t] = e[t - 1] * inv[t - 1]
            pivot = d[t] - ratio[t] * e[t - 1]
            z[t] = c[t] - ratio[t] * z[t - 1]
        if not pivot > 0.0:
            return -np.inf
        inv[t] = 1.0 / pivot
        quad += z[t] * z[t] * inv[t]
        product *= pivot
        if t % LOG_EVERY == LOG_EVERY - 1:
            logdet += np.log(product)
            product = 1.0
    logdet += np.log(product)
    mean[n - 1] = z[n - 1] * inv[n - 1]
    var[n - 1] = inv[n - 1]
    for t in range(n - 2, -1, -1):
        mean[t] = z[t] * inv[t] - ratio[t + 1] * mean[t + 1]
        cov[t] = -ratio[t + 1] * var[t + 1]
        var[t] = inv[t] - ratio[t + 1] * cov[t]
    return 0.5 * quad - 0.5 * logdet


def _make_loglik(chain):
    """The observations' log-likelihood and gradient on top of ``chain`` (:func:`_chain`,
    plain or numba-compiled: one source for both)."""

    def loglik(d, e, c, y, se2, position, offset, tau):
        """``(log p(y), d/dd, d/de, d/dc, d/do, d/dtau)``; see the module docstring."""
        n, m = d.shape[0], y.shape[0]
        d_post = d.copy()
        c_post = c.copy()
        precision = np.empty(m)
        information = np.empty(m)
        value = 0.0
        for i in range(m):
            v = se2[i] + tau * tau
            precision[i] = 1.0 / v
            information[i] = (y[i] - offset[i]) * precision[i]
            value -= 0.5 * (np.log(TWO_PI * v) + (y[i] - offset[i]) * information[i])
            d_post[position[i]] += precision[i]
            c_post[position[i]] += information[i]
        work = np.empty((12, n))
        post = chain(d_post, e, c_post, work[0], work[1], work[2], work[3], work[4], work[5])
        prior = chain(d, e, c, work[6], work[7], work[8], work[9], work[10], work[11])
        grad_d, grad_c, grad_e = np.zeros(n), np.zeros(n), np.zeros(max(n - 1, 0))
        grad_offset = np.zeros(m)
        if not (post > -np.inf and prior > -np.inf):
            return -np.inf, grad_d, grad_e, grad_c, grad_offset, 0.0
        m1, v1, c1, m0, v0, c0 = work[3], work[4], work[5], work[9], work[10], work[11]
        for t in range(n):
            grad_d[t] = 0.5 * (m0[t] * m0[t] + v0[t] - m1[t] * m1[t] - v1[t])
            grad_c[t] = m1[t] - m0[t]
            if t < n - 1:
                grad_e[t] = m0[t] * m0[t + 1] + c0[t] - m1[t] * m1[t + 1] - c1[t]
        grad_var = 0.0
        for i in range(m):
            p, b, mean = precision[i], information[i], m1[position[i]]
            grad_offset[i] = (b - mean * p)  # -(d/dr) with r = y - o
            grad_var += (-0.5 * (p - b * b) + 0.5 * (mean * mean + v1[position[i]]) * p * p
                         - mean * b * p)
        return value + post - prior, grad_d, grad_e, grad_c, grad_offset, 2.0 * tau * grad_var

    return loglik


_loglik = _make_loglik(_chain)


# ---------------------------------------------------------------------- PyTensor Op
class GaussianChainLoglik(Op):
    """``log p(y | d, e, c, o, tau)`` (output 0) and its gradient in ``(d, e, c, o, tau)``
    (outputs 1-5, used by :meth:`pullback`). Inputs: ``d, e, c, y, se2, position, offset,
    tau``; ``y``, ``se2`` and ``position`` are data."""

    __props__ = ()

    def make_node(self, d, e, c, y, se2, position, offset, tau) -> Apply:
        floats = [pt.as_tensor_variable(x).astype("float64") for x in (d, e, c, y, se2)]
        index = pt.as_tensor_variable(position).astype("int64")
        offset = pt.as_tensor_variable(offset).astype("float64")
        tau = pt.as_tensor_variable(tau).astype("float64")
        inputs = [*floats, index, offset, tau]
        outputs = [pt.dscalar(), *(inputs[i].type() for i in (0, 1, 2, 6)), pt.dscalar()]
        return Apply(self, inputs, outputs)

    def perform(self, node, inputs, output_storage) -> None:
        *arrays, tau = inputs
        for store, value in zip(output_storage, _loglik(*arrays, float(tau)), strict=True):
            store[0] = np.asarray(value, dtype="float64")

    def infer_shape(self, node, shapes):
        return [(), shapes[0], shapes[1], shapes[2], shapes[6], ()]

    def pullback(self, inputs, outputs, cotangents):
        from pytensor.gradient import DisconnectedType, disconnected_type, grad_not_implemented

        if any(not isinstance(g.type, DisconnectedType) for g in cotangents[1:]):
            return [grad_not_implemented(self, i, x) for i, x in enumerate(inputs)]
        g = cotangents[0]
        grad_d, grad_e, grad_c, grad_offset, grad_tau = outputs[1:]
        none = disconnected_type()
        return [g * grad_d, g * grad_e, g * grad_c, none, none, none, g * grad_offset,
                g * grad_tau]

    def connection_pattern(self, node):
        differentiable = [True, True, True, False, False, False, True, True]
        return [[flag] * 6 for flag in differentiable]


gaussian_chain_loglik_op = GaussianChainLoglik()


def gaussian_chain_loglik(d, e, c, y, se2, position, offset, tau):
    """Symbolic ``log p(y)`` (see :class:`GaussianChainLoglik`)."""
    _register_numba()
    return gaussian_chain_loglik_op(d, e, c, y, se2, position, offset, tau)[0]


_REGISTERED: list[bool] = []


def _register_numba() -> None:
    """Numba implementation, cached on disk by PyTensor under a key that changes whenever
    this file changes. Registered when a graph first uses the Op (importing PyTensor's numba
    dispatch costs about 2 s, which importing this module should not)."""
    if _REGISTERED:
        return
    _REGISTERED.append(True)
    from pytensor.link.numba.dispatch.basic import (
        numba_njit,
        register_funcify_default_op_cache_key,
    )

    kernel = numba_njit(_make_loglik(numba_njit(_chain)))

    @register_funcify_default_op_cache_key(GaussianChainLoglik)
    def _funcify(op, node=None, **kwargs):
        @numba_njit
        def gaussian_chain_loglik_numba(d, e, c, y, se2, position, offset, tau):
            value, grad_d, grad_e, grad_c, grad_offset, grad_tau = kernel(
                d, e, c, y, se2, position, offset, tau[()])
            return (np.asarray(value), grad_d, grad_e, grad_c, grad_offset,
                    np.asarray(grad_tau))

        return gaussian_chain_loglik_numba, _SOURCE_VERSION


# ---------------------------------------------------------------------- numpy, over draws
def cholesky(d: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bidiagonal Cholesky factor of ``Q``: diagonal ``l`` and sub-diagonal ``g`` (``g[0]``
    is 0). ``d`` is (T, draws), ``e`` (T-1, draws)."""
    diag = np.empty_like(d)
    sub = np.zeros_like(d)
    diag[0] = np.sqrt(d[0])
    for t in range(1, d.shape[0]):
        sub[t] = e[t - 1] / diag[t - 1]
        diag[t] = np.sqrt(d[t] - sub[t] ** 2)
    return diag, sub


def solve_lower(diag: np.ndarray, sub: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``L^{-1} rhs``."""
    out = np.empty_like(rhs)
    out[0] = rhs[0] / diag[0]
    for t in range(1, rhs.shape[0]):
        out[t] = (rhs[t] - sub[t] * out[t - 1]) / diag[t]
    return out


def solve_upper(diag: np.ndarray, sub: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``L^{-T} rhs``."""
    out = np.empty_like(rhs)
    last = rhs.shape[0] - 1
    out[last] = rhs[last] / diag[last]
    for t in range(last - 1, -1, -1):
        out[t] = (rhs[t] - sub[t + 1] * out[t + 1]) / diag[t]
    return out


def posterior_mean(d: np.ndarray, e: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``Q^{-1} c`` (columns are draws)."""
    diag, sub = cholesky(d, e)
    return solve_upper(diag, sub, solve_lower(diag, sub, c))


def posterior_variance(d: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Diagonal of ``Q^{-1}`` (selected inversion)."""
    diag, sub = cholesky(d, e)
    var = np.empty_like(d)
    last = d.shape[0] - 1
    var[last] = 1.0 / diag[last] ** 2
    for t in range(last - 1, -1, -1):
        cov = -sub[t + 1] * var[t + 1] / diag[t]
        var[t] = 1.0 / diag[t] ** 2 - sub[t + 1] * cov / diag[t]
    return var


def sample_gaussian(d: np.ndarray, e: np.ndarray, c: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """One draw of ``N(Q^{-1} c, Q^{-1})`` per column: ``m + L^{-T} z``."""
    diag, sub = cholesky(d, e)
    mean = solve_upper(diag, sub, solve_lower(diag, sub, c))
    return mean + solve_upper(diag, sub, rng.standard_normal(d.shape))


def log_value(d: np.ndarray, e: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``F(d, e, c)`` per column."""
    diag, sub = cholesky(d, e)
    u = solve_lower(diag, sub, c)
    return 0.5 * (u**2).sum(axis=0) - np.log(diag).sum(axis=0)
