"""The survey design: respondents, weights, strata, clusters, fpc or replicate weights.

:class:`Design` is immutable: every weighting method (``rake``, ``poststratify``,
``calibrate``, ``trim``) returns a new design that remembers how its weights were made, so
that standard errors account for the weighting the way R's ``survey`` package does
(calibration residuals for Taylor linearisation; every replicate re-weighted for replicate
designs). Estimates come back as tidy DataFrames, shares in percent (0-100) with level-named
interval columns (``lower_95``/``upper_95``); weighting targets are read as documented on
each method.

Example
-------
>>> d = Design(df, weights="w", strata="region", clusters="psu", fpc="npsu_pop")
>>> raked = d.rake({"age": {"18-29": .2, ...}, "sex": {"F": .51, "M": .49}})
>>> raked.topline("vote")            # percent with SE (points), lower_95/upper_95, deff, n
>>> raked.crosstab("vote", "age")    # column percentages + Rao-Scott test in .attrs
>>> raked.diagnostics()              # Kish deff, effective n, weight quantiles, ASMD
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError, WeightingError
from opinion.survey import linearization as lin
from opinion.survey import replicates as rep
from opinion.survey.diagnostics import asmd_categorical, asmd_numeric, weights_summary
from opinion.survey.estimation import Estimates, column_of, poll_difference, require_complete
from opinion.survey.targets import Margin, TargetKind, build_margin, parse_targets, resolve_totals
from opinion.survey.weighting import (
    calibrate_weights,
    poststratify_weights,
    rake_weights,
    trim_weights,
)

__all__ = ["Design", "WeightingStep", "poll_difference"]


@dataclass(frozen=True)
class WeightingStep:
    """One weighting step, kept for diagnostics and re-raking.

    Attributes
    ----------
    method : str
        rake, poststratify, calibrate or trim.
    margins : tuple of Margin
        Categorical margins matched to the data (with population counts in ``targets``).
    numeric_totals : dict
        Numeric calibration totals (variable -> population total).
    population : float
        Population total the weights sum to after the step.
    iterations : int
        Iterations used (raking / raking calibration).
    max_error : float
        Largest remaining margin gap relative to the total.
    info : dict
        Anything else worth reporting (bounds, number trimmed, ...).
    """

    method: str
    margins: tuple[Margin, ...] = ()
    numeric_totals: dict = field(default_factory=dict)
    population: float = float("nan")
    iterations: int = 0
    max_error: float = 0.0
    info: dict = field(default_factory=dict)


def _target_value(value: Any, key: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WeightingError(f"the target of {key!r} is not a number: {value!r}") from None
    if not np.isfinite(number):
        raise WeightingError(f"the target of {key!r} is not a finite number: {value!r}")
    return number


def _unpack(data: Any, weights: Any, value_labels: Any, variable_labels: Any
            ) -> tuple[pd.DataFrame, Any, Any, Any]:
    """The respondent frame, and labels and weight from a Microdata-like object."""
    if isinstance(data, pd.DataFrame):
        return data, weights, value_labels, variable_labels
    if hasattr(data, "data") and isinstance(data.data, pd.DataFrame):
        return (data.data,
                getattr(data, "weight", None) if weights is None else weights,
                getattr(data, "value_labels", None) if value_labels is None else value_labels,
                getattr(data, "variable_labels", None) if variable_labels is None
                else variable_labels)
    raise DataValidationError(
        "Design needs a pandas DataFrame or a Microdata object (with .data), "
        f"got {type(data).__name__}"
    )


def _check_design(frame: pd.DataFrame, weights: Any, strata: tuple[str, ...],
                  clusters: str | None, fpc: str | None, lonely_psu: str,
                  replicate_weights: Any, replicate_type: str | None) -> None:
    """Every problem with the design variables at once, as one DataValidationError."""
    problems: list[str] = []
    if len(frame) == 0:
        problems.append("the survey data has no rows")
    if lonely_psu not in ("fail", "certainty", "remove", "adjust"):
        problems.append(f"unknown lonely_psu option {lonely_psu!r}")
    if replicate_type is not None and replicate_weights is None:
        problems.append("replicate_type was given without replicate_weights")
    roles = [("weight", weights)] if isinstance(weights, str) else []
    roles += [("strata", c) for c in strata] + [("clusters", clusters), ("fpc", fpc)]
    for role, name in roles:
        if name is None:
            continue
        try:
            s = column_of(frame, name, role)
            if role != "weight":
                require_complete(s, role)
        except DataValidationError as exc:
            problems.append(str(exc))
            continue
        if role == "fpc":
            values = pd.to_numeric(s, errors="coerce")
            if values.isna().any() or (values <= 0).any():
                problems.append(f"fpc column {name!r} has non-numeric or non-positive values")
    if problems:
        raise DataValidationError("; ".join(problems))


def _structure(frame: pd.DataFrame, strata: tuple[str, ...], clusters: str | None,
               fpc: str | None) -> lin.DesignStructure:
    """Integer codes of strata and clusters and the fpc (checked by ``_check_design``)."""
    strata_codes, stratum_names = None, []
    if strata:
        parts = [frame[c] for c in strata]
        key = parts[0] if len(parts) == 1 else pd.MultiIndex.from_arrays(parts)
        strata_codes, uniq = pd.factorize(key, sort=True)
        stratum_names = list(uniq)
    cluster_codes = None if clusters is None else pd.factorize(frame[clusters], sort=True)[0]
    fpc_values = None if fpc is None else pd.to_numeric(frame[fpc]).to_numpy(dtype=float)
    return lin.build_structure(strata_codes, cluster_codes, fpc_values, len(frame),
                               stratum_names=stratum_names)


class Design(Estimates):
    """A survey design over respondent microdata.

    Parameters
    ----------
    data : DataFrame or Microdata
        One row per respondent. An object with ``.data`` (e.g. :class:`Microdata`) is
        accepted; its ``value_labels``, ``variable_labels`` and ``weight`` are used.
    weights : str or array-like, optional
        Sampling weights (column name or values); default the microdata's weight or 1.
        Weights must be positive and present for every respondent. A pandas Series is
        matched to respondents by its index (an index that does not match the data's is
        refused); other arrays by position.
    strata : str or list of str, optional
        Stratum column(s) (several columns are crossed).
    clusters : str, optional
        First-stage cluster (PSU) column; PSUs are nested within strata.
    fpc : str, optional
        Finite-population correction column: the population number of PSUs in the stratum
        (> 1) or the first-stage sampling fraction (<= 1), as R's ``svydesign(fpc=)``.
    replicate_weights : list of str or array-like, optional
        Replicate weight columns shipped with the file (``n x R``), full analysis weights
        unless ``replicate_factors=True``.
    replicate_type : {"JK1", "JKn", "bootstrap", "BRR", "Fay", "other"}, optional
        Required with ``replicate_weights``.
    scale, rscales : float, array-like, optional
        Variance multipliers (defaults by type as R's ``svrepdesign``; ``rscales`` is
        required for JKn).
    mse : bool
        Centre replicate estimates on the full-sample estimate (default: on their mean).
    fay_rho : float
        Fay's rho for ``replicate_type="Fay"``.
    replicate_factors : bool
        The replicate columns are multipliers of the full-sample weights.
    lonely_psu : {"fail", "certainty", "remove", "adjust"}
        Policy for strata with a single PSU (R's default: fail).
    value_labels, variable_labels : dict, optional
        Labels (taken from the microdata object when not given).

    Raises
    ------
    DataValidationError
        Missing columns, missing design variables, inconsistent fpc or replicate weights.
    WeightingError
        Missing, zero or negative weights.
    """


    def _repr_html_(self) -> str:
        import html

        return (f"<div><strong>{html.escape(repr(self))}</strong></div>"
                + self.diagnostics().to_html(escape=True, float_format=lambda v: f"{v:,.3f}"))

    def __init__(
        self,
        data: Any,
        *,
        weights: str | Sequence[float] | np.ndarray | pd.Series | None = None,
        strata: str | Sequence[str] | None = None,
        clusters: str | None = None,
        fpc: str | None = None,
        replicate_weights: Sequence[str] | np.ndarray | pd.DataFrame | None = None,
        replicate_type: str | None = None,
        scale: float | None = None,
        rscales: Sequence[float] | np.ndarray | None = None,
        mse: bool = False,
        fay_rho: float = 0.0,
        replicate_factors: bool = False,
        lonely_psu: lin.LonelyPSU = "fail",
        value_labels: Mapping[str, Mapping[Any, str]] | None = None,
        variable_labels: Mapping[str, str] | None = None,
    ) -> None:
        frame, weights, value_labels, variable_labels = _unpack(
            data, weights, value_labels, variable_labels)
        strata_cols = () if strata is None else (
            (strata,) if isinstance(strata, str) else tuple(strata))
        _check_design(frame, weights, strata_cols, clusters, fpc, lonely_psu,
                      replicate_weights, replicate_type)
        self._data = frame
        self._value_labels = {k: dict(v) for k, v in (value_labels or {}).items()}
        self._variable_labels = dict(variable_labels or {})
        self._lonely_psu = lonely_psu
        self._w, self._weight_name = self._weights_of(frame, weights)
        self._base_w = self._w
        self._struct = _structure(frame, strata_cols, clusters, fpc)
        self._design_spec = {
            "weights": self._weight_name,
            "strata": list(strata_cols) or None,
            "clusters": clusters,
            "fpc": fpc,
        }
        self._records: tuple[lin.CalibrationRecord, ...] = ()
        self._steps: tuple[WeightingStep, ...] = ()
        self._rep: rep.ReplicateWeights | None = None
        if replicate_weights is not None:
            self._rep = self._make_replicates(
                replicate_weights, replicate_type, scale, rscales, mse, fay_rho,
                replicate_factors,
            )

    # ------------------------------------------------------------------ construction
    @classmethod
    def _weights_of(cls, frame: pd.DataFrame, weights: Any) -> tuple[np.ndarray, str | None]:
        """Checked weight values (ones when none) and the weight's name."""
        if weights is None:
            return np.ones(len(frame)), None
        if isinstance(weights, str):
            s = frame[weights]
            w = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            if (np.isnan(w) & s.notna().to_numpy()).any():
                raise WeightingError(f"weight column {weights!r} has non-numeric values")
            name: str | None = weights
        else:
            w, name = cls._weights_values(weights, frame), getattr(weights, "name", None)
        cls._check_weights(w, name or "weights")
        return w, name

    @staticmethod
    def _weights_values(weights: Any, frame: pd.DataFrame) -> np.ndarray:
        """Weight values in the data's row order: a Series is aligned by its index."""
        n = len(frame)
        if isinstance(weights, pd.Series):
            index = weights.index
            if not index.is_unique:
                raise WeightingError("the weights Series has a repeated index label; "
                                     "its values cannot be matched to respondents")
            if not index.equals(frame.index):
                if len(index) != n or not frame.index.is_unique or \
                        not index.isin(frame.index).all():
                    missing = int((~frame.index.isin(index)).sum())
                    raise WeightingError(
                        f"the weights Series' index does not match the data's ({missing} of "
                        f"{n} respondents have no weight); align it, or pass "
                        ".to_numpy() to match by position"
                    )
                weights = weights.reindex(frame.index)
        try:
            w = np.asarray(weights, dtype=float).ravel()
        except (TypeError, ValueError):
            raise WeightingError("weights must be numbers") from None
        if w.shape[0] != n:
            raise WeightingError(f"got {w.shape[0]} weights for {n} respondents")
        return w

    @staticmethod
    def _check_weights(w: np.ndarray, name: str) -> None:
        nan = np.isnan(w)
        if nan.any():
            raise WeightingError(
                f"{name} has {int(nan.sum())} missing value(s) (first at row "
                f"{int(np.flatnonzero(nan)[0])}); every respondent needs a weight"
            )
        if not np.all(np.isfinite(w)):
            raise WeightingError(f"{name} has infinite values")
        bad = w <= 0
        if bad.any():
            kind = "negative" if np.any(w < 0) else "zero"
            raise WeightingError(
                f"{name} has {int(bad.sum())} {kind} or zero value(s) (first at row "
                f"{int(np.flatnonzero(bad)[0])}, value {w[bad][0]:g}); weights must be positive"
                " — drop those respondents or fix the weights"
            )

    def _make_replicates(
        self,
        replicate_weights: Any,
        replicate_type: str | None,
        scale: float | None,
        rscales: Any,
        mse: bool,
        fay_rho: float,
        factors: bool,
    ) -> rep.ReplicateWeights:
        n = len(self._data)
        if isinstance(replicate_weights, pd.DataFrame):
            rw = replicate_weights.to_numpy(dtype=float)
        elif isinstance(replicate_weights, np.ndarray):
            rw = np.asarray(replicate_weights, dtype=float)
        else:
            cols = list(replicate_weights)
            if cols and all(isinstance(c, str) for c in cols):
                missing = [c for c in cols if c not in self._data.columns]
                if missing:
                    raise DataValidationError(
                        f"replicate weight column(s) not in the data: {', '.join(missing)}"
                    )
                rw = self._data[cols].to_numpy(dtype=float)
            else:
                rw = np.asarray(cols, dtype=float)
        if rw.ndim != 2 or rw.shape[0] != n or rw.shape[1] < 2:
            raise DataValidationError(
                f"replicate weights must be {n} x R with R >= 2, got shape {rw.shape}"
            )
        if not np.all(np.isfinite(rw)) or np.any(rw < 0):
            raise WeightingError("replicate weights must be finite and non-negative")
        if replicate_type is None:
            raise DataValidationError(
                "replicate_type is required with replicate weights (JK1, JKn, bootstrap, "
                "BRR, Fay or other)"
            )
        if factors:
            rw = rw * self._w[:, None]
        r = rw.shape[1]
        if scale is None:
            scale = rep.default_scale(replicate_type, r, fay_rho)
        if rscales is None:
            if replicate_type == "JKn":
                raise DataValidationError("JKn replicate weights need rscales ((n_h - 1)/n_h)")
            rs = np.ones(r)
        else:
            rs = np.asarray(rscales, dtype=float)
            if rs.shape != (r,):
                raise DataValidationError(f"rscales must have one value per replicate ({r})")
        return rep.ReplicateWeights(
            weights=rw, type=replicate_type, scale=float(scale), rscales=rs, mse=bool(mse),
            df=rep.replicate_df(rw),
        )

    def _evolve(self, **changes: Any) -> Design:
        new = copy.copy(self)
        for k, v in changes.items():
            setattr(new, k, v)
        return new

    def as_replicate(
        self,
        type: Literal["JK1", "JKn", "bootstrap"] = "JKn",
        *,
        replicates: int = 50,
        random_seed: int | None = None,
        mse: bool = False,
    ) -> Design:
        """Convert to a replicate-weight design (R ``as.svrepdesign``).

        Parameters
        ----------
        type : {"JK1", "JKn", "bootstrap"}
            Delete-one-PSU jackknife (unstratified / stratified) or PSU bootstrap.
        replicates : int
            Number of bootstrap replicates.
        random_seed : int, optional
            Seed for the bootstrap.
        mse : bool
            Centre on the full-sample estimate.

        Notes
        -----
        Replicates are built from the current weights; weighting steps done before the
        conversion are not repeated per replicate, so convert first and weight afterwards
        for weighting-aware replicate variances.
        """
        if self._rep is not None:
            raise DataValidationError("the design already has replicate weights")
        if type == "JK1":
            rw, sc, rs = rep.jk1_replicates(self._w, self._struct)
        elif type == "JKn":
            rw, sc, rs = rep.jkn_replicates(self._w, self._struct)
        elif type == "bootstrap":
            rw, sc, rs = rep.bootstrap_replicates(
                self._w, self._struct, replicates, random_seed=random_seed
            )
        else:
            raise DataValidationError(f"unknown replicate type {type!r}: use JK1, JKn, bootstrap")
        reps = rep.ReplicateWeights(
            weights=rw, type=type, scale=sc, rscales=rs, mse=mse, df=rep.replicate_df(rw)
        )
        return self._evolve(_rep=reps)

    # ------------------------------------------------------------------ properties
    @property
    def data(self) -> pd.DataFrame:
        """The respondent data (not a copy: do not modify it)."""
        return self._data

    @property
    def weights(self) -> pd.Series:
        """Current weights, indexed like the data."""
        return pd.Series(self._w, index=self._data.index, name=self._weight_name or "weight")

    @property
    def base_weights(self) -> pd.Series:
        """Weights before any weighting step of this design."""
        return pd.Series(self._base_w, index=self._data.index, name="base_weight")

    @property
    def replicate_weights(self) -> pd.DataFrame | None:
        """Current replicate weights (``n x R``) or ``None``."""
        if self._rep is None:
            return None
        r = self._rep.weights
        return pd.DataFrame(r, index=self._data.index,
                            columns=[f"rep{i + 1}" for i in range(r.shape[1])])

    @property
    def steps(self) -> tuple[WeightingStep, ...]:
        """Weighting steps applied so far."""
        return self._steps

    @property
    def value_labels(self) -> dict[str, dict]:
        return self._value_labels

    @property
    def is_replicate(self) -> bool:
        return self._rep is not None

    def __repr__(self) -> str:
        s = self._struct
        kind = (f"{self._rep.type} replicate design ({self._rep.n_replicates} replicates)"
                if self._rep else "design")
        parts = [f"{self.n} respondents"]
        if s.has_strata:
            parts.append(f"{s.n_strata} strata")
        if s.has_clusters:
            parts.append(f"{s.n_psus} PSUs")
        if not np.all(np.isinf(s.popsize)):
            parts.append("fpc")
        if self._steps:
            parts.append("weighted by " + " > ".join(st.method for st in self._steps))
        return f"<opinion.survey.Design: {kind}, " + ", ".join(parts) + ">"

    def with_weights_column(self, name: str = "weight", *, replace: bool = False
                            ) -> pd.DataFrame:
        """The data with the current weights in a new column ``name``.

        Raises
        ------
        DataValidationError
            ``name`` is already a column of the data (pass ``replace=True`` to overwrite it
            on purpose).
        """
        if not isinstance(name, str) or not name.strip():
            raise DataValidationError("the weight column needs a non-empty name")
        if name in self._data.columns and not replace:
            raise DataValidationError(
                f"the data already has a column {name!r}; choose another name for the "
                "weights (it would be overwritten)"
            )
        out = self._data.copy()
        out[name] = self._w
        return out

    # ------------------------------------------------------------------ weighting
    def _all_weights(self) -> np.ndarray:
        if self._rep is None:
            return self._w
        return np.column_stack([self._w, self._rep.weights])

    def _with_new_weights(
        self, w_all: np.ndarray, record: lin.CalibrationRecord | None, step: WeightingStep
    ) -> Design:
        if w_all.ndim == 1:
            w, rw = w_all, None
        else:
            w, rw = w_all[:, 0].copy(), w_all[:, 1:]
        if not np.all(np.isfinite(w)):
            raise WeightingError("weighting produced non-finite weights")
        changes: dict[str, Any] = {
            "_w": w,
            "_steps": (*self._steps, step),
            "_records": self._records if record is None else (*self._records, record),
        }
        if rw is not None and self._rep is not None:
            changes["_rep"] = self._rep.with_weights(rw)
        return self._evolve(**changes)

    def _margins(self, targets: Any, partial: bool = False) -> list[Margin]:
        parsed = parse_targets(targets)
        return [
            build_margin(self._data, var, dist, value_labels=self._value_labels,
                         weights=self._w, partial=partial)
            for var, dist in parsed.items()
        ]

    def rake(
        self,
        targets: Any,
        *,
        kind: TargetKind = "auto",
        total: float | None = None,
        max_iter: int = 200,
        tol: float = 1e-10,
        cap: float | None = None,
        floor: float | None = None,
    ) -> Design:
        """Rake the weights to marginal targets (iterative proportional fitting).

        Parameters
        ----------
        targets : dict, DataFrame or Series
            Population margins, see :mod:`opinion.survey.targets`.
        kind : {"auto", "proportion", "percent", "count"}
            How to read the target values (auto: proportions if all <= 1, else counts).
        total : float, optional
            Population total for proportions (default: the current sum of weights).
        max_iter : int
            Maximum sweeps over the margins.
        tol : float
            Stop when every margin is within ``tol * total`` of its target.
        cap, floor : float, optional
            Bounds on the weights as multiples of the mean weight (e.g. ``cap=5``), enforced
            inside the iterations (trim and re-rake until both the bounds and the margins
            hold, as anesrake).

        Returns
        -------
        Design
            A new design; this one is unchanged.

        Raises
        ------
        WeightingError
            Bad targets (see :func:`~opinion.survey.targets.build_margin`).
        ConvergenceError
            Raking did not converge; the message names the variable and category.
        """
        margins = self._margins(targets)
        counts = resolve_totals(margins, kind, total, float(self._w.sum()))
        pop = float(counts[0].sum())
        mean_w = pop / self.n
        upper = None if cap is None else cap * mean_w
        lower = None if floor is None else floor * mean_w
        if cap is not None and cap <= 1:
            raise WeightingError(f"cap must be above 1 (a multiple of the mean weight), got {cap}")
        res = rake_weights(
            self._all_weights(), [m.codes for m in margins], counts,
            names=[m.variable for m in margins], categories=[m.categories for m in margins],
            max_iter=max_iter, tol=tol, lower=lower, upper=upper,
        )
        matched = tuple(
            Margin(m.variable, m.columns, m.categories, m.labels, m.codes, c)
            for m, c in zip(margins, counts, strict=True)
        )
        step = WeightingStep(
            "rake", matched, population=pop, iterations=res.iterations,
            max_error=res.max_error, info={"cap": cap, "floor": floor},
        )
        return self._with_new_weights(res.weights, res.record, step)

    def poststratify(
        self,
        by: str | Sequence[str],
        targets: Any,
        *,
        kind: TargetKind = "auto",
        total: float | None = None,
        partial: bool = False,
    ) -> Design:
        """Post-stratify on one variable or the cells of several (R ``postStratify``).

        Parameters
        ----------
        by : str or list of str
            Post-stratification variable(s).
        targets : dict, Series or DataFrame
            Cell targets: ``{category: value}`` for one variable; ``{(a, b): value}`` for
            several; or a DataFrame with the ``by`` columns and a ``target`` (or ``Freq``)
            column.
        kind, total : see :meth:`rake`.
        partial : bool
            Ignore target cells without respondents (R ``partial=TRUE``); by default they
            are an error.
        """
        cols = (by,) if isinstance(by, str) else tuple(by)
        dist = self._cell_targets(cols, targets)
        m = build_margin(self._data, cols, dist, value_labels=self._value_labels,
                         weights=self._w, partial=partial)
        (counts,) = resolve_totals([m], kind, total, float(self._w.sum()))
        new, record = poststratify_weights(
            self._all_weights(), m.codes, counts, name=m.variable, categories=m.categories
        )
        matched = Margin(m.variable, m.columns, m.categories, m.labels, m.codes, counts)
        step = WeightingStep("poststratify", (matched,), population=float(counts.sum()))
        return self._with_new_weights(new, record, step)

    @staticmethod
    def _cell_targets(cols: tuple[str, ...], targets: Any) -> dict:
        if isinstance(targets, pd.DataFrame):
            low = {str(c).lower(): c for c in targets.columns}
            value_col = low.get("target", low.get("freq"))
            missing = [c for c in cols if c not in targets.columns]
            if value_col is None or missing:
                raise WeightingError(
                    "post-stratification targets need the columns "
                    f"{', '.join(cols)} and target (or Freq)"
                    + (f"; missing {', '.join(missing)}" if missing else "")
                )
            out: dict = {}
            for row in targets.itertuples(index=False):
                rec = dict(zip(targets.columns, row, strict=True))
                key = rec[cols[0]] if len(cols) == 1 else tuple(rec[c] for c in cols)
                if key in out:
                    raise WeightingError(f"post-stratum {key!r} is given twice")
                out[key] = _target_value(rec[value_col], key)
            return out
        if isinstance(targets, pd.Series):
            return {k: _target_value(v, k) for k, v in targets.items()}
        if isinstance(targets, Mapping):
            if len(cols) == 1 and set(targets) == {cols[0]} and isinstance(
                targets[cols[0]], Mapping
            ):
                targets = targets[cols[0]]
            return {k: _target_value(v, k) for k, v in targets.items()}
        raise WeightingError(
            f"post-stratification targets must be a dict, Series or DataFrame, "
            f"got {type(targets).__name__}"
        )

    def calibrate(
        self,
        targets: Any = None,
        *,
        totals: Mapping[str, float] | None = None,
        population: float | None = None,
        kind: TargetKind = "auto",
        method: Literal["linear", "raking"] = "linear",
        max_iter: int = 100,
        tol: float = 1e-10,
    ) -> Design:
        """Calibrate to categorical margins and/or numeric totals (R ``calibrate``).

        Parameters
        ----------
        targets : dict, DataFrame or Series, optional
            Categorical margins as for :meth:`rake`.
        totals : dict, optional
            Population totals of numeric variables, e.g. ``{"income": 4.6e10}``.
        population : float, optional
            Population size. Needed when only numeric totals are given; with proportions it
            is the total they are scaled to (default: current sum of weights).
        kind : see :meth:`rake`.
        method : {"linear", "raking"}
            Linear (GREG; weights may become negative, which is warned about) or raking
            ratio calibration.
        max_iter, tol : Newton iterations and tolerance for ``method="raking"``.

        Notes
        -----
        The model matrix holds every category's indicator (plus an intercept when no
        categorical margin is given) and the numeric variables; any full-rank
        reparametrisation (R's treatment contrasts) spans the same space and gives the same
        weights and variances.
        """
        if targets is None and not totals:
            raise WeightingError("calibrate needs categorical targets and/or numeric totals")
        if targets is None and population is None:
            raise WeightingError(
                "calibrating numeric totals alone needs the population size (population=)"
            )
        margins, pop, blocks, tvals, names = self._calibration_margins(targets, kind, population)
        for var, tot in (totals or {}).items():
            blocks.append(self._calibration_column(var)[:, None])
            tvals.append(_target_value(tot, var))
            names.append(var)
        xmat = np.column_stack(blocks)
        res = calibrate_weights(
            self._all_weights(), xmat, np.asarray(tvals), method=method, names=names,
            max_iter=max_iter, tol=tol,
        )
        w_main = res.weights if res.weights.ndim == 1 else res.weights[:, 0]
        if np.any(w_main <= 0):
            warnings.warn(
                f"linear calibration produced {int(np.sum(w_main <= 0))} non-positive "
                "weight(s); consider method='raking' or trimming",
                UserWarning,
                stacklevel=2,
            )
        step = WeightingStep(
            "calibrate", tuple(margins), numeric_totals=dict(totals or {}), population=pop,
            iterations=res.iterations, info={"method": method},
        )
        return self._with_new_weights(res.weights, res.record, step)

    def _calibration_margins(self, targets: Any, kind: TargetKind, population: float | None
                             ) -> tuple[list[Margin], float, list[np.ndarray], list[float],
                                        list[str]]:
        """Margins, population, model-matrix blocks, totals and names of the categorical
        part of a calibration (an intercept with the population when there is none)."""
        if targets is None:
            pop = _target_value(population, "population")
            return [], pop, [np.ones((self.n, 1))], [pop], ["(population)"]
        margins = self._margins(targets)
        counts = resolve_totals(margins, kind, population, float(self._w.sum()))
        margins = [Margin(m.variable, m.columns, m.categories, m.labels, m.codes, c)
                   for m, c in zip(margins, counts, strict=True)]
        blocks, tvals, names = [], [], []
        for m in margins:
            ind = np.zeros((self.n, m.n_groups))
            ind[np.arange(self.n), m.codes] = 1.0
            blocks.append(ind)
            tvals.extend(m.targets.tolist())
            names.extend(f"{m.variable}={lab}" for lab in m.labels)
        return margins, float(margins[0].targets.sum()), blocks, tvals, names

    def _calibration_column(self, var: str) -> np.ndarray:
        s = column_of(self._data, var, "calibration variable")
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
        if np.isnan(x).any():
            raise WeightingError(
                f"calibration variable {var!r} has {int(np.isnan(x).sum())} missing or "
                "non-numeric value(s)"
            )
        return x

    def trim(
        self,
        upper: float | None = None,
        lower: float | None = None,
        *,
        relative: bool = True,
        strict: bool = False,
        rerake: bool = False,
        max_iter: int = 200,
        tol: float = 1e-10,
    ) -> Design:
        """Trim (cap) the weights, optionally re-raking to the last raking targets.

        Parameters
        ----------
        upper, lower : float, optional
            Bounds; multiples of the mean weight when ``relative`` (``upper=5``), absolute
            weights otherwise.
        relative : bool
            Read the bounds relative to the mean weight.
        strict : bool
            Repeat the redistribution until no weight is outside the bounds.
        rerake : bool
            Re-rake to the targets of the last :meth:`rake` step with the bounds enforced
            inside the iterations, so that both the margins and the bounds hold.
        max_iter, tol : used when re-raking.

        Notes
        -----
        Without ``rerake`` this is R's ``trimWeights``: weights beyond a bound are set to it
        and the trimmed amount is spread equally over the untrimmed weights (the total is
        kept). Variances keep the calibration of earlier steps, as in R.
        """
        if upper is None and lower is None:
            raise WeightingError("trim needs an upper and/or a lower bound")
        mean_w = float(self._w.mean())
        up = upper * mean_w if (relative and upper is not None) else upper
        lo = lower * mean_w if (relative and lower is not None) else lower
        if rerake:
            rakes = [s for s in self._steps if s.method == "rake"]
            if not rakes:
                raise WeightingError("rerake=True needs an earlier rake() step to re-rake to")
            last = rakes[-1]
            res = rake_weights(
                self._all_weights(), [m.codes for m in last.margins],
                [m.targets for m in last.margins],
                names=[m.variable for m in last.margins],
                categories=[m.categories for m in last.margins],
                max_iter=max_iter, tol=tol, lower=lo, upper=up,
            )
            step = WeightingStep(
                "rake", last.margins, population=last.population, iterations=res.iterations,
                max_error=res.max_error, info={"upper": up, "lower": lo, "trimmed": True},
            )
            return self._with_new_weights(res.weights, res.record, step)
        new, n_trim = trim_weights(self._all_weights(), lower=lo, upper=up, strict=strict)
        step = WeightingStep(
            "trim", population=float(new.sum() if new.ndim == 1 else new[:, 0].sum()),
            info={"upper": up, "lower": lo, "n_trimmed": n_trim},
        )
        return self._with_new_weights(new, None, step)

    # ------------------------------------------------------------------ diagnostics
    def diagnostics(self) -> pd.DataFrame:
        """Weights before (base weights) and after weighting, with balance per variable.

        Returns
        -------
        DataFrame
            Indexed by statistic: n, sum_weights, kish_deff, effective_n, efficiency_pct,
            min, p01 ... p99, max, max_min_ratio, cv, then ``asmd:<variable>`` for every
            weighting variable (absolute standardised mean difference from the targets,
            see :mod:`opinion.survey.diagnostics`). Columns ``before`` and ``after``.
        """
        before = weights_summary(self._base_w)
        after = weights_summary(self._w)
        out = pd.DataFrame({"before": before, "after": after})
        seen: dict[str, tuple[float, float]] = {}
        for step in self._steps:
            for m in step.margins:
                props = m.targets / m.targets.sum()
                seen[m.variable] = (
                    asmd_categorical(m.codes, self._base_w, props),
                    asmd_categorical(m.codes, self._w, props),
                )
            for var, tot in step.numeric_totals.items():
                x = self._numeric(var)
                tm = tot / step.population
                seen[var] = (
                    asmd_numeric(x, self._base_w, tm, self._base_w),
                    asmd_numeric(x, self._w, tm, self._base_w),
                )
        for var, (b, a) in seen.items():
            out.loc[f"asmd:{var}"] = [b, a]
        out.index.name = "statistic"
        return out

    def weights_summary(self) -> pd.Series:
        """n, sum, Kish deff, effective n and the distribution of the current weights."""
        return weights_summary(self._w)

    # ------------------------------------------------------------------ poll frames
    def to_pollframe(self, var: str, *, by: str | None = None,
                     deff: Literal["design", "kish"] = "design", **columns: Any) -> Any:
        """Weighted distribution of ``var`` as :class:`~opinion.frames.PollFrame` rows.

        Builds the tidy frame (poll_id, pollster, start_date, end_date, population, n,
        question_id, response, pct (0-100), subgroup, subgroup_n, deff, plus ``extra``
        columns; ``question_text`` defaults to the variable label) with
        :func:`opinion.frames.pollframe.pollframe_from_topline`, as
        ``Microdata.to_pollframe`` does. ``n`` is the number of respondents who answered
        the question; ``subgroup_n`` those in the subgroup.

        Parameters
        ----------
        var, by
            The question variable and an optional breakdown variable.
        deff : {"design", "kish"}
            ``"design"`` (default): the design effect of each estimate (``deff`` of
            :meth:`topline`), which accounts for strata, clusters and weighting, so the
            frame's effective n is that of each estimate. ``"kish"``: Kish's weighting
            effect of each subgroup's weights (:func:`opinion.frames.kish_deff`), the same
            for every response; the rows then equal ``Microdata.to_pollframe``'s.
        **columns
            The poll's fields ``poll_id, pollster, start_date, end_date, population,
            question_id`` (required) and other constant columns (``mode="online"``...).
        """
        from opinion.frames import kish_deff, pollframe_from_topline
        from opinion.frames.pollframe import poll_fields

        fields, extra = poll_fields(columns)

        if deff not in ("design", "kish"):
            raise DataValidationError(f"deff must be 'design' or 'kish', not {deff!r}")
        parts = [self.topline(var)]
        if by is not None:
            parts.append(self.topline(var, by=by).drop(columns=[by]))
        t = pd.concat(parts, ignore_index=True)
        n_all = int(t.loc[t["subgroup"] == "all", "n"].iloc[0])
        if deff == "kish":
            answered = self._categories(var)[0] >= 0
            groups = self._groups(None) + (self._groups(by) if by is not None else [])
            kish = {sub: kish_deff(self._w[answered & gm]) for sub, _, gm in groups
                    if (answered & gm & (self._w != 0)).any()}
            t["deff"] = t["subgroup"].map(kish)
        table = pd.DataFrame({
            "subgroup": t["subgroup"], "response": t["label"].astype(str),
            "pct": t["estimate"], "subgroup_n": t["n"], "deff": t["deff"],
        })
        if "question_text" not in extra and var in self._variable_labels:
            extra["question_text"] = self._variable_labels[var]
        return pollframe_from_topline(table, fields=fields, n=n_all, extra=extra,
                                      source=f"Design.to_pollframe({var!r})")
