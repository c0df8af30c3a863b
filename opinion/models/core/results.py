"""Results objects: what a fitted model hands back to users.

Every results object holds the ArviZ ``DataTree`` (``.idata``: posterior, prior, predictive
draws, sampler statistics) and JSON metadata (configuration, sampler settings, seed,
versions, diagnostics, the modelled data). The base class gives every model the same:

- posterior access (:meth:`ModelResults.draws`) and intervals (:func:`interval`);
- ``summary()``: named parameters with mean, interval, R-hat and bulk/tail ESS (subclasses
  list the rows in :meth:`ModelResults.summary_rows`);
- prior-to-posterior contraction of any derived quantity (:meth:`ModelResults.contraction`):
  the quantity's code is run on the prior draws (:meth:`ModelResults.prior_view`) and on the
  posterior draws, ``1 - var(posterior) / var(prior)``;
- methodology text generated from what was fitted (:meth:`ModelResults.methodology`);
- ``save()`` / ``load()`` in open formats (NetCDF + JSON; never pickle), verified on load;
- an HTML view for notebooks built from the summary, ending with the next useful step.
"""

from __future__ import annotations

import html
import importlib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import xarray as xr

from opinion.errors import ModelInputError, OpinionError, check_name, unknown_name_message
from opinion.formatting import interval_columns
from opinion.io.cache import read_fit, write_fit
from opinion.models.core.diagnostics import Diagnostics, convergence_table, draw_diagnostics
from opinion.models.core.hashing import records_to_frame

DEFAULT_LEVEL = 0.9
MOSTLY_ASSUMPTION = 0.5
"""Contraction below which a headline is flagged as mostly assumption."""
NOT_A_FINDING = 0.2
"""Contraction below which a number is no headline at all."""

Quantity = Callable[["ModelResults"], np.ndarray]
"""A derived quantity: results object -> 1-D array of draws."""


def interval(draws: np.ndarray, level: float, axis: int = 0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and central ``level`` interval of ``draws`` along ``axis``."""
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    return (draws.mean(axis=axis), np.quantile(draws, lo, axis=axis),
            np.quantile(draws, hi, axis=axis))


def contraction_of(prior_draws: np.ndarray, posterior_draws: np.ndarray) -> float:
    """``1 - var(posterior) / var(prior)`` of one quantity (NaN when the prior is fixed)."""
    prior_var = float(np.var(np.asarray(prior_draws, dtype=float)))
    post_var = float(np.var(np.asarray(posterior_draws, dtype=float)))
    if not np.isfinite(prior_var) or prior_var <= 0:
        return float("nan")
    return 1.0 - post_var / prior_var


def flag_for(contraction: float | None) -> bool:
    """True when a number is mostly assumption (contraction below 0.5); a number no prior
    touches (``None``) is not flagged."""
    return contraction is not None and not contraction >= MOSTLY_ASSUMPTION


class ModelResults:
    """Base results object.

    Parameters
    ----------
    idata
        Posterior, prior, predictive draws and sampler statistics.
    meta
        JSON-serialisable metadata written by the model's ``fit``.
    """

    model_label: ClassVar[str] = "model"
    date_columns: ClassVar[tuple[str, ...]] = ()
    """Columns of the stored observations that hold dates."""
    focus_label: ClassVar[str] = "response"
    """What :attr:`focus` names (a response, an issue, a party)."""

    def __init__(self, idata: xr.DataTree, meta: dict[str, Any]) -> None:
        self.idata = idata
        self.meta = meta
        self.cache_folder: Path | None = None  # the fit's cache entry, when it has one

    def derived_tables(self, name: str, request: dict[str, Any],
                       compute: Callable[[], list[pd.DataFrame]]) -> list[pd.DataFrame]:
        """Tables computed from this fit (a back-test, refits), kept in the fit's cache entry
        and verified on reuse (:class:`~opinion.io.cache.DerivedTables`); computed afresh
        when the fit has no cache entry. ``request`` must name everything the tables depend
        on besides the fit itself."""
        if self.cache_folder is None:
            return compute()
        from opinion.io.cache import DerivedTables

        full = {"fit": self.meta.get("content_hash"), **request}
        return DerivedTables(self.cache_folder).get(name, full, compute)

    # ------------------------------------------------------------- focus
    def focus_choices(self) -> list[str]:
        """The names :attr:`focus` can take (override; empty: the model has no focus)."""
        return []

    def default_focus(self) -> str | None:
        """The focus chosen at fit time (saved as ``meta["focus"]``: the response the user
        asked about), else the first of :meth:`focus_choices`."""
        choices = self.focus_choices()
        saved = self.meta.get("focus")
        if saved in choices:
            return saved
        return choices[0] if choices else None

    @property
    def focus(self) -> str | None:
        """The response (issue, party) the headline and the default of per-response
        methods are about. Set it to change them: ``fit.focus = "too much"`` (an unknown
        name is refused with the valid ones); ``None`` restores the default."""
        return self.__dict__.get("_focus") or self.default_focus()

    @focus.setter
    def focus(self, value: str | None) -> None:
        if value is None:
            self.__dict__.pop("_focus", None)
            return
        check_name(value, self.focus_choices(), self.focus_label)
        self.__dict__["_focus"] = value

    # ------------------------------------------------------------- draws
    def draws(self, name: str, group: str = "posterior") -> np.ndarray:
        """Draws of ``name`` stacked over chains: shape ``(chains x draws, ...)``."""
        if group not in self.idata.children:
            raise OpinionError(f"no {group} draws in this fit (groups: "
                               f"{', '.join(self.idata.children)})")
        if name not in self.idata[group]:
            raise OpinionError(unknown_name_message(name, list(self.idata[group].data_vars),
                                                    f"{group} variable"))
        values = np.asarray(self.idata[group][name].values)
        return values.reshape((-1,) + values.shape[2:])

    _posterior = draws  # the name the model-specific code uses

    @property
    def n_chains(self) -> int:
        """Chains of the posterior."""
        return int(self.idata["posterior"].sizes["chain"])

    def prior_view(self) -> Self:
        """The same results object on the prior draws (for contraction and prior checks).

        Every derived quantity a results object computes from ``draws(...)`` is then computed
        from the prior, by the same code.
        """
        cached = self.__dict__.get("_prior_view_cache")
        if cached is not None:
            return cached
        if "prior" not in self.idata.children:
            raise OpinionError("this fit kept no prior draws")
        tree = xr.DataTree()
        tree["posterior"] = self.idata["prior"]
        view = type(self)(tree, self.meta)
        self.__dict__["_prior_view_cache"] = view  # one view: its derived draws are cached too
        return view

    # ------------------------------------------------------------- contraction
    def contraction(self, quantity: str | Quantity) -> float:
        """How much the data moved a quantity: ``1 - posterior variance / prior variance``.

        Parameters
        ----------
        quantity
            A callable ``results -> draws`` (1-D), or the name of one of
            :meth:`headline_quantities`. It is evaluated on the posterior and, by the same
            code, on the prior draws (:meth:`prior_view`).

        Returns
        -------
        float
            Near 1 when the data pin the quantity down, near 0 (or below) when the number
            mostly restates the prior.
        """
        fn = self._quantity(quantity)
        return contraction_of(np.ravel(fn(self.prior_view())), np.ravel(fn(self)))

    def headline_quantities(self) -> dict[str, Quantity]:
        """Named derived quantities a report would headline (override in subclasses)."""
        return {}

    def contraction_table(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Every headline quantity: posterior mean and interval, prior mean and interval,
        contraction and the 'mostly assumption' flag.

        Columns ``quantity, mean, lower_90, upper_90, prior_mean, prior_lower_90,
        prior_upper_90, contraction, flag`` (the interval columns name ``level``,
        :func:`opinion.formatting.interval_columns`); values are in each quantity's unit
        (shares in percent, see :meth:`headline_quantities`).
        """
        lower, upper = interval_columns(level)
        columns = ["quantity", "mean", lower, upper, "prior_mean", f"prior_{lower}",
                   f"prior_{upper}", "contraction", "flag"]
        rows = []
        prior = self.prior_view()
        for name, fn in self.headline_quantities().items():
            post, pri = np.ravel(fn(self)), np.ravel(fn(prior))
            m, lo, hi = interval(post, level)
            pm_, plo, phi = interval(pri, level)
            c = contraction_of(pri, post)
            rows.append(dict(zip(columns, [name, m, lo, hi, pm_, plo, phi, c, flag_for(c)],
                                 strict=True)))
        return pd.DataFrame(rows, columns=columns)

    def _quantity(self, quantity: str | Quantity) -> Quantity:
        if callable(quantity):
            return quantity
        known = self.headline_quantities()
        if quantity not in known:
            raise ModelInputError(unknown_name_message(quantity, list(known), "quantity")
                                  + "; or pass a callable results -> draws")
        return known[quantity]

    # ------------------------------------------------------------- diagnostics
    @property
    def diagnostics(self) -> Diagnostics:
        """Headline convergence figures (R-hat, ESS, divergences) of this fit."""
        return Diagnostics(**self.meta["diagnostics"])

    def convergence(self) -> pd.DataFrame:
        """R-hat and bulk/tail ESS for every parameter, worst R-hat first."""
        return convergence_table(self.idata).sort_values("r_hat", ascending=False)

    @property
    def random_seed(self) -> int:
        return int(self.meta["random_seed"])

    # ------------------------------------------------------------- summary
    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        """``(name, draws)`` of every named parameter in the summary (override)."""
        return []

    def summary(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Named parameters: ``mean``, the central ``level`` interval (``lower_90``,
        ``upper_90`` at the default level), ``r_hat``, ``ess_bulk`` and ``ess_tail``, indexed by
        ``parameter``. Shares are in percent (the parameter's name says its unit otherwise)."""
        rows = self.summary_rows(level)
        if not rows:
            return self.convergence()
        chains = self.n_chains
        out = []
        for name, values in rows:
            values = np.asarray(values, dtype=float).ravel()
            m, lo, hi = interval(values, level)
            rhat, ess_bulk, ess_tail = draw_diagnostics(values, chains)
            out.append((name, m, lo, hi, rhat, ess_bulk, ess_tail))
        table = pd.DataFrame(out, columns=["parameter", "mean", *interval_columns(level),
                                           "r_hat", "ess_bulk", "ess_tail"])
        return table.set_index("parameter")

    def headline(self) -> str:
        """One sentence with the main finding (override in subclasses)."""
        return self.diagnostics.status()

    def next_steps(self) -> list[str]:
        """Methods worth calling next (shown at the end of the notebook view)."""
        return ["summary()", "posterior_predictive_check()", "contraction_table()"]

    # ------------------------------------------------------------- checks
    def posterior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """Each published figure beside its replicated interval (override)."""
        raise NotImplementedError(f"{type(self).__name__} has no posterior predictive check")

    def prior_predictive_check(self, level: float = DEFAULT_LEVEL) -> pd.DataFrame:
        """The range of published figures the priors alone allow (override)."""
        raise NotImplementedError(f"{type(self).__name__} has no prior predictive check")

    # ------------------------------------------------------------- methodology
    def model_description(self) -> list[str]:
        """Paragraphs stating the fitted model: maths, parameterisation, priors, likelihood
        (generated from the saved configuration and fit-time choices; override)."""
        return []

    def methodology(self) -> list[str]:
        """Methodology paragraphs generated from what was fitted: the model's own description
        and the sampler settings and diagnostics actually used."""
        return [*self.model_description(), self.sampling_description()]

    def sampling_description(self) -> str:
        """One paragraph: sampler, chains, draws, tuning, target acceptance, diagnostics."""
        s = self.meta.get("settings", {})
        d = self.diagnostics
        sampler = {"nutpie": "nutpie (Rust NUTS on a numba-compiled PyMC model)",
                   "pymc": "PyMC's NUTS"}.get(s.get("sampler"), str(s.get("sampler")))
        seconds = (f"; sampling took {d.sampling_seconds:.0f} s"
                   if d.sampling_seconds is not None else "")
        return (f"Sampling: {sampler}, {s.get('chains')} chains x {s.get('draws'):,} draws "
                f"after {s.get('tune'):,} tuning steps, target acceptance "
                f"{s.get('target_accept')}, random seed {self.meta.get('random_seed')}"
                f"{seconds}. Diagnostics: max R-hat {d.max_rhat:.3f}, min bulk ESS "
                f"{d.min_ess_bulk:.0f}, min tail ESS {d.min_ess_tail:.0f}, {d.divergences} "
                f"divergent transitions ({'converged' if d.ok else 'NOT converged'}).")

    # ------------------------------------------------------------- data
    def observations(self) -> pd.DataFrame:
        """The modelled data (one row per observed cell), as stored with the fit."""
        return records_to_frame(self.meta["data"], self.date_columns)

    def data(self) -> pd.DataFrame:
        """Deprecated name of :meth:`observations`."""
        warnings.warn("results.data() is now results.observations()", DeprecationWarning,
                      stacklevel=2)
        return self.observations()

    # ------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Save to a folder: ``posterior.nc`` (NetCDF DataTree), ``meta.json`` and a manifest
        with their checksums (verified by :meth:`load`)."""
        return write_fit(Path(path), self.idata, self.meta)

    @classmethod
    def load(cls, path: str | Path) -> ModelResults:
        """Load results saved with :meth:`save` (refuses another model's results)."""
        idata, meta = read_fit(Path(path))
        saved = _results_class(meta)
        if saved is not None and not issubclass(saved, cls):
            raise ModelInputError(f"{path}: these are {saved.__name__} (model "
                                  f"{meta.get('model')!r}), not {cls.__name__}; use "
                                  "opinion.load_results(path)")
        target = saved or cls
        return target(idata, meta)

    # ------------------------------------------------------------- display
    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.headline()} | {self.diagnostics.status()}>"

    def _diagnostics_html(self) -> str:
        d = self.diagnostics
        colour = "#1b7837" if d.ok else "#b2182b"
        return (f"<div style='border-left:4px solid {colour};padding:2px 8px;margin:4px 0'>"
                f"{html.escape(d.status())}</div>")

    def display_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """Tables shown above the summary in the notebook view (``(caption, table)``)."""
        return []

    def _repr_html_(self) -> str:
        steps = ", ".join(f"<code>.{html.escape(s)}</code>" for s in self.next_steps())
        parts = [f"<div><strong>{html.escape(self.model_label)}</strong>: "
                 f"{html.escape(self.headline())}</div>", self._diagnostics_html()]
        for caption, table in self.display_tables():
            parts += [f"<div>{html.escape(caption)}</div>",
                      table.to_html(index=False, escape=True,
                                    float_format=lambda v: f"{v:.1f}")]
        parts += ["<div>Summary</div>",
                  self.summary().to_html(escape=True, float_format=lambda v: f"{v:.3g}"),
                  f"<div style='color:#555'>Next: {steps}</div>"]
        return "\n".join(parts)


def _results_class(meta: dict[str, Any]) -> type[ModelResults] | None:
    """The results class recorded in a fit's metadata (``None`` for older fits)."""
    path = meta.get("results_class")
    if not isinstance(path, str) or "." not in path or not path.startswith("opinion."):
        return None
    module_name, _, name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        return None
    return cls if isinstance(cls, type) and issubclass(cls, ModelResults) else None


def load_results(path: str | Path) -> ModelResults:
    """Load any saved fit, as the results class recorded with it.

    Parameters
    ----------
    path
        A folder written by ``results.save(path)`` (or a fit-cache entry).

    Returns
    -------
    ModelResults
        ``PollAverageResults``, ``IssueSalienceResults``, ... as saved; the files are
        verified against their checksums first.
    """
    idata, meta = read_fit(Path(path))
    cls = _results_class(meta)
    if cls is None:
        from opinion.models.registry import results_class_for

        cls = results_class_for(str(meta.get("model")))
    return cls(idata, meta)
