"""The pattern every Bayesian model in opinion follows.

One constructor signature for every model::

    Model(frame, *, config=None, **overrides)

``frame`` is the model's main input (polls as a :class:`~opinion.frames.PollFrame`, or a
DataFrame that is validated through the frame layer; respondents as
:class:`~opinion.frames.Microdata`; ...); ``config`` is a configuration object or dict;
``overrides`` are configuration fields, or the extra tables a model declares in
:attr:`BayesianModel.table_arguments` (a population table, published crosstabs, ...).
The model then checks its inputs (every problem at once) and encodes them
(:meth:`BayesianModel.prepare_inputs`, the result is :attr:`BayesianModel.inputs`).

``fit(random_seed=...)`` samples with an explicitly named sampler, keeps prior and
predictive draws, computes convergence diagnostics (warning when they fail), and returns the
model's results object. Fits are cached on disk by a content hash of what changes the draws
(model code, data, tables, configuration, sampler settings but not the number of parallel
chains, seed and package versions); a cached fit is verified before it is returned.

Subclasses implement :meth:`~BayesianModel.prepare_inputs`,
:meth:`~BayesianModel.build_model` and :meth:`~BayesianModel.observations`, and may override
the hooks: :meth:`~BayesianModel.validate_frame`, :meth:`~BayesianModel.initial_values`,
:meth:`~BayesianModel.predictive_settings`, :meth:`~BayesianModel.quiet_messages`,
:meth:`~BayesianModel.postprocess_posterior`, :meth:`~BayesianModel.default_target_accept`,
:meth:`~BayesianModel.default_tune`, :meth:`~BayesianModel.results_metadata`.
"""

from __future__ import annotations

import hashlib
import html
import importlib
import sys
import warnings
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
import pandas as pd

from opinion.errors import ModelInputError
from opinion.io.cache import CacheError, FitCache
from opinion.models.core.config import ModelConfig
from opinion.models.core.diagnostics import diagnose, warn_if_unconverged
from opinion.models.core.hashing import frame_to_records, hash_frame, hash_json, package_versions
from opinion.models.core.results import ModelResults
from opinion.models.core.sampling import SamplerSettings, sample_model

if TYPE_CHECKING:
    import pymc as pm
    import xarray as xr



SAMPLING_CORE = ("opinion.models.core.base", "opinion.models.core.config",
                 "opinion.models.core.diagnostics", "opinion.models.core.inputs",
                 "opinion.models.core.names", "opinion.models.core.nutpie_python",
                 "opinion.models.core.rank_diagnostics",
                 "opinion.models.core.sampling", "opinion.models.core.timegrid")
"""Core modules whose source is part of every fit's cache key (how a model is built, sampled
and diagnosed; the stored diagnostics come from them). Plotting and wording modules are not:
they never change the draws."""

class BayesianModel(ABC):
    """Base class: inputs, configuration, caching, sampling, checks and diagnostics.

    Parameters
    ----------
    frame
        The model's main input (see the subclass).
    config
        A configuration object of the model's ``config_class`` or a dict of its fields.
    **overrides
        Configuration fields, and the tables named in :attr:`table_arguments`.
    """

    name: ClassVar[str] = "model"
    config_class: ClassVar[type[ModelConfig]] = ModelConfig
    results_class: ClassVar[type[ModelResults]] = ModelResults
    table_arguments: ClassVar[tuple[str, ...]] = ()
    """Keyword arguments that are data tables rather than settings."""

    def __init__(self, frame: Any, *, config: ModelConfig | dict[str, Any] | None = None,
                 **overrides: Any) -> None:
        tables = {k: overrides.pop(k) for k in self.table_arguments if k in overrides}
        self.config = self.config_class.merged(config, self.normalise_overrides(overrides))
        self.frame = self.validate_frame(frame)
        self.tables: dict[str, Any] = {k: v for k, v in tables.items() if v is not None}
        self.inputs = self.prepare_inputs()

    # -------------------------------------------------------------- to implement
    def normalise_overrides(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """Translate convenience arguments into configuration fields (default: as given)."""
        return overrides

    def validate_frame(self, frame: Any) -> Any:
        """The main input, validated (default: polls, through the frame layer)."""
        from opinion.models.core.inputs import as_pollframe

        return as_pollframe(frame, self.name)

    @abstractmethod
    def prepare_inputs(self) -> Any:
        """Check the inputs (all problems at once) and encode them for the model."""

    @abstractmethod
    def build_model(self) -> pm.Model:
        """Return the PyMC model (with named coords)."""

    @abstractmethod
    def observations(self) -> pd.DataFrame:
        """The tidy data actually modelled (hashed, and stored with the results)."""

    def results_metadata(self) -> dict[str, Any]:
        """Extra JSON metadata the results object needs (coords, labels, fit-time choices)."""
        return {}

    def summary_var_names(self) -> list[str] | None:
        """Parameters to diagnose (default: every free parameter in the posterior)."""
        return None

    def code_modules(self) -> list[str]:
        """Extra modules whose source defines the model (e.g. its input preparation)."""
        return []

    # -------------------------------------------------------------- sampling hooks
    def default_target_accept(self) -> float:
        """NUTS target acceptance used when ``fit(target_accept=None)`` (0.9 unless a model
        has measured a better default for its geometry)."""
        return SamplerSettings.target_accept

    def default_tune(self, sampler: str) -> int:
        """Tuning steps per chain used when ``fit(tune=None)`` (1,000 unless a model has
        measured that its sampler adapts sooner)."""
        return SamplerSettings.tune

    def default_link(self) -> str:
        """How nutpie reaches the log density (:class:`SamplerSettings` ``link``): ``"native"``
        unless a model has measured that compiling costs it more than the Python link's
        per-gradient overhead."""
        return SamplerSettings.link

    def initial_values(self, model: pm.Model, seed: int) -> dict[str, np.ndarray] | None:
        """Where every chain starts (``None``: the sampler's jittered default)."""
        return None

    def predictive_settings(self) -> dict[str, Any]:
        """``compile_kwargs`` for the predictive draws and ``max_draws``, the most posterior
        draws (evenly thinned) replicated for posterior-predictive checks (default: all)."""
        return {}

    def quiet_messages(self) -> tuple[str, ...]:
        """Warnings known to be harmless for this model (never convergence warnings)."""
        return ()

    def postprocess_posterior(self, idata: xr.DataTree, rng: np.random.Generator
                              ) -> xr.DataTree:
        """Last step of sampling (default: nothing)."""
        return idata

    def calibration_quantities(self, values: dict[str, np.ndarray]
                               ) -> dict[str, np.ndarray]:
        """Scalar quantities that simulation-based calibration ranks.

        ``values`` maps variable names to draws with the draws on the last axis; the default
        takes the variables of :meth:`summary_var_names` (else every variable), at most ten
        elements of each, flattened.
        """
        names = self.summary_var_names() or sorted(values)
        out: dict[str, np.ndarray] = {}
        for name in names:
            if name not in values:
                continue
            arr = np.asarray(values[name])
            flat = arr.reshape(-1, arr.shape[-1])
            if flat.shape[0] == 1:
                out[name] = flat[0]
                continue
            for j, row in enumerate(flat[:10]):
                out[f"{name}[{j}]"] = row
        return out

    # -------------------------------------------------------------- settings & hashing
    def default_sampler_settings(self, **given: Any) -> SamplerSettings:
        """Sampler settings with ``None`` values filled by this model's measured defaults.

        ``fit``, batch runs and simulation-based calibration all use this, so the same
        request gives the same settings (and the same cache key) wherever it is made.
        """
        given = {k: v for k, v in given.items() if v is not None}
        sampler = given.get("sampler", SamplerSettings.sampler)
        given.setdefault("tune", self.default_tune(sampler))
        given.setdefault("target_accept", self.default_target_accept())
        given.setdefault("link", self.default_link())
        return SamplerSettings(**given)

    def code_hash(self) -> str:
        """SHA-256 of the source of the model's modules and of the shared core modules that
        build, sample or diagnose every model (:data:`SAMPLING_CORE`): a change to any of them
        never hits the cache."""
        digest = hashlib.sha256()
        modules = {type(self).__module__, self.config_class.__module__, *self.code_modules(),
                   *SAMPLING_CORE}
        for module_name in sorted(modules):
            # imported here if not yet: the key must not depend on what was imported before
            module = sys.modules.get(module_name) or importlib.import_module(module_name)
            if getattr(module, "__file__", None):
                digest.update(Path(module.__file__).read_bytes())
        return digest.hexdigest()

    def request(self, settings: SamplerSettings, random_seed: int) -> dict[str, Any]:
        """Everything a fit answers: model, code, data, tables, configuration, the settings
        that change the draws, seed and package versions."""
        return {
            "model": self.name,
            "code": self.code_hash(),
            "data": hash_frame(self.observations()),
            "tables": {k: hash_frame(v) for k, v in sorted(self.tables.items())
                       if isinstance(v, pd.DataFrame)},
            "config": self.config.to_dict(),
            "settings": settings.identity(),
            "seed": int(random_seed),
            "versions": package_versions(),
        }

    def content_hash(self, settings: SamplerSettings, random_seed: int) -> str:
        """SHA-256 of :meth:`request` (the fit cache's key)."""
        return hash_json(self.request(settings, random_seed))

    # -------------------------------------------------------------- fitting
    def sample_prior_predictive(self, draws: int = 500, *, random_seed: int = 0) -> xr.DataTree:
        """Draws from the prior and prior predictive (for a prior-predictive check)."""
        import pymc as pm

        with self.build_model():
            return pm.sample_prior_predictive(draws, random_seed=random_seed)

    def fit(
        self,
        *,
        random_seed: int,
        draws: int | None = None,
        tune: int | None = None,
        chains: int | None = None,
        sampler: str | None = None,
        target_accept: float | None = None,
        cores: int | None = None,
        link: str | None = None,
        cache: bool | str | Path = True,
        progressbar: bool | None = None,
        on_bad_cache: str = "resample",
    ) -> ModelResults:
        """Sample the posterior and return a results object.

        Parameters
        ----------
        random_seed
            Seed for every random step (sampling, prior and posterior predictive draws).
        draws, tune, chains, sampler, target_accept, cores, link
            Sampler settings (see :class:`SamplerSettings`); ``None`` uses the model's
            measured defaults (:meth:`default_sampler_settings`).
        cache
            ``True`` (default cache folder ``$OPINION_CACHE_DIR`` or ``~/.cache/opinion``),
            a folder path, or ``False`` to always re-sample.
        progressbar
            Show sampling progress (default: when running in a terminal or notebook).
        on_bad_cache
            What to do when a cache entry for this request exists but fails verification
            (changed files, a different request, unreadable): ``"resample"`` (default: warn
            and sample again, replacing the entry) or ``"error"`` (raise
            :class:`~opinion.io.cache.CacheError`). A bad entry is never returned.

        Returns
        -------
        ModelResults
            The model's results object (summaries, checks, plots, diagnostics, save/load).
        """
        if on_bad_cache not in {"resample", "error"}:
            raise ModelInputError("on_bad_cache must be 'resample' or 'error'")
        settings = self.default_sampler_settings(
            draws=draws, tune=tune, chains=chains, sampler=sampler,
            target_accept=target_accept, cores=cores, link=link)
        request = self.request(settings, random_seed)
        key = hash_json(request)
        store = None if cache is False else FitCache(None if cache is True else Path(cache))
        if store is not None and store.has(self.name, key):
            try:
                idata, meta = store.read(self.name, key, request=request)
            except CacheError as exc:
                if on_bad_cache == "error":
                    raise
                warnings.warn(f"{exc}; sampling again", stacklevel=2)
            else:
                results = self.results_class(idata, meta)
                results.cache_folder = store.folder(self.name, key)
                warn_if_unconverged(results.diagnostics, self.name)
                return results
        idata, seconds = sample_model(self, settings, random_seed, progressbar)
        results = self.results_from_idata(idata, settings=settings, random_seed=random_seed,
                                          sampling_seconds=seconds, content_hash=key)
        if store is not None:
            results.cache_folder = store.write(self.name, key, idata, results.meta,
                                               request=request)
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
            "model_class": f"{type(self).__module__}.{type(self).__qualname__}",
            "results_class": f"{self.results_class.__module__}."
                             f"{self.results_class.__qualname__}",
            "content_hash": content_hash or self.content_hash(settings, random_seed),
            "config": self.config.to_dict(),
            "settings": settings.to_dict(),
            "random_seed": int(random_seed),
            "versions": package_versions(),
            "diagnostics": diag.to_dict(),
            "data": frame_to_records(self.observations()),
            **self.results_metadata(),
        }
        return self.results_class(idata, meta)

    @classmethod
    def from_results(cls, results: ModelResults, *, frame: Any = None, **changes: Any) -> Self:
        """The model behind ``results``, rebuilt from what was saved with it.

        ``changes`` override configuration fields (and tables), e.g. to refit with another
        prior: ``Model.from_results(fit, house_pp=1.0).fit(random_seed=1)``. The main input is
        ``frame`` when given, else the model's :meth:`rebuild_frame` from the saved data.
        """
        if results.meta.get("model") != cls.name:
            raise ModelInputError(f"these are results of {results.meta.get('model')!r}, "
                                  f"not of {cls.name!r}")
        config = cls.config_class.merged(results.meta["config"])
        source = frame if frame is not None else cls.rebuild_frame(results)
        return cls(source, config=config, **changes)

    def transport_frame(self) -> pd.DataFrame:
        """The main input as one table, to send to batch workers (see
        :meth:`frame_from_transport`)."""
        data = getattr(self.frame, "data", self.frame)
        if not isinstance(data, pd.DataFrame):
            raise ModelInputError(f"{type(self).__name__}'s input cannot be sent to batch "
                                  "workers as a table")
        return data

    @classmethod
    def frame_from_transport(cls, table: pd.DataFrame) -> Any:
        """The main input rebuilt on a worker from :meth:`transport_frame` (polls validated
        on the client travel as the PollFrame's table)."""
        from opinion.frames import PollFrame

        return PollFrame(table, source="batch")

    @classmethod
    def rebuild_frame(cls, results: ModelResults) -> Any:
        """The main input rebuilt from saved results (models that support refits override)."""
        raise ModelInputError(f"{cls.__name__} cannot rebuild its input from saved results: "
                              "pass frame=")

    # -------------------------------------------------------------- display
    @property
    def data(self) -> Any:
        """Deprecated name of :attr:`inputs`."""
        warnings.warn("model.data is now model.inputs", DeprecationWarning, stacklevel=2)
        return self.inputs

    def data_frame(self) -> pd.DataFrame:
        """Deprecated name of :meth:`observations`."""
        warnings.warn("model.data_frame() is now model.observations()", DeprecationWarning,
                      stacklevel=2)
        return self.observations()

    def config_dict(self) -> dict[str, Any]:
        """The configuration after defaults (``self.config.to_dict()``)."""
        return self.config.to_dict()

    def with_settings(self, **changes: Any) -> Self:
        """A copy of this model with configuration fields changed (configs are frozen)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.config = self.config.replace(**changes)
        clone.inputs = clone.prepare_inputs()
        return clone

    def __repr__(self) -> str:
        return (f"<{type(self).__name__}: {len(self.observations()):,} data rows, not fitted: "
                "call .fit(random_seed=...)>")

    def _repr_html_(self) -> str:
        cfg = self.config.to_dict()
        table = pd.DataFrame({"setting": list(cfg), "value": [str(v) for v in cfg.values()]})
        return (f"<div><strong>{html.escape(repr(self))}</strong></div>"
                + table.to_html(index=False, escape=True)
                + "<div><em>Next: .fit(random_seed=...)</em></div>")
