"""The pattern every Bayesian model in opinion follows.

A model is built from validated data and a configuration (defaults merged with the user's),
``fit(random_seed=...)`` samples it with an explicitly named sampler, runs the prior and
posterior predictive checks, computes convergence diagnostics (warning when they fail) and
returns a results object. Fits are cached on disk by a content hash of data + configuration
+ sampler settings + seed + package versions, so re-running an analysis does not re-sample.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import warnings
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from opinion.io.cache import cached_fit_folder, default_cache_dir, is_cached, read_fit, write_fit
from opinion.models.diagnostics import diagnose, warn_if_unconverged
from opinion.results.base import ModelResults

VERSIONED_PACKAGES = ("opinion", "pymc", "pytensor", "nutpie", "numpy", "arviz", "pandas")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that determine a fit's numbers."""
    out = {}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass(frozen=True)
class SamplerSettings:
    """How to sample. Always explicit: PyMC's defaults change with what is installed.

    Attributes
    ----------
    sampler
        ``"nutpie"`` (default; Rust NUTS on a numba-compiled model) or ``"pymc"``.
    draws, tune, chains
        Posterior draws per chain, tuning steps per chain, number of chains.
    cores
        Parallel chains (default: the machine's cores, at most 4).
    target_accept
        NUTS target acceptance rate.
    """

    sampler: str = "nutpie"
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    cores: int = min(4, os.cpu_count() or 1)
    target_accept: float = 0.9
    prior_draws: int = 500

    def __post_init__(self) -> None:
        if self.sampler not in {"nutpie", "pymc"}:
            raise ValueError(f"sampler must be 'nutpie' or 'pymc', not {self.sampler!r}")


def hash_frame(frame: pd.DataFrame) -> str:
    """Stable content hash of a DataFrame (values, column names and order)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(list(map(str, frame.columns))).encode())
    digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()


class BayesianModel(ABC):
    """Base class: configuration, caching, sampling, checks and diagnostics.

    Subclasses set :attr:`name`, :attr:`results_class` and implement :meth:`build_model`,
    :meth:`data_frame` (the exact data the model sees, for hashing and for the results) and
    :meth:`config_dict`.
    """

    name: ClassVar[str] = "model"
    results_class: ClassVar[type[ModelResults]] = ModelResults

    # -------------------------------------------------------------- to implement
    @abstractmethod
    def build_model(self) -> pm.Model:
        """Return the PyMC model (with named coords)."""

    @abstractmethod
    def data_frame(self) -> pd.DataFrame:
        """The tidy data actually modelled (stored with the results)."""

    @abstractmethod
    def config_dict(self) -> dict[str, Any]:
        """The full configuration after defaults, JSON-serialisable."""

    def results_metadata(self) -> dict[str, Any]:
        """Extra JSON metadata the results object needs (coords, labels)."""
        return {}

    def summary_var_names(self) -> list[str] | None:
        """Parameters to diagnose (default: every free parameter in the posterior)."""
        return None

    # -------------------------------------------------------------- hashing & cache
    def default_target_accept(self) -> float:
        """NUTS target acceptance used when ``fit(target_accept=None)`` (0.9 unless a model
        has measured a better default for its geometry)."""
        return SamplerSettings.target_accept

    def default_tune(self, sampler: str) -> int:
        """Tuning steps per chain used when ``fit(tune=None)`` (1,000 unless a model has
        measured that its sampler adapts sooner)."""
        return SamplerSettings.tune

    def code_hash(self) -> str:
        """SHA-256 of the source of the model's modules (a changed model never hits the cache)."""
        digest = hashlib.sha256()
        for module_name in sorted({type(self).__module__, *self.code_modules()}):
            module = sys.modules.get(module_name)
            if module is not None and getattr(module, "__file__", None):
                digest.update(Path(module.__file__).read_bytes())
        return digest.hexdigest()

    def code_modules(self) -> list[str]:
        """Extra modules whose source defines the model (e.g. its data preparation)."""
        return []

    def content_hash(self, settings: SamplerSettings, random_seed: int) -> str:
        """SHA-256 of model name and code, data, configuration, sampler settings, seed and
        package versions."""
        payload = {
            "model": self.name,
            "code": self.code_hash(),
            "data": hash_frame(self.data_frame()),
            "config": self.config_dict(),
            "settings": asdict(settings),
            "seed": int(random_seed),
            "versions": package_versions(),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    # -------------------------------------------------------------- sampling
    def sample_prior_predictive(self, draws: int = 500, *, random_seed: int = 0) -> xr.DataTree:
        """Draws from the prior and prior predictive (for a prior-predictive check)."""
        with self.build_model():
            return pm.sample_prior_predictive(draws, random_seed=random_seed)

    def fit(
        self,
        *,
        random_seed: int,
        draws: int = 1000,
        tune: int | None = None,
        chains: int = 4,
        sampler: str = "nutpie",
        target_accept: float | None = None,
        cores: int | None = None,
        cache: bool | str | Path = True,
        progressbar: bool | None = None,
    ) -> ModelResults:
        """Sample the posterior and return a results object.

        Parameters
        ----------
        random_seed
            Seed for every random step (sampling, prior and posterior predictive draws).
        draws, tune, chains, sampler, target_accept, cores
            Sampler settings (see :class:`SamplerSettings`). ``target_accept=None`` and
            ``tune=None`` use the model's measured defaults (:meth:`default_target_accept`,
            :meth:`default_tune`: 1,000 tuning steps unless a model has measured otherwise).
        cache
            ``True`` (default cache folder ``$OPINION_CACHE_DIR`` or ``~/.cache/opinion``),
            a folder path, or ``False`` to always re-sample.
        progressbar
            Show sampling progress (default: when running in a terminal or notebook).

        Returns
        -------
        ModelResults
            The model's results object (trend, summaries, plots, diagnostics, save/load).
        """
        settings = SamplerSettings(
            sampler=sampler, draws=draws, chains=chains,
            tune=self.default_tune(sampler) if tune is None else tune,
            cores=cores or SamplerSettings.cores,
            target_accept=self.default_target_accept() if target_accept is None
            else target_accept,
        )
        key = self.content_hash(settings, random_seed)
        folder = None
        if cache is not False:
            root = default_cache_dir() if cache is True else Path(cache)
            folder = cached_fit_folder(root, self.name, key)
            if is_cached(folder):
                idata, meta = read_fit(folder)
                results = self.results_class(idata, meta)
                warn_if_unconverged(results.diagnostics, self.name)
                return results
        idata, seconds = self._sample(settings, random_seed, progressbar)
        results = self.results_from_idata(idata, settings=settings, random_seed=random_seed,
                                          sampling_seconds=seconds, content_hash=key)
        if folder is not None:
            write_fit(folder, idata, results.meta)
        warn_if_unconverged(results.diagnostics, self.name)
        return results

    def results_from_idata(self, idata: xr.DataTree, *, settings: SamplerSettings,
                           random_seed: int, sampling_seconds: float | None = None,
                           content_hash: str | None = None) -> ModelResults:
        """Wrap draws of this model (sampled here or elsewhere) in its results object.

        ``fit`` uses it; so do simulation studies that sample one compiled model on many data
        sets of the same design (``nutpie`` ``with_data``) and need the very results object a
        user gets, with its diagnostics.
        """
        diag, _ = diagnose(idata, self.summary_var_names(), sampling_seconds=sampling_seconds)
        meta = {
            "model": self.name,
            "content_hash": content_hash or self.content_hash(settings, random_seed),
            "config": self.config_dict(),
            "settings": asdict(settings),
            "random_seed": int(random_seed),
            "versions": package_versions(),
            "diagnostics": diag.to_dict(),
            "data": _frame_to_records(self.data_frame()),
            **self.results_metadata(),
        }
        return self.results_class(idata, meta)

    def _sample(
        self, settings: SamplerSettings, random_seed: int, progressbar: bool | None
    ) -> tuple[xr.DataTree, float]:
        rng = np.random.default_rng(random_seed)
        seeds = rng.integers(0, 2**31 - 1, size=3)
        show = _interactive() if progressbar is None else progressbar
        model = self.build_model()
        with model, _quiet_compilation():
            prior = pm.sample_prior_predictive(settings.prior_draws, random_seed=int(seeds[0]))
            start = time.perf_counter()
            kwargs: dict[str, Any] = dict(
                draws=settings.draws, tune=settings.tune, chains=settings.chains,
                cores=settings.cores, random_seed=int(seeds[1]), progressbar=show,
                nuts_sampler=settings.sampler,
            )
            if settings.sampler == "pymc":
                kwargs["target_accept"] = settings.target_accept
            else:
                kwargs["nuts"] = {"target_accept": settings.target_accept}
            idata = pm.sample(**kwargs)
            seconds = time.perf_counter() - start
            pm.sample_posterior_predictive(
                idata, extend_inferencedata=True, random_seed=int(seeds[2]), progressbar=False
            )
        for group in ("prior", "prior_predictive"):
            if group in prior.children:
                idata[group] = prior[group]
        return idata, seconds

    def __repr__(self) -> str:
        return (f"<{type(self).__name__}: {len(self.data_frame()):,} data rows, not fitted: "
                "call .fit(random_seed=...)>")

    def _repr_html_(self) -> str:
        import html

        cfg = self.config_dict()
        table = pd.DataFrame({"setting": list(cfg), "value": [str(v) for v in cfg.values()]})
        return (f"<div><strong>{html.escape(repr(self))}</strong></div>"
                + table.to_html(index=False, escape=True))

    def with_settings(self, **changes: Any) -> BayesianModel:
        """A copy of this model with configuration fields changed (configs are frozen)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.config = replace(self.config, **changes)  # type: ignore[attr-defined]
        return clone


class _quiet_compilation:  # noqa: N801 - used as a context manager
    """Silence two known-harmless compile-time messages (not sampler diagnostics).

    PyTensor logs a traceback when one optional graph rewrite fails (the rewrite is skipped;
    results are unaffected), and numba notes that the beta-binomial *random number generator*
    (used only for predictive draws) runs in object mode. Convergence warnings are untouched.
    """

    def __enter__(self) -> None:
        import logging

        self._logger = logging.getLogger("pytensor.graph.rewriting.basic")
        self._level = self._logger.level
        self._logger.setLevel(logging.CRITICAL)
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", message="Numba will use object mode")

    def __exit__(self, *exc: object) -> None:
        self._warnings.__exit__(*exc)
        self._logger.setLevel(self._level)


def _interactive() -> bool:
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            return True
    except ImportError:
        pass
    import sys

    return sys.stderr.isatty()


def _frame_to_records(frame: pd.DataFrame) -> dict[str, Any]:
    """JSON-safe split-orient representation of the modelled data."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return json.loads(out.to_json(orient="split", index=False, date_format="iso"))


def records_to_frame(records: dict[str, Any], date_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Inverse of :func:`_frame_to_records`."""
    frame = pd.DataFrame(records["data"], columns=records["columns"])
    for column in date_columns:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame
