"""Out-of-sample evidence and sensitivity of coalition results (refits go through the model
side: :meth:`CoalitionPressure.from_results`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opinion.formatting import interval_columns
from opinion.models.coalition import split as splitting
from opinion.models.coalition.backtest import (
    default_origins,
    holdout_summary,
    pooled,
    run_backtest,
    run_holdout,
    variants,
)
from opinion.models.coalition.events import event_arrays, probability_draws
from opinion.models.coalition.refits import RefitSettings, Refitter

BASELINES = ("base_rate", "country_history")
COLUMNS_VERSION = "percent, level-named intervals (lower_90)"
"""Part of every derived table's request: tables cached under older column names are
recomputed, not reused."""


def _setting_text(value: Any) -> str:
    """A changed setting as the sensitivity table shows it (a tuple of terms joined)."""
    if isinstance(value, tuple | list):
        return ", ".join(map(str, value))
    return "" if value is None else str(value)


class EvidenceMixin:
    """Back-test, held-out cells and sensitivity."""

    def model(self, **changes: Any) -> Any:
        """The model behind these results (configuration fields or tables changed)."""
        from opinion.models.registry import model_class_for

        return model_class_for(self.meta["model"]).from_results(self, **changes)

    def refitter(self) -> Refitter:
        """Both stages compiled once for refits (kept for later calls)."""
        if getattr(self, "_refitter", None) is None:
            model = self.model()
            self._refitter = Refitter(model.inputs, model.config)
        return self._refitter

    def refit_settings(self, draws: int, tune: int, chains: int, cores: int | None
                       ) -> RefitSettings:
        s = self.meta["settings"]
        return RefitSettings(draws=draws, tune=tune, chains=chains,
                             cores=cores or int(s.get("cores", 2)),
                             target_accept=float(s["target_accept"]))

    # ------------------------------------------------------------------ back-test
    def backtest(self, origins: list[str] | None = None, horizon: int = 6, *,
                 draws: int = 500, tune: int = 500, chains: int = 2, cores: int | None = None,
                 seed: int | None = None, leave_one_out: bool | tuple[str, ...] = True
                 ) -> pd.DataFrame:
        """Rolling-origin back-test (see :mod:`.backtest`): one row per origin and model
        with ``brier, log_score, n_events, n_cells`` (and the refits' ``max_rhat`` and
        ``divergences``). Default origins: every six months from January 2023 while the
        whole window has data. Both stages are refitted at each origin (NUTS, ``chains x
        draws``); ``leave_one_out``: every ``without_<term>`` variant (True), none
        (False) or those of the terms named. The run is kept, so :meth:`backtest_predictions` and
        :meth:`backtest_summary` with the same arguments reuse it."""
        key = (tuple(origins or ()), horizon, draws, tune, chains, seed, leave_one_out)
        runs = self.__dict__.setdefault("_backtests", {})
        if key not in runs:
            chosen = origins or default_origins(self.months, self.end, horizon)
            models = variants(self.terms)
            if leave_one_out is not True:
                dropped = () if leave_one_out is False else tuple(leave_one_out)
                models = {k: v for k, v in models.items() if not k.startswith("without_")
                          or k.removeprefix("without_") in dropped}
            seed = self.random_seed if seed is None else seed
            request = {"origins": [str(o) for o in chosen], "horizon": horizon,
                       "draws": draws, "tune": tune, "chains": chains, "seed": seed,
                       "models": {k: str(v) for k, v in models.items()}}
            runs[key] = tuple(self.derived_tables("backtest", request, lambda: list(
                run_backtest(self.refitter(), chosen, horizon,
                             self.refit_settings(draws, tune, chains, cores), seed, models))))
        return runs[key][0].copy()

    def backtest_predictions(self, **kwargs: Any) -> pd.DataFrame:
        """Every scored member-month of :meth:`backtest`: ``origin, model, member, date, p,
        y``."""
        self.backtest(**kwargs)
        key = (tuple(kwargs.get("origins") or ()), kwargs.get("horizon", 6),
               kwargs.get("draws", 500), kwargs.get("tune", 500), kwargs.get("chains", 2),
               kwargs.get("seed"), kwargs.get("leave_one_out", True))
        return self._backtests[key][1].copy()

    def backtest_summary(self, **kwargs: Any) -> pd.DataFrame:
        """Scores of every model pooled over all origins' member-months."""
        return pooled(self.backtest_predictions(**kwargs))

    def backtest_check(self, **kwargs: Any) -> dict[str, Any]:
        """The report's ``checks.backtest``: pooled Brier and log score of the model, the
        opinion-only model and both baselines, events scored and origins."""
        table = self.backtest_summary(**kwargs).set_index("model")
        out: dict[str, Any] = {name: {"brier": float(table.loc[name, "brier"]),
                                      "log_score": float(table.loc[name, "log_score"])}
                               for name in ("model", *BASELINES, "opinion_only")}
        out["n_events"] = int(table.loc["model", "n_events"])
        out["n_origins"] = int(table.loc["model", "n_origins"])
        return out

    # ------------------------------------------------------------------ held-out cells
    def holdout(self, fraction: float = 0.1, folds: int = 1, *, draws: int = 500,
                tune: int = 500, chains: int = 2, cores: int | None = None,
                seed: int | None = None) -> pd.DataFrame:
        """Held-out survey cells (see :mod:`.backtest`): a random ``fraction`` of each
        latent's cells left out per fold, ``folds`` disjoint folds. One row per held-out
        cell; :meth:`holdout_summary` gives MAE (points) and 90% coverage."""
        key = (fraction, folds, draws, tune, chains, seed)
        runs = self.__dict__.setdefault("_holdouts", {})
        if key not in runs:
            seed = self.random_seed if seed is None else seed
            request = {"fraction": fraction, "folds": folds, "draws": draws, "tune": tune,
                       "chains": chains, "seed": seed, "columns": COLUMNS_VERSION}
            runs[key] = self.derived_tables("holdout", request, lambda: [run_holdout(
                self.refitter(), fraction, folds,
                self.refit_settings(draws, tune, chains, cores), seed)])[0]
        return runs[key].copy()

    def holdout_summary(self, latent: str = "opinion", **kwargs: Any) -> dict[str, float]:
        """``{"mae_pp", "coverage90", "n"}`` of :meth:`holdout`."""
        return holdout_summary(self.holdout(**kwargs), latent)

    # ------------------------------------------------------------------ sensitivity
    def refit_events(self, *, draws: int = 1000, tune: int = 1000, chains: int = 2,
                     cores: int | None = None, seed: int | None = None, **changes: Any
                     ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Stage 2 refitted with event-model settings changed (prior scales, the change
        window, ``terms``) on this fit's stage 1; returns its draws and data."""
        config = self.model().config.replace(**changes)
        salience = self.latent_draws("salience") if self.has_salience() else None
        refitter = self.refitter()
        terms = tuple(t for t in config.terms if t != "salience" or self.has_salience())
        arrays = event_arrays(refitter.inputs, self.latent_draws("opinion"), salience, config,
                              terms=terms)
        params, _ = refitter.behave(arrays, self.refit_settings(draws, tune, chains, cores),
                                    self.random_seed if seed is None else seed)
        return params, arrays

    def sensitivity(self, changes: dict[str, list[Any]] | None = None, *,
                    window: tuple[str, str] | None = None, **fit: Any) -> pd.DataFrame:
        """Effects and split probabilities as one event-model assumption changes at a time
        (stage 2 refitted on this fit's stage 1, compiled once). Default: effect sd 0.5 and
        2, member-history sd 0.75 and 3, election decay 1.5 and 6 months, base-rate sd 0.75
        and 3, change window 3 and 12 months, partisanship added."""
        changes = changes or {"effect_sd": [0.5, 2.0], "history_sd": [0.75, 3.0],
                              "decay_months": [1.5, 6.0], "base_rate_sd": [0.75, 3.0],
                              "change_window": [3, 12],
                              "terms": [(*self.terms, "partisanship")]}
        def compute() -> list[pd.DataFrame]:
            rows = [self._sensitivity_row("fitted", "", None, None, window)]
            for name, values in changes.items():
                for value in values:
                    params, arrays = self.refit_events(**{name: value}, **fit)
                    rows.append(self._sensitivity_row(name, value, params, arrays, window))
            table = pd.DataFrame(rows)
            table["value"] = table["value"].map(_setting_text)
            return [table]

        request = {"changes": {k: [_setting_text(v) for v in vs] for k, vs in changes.items()},
                   "window": list(window) if window else None, "fit": fit,
                   "columns": COLUMNS_VERSION}
        return self.derived_tables("sensitivity", request, compute)[0]

    def _sensitivity_row(self, name: str, value: Any, params: dict[str, Any] | None,
                         arrays: dict[str, Any] | None, window: tuple[str, str] | None
                         ) -> dict[str, Any]:
        if params is None:
            p, beta = self.probability_draws(), self.draws("beta_opinion")
        else:
            salience = self.latent_draws("salience") if self.has_salience() else None
            p = probability_draws(params, arrays, self.latent_draws("opinion"), salience,
                                  len(self.iso2))
            beta = params["beta_opinion"]
        quiet = splitting.no_event(p, self.window(window))
        label = ", ".join(value) if isinstance(value, tuple) else str(value)
        lo_col, hi_col = interval_columns(0.9)
        row = {"assumption": name, "value": label, "beta_opinion": float(np.mean(beta)),
               f"beta_opinion_{lo_col}": float(np.quantile(beta, 0.05)),
               f"beta_opinion_{hi_col}": float(np.quantile(beta, 0.95)),
               "p_any": float(splitting.any_defection(quiet).mean())}
        if self.aid is not None:
            share = float(self.meta["config"]["blocking_share"])
            row["p_blocking"] = float(splitting.blocking(quiet, self.aid, share).mean())
        return row
