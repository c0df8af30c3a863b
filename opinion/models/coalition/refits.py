"""Refits of both stages on part of the data, compiled once (back-test, held-out cells,
simulation studies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from opinion.models.coalition.compiled import CompiledModel, divergences, flat
from opinion.models.coalition.events import PARAMETERS, build_event_model, event_arrays
from opinion.models.coalition.measurement import build_measurement_model
from opinion.models.core.diagnostics import diagnose


@dataclass(frozen=True)
class RefitSettings:
    """NUTS settings of a refit (fewer draws than a full fit: refits feed averages)."""

    draws: int = 500
    tune: int = 500
    chains: int = 2
    cores: int = 2
    target_accept: float = 0.9

    def kwargs(self) -> dict[str, Any]:
        return {"draws": self.draws, "tune": self.tune, "chains": self.chains,
                "cores": self.cores, "target_accept": self.target_accept}


def stage1_names(inputs: Any) -> list[str]:
    names = []
    for latent in (inputs.opinion, inputs.salience):
        if latent is not None:
            n = latent.name
            names += [n, f"{n}_intercept", f"{n}_loading", f"{n}_bias", f"{n}_bias_sd",
                      f"{n}_poll_error"]
    return names


def check_of(tree: xr.DataTree, names: list[str]) -> dict[str, float]:
    """Max R-hat, min bulk ESS and divergences of a refit."""
    diag, _ = diagnose(tree, names)
    return {"max_rhat": diag.max_rhat, "min_ess_bulk": diag.min_ess_bulk,
            "divergences": divergences(tree)}


_EVENT_MODELS: dict[tuple, CompiledModel] = {}


def compiled_event_model(arrays: dict[str, np.ndarray], inputs: Any, config: Any
                         ) -> CompiledModel:
    """The stage-2 model compiled once per process for a grid (members x months).

    Every data container of the event model (covariates, events, weights, switches and
    prior scales) is replaced at each sampling run, so one compiled graph serves the fit,
    the back-test, the sensitivity refits and simulation studies of the same grid.
    """
    key = (tuple(inputs.members), tuple(f"{m:%Y-%m}" for m in inputs.months),
           tuple(sorted(arrays)))
    if key not in _EVENT_MODELS:
        _EVENT_MODELS[key] = CompiledModel(build_event_model(arrays, inputs, config))
    return _EVENT_MODELS[key]


class Refitter:
    """Both stages of one model, compiled once, refitted with data containers replaced."""

    def __init__(self, inputs: Any, config: Any) -> None:
        self.inputs, self.config = inputs, config
        self.names = stage1_names(inputs)
        self.stage1 = CompiledModel(build_measurement_model(inputs, config), self.names)

    def measure(self, weights: dict[str, np.ndarray], settings: RefitSettings, seed: int,
                data: dict[str, np.ndarray] | None = None
                ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Stage 1 with cell weights (``opinion_weight`` ...) and other data replaced."""
        tree = self.stage1.sample({**weights, **(data or {})}, seed=seed, **settings.kwargs())
        post = tree["posterior"]
        draws = {n: flat(post, n) for n in self.names}
        return draws, check_of(tree, [n for n in self.names if not n.endswith("_bias")])

    def behave(self, arrays: dict[str, np.ndarray], settings: RefitSettings, seed: int
               ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Stage 2 on the given event-model data."""
        stage2 = compiled_event_model(arrays, self.inputs, self.config)
        tree = stage2.sample(arrays, seed=seed, **settings.kwargs())
        post = tree["posterior"]
        params = {n: flat(post, n) for n in PARAMETERS if n != "history_sd"}
        return params, check_of(tree, ["event_base", "history_sd", "beta_opinion"])

    def arrays(self, draws: dict[str, np.ndarray], origin: int | None = None,
               terms: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        return event_arrays(self.inputs, draws["opinion"], draws.get("salience"), self.config,
                            origin=origin, terms=terms)

    def cell_weights(self, keep: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``{name}_weight`` containers from boolean masks per latent."""
        return {f"{name}_weight": mask.astype(float) for name, mask in keep.items()}
