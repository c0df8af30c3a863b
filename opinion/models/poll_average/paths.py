"""The Kalman arm's daily path, drawn after sampling.

NUTS samples the scales and effects of ``likelihood="kalman"`` with the daily path
integrated out; here, for every posterior draw, the path is drawn from its exact conditional
``N(Q^{-1} c, Q^{-1})`` (forward filtering, backward sampling in precision form, vectorised
over draws), and polls are replicated around it for the posterior predictive check. Prior
draws get a path from the random-walk prior, so that contraction compares like with like.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import xarray as xr
from scipy import sparse

from opinion.models.poll_average.marginal import (
    ANCHOR_SD,
    MarginalDesign,
    marginal_design,
    prior_precision,
    random_walks,
)
from opinion.models.poll_average.tridiagonal import sample_gaussian

if TYPE_CHECKING:
    from opinion.models.poll_average.model import PollAverage

CHUNK = 250
"""Draws processed at once (memory: a few arrays of chain length x CHUNK)."""
MAX_REPLICATED_DRAWS = 1000
"""Posterior draws (evenly thinned) whose polls are replicated for the predictive check."""


def _stacked(dataset: xr.Dataset, name: str) -> np.ndarray:
    values = np.asarray(dataset[name].values, dtype=float)
    return values.reshape((-1,) + values.shape[2:])


def offsets(model: PollAverage, dataset: xr.Dataset) -> np.ndarray:
    """Each draw's house + population + mode + item effect of every poll: (draws, polls)."""
    from opinion.models.poll_average.model import level_index  # (model imports this module)

    data = model.inputs
    n_draws = dataset.sizes["chain"] * dataset.sizes["draw"]
    out = np.zeros((n_draws, len(data.polls)))
    if "house" in dataset:
        out += _stacked(dataset, "house")[:, 0, model._pollster_index()]
    for name, column, levels, _ in model.identified_effects():
        effect = _stacked(dataset, f"{name}_effect")[:, 0, :]
        padded = np.concatenate([np.zeros((n_draws, 1)), effect], axis=1)
        out += padded[:, level_index(data.polls[column], levels)]
    return out


def draw_paths(model: PollAverage, dataset: xr.Dataset, rng: np.random.Generator, *,
               conditional: bool, replicate: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """Daily paths (draws, chain positions) and, for the draws flagged in ``replicate``,
    replicated observations (flagged draws, observations).

    ``conditional=False`` draws from the random-walk prior (no polls, no election), as the
    binomial arm's prior draws of its path.
    """
    design = marginal_design(model)
    q = _stacked(dataset, "sigma_rw")[:, 0] ** 2 / 30.0
    if not conditional:
        return random_walks(len(q), design.chain.n_series, design.chain.n_days, q,
                            design.start_level, design.level_sd, rng), None
    tau = _stacked(dataset, "tau")
    incidence = _incidence(design.position, design.chain.size)
    anchors = _incidence(design.anchor_position, design.chain.size)
    effects = offsets(model, dataset)
    paths = np.empty((len(q), design.chain.size))
    copies = []
    for lo in range(0, len(q), CHUNK):
        sl = slice(lo, min(lo + CHUNK, len(q)))
        d, e, c = prior_precision(q[sl], design.start_level, design.level_sd, design.chain)
        var = design.observations.se2[:, None] + tau[sl][None, :] ** 2
        residual = design.observations.y[:, None] - effects[sl].T[design.observations.cell]
        d += incidence @ (1.0 / var)
        c += incidence @ (residual / var)
        if design.anchor_position.size:
            d += anchors @ np.full((design.anchor_position.size, 1), ANCHOR_SD**-2)
            c += anchors @ (design.anchor_y[:, None] / ANCHOR_SD**2)
        path = sample_gaussian(d, e, c, rng)
        paths[sl] = path.T
        if replicate is not None and replicate[sl].any():
            keep = replicate[sl]
            copies.append(_replicate(design, path[:, keep], effects[sl][keep], tau[sl][keep],
                                     rng))
    return paths, (np.concatenate(copies) if copies else None)


def _replicate(design: MarginalDesign, path: np.ndarray, effects: np.ndarray, tau: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Polls drawn around given paths: (draws, observations) on the logit scale."""
    obs = design.observations
    mean = path[design.position].T + effects[:, obs.cell]
    sd = np.sqrt(obs.se2[None, :] + tau[:, None] ** 2)
    return mean + sd * rng.standard_normal(mean.shape)


def _incidence(position: np.ndarray, size: int) -> sparse.csr_matrix:
    """(chain positions x observations) 0/1 matrix: sums observations per position."""
    n = len(position)
    return sparse.csr_matrix((np.ones(n), (position, np.arange(n))), shape=(size, n))


def add_paths(model: PollAverage, idata: xr.DataTree, rng: np.random.Generator
              ) -> xr.DataTree:
    """Put ``eta`` into the posterior and prior groups and replace the posterior predictive
    draws with polls replicated around the posterior paths."""
    posterior = idata["posterior"].to_dataset()
    n_chains, n_draws = posterior.sizes["chain"], posterior.sizes["draw"]
    total = n_chains * n_draws
    step = max(1, int(np.ceil(total / MAX_REPLICATED_DRAWS)))
    flags = np.zeros(total, dtype=bool)
    flags.reshape(n_chains, n_draws)[:, ::step] = True
    paths, copies = draw_paths(model, posterior, rng, conditional=True, replicate=flags)
    idata["posterior"] = posterior.assign(eta=_as_eta(model, paths, n_chains, n_draws))
    kept = flags.reshape(n_chains, n_draws)[0].sum()
    replicated = xr.Dataset({"y": (("chain", "draw", "cell"),
                                   copies.reshape(n_chains, kept, -1))},
                            coords={"chain": posterior["chain"].values,
                                    "draw": posterior["draw"].values[::step],
                                    "cell": np.arange(copies.shape[1])})
    idata["posterior_predictive"] = replicated
    if "prior" in idata.children:
        prior = idata["prior"].to_dataset()
        prior_paths, _ = draw_paths(model, prior, rng, conditional=False)
        idata["prior"] = prior.assign(eta=_as_eta(model, prior_paths, prior.sizes["chain"],
                                                  prior.sizes["draw"]))
    return idata


def _as_eta(model: PollAverage, paths: np.ndarray, n_chains: int, n_draws: int
            ) -> xr.DataArray:
    coords = model.coords()
    shape = (n_chains, n_draws, len(coords["series"]), 1, len(coords["knot"]))
    return xr.DataArray(paths.reshape(shape), dims=("chain", "draw", "series", "category",
                                                    "knot"),
                        coords={"series": coords["series"], "category": coords["category"],
                                "knot": coords["knot"]})
