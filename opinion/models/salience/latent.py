r"""The latent salience :math:`\theta_{g,k,t}`: levels, subgroup deviations and their path
over time (random walk or mean-reverting AR(1)), in PyMC.

:math:`\theta` is an issue's log-odds against "other" on the reference question, for group
:math:`g` at knot :math:`t`:

.. math::

    \theta_{g,k,t} = \theta^{a}_{k} + \Delta_{g,k} + w_{k,t} + v_{g,k,t}

- levels :math:`\theta^{a}_k \sim N(0, s_\ell)`: the first group at the anchor knot;
- subgroup deviations :math:`\Delta_{g,k} \sim N(0, \sigma_g)` (zero for the first group);
- the path :math:`w`: a random walk with monthly step sd :math:`\sigma_{rw}`, zero at the
  anchor knot, or the path of a stationary AR(1) :math:`x_t = \rho x_{t-1} + \sigma_{rw}
  \epsilon_t` around each issue's long-run level, :math:`\rho = 2^{-\Delta t / h}` with
  half-life :math:`h` (months), written as :math:`w_t = x_t - x_{anchor}` (zero at the anchor
  knot, :func:`ar1_bridge`);
- optional group x time terms :math:`v`: a random walk of each subgroup's deviation (step sd
  :math:`\sigma_{gt}` a month), zero at the anchor knot.

Sparse fits (non-centred) write every vector of iid normals over issues as its mean plus a
zero-sum part, :math:`x = \bar x \mathbf 1 + (x - \bar x \mathbf 1)`, sampled separately (the
same prior exactly). The mean is the direction in which every issue gains on "other" at once;
the data often pin only the issues' differences (an exit poll whose remainder holds every
unlisted issue, ``choice_set="all"``), and as a separate coordinate that direction no longer
couples all the levels into one long ridge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from opinion.models.salience.config import pp_to_logit

if TYPE_CHECKING:
    from opinion.models.salience.config import IssueSalienceConfig
    from opinion.models.salience.inputs import SalienceData


def iid_split(name: str, sigma, lead_dims: tuple[str, ...], n_issues: int,
              issue_dim: str = "issue") -> pt.TensorVariable:
    """``sigma * z`` with ``z`` iid N(0, 1) over ``lead_dims + (issue,)``, written as a mean
    over issues (``{name}_mean_z``) plus a zero-sum part (``{name}_dev_z``)."""
    mean = pm.Normal(f"{name}_mean_z", 0.0, 1.0, dims=lead_dims or None)
    dev = pm.ZeroSumNormal(f"{name}_dev_z", sigma=1.0, dims=(*lead_dims, issue_dim))
    return sigma * (pt.shape_padright(mean) / np.sqrt(n_issues) + dev)


def walk_step_sd(config: IssueSalienceConfig, grid_days: int) -> pt.TensorVariable:
    """The walk's sd per knot step: ``sigma_rw`` (per month) scaled to ``grid_days``."""
    sigma_rw = pm.HalfNormal("sigma_rw", pp_to_logit(config.rw_pp_per_month))
    return sigma_rw * np.sqrt(grid_days / 30.0)


def ar1_bridge(rho: pt.TensorVariable, n_knots: int, anchor: int) -> pt.TensorVariable:
    """Knots x knots matrix ``B`` with ``B @ z`` the path ``x_t - x_anchor`` of a stationary
    AR(1) with unit innovations, written outward from the anchor knot.

    ``z[anchor]`` is the anchor's standardised distance from the long-run level (``x_anchor
    = z[anchor] / sqrt(1 - rho^2)``); the other ``z`` are the innovations of the steps away
    from the anchor (forward after it, backward before it: a stationary AR(1) reversed in
    time is the same AR(1)). So ``x_t = rho^|t - a| x_a + sum_j rho^|t - j| z_j`` over the
    knots ``j`` from the anchor to ``t``. As ``rho -> 1`` the anchor column vanishes and the
    path becomes the random walk anchored at the same knot: the level at the anchor stays
    pinned by its polls instead of trading off against a long-run level the data cannot see.
    """
    t = np.arange(n_knots)
    lags = np.abs(t[:, None] - t[None, :]).astype(float)
    on_path = (((t[None, :] > anchor) & (t[None, :] <= t[:, None]))
               | ((t[None, :] < anchor) & (t[None, :] >= t[:, None]))).astype(float)
    steps = pt.pow(rho, lags) * on_path
    anchor_column = (pt.pow(rho, lags[:, anchor]) - 1.0) / pt.sqrt(1.0 - rho ** 2)
    return pt.set_subtensor(steps[:, anchor], anchor_column)


class LatentSalience:
    """Builds :math:`\\theta` (group x issue x knot) inside a PyMC model context."""

    def __init__(self, data: SalienceData, config: IssueSalienceConfig, centered: bool) -> None:
        self.d, self.c, self.centered = data, config, centered

    @property
    def sizes(self) -> tuple[int, int, int]:
        d = self.d
        return len(d.groups), len(d.issues), len(d.knot_dates)

    def build(self) -> pt.TensorVariable:
        """Register the variables and return the Deterministic ``theta``."""
        n_groups, n_issues, n_knots = self.sizes
        if n_knots > 1 and self.centered and self.c.walk == "random_walk":
            level, path = self._centred_walk()
        else:
            level = self._level()
            path = self._path() if n_knots > 1 else None
        theta = level[None, :, None]
        if path is not None:
            theta = theta + path[None, :, :]
        if n_groups > 1:
            theta = theta + self._groups()
        theta = pt.broadcast_to(theta, (n_groups, n_issues, n_knots))
        return pm.Deterministic("theta", theta, dims=("group", "issue", "knot"))

    # ------------------------------------------------------------------ levels
    def _level(self) -> pt.TensorVariable:
        c = self.c
        _, n_issues, _ = self.sizes
        if self.centered:
            level = pm.Normal("theta_level", 0.0, c.level_sd_logit, dims="issue")
        else:
            level = iid_split("theta", c.level_sd_logit, (), n_issues)
        return pm.Deterministic("theta_anchor", level, dims="issue")

    def _centred_walk(self) -> tuple[pt.TensorVariable, pt.TensorVariable]:
        """Data-rich random walk: the first group's knot levels are the parameters (a
        Gaussian random walk from the first knot), so each is pinned by its own polls; as
        increments they were strongly anti-correlated (posterior condition number 830, 48
        leapfrog steps per draw on the 200-poll benchmark)."""
        d, c = self.d, self.c
        _, _, n_knots = self.sizes
        walk = pm.GaussianRandomWalk(
            "theta_walk", mu=0.0, sigma=walk_step_sd(c, d.grid_days),
            init_dist=pm.Normal.dist(0.0, c.level_sd_logit), steps=n_knots - 1,
            dims=("issue", "knot"))
        level = pm.Deterministic("theta_anchor", walk[:, d.anchor_knot], dims="issue")
        return level, walk - level[:, None]

    # ------------------------------------------------------------------ paths
    def _path(self) -> pt.TensorVariable:
        """Issue x knot path: random walk (zero at the anchor knot) or stationary AR(1)."""
        d, c = self.d, self.c
        _, n_issues, n_knots = self.sizes
        step_sd = walk_step_sd(c, d.grid_days)
        if c.walk == "ar1":
            half_life = pm.LogNormal("half_life", np.log(c.half_life_months),
                                     c.half_life_sd_log)
            rho = pm.Deterministic("ar_rho", 0.5 ** ((d.grid_days / 30.0) / half_life))
            z = iid_split("ar", 1.0, ("knot",), n_issues)  # knot x issue
            return step_sd * pt.dot(ar1_bridge(rho, n_knots, d.anchor_knot), z).T
        if self.centered:
            steps = pm.Normal("rw_c", 0.0, step_sd, dims=("step", "issue"))
        else:
            steps = iid_split("rw", step_sd, ("step",), n_issues)
        path = pt.concatenate([pt.zeros((n_issues, 1)), pt.cumsum(steps.T, axis=1)], axis=1)
        return path - path[:, d.anchor_knot][:, None]

    # ------------------------------------------------------------------ groups
    def _groups(self) -> pt.TensorVariable:
        """Group x issue x knot deviations from the first group (zero for it)."""
        d, c = self.d, self.c
        n_groups, n_issues, n_knots = self.sizes
        sigma_group = pm.HalfNormal("sigma_group", pp_to_logit(c.group_pp))
        if self.centered:
            dev = pm.Normal("group_c", 0.0, sigma_group, dims=("subgroup", "issue"))
        else:
            dev = iid_split("group", sigma_group, ("subgroup",), n_issues)
        dev = pt.concatenate([pt.zeros((1, n_issues)), dev], axis=0)[:, :, None]
        if not d.group_time or n_knots < 2:
            return dev
        sigma_gt = pm.HalfNormal("sigma_group_rw", pp_to_logit(c.group_rw_pp_per_month))
        z = pm.Normal("group_rw_z", 0.0, 1.0, dims=("subgroup", "issue", "step"))
        steps = sigma_gt * np.sqrt(d.grid_days / 30.0) * z
        path = pt.concatenate([pt.zeros((n_groups - 1, n_issues, 1)),
                               pt.cumsum(steps, axis=2)], axis=2)
        path = path - path[:, :, d.anchor_knot][:, :, None]
        path = pt.concatenate([pt.zeros((1, n_issues, n_knots)), path], axis=0)
        return dev + path
