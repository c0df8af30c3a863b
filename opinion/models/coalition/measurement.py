r"""Stage 1: the dynamic cross-national measurement model (DCPO / Claassen 2019 structure).

For each latent :math:`L` (opinion: preference for negotiating; salience: the economy against
the war), unit :math:`i` (a member, or a non-member calibrating items) in region
:math:`r(i)` and month :math:`t`:

.. math::

    L_{i,t} = c_t + \alpha_i + \sigma_w W_{i,t}, \qquad
    \alpha_i \sim N(\mu + \sigma_r z_{r(i)},\; \sigma_c^2),

with :math:`c_t` a coalition-wide monthly random walk (step sd :math:`\sigma_c^{walk}`) and
:math:`W_{i,t}` each unit's own standard random walk, both pinned to 0 at the anchor month
(the month with most cells), so :math:`\alpha_i` is the unit's level then, partially pooled
towards its region. A cell (item :math:`q`, unit :math:`i`, month :math:`t`, effective size
:math:`n`, count :math:`y`) is beta-binomial:

.. math::

    p = \operatorname{logit}^{-1}\big(a_q + b_q L_{i,t} + \delta_{q,i}\big), \quad
    y \sim \text{BetaBinomial}\big(n, p\phi, (1-p)\phi\big), \quad \phi = 0.25/e^2 - 1,

with the reference item fixed (:math:`a = 0`, :math:`b = \pm 1` by its direction), item
intercepts :math:`a_q \sim N(m_a, s_a)`, loadings :math:`b_q = d_q e^{\ell_q}` whose sign
:math:`d_q` is the item's stated direction, item x country bias :math:`\delta_{q,i} =
\sigma_\delta z_{q,i}` (for pairs with two or more cells, as DCPO) and non-sampling error
:math:`e` (sd in share units at 50%). Loadings are estimated for items reaching two or more
countries and fixed at the direction otherwise.

Parameterisation (measured on the bundled panels, see :data:`CENTRED_MIN_CELLS` and
``inputs.GEOMETRY``): opinion's unit levels centred where a unit has cells, salience's
non-centred; region levels, walks and biases non-centred; item intercepts centred with a
fixed spread (a hierarchical spread made a funnel with the levels of countries whose items
are their own, such as the U.S.). The likelihood is a ``Potential`` weighted by a 0/1
data container per cell, so refits without some cells (held-out cells, a back-test origin)
reuse one compiled model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt
from scipy.special import xlogy

from opinion.models.coalition.data import CoalitionInputs, LatentData

CENTRED_MIN_CELLS: dict[str, dict[str, int | None]] = {
    "opinion": {"level": 1, "bias": 3},
    "salience": {"level": None, "bias": None},
}
"""Unit levels (``level``) and item x country biases (``bias``) are centred where a unit or
pair has at least this many cells, non-centred otherwise (``None``: never centred).
Measured on the bundled panels (4 chains x 500 draws): opinion, whose country levels are
well informed (country sd about 0.6 log-odds against about 0.15 of cell noise), mixes best
with levels centred wherever a unit has data and biases centred for pairs with three or more
cells (all non-centred biases: bias sd ESS 200, R-hat 1.02); salience, whose country sd
(about 0.13) is small against its cell noise (about 0.35), only fully non-centred
(centred levels: 19-508 divergences; centred biases: bias sd R-hat 1.22)."""


def logit(pct: float) -> float:
    p = pct / 100
    return float(np.log(p / (1 - p)))


def coords(inputs: CoalitionInputs) -> dict[str, list]:
    out = {"unit": inputs.units["iso2"].tolist(), "region": inputs.regions,
           "month": [f"{m:%Y-%m}" for m in inputs.months]}
    for latent in (inputs.opinion, inputs.salience):
        if latent is not None:
            out[f"{latent.name}_item"] = latent.items
            out[f"{latent.name}_pair"] = latent.pairs
            out[f"{latent.name}_cell"] = list(range(len(latent.cells)))
    return out


def build_measurement_model(inputs: CoalitionInputs, config: Any) -> pm.Model:
    """The stage-1 PyMC model: opinion and (when measured) salience."""
    with pm.Model(coords=coords(inputs)) as model:
        add_latent(inputs.opinion, inputs, config, logit(config.opinion_center_pct))
        if inputs.salience is not None:
            add_latent(inputs.salience, inputs, config, logit(config.salience_center_pct))
    return model


def _walk(name: str, shape_dims: tuple[str, ...], sd: Any, anchor: int) -> Any:
    """Standard-normal increments cumulated along the last axis, 0 at ``anchor``."""
    z = pm.Normal(f"{name}_z", 0.0, 1.0, dims=shape_dims)
    path = pt.cumsum(z, axis=-1)
    return sd * (path - pt.shape_padright(path[..., anchor]))


def _subset_dim(dim: str, base: str, index: np.ndarray) -> str:
    """A named dimension for the ``index`` subset of the model's ``base`` coordinate (so
    that a parameter over some units, items or pairs carries their labels, not
    ``..._dim_0``)."""
    model = pm.modelcontext(None)
    labels = list(model.coords[base])
    model.add_coord(dim, [labels[int(i)] for i in index])
    return dim


def _levels(name: str, latent: LatentData, inputs: CoalitionInputs, config: Any,
            center: float) -> Any:
    """Unit levels at the anchor month, pooled towards region levels."""
    mean = pm.Normal(f"{name}_mean", center, config.level_sd)
    region_sd = pm.HalfNormal(f"{name}_region_sd", config.region_sd)
    region = mean + region_sd * pm.Normal(f"{name}_region_z", 0.0, 1.0, dims="region")
    region_of = inputs.units["region"].map({r: k for k, r in
                                            enumerate(inputs.regions)}).to_numpy()
    country_sd = pm.HalfNormal(f"{name}_country_sd", config.country_sd)
    counts = np.bincount(latent.cells["unit"], minlength=len(inputs.units))
    least = CENTRED_MIN_CELLS.get(name, CENTRED_MIN_CELLS["opinion"])["level"]
    seen = counts >= least if least is not None else np.zeros(len(counts), dtype=bool)
    with_data, without = np.flatnonzero(seen), np.flatnonzero(~seen)
    parts = []
    if len(with_data):
        parts.append(pm.Normal(f"{name}_level_data", region[region_of[with_data]], country_sd,
                               dims=_subset_dim(f"{name}_unit_measured", "unit", with_data)))
    if len(without):
        parts.append(region[region_of[without]] + country_sd * pm.Normal(
            f"{name}_level_z", 0.0, 1.0,
            dims=_subset_dim(f"{name}_unit_unmeasured", "unit", without)))
    order = np.argsort(np.r_[with_data, without])
    return pt.concatenate(parts)[order]


def _loadings(name: str, latent: LatentData, config: Any) -> Any:
    """Loadings: the stated direction, times exp(log loading) where it is estimated."""
    d = latent.directions
    b = pt.as_tensor(d)
    loaded = np.flatnonzero(latent.free_loading)
    if len(loaded):
        log_loading = pm.Normal(f"{name}_log_loading", 0.0, config.item_loading_sd,
                                dims=_subset_dim(f"{name}_item_loaded", f"{name}_item",
                                                 loaded))
        b = pt.set_subtensor(b[loaded], d[loaded] * pt.exp(log_loading))
    return b


def _items(name: str, latent: LatentData, config: Any, level: Any) -> tuple[Any, Any]:
    """Intercepts and loadings (reference fixed; loading signs = stated directions).

    Items asked in one country only (the U.S. and Canadian polls, national trackers) are
    parameterised by their position in that country, ``local = a + b level``, drawn as
    ``N(m + b level, s)``: the same prior as ``a ~ N(m, s)`` (unit Jacobian), but the data
    pin ``local`` while the country's level moves freely (with ``a`` as the parameter the
    level and its own items' intercepts form a ridge: 63 leapfrog steps a draw).
    """
    b = _loadings(name, latent, config)
    n_items = len(latent.items)
    if n_items == 1:
        a = pt.zeros(1)
    else:
        item_mean = pm.Normal(f"{name}_item_mean", 0.0, 1.5)
        home = latent.cells.groupby("q")["unit"].agg(["nunique", "first"]).reindex(
            range(n_items))
        local = np.flatnonzero(home["nunique"].to_numpy() == 1)
        local = local[local > 0]
        shared = np.setdiff1d(np.arange(1, n_items), local)
        a = pt.zeros(n_items)
        if len(shared):
            a = pt.set_subtensor(a[shared], pm.Normal(
                f"{name}_item_free", item_mean, config.item_intercept_sd,
                dims=_subset_dim(f"{name}_item_shared", f"{name}_item", shared)))
        if len(local):
            units = home["first"].to_numpy()[local].astype(int)
            position = pm.Normal(f"{name}_item_local", item_mean + b[local] * level[units],
                                 config.item_intercept_sd,
                                 dims=_subset_dim(f"{name}_item_one_country", f"{name}_item",
                                                  local))
            a = pt.set_subtensor(a[local], position - b[local] * level[units])
    pm.Deterministic(f"{name}_intercept", a, dims=f"{name}_item")
    pm.Deterministic(f"{name}_loading", b, dims=f"{name}_item")
    return a, b


def _biases(name: str, latent: LatentData, config: Any) -> Any:
    """Item x country biases, centred or not by :data:`CENTRED_MIN_CELLS`; a zero appended
    for cells without a bias term (pair index -1)."""
    bias_sd = pm.HalfNormal(f"{name}_bias_sd", config.bias_sd)
    cells = latent.cells[latent.cells["pair"] >= 0]
    counts = np.bincount(cells["pair"], minlength=len(latent.pairs))
    least = CENTRED_MIN_CELLS.get(name, CENTRED_MIN_CELLS["opinion"])["bias"]
    rich = np.flatnonzero(counts >= least) if least is not None else np.array([], int)
    thin = np.setdiff1d(np.arange(len(latent.pairs)), rich)
    bias = pt.zeros(len(latent.pairs))
    if len(rich):
        bias = pt.set_subtensor(bias[rich], pm.Normal(
            f"{name}_bias_data", 0.0, bias_sd,
            dims=_subset_dim(f"{name}_pair_measured", f"{name}_pair", rich)))
    if len(thin):
        bias = pt.set_subtensor(bias[thin], bias_sd * pm.Normal(
            f"{name}_bias_z", 0.0, 1.0,
            dims=_subset_dim(f"{name}_pair_thin", f"{name}_pair", thin)))
    bias = pm.Deterministic(f"{name}_bias", bias, dims=f"{name}_pair")
    return pt.concatenate([bias, pt.zeros(1)])  # cells without a bias term: pair -1


def add_latent(latent: LatentData, inputs: CoalitionInputs, config: Any, center: float
               ) -> None:
    """One latent series per unit and month, and the likelihood of its cells."""
    name, cells = latent.name, latent.cells
    common_sd = pm.HalfNormal(f"{name}_common_sd", config.common_step_sd)
    walk_sd = pm.HalfNormal(f"{name}_walk_sd", config.country_step_sd)
    common = _walk(f"{name}_common", ("month",), common_sd, latent.anchor)
    own = _walk(f"{name}_walk", ("unit", "month"), walk_sd, latent.anchor)
    level = _levels(name, latent, inputs, config, center)
    values = pm.Deterministic(name, common[None, :] + level[:, None] + own,
                              dims=("unit", "month"))
    a, b = _items(name, latent, config, level)
    bias = _biases(name, latent, config)
    error = pm.LogNormal(f"{name}_poll_error", np.log(config.poll_error_pp / 100),
                         config.poll_error_sd_log)
    phi = 0.25 / error**2 - 1.0
    q, u, t = (cells[c].to_numpy() for c in ("q", "unit", "t"))
    flat_index = u * len(inputs.months) + t
    eta = a[q] + b[q] * values.flatten()[flat_index] + bias[cells["pair"].to_numpy()]
    data = {k: pm.Data(f"{name}_{k}", v, dims=f"{name}_cell")
            for k, v in cell_data(cells, config.likelihood).items()}
    logp = cell_logp(eta, phi, data, config.likelihood)
    pm.Potential(f"{name}_likelihood", (data["weight"] * logp).sum())


def cell_data(cells: Any, kind: str) -> dict[str, np.ndarray]:
    """Data containers of a latent's cells: counts, trials, weights and, for the
    quasi-likelihood, the binomial log-likelihood at the observed share."""
    y, n = cells["y"].to_numpy(float), cells["trials"].to_numpy(float)
    out = {"y": y, "trials": n, "weight": np.ones(len(cells))}
    if kind == "quasi":
        out["saturated"] = saturated(y, n)
    return out


def saturated(y: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``y log(y / n) + (n - y) log((n - y) / n)`` (0 log 0 = 0)."""
    return xlogy(y, y / n) + xlogy(n - y, (n - y) / n)


def cell_logp(eta: Any, phi: Any, data: dict[str, Any], kind: str) -> Any:
    """Log-likelihood of each cell with log-odds ``eta`` and beta concentration ``phi``.

    ``beta_binomial``: exact. ``quasi``: Nelder and Pregibon's extended quasi-likelihood,
    ``-D / (2k) - log(k) / 2`` with the binomial deviance ``D`` and the beta-binomial's
    variance inflation ``k = 1 + (n - 1) / (phi + 1)``: the same mean and variance, no
    log-gamma functions (measured: 21 against 88 microseconds per gradient for 400 cells).
    """
    y, n = data["y"], data["trials"]
    if kind == "beta_binomial":
        p = pm.math.invlogit(eta)
        return pm.logp(pm.BetaBinomial.dist(n=n, alpha=p * phi, beta=(1 - p) * phi), y)
    log_q = -pt.softplus(-eta)
    half_deviance = data["saturated"] - y * log_q - (n - y) * (log_q - eta)
    inflation = 1.0 + (n - 1.0) / (phi + 1.0)
    return -half_deviance / inflation - 0.5 * pt.log(inflation)


RAW_NAMES = ("_common_z", "_walk_z", "_bias_z", "_level_z")
"""Suffixes of the standardised variables dropped after sampling (their transforms, the
latent series and the biases, are kept)."""
