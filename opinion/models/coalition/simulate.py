"""Panels and events simulated from the model itself, for recovery and coverage studies.

A truth is one draw from the priors of both stages (every parameter, the latent series,
the item and event parameters); survey counts are beta-binomial on the design's cells and
effective sizes, events Bernoulli on the design's member-months with the design's
covariates. Drawing the truth from the priors is what makes nominal coverage the right
target: averaged over such truths, 90% posterior intervals cover 90% of true values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pymc as pm

from opinion.models.coalition.events import build_event_model, event_arrays, probability_draws
from opinion.models.coalition.measurement import build_measurement_model, saturated
from opinion.models.core.sampling import quiet

POTENTIAL_NOTE = ("The effect of Potentials on other parameters is ignored",)


@dataclass
class Truth:
    """One simulated truth and the data it generates."""

    values: dict[str, np.ndarray]  # every prior variable of stage 1 and stage 2 (one draw)
    data: dict[str, np.ndarray]  # stage-1 data containers ({latent}_y, quasi: _saturated)
    events: np.ndarray  # (member, month) simulated event indicators


def prior_draws(model: pm.Model, n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` prior draws of every variable of ``model``: ``name -> (n, ...)``."""
    with model, quiet(POTENTIAL_NOTE):
        prior = pm.sample_prior_predictive(n, random_seed=seed)["prior"]
    return {k: np.asarray(prior[k].values)[0] for k in prior.data_vars}


def cell_counts(values: dict[str, np.ndarray], latent: Any, k: int,
                rng: np.random.Generator) -> np.ndarray:
    """Beta-binomial counts of ``latent``'s cells under draw ``k``."""
    cells, name = latent.cells, latent.name
    u, t, q, pair = (cells[c].to_numpy() for c in ("unit", "t", "q", "pair"))
    bias = np.r_[values[f"{name}_bias"][k], 0.0]
    eta = (values[f"{name}_intercept"][k][q] + values[f"{name}_loading"][k][q]
           * values[name][k][u, t] + bias[pair])
    p = 1 / (1 + np.exp(-eta))
    phi = max(0.25 / float(values[f"{name}_poll_error"][k]) ** 2 - 1.0, 1e-3)
    share = rng.beta(np.maximum(p * phi, 1e-9), np.maximum((1 - p) * phi, 1e-9))
    return rng.binomial(cells["trials"].to_numpy(), share).astype(float)


def simulate(inputs: Any, config: Any, *, n: int, seed: int) -> list[Truth]:
    """``n`` truths on the design of ``inputs`` (its cells, sizes, members, covariates)."""
    rng = np.random.default_rng(seed)
    stage1 = prior_draws(build_measurement_model(inputs, config), n, seed)
    latents = [lat for lat in (inputs.opinion, inputs.salience) if lat is not None]
    truths = []
    for k in range(n):
        data: dict[str, np.ndarray] = {}
        for latent in latents:
            y = cell_counts(stage1, latent, k, rng)
            trials = latent.cells["trials"].to_numpy(float)
            data[f"{latent.name}_y"] = y
            if config.likelihood == "quasi":
                data[f"{latent.name}_saturated"] = saturated(y, trials)
        truths.append(Truth({key: v[k] for key, v in stage1.items()}, data,
                            np.zeros((inputs.n_members, len(inputs.months)))))
    _simulate_events(inputs, config, truths, rng, seed)
    return truths


def _simulate_events(inputs: Any, config: Any, truths: list[Truth], rng: np.random.Generator,
                     seed: int) -> None:
    """Event indicators from each truth's latent series and a prior draw of stage 2 (each
    truth centred at its own member-month mean, as a fit centres at its estimates)."""
    def series(truth: Truth, name: str) -> np.ndarray | None:
        return truth.values[name][None] if name in truth.values else None

    first = event_arrays(inputs, series(truths[0], "opinion"), series(truths[0], "salience"),
                         config)
    stage2 = prior_draws(build_event_model(first, inputs, config), len(truths), seed + 1)
    for k, truth in enumerate(truths):
        opinion, salience = series(truth, "opinion"), series(truth, "salience")
        arrays = event_arrays(inputs, opinion, salience, config)
        params = {key: v[k:k + 1] for key, v in stage2.items()}
        p = probability_draws(params, arrays, opinion, salience, inputs.n_members)[0]
        truth.values.update({key: v[k] for key, v in stage2.items()})
        truth.events = (rng.random(p.shape) < p).astype(float)
