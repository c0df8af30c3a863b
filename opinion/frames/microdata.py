"""Respondent-level survey data that remembers labels and *why* values are missing.

:class:`Microdata` is an in-memory container; :func:`read_microdata` builds one from a file
read by :func:`opinion.io.microdata.read_microdata_file`. Missing values are NaN/NA in
:attr:`Microdata.data`, and :attr:`Microdata.missing_reasons` says for every missing cell
why it is missing: a declared code such as "Refused" or "Don't know", a Stata extended
missing value, or plain "system missing".
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError, unknown_name_message
from opinion.io.microdata import format_code, read_microdata_file

__all__ = [
    "SYSTEM_MISSING",
    "Microdata",
    "format_code",
    "kish_deff",
    "normalise_missing_codes",
    "read_microdata",
    "reason_column",
]

SYSTEM_MISSING = "system missing"
"""Reason recorded for a missing value that no declared code explains."""


class _Reasons:
    """One variable's reasons as integer codes into a list of reason strings (-1 = none)."""

    __slots__ = ("categories", "codes")

    def __init__(self, codes: np.ndarray, categories: list[str]) -> None:
        self.codes = codes
        self.categories = categories

    @classmethod
    def empty(cls, length: int) -> _Reasons:
        return cls(np.full(length, -1, dtype=np.int32), [])

    @classmethod
    def from_series(cls, series: pd.Series) -> _Reasons:
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy().astype(np.int32)
            cats = [str(c) for c in series.cat.categories]
        else:
            codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
            codes = codes.astype(np.int32)
            cats = [str(c) for c in uniques]
        out = cls.empty(len(series))
        for i, cat in enumerate(cats):  # merge categories that print alike
            out.set(codes == i, cat)
        return out

    def set(self, mask: np.ndarray, reason: str) -> None:
        if not mask.any():
            return
        if reason not in self.categories:
            self.categories.append(reason)
        self.codes[mask] = self.categories.index(reason)

    def present(self) -> np.ndarray:
        return self.codes >= 0

    def to_categorical(self) -> pd.Categorical:
        """Categorical with the categories in alphabetical order."""
        order = sorted(range(len(self.categories)), key=lambda i: self.categories[i])
        remap = np.empty(len(self.categories) + 1, dtype=np.int32)
        remap[-1] = -1
        remap[np.asarray(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int32)
        codes = remap[self.codes] if self.categories else self.codes
        return pd.Categorical.from_codes(
            codes, categories=pd.Index([self.categories[i] for i in order], dtype=object)
        )


def reason_column(
    values: pd.Series, mask: Any, reason_of: Mapping[Any, str] | Any
) -> pd.Categorical:
    """Reasons for the cells of ``values`` selected by ``mask`` (NaN elsewhere).

    ``reason_of`` maps each distinct selected value to its reason (a dict or a function).
    Used by the file readers to declare format-specific missing values cheaply.
    """
    mask = np.asarray(mask, dtype=bool)
    out = _Reasons.empty(len(values))
    if mask.any():
        codes, uniques = pd.factorize(values.to_numpy(dtype=object)[mask])
        full = np.full(len(values), -1, dtype=np.int64)
        full[mask] = codes
        lookup = reason_of.get if isinstance(reason_of, Mapping) else reason_of
        for i, value in enumerate(uniques):
            out.set(full == i, str(lookup(value)))
    return out.to_categorical()


def _clean_key(value: Any) -> Any:
    """Integral floats become ints (``1.0 -> 1``) so labels print and compare cleanly."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (0, float(value))
    return (1, str(value))


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def kish_deff(weights: Any) -> float:
    """Kish's design effect of unequal weights, ``m * sum(w**2) / sum(w)**2``.

    ``m`` counts the *non-zero* weights: a respondent with weight 0 is outside the sample
    (dropped by a filter or trimmed to nothing) and changes neither the sums nor ``m``, so
    ``kish_deff([1, 2, 0]) == kish_deff([1, 2])``. ``n / deff`` with ``n`` the non-zero
    count is the effective sample size ``sum(w)**2 / sum(w**2)``. Equal weights give 1.
    Negative weights (linear calibration can produce them) are allowed.

    Raises
    ------
    DataValidationError
        No weights, a missing or infinite weight, or weights that do not sum to a positive
        number.
    """
    try:
        w = np.asarray(weights, dtype=float).ravel()
    except (TypeError, ValueError):
        raise DataValidationError("cannot compute a design effect: weights must be numbers") \
            from None
    if w.size == 0:
        raise DataValidationError("cannot compute a design effect: no weights")
    if not np.isfinite(w).all():
        raise DataValidationError("cannot compute a design effect: missing or infinite weights")
    total = w.sum()
    if total <= 0:
        raise DataValidationError("cannot compute a design effect: no positive weights")
    used = np.count_nonzero(w)
    return float(used * np.square(w).sum() / total**2)


def normalise_missing_codes(
    missing_codes: Mapping[Any, Any] | None,
    data: pd.DataFrame,
    *,
    skip: tuple[str, ...] = (),
) -> dict[str, dict[Any, str]]:
    """Expand a ``missing_codes`` argument to ``{variable: {code: reason}}``.

    ``{code: reason}`` (e.g. ``{-1: "refused", -2: "don't know"}``) applies to every numeric
    column except those in ``skip``; ``{variable: {code: reason}}`` applies per variable.

    Raises
    ------
    DataValidationError
        Mixed forms, an unknown variable, or a reason that is not a string.
    """
    if not missing_codes:
        return {}
    if not isinstance(missing_codes, Mapping):
        raise DataValidationError(
            "missing_codes must be a dict {code: reason} or {variable: {code: reason}}"
        )
    nested = [isinstance(v, Mapping) for v in missing_codes.values()]
    if any(nested) and not all(nested):
        raise DataValidationError(
            "missing_codes mixes {code: reason} and {variable: {code: reason}} entries"
        )
    if all(nested):
        spec = {}
        for var, codes in missing_codes.items():
            if var not in data.columns:
                raise DataValidationError(
                    f"missing_codes names unknown variable '{var}' "
                    f"(variables: {', '.join(map(str, data.columns[:20]))}"
                    f"{', ...' if data.shape[1] > 20 else ''})"
                )
            spec[str(var)] = dict(codes)
    else:
        codes = dict(missing_codes)
        spec = {
            str(c): codes for c in data.columns if _is_numeric(data[c]) and str(c) not in skip
        }
    for var, codes in spec.items():
        for code, reason in codes.items():
            if not isinstance(reason, str) or not reason:
                raise DataValidationError(
                    f"missing_codes for '{var}': the reason for code {code!r} must be a "
                    f"non-empty string, got {reason!r}"
                )
    return {var: {_clean_key(k): r for k, r in codes.items()} for var, codes in spec.items()}


def _code_mask(column: pd.Series, code: Any) -> pd.Series:
    if _is_numeric(column):
        if isinstance(code, (int, float, np.integer, np.floating)) and not isinstance(code, bool):
            return (column == code).fillna(False).astype(bool)
        return pd.Series(False, index=column.index)
    text = column.astype("string")
    return (text == str(code)).fillna(False).astype(bool)


def _reason_table(data: pd.DataFrame, missing_reasons: pd.DataFrame | None,
                  source: str) -> pd.DataFrame:
    """Why each value is missing, per variable (categorical; system-missing where NA has no
    declared reason); a declared reason for a present value is an error."""
    given: dict[str, pd.Series] = {}
    if missing_reasons is not None:
        if not missing_reasons.index.equals(data.index):
            raise DataValidationError(f"{source}: missing_reasons must have the same index "
                                      "as data")
        for var in missing_reasons.columns:
            if str(var) not in data.columns:
                raise DataValidationError(
                    f"{source}: missing_reasons has a column '{var}' that data lacks")
            given[str(var)] = missing_reasons[var]
    columns = {}
    for var in data.columns:
        isna = data[var].isna().to_numpy()
        r = _Reasons.from_series(given[var]) if var in given else _Reasons.empty(len(data))
        has = r.present()
        if (has & ~isna).any():
            raise DataValidationError(
                f"{source}: variable '{var}' has a missing-value reason for a value that is "
                "present; set the value to NA or drop the reason")
        r.set(isna & ~has, SYSTEM_MISSING)
        columns[var] = r.to_categorical()
    return pd.DataFrame(columns, index=data.index)


class Microdata:
    """Survey microdata: one row per respondent, with labels and missing-value reasons.

    Build one with :func:`opinion.read_microdata` (files) or :meth:`Microdata.from_frame`
    (DataFrames). The container is read-only by convention: attributes are properties and
    methods return new objects.

    Attributes
    ----------
    data : pandas.DataFrame
        Values; every missing value (whatever its reason) is NaN/NA.
    value_labels : dict[str, dict]
        ``{variable: {code: label}}`` (integral float codes are stored as ints).
    variable_labels : dict[str, str]
        ``{variable: label}`` for variables that have one.
    missing_reasons : pandas.DataFrame
        Same index and columns as :attr:`data`, one categorical column per variable: the
        reason where the value is missing, NaN where it is present.
    missing_codes : dict[str, dict]
        ``{variable: {code: reason}}``: the codes that were turned into missing values (SPSS
        user-missing codes, Stata extended-missing letters, codes you declared).
    weight : str or None
        Name of the weight column used by default in :meth:`topline`/:meth:`to_pollframe`.
    source : str
        Where the data came from (a path, or ``"<DataFrame>"``).
    """

    __slots__ = (
        "_data",
        "_missing_codes",
        "_missing_reasons",
        "_source",
        "_value_labels",
        "_variable_labels",
        "_weight",
    )

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        value_labels: Mapping[str, Mapping[Any, str]] | None = None,
        variable_labels: Mapping[str, str | None] | None = None,
        missing_reasons: pd.DataFrame | None = None,
        missing_codes: Mapping[str, Mapping[Any, str]] | None = None,
        weight: str | None = None,
        source: str = "<DataFrame>",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DataValidationError(f"{source}: microdata must be a pandas DataFrame")
        if data.columns.has_duplicates:
            dups = sorted(set(map(str, data.columns[data.columns.duplicated()])))
            raise DataValidationError(f"{source}: duplicate variable names: {', '.join(dups)}")
        data = data.copy()
        data.columns = [str(c) for c in data.columns]
        reasons = _reason_table(data, missing_reasons, source)

        self._data = data
        self._missing_reasons = reasons
        self._value_labels = {
            str(var): {_clean_key(k): str(v) for k, v in labels.items()}
            for var, labels in (value_labels or {}).items()
            if labels
        }
        self._variable_labels = {
            str(var): str(label) for var, label in (variable_labels or {}).items() if label
        }
        self._missing_codes = {
            str(var): {_clean_key(k): str(v) for k, v in codes.items()}
            for var, codes in (missing_codes or {}).items()
            if codes
        }
        self._source = str(source)
        self._weight = None
        if weight is not None:
            self._check_weight(weight)
            self._weight = str(weight)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        *,
        missing_codes: Mapping[Any, Any] | None = None,
        value_labels: Mapping[str, Mapping[Any, str]] | None = None,
        variable_labels: Mapping[str, str | None] | None = None,
        weight: str | None = None,
        source: str = "<DataFrame>",
        declared_missing: pd.DataFrame | None = None,
        declared_codes: Mapping[str, Mapping[Any, str]] | None = None,
    ) -> Microdata:
        """Build microdata from a DataFrame, turning declared codes into reasoned NAs.

        Parameters
        ----------
        data : pandas.DataFrame
            Respondent-level values, missing-value codes still in place.
        missing_codes : dict, optional
            ``{code: reason}`` for every numeric column (the weight column excepted), e.g.
            ``{-1: "refused", -2: "don't know", -3: "inapplicable"}``, or
            ``{variable: {code: reason}}`` per variable (string variables match the code's
            text). Takes precedence over reasons declared in the file.
        value_labels, variable_labels : dict, optional
            Labels (see the class attributes).
        weight : str, optional
            Weight column.
        source : str
            Where the data came from, for messages and ``repr``.
        declared_missing : pandas.DataFrame, optional
            Reasons declared by the file format (same index as ``data``, any subset of its
            columns; NA = not declared). Cells with a reason become NA whatever their value.
        declared_codes : dict, optional
            The file's ``{variable: {code: reason}}`` catalogue, kept in
            :attr:`missing_codes`.
        """
        if not isinstance(data, pd.DataFrame):
            raise DataValidationError(f"{source}: microdata must be a pandas DataFrame")
        data = data.copy()
        data.columns = [str(c) for c in data.columns]
        reasons: dict[str, _Reasons] = {}
        if declared_missing is not None:
            if not declared_missing.index.equals(data.index):
                raise DataValidationError(
                    f"{source}: declared_missing must have the same index as data"
                )
            for var in declared_missing.columns:
                if str(var) not in data.columns:
                    raise DataValidationError(
                        f"{source}: declared_missing has a column '{var}' that data lacks"
                    )
                reasons[str(var)] = _Reasons.from_series(declared_missing[var])
        skip = (weight,) if weight is not None else ()
        user = normalise_missing_codes(missing_codes, data, skip=skip)
        catalogue: dict[str, dict[Any, str]] = {
            str(k): dict(v) for k, v in (declared_codes or {}).items()
        }
        for var, codes in user.items():
            column = data[var]
            for code, reason in codes.items():
                hit = _code_mask(column, code).to_numpy()
                if hit.any():
                    reasons.setdefault(var, _Reasons.empty(len(data))).set(hit, reason)
                catalogue.setdefault(var, {})[code] = reason
        for var, r in reasons.items():
            flagged = r.present()
            if flagged.any():
                data[var] = data[var].mask(flagged)
        reasons_frame = (
            pd.DataFrame({v: r.to_categorical() for v, r in reasons.items()}, index=data.index)
            if reasons else None
        )
        return cls(
            data,
            value_labels=value_labels,
            variable_labels=variable_labels,
            missing_reasons=reasons_frame,
            missing_codes=catalogue,
            weight=weight,
            source=source,
        )

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> pd.DataFrame:
        """Values, missing as NaN/NA."""
        return self._data

    @property
    def value_labels(self) -> dict[str, dict[Any, str]]:
        """``{variable: {code: label}}``."""
        return self._value_labels

    @property
    def variable_labels(self) -> dict[str, str]:
        """``{variable: label}``."""
        return self._variable_labels

    @property
    def missing_reasons(self) -> pd.DataFrame:
        """Why each missing value is missing (``<NA>`` where the value is present)."""
        return self._missing_reasons

    @property
    def missing_codes(self) -> dict[str, dict[Any, str]]:
        """``{variable: {code: reason}}`` of codes that were turned into missing values."""
        return self._missing_codes

    @property
    def weight(self) -> str | None:
        """Default weight column, if any."""
        return self._weight

    @property
    def source(self) -> str:
        """Where the data came from."""
        return self._source

    @property
    def variables(self) -> list[str]:
        """Variable names, in file order."""
        return list(self._data.columns)

    def __len__(self) -> int:
        return len(self._data)

    # ------------------------------------------------------------------ helpers
    def _check_var(self, var: str, role: str = "variable") -> str:
        if var not in self._data.columns:
            raise DataValidationError(unknown_name_message(var, list(self.variables), role)
                                      + f" (in {self._source})")
        return var

    def _check_weight(self, weight: str) -> pd.Series:
        self._check_var(weight, "weight variable")
        w = self._data[weight]
        if not _is_numeric(w):
            raise DataValidationError(f"weight variable '{weight}' is not numeric")
        w = w.astype(float)
        bad_na = int(w.isna().sum())
        if bad_na:
            raise DataValidationError(
                f"weight variable '{weight}' has {bad_na} missing value(s); drop those "
                "respondents or fill the weights before using it"
            )
        if not np.isfinite(w.to_numpy()).all() or (w < 0).any():
            raise DataValidationError(f"weight variable '{weight}' has negative or infinite values")
        if w.sum() <= 0:
            raise DataValidationError(f"weight variable '{weight}' sums to zero")
        return w

    def _weights(self, weight: str | bool | None) -> tuple[pd.Series, str | None]:
        """Resolve ``weight``: None -> default, False -> unweighted, str -> that column."""
        if weight is None:
            weight = self._weight
        if weight is None or weight is False:
            return pd.Series(1.0, index=self._data.index), None
        if weight is True:
            raise DataValidationError("weight=True is ambiguous: name the weight column")
        return self._check_weight(str(weight)), str(weight)

    def _categories(self, var: str) -> list[tuple[Any, str]]:
        """(code, label) for every valid response, in code order."""
        column = self._data[var]
        labels = self._value_labels.get(var, {})
        missing = self._missing_codes.get(var, {})
        observed = pd.unique(column.dropna())
        codes: dict[Any, None] = {}
        for code in labels:
            if code in missing:
                continue
            if _is_numeric(column) and isinstance(code, str):
                continue
            codes[code] = None
        for value in observed:
            codes.setdefault(_clean_key(value), None)
        ordered = sorted(codes, key=_sort_key)
        return [(code, labels.get(code, format_code(code))) for code in ordered]

    # ------------------------------------------------------------------ views
    def labelled(self, var: str, *, ordered: bool = False) -> pd.Series:
        """Values of ``var`` as a categorical of labels, categories in code order.

        Codes without a label appear as their code (``"7"``). Missing values are NaN; their
        reasons are in :attr:`missing_reasons`. Two codes with the same label share one
        category.
        """
        self._check_var(var)
        column = self._data[var]
        pairs = self._categories(var)
        mapping = {code: label for code, label in pairs}
        cats = list(dict.fromkeys(label for _, label in pairs))
        text = column.map(mapping)  # 1.0 and 1 hash alike, so float codes find int keys
        out = pd.Series(
            pd.Categorical(text, categories=cats, ordered=ordered), index=column.index, name=var
        )
        return out

    def missing_summary(self) -> pd.DataFrame:
        """Counts of missing values by variable and reason (variables in file order).

        Returns
        -------
        pandas.DataFrame
            Columns ``variable``, ``reason``, ``count``; within a variable, most frequent
            reason first.
        """
        rows = []
        for position, var in enumerate(self._data.columns):
            counts = self._missing_reasons[var].value_counts(sort=False)
            counts = counts[counts > 0]
            for reason, count in counts.items():
                rows.append((position, var, str(reason), int(count)))
        out = pd.DataFrame(rows, columns=["position", "variable", "reason", "count"])
        out = out.sort_values(["position", "count", "reason"], ascending=[True, False, True])
        return out.drop(columns="position").reset_index(drop=True)

    def topline(
        self,
        var: str,
        *,
        weight: str | bool | None = None,
        include_missing: bool = False,
    ) -> pd.DataFrame:
        """Weighted frequency table of one variable.

        Parameters
        ----------
        var : str
            Variable to tabulate.
        weight : str, False or None
            Weight column; ``None`` uses :attr:`weight` (unweighted if unset); ``False``
            forces unweighted.
        include_missing : bool, default False
            Add one row per missing-value reason (``missing=True``, ``pct`` NaN).

        Returns
        -------
        pandas.DataFrame
            ``response`` (label), ``code``, ``n`` (unweighted count), ``weighted_n``, ``pct``
            (weighted percentage of valid responses, 0-100) and ``missing``.
        """
        self._check_var(var)
        w, _ = self._weights(weight)
        labels = self.labelled(var)
        valid = labels.notna()
        if not valid.any():
            raise DataValidationError(f"variable '{var}' has no valid (non-missing) responses")
        total = float(w[valid].sum())
        if total <= 0:
            raise DataValidationError(f"respondents answering '{var}' all have zero weight")
        pairs = self._categories(var)
        first_code = {}
        for code, label in pairs:
            first_code.setdefault(label, code)
        n = labels.value_counts(sort=False).reindex(labels.cat.categories, fill_value=0)
        wn = w[valid].groupby(labels[valid], observed=False).sum()
        wn = wn.reindex(labels.cat.categories, fill_value=0.0)
        out = pd.DataFrame({
            "response": [str(c) for c in labels.cat.categories],
            "code": pd.Series([first_code[c] for c in labels.cat.categories], dtype=object),
            "n": n.to_numpy().astype("int64"),
            "weighted_n": wn.to_numpy().astype(float),
        })
        out["pct"] = out["weighted_n"] / total * 100.0
        out["missing"] = False
        if include_missing:
            reasons = self._missing_reasons[var]
            has = reasons.notna()
            if has.any():
                counts = reasons.value_counts(sort=False)  # categories: alphabetical
                counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
                wsum = w[has].groupby(reasons[has].astype(str)).sum()
                miss = pd.DataFrame({
                    "response": [str(r) for r in counts.index],
                    "code": pd.Series([None] * len(counts), dtype=object),
                    "n": counts.to_numpy().astype("int64"),
                    "weighted_n": wsum.reindex([str(r) for r in counts.index]).to_numpy(),
                    "pct": np.nan,
                    "missing": True,
                })
                out = pd.concat([out, miss], ignore_index=True)
        return out

    def to_pollframe(self, var: str, *, weight: str | bool | None = None,
                     by: str | list[str] | None = None, **columns: Any) -> Any:
        """Turn the weighted topline of ``var`` into a validated :class:`~opinion.PollFrame`.

        One row per response and subgroup: ``n`` is the number of respondents answering
        ``var`` (with a non-zero weight); ``pct`` the weighted percentage; ``deff`` the Kish
        design effect (:func:`kish_deff`) of the weights among the respondents of that
        subgroup; ``subgroup`` is ``"all"`` or ``"<by>:<label>"`` with ``subgroup_n`` its
        respondents (respondents missing on ``by`` appear only under "all").
        ``question_text`` defaults to the variable label. The rows are built by
        :func:`opinion.frames.pollframe.pollframe_from_topline`, as are those of
        ``opinion.survey.Design.to_pollframe`` (whose ``deff="kish"`` gives these same
        rows; its default is the design-based deff of each estimate).

        Parameters
        ----------
        var : str
            Question variable.
        weight : str, False or None
            As in :meth:`topline`.
        by : str or list of str, optional
            Variables to break the topline down by.
        **columns
            The poll's fields ``poll_id, pollster, start_date, end_date, population,
            question_id`` (required; see :class:`~opinion.frames.pollframe.PollFields`) and
            other poll-frame columns as constants (``mode="online"``, ``country="US"``...).

        Returns
        -------
        PollFrame
            Rows failing validation are in its ``rejects``, as for any PollFrame.
        """
        from opinion.frames.pollframe import (  # lazy: same layer
            poll_fields,
            pollframe_from_topline,
        )

        fields, extra = poll_fields(columns)
        self._check_var(var)
        w, _ = self._weights(weight)
        labels = self.labelled(var)
        answered = labels.notna() & (w != 0)
        if not answered.any():
            raise DataValidationError(f"variable '{var}' has no valid (non-missing) responses")
        table = self._kish_topline(labels, w, self._subgroups(var, by, answered))
        if "question_text" not in extra and var in self._variable_labels:
            extra["question_text"] = self._variable_labels[var]
        return pollframe_from_topline(table, fields=fields, n=int(answered.sum()), extra=extra,
                                      source=f"{self._source} [{var}]")

    def _subgroups(self, var: str, by: str | list[str] | None,
                   answered: pd.Series) -> list[tuple[str, pd.Series]]:
        """("all", answered) and ("<by>:<label>", mask) for every category of every ``by``."""
        groups: list[tuple[str, pd.Series]] = [("all", answered)]
        by_vars = [by] if isinstance(by, str) else list(by or [])
        for b in by_vars:
            self._check_var(b, "by variable")
            if b == var:
                raise DataValidationError(f"cannot break '{var}' down by itself")
            blab = self.labelled(b)
            for category in blab.cat.categories:
                mask = answered & (blab == category).fillna(False).astype(bool)
                if mask.any():
                    groups.append((f"{b}:{category}", mask))
        return groups

    @staticmethod
    def _kish_topline(labels: pd.Series, w: pd.Series,
                      groups: list[tuple[str, pd.Series]]) -> pd.DataFrame:
        """subgroup, response, pct, subgroup_n and the Kish deff of each subgroup's weights."""
        rows = []
        categories = list(labels.cat.categories)
        for subgroup, mask in groups:
            ws = w[mask]
            total = float(ws.sum())
            deff = kish_deff(ws.to_numpy())
            wn = ws.groupby(labels[mask], observed=False).sum().reindex(categories, fill_value=0)
            rows.extend(
                {"subgroup": subgroup, "response": str(category),
                 "pct": float(wn[category]) / total * 100.0, "subgroup_n": int(mask.sum()),
                 "deff": deff}
                for category in categories
            )
        return pd.DataFrame(rows, columns=["subgroup", "response", "pct", "subgroup_n", "deff"])

    def codebook(self) -> pd.DataFrame:
        """One row per variable: label, dtype, value-label count, valid and missing counts."""
        isna = self._data.isna()
        return pd.DataFrame({
            "variable": self.variables,
            "label": [self._variable_labels.get(v, "") for v in self.variables],
            "dtype": [str(self._data[v].dtype) for v in self.variables],
            "value_labels": [len(self._value_labels.get(v, {})) for v in self.variables],
            "valid": (~isna).sum().to_numpy().astype("int64"),
            "missing": isna.sum().to_numpy().astype("int64"),
        })

    # ------------------------------------------------------------------ display
    def _display_source(self) -> str:
        if self._source.startswith("<"):
            return self._source
        return Path(self._source).name or self._source

    def __repr__(self) -> str:
        weight = f", weight={self._weight!r}" if self._weight else ""
        return (
            f"<Microdata: {len(self._data):,} respondents x {self._data.shape[1]:,} variables "
            f"from {self._display_source()}{weight}>"
        )

    def _repr_html_(self, max_rows: int = 40) -> str:
        book = self.codebook()
        head = html.escape(repr(self))
        more = ""
        if len(book) > max_rows:
            more = f"<div>... and {len(book) - max_rows:,} more variables</div>"
        table = book.head(max_rows).to_html(index=False, escape=True)
        return f"<div><strong>{head}</strong></div>\n{table}\n{more}"


def read_microdata(
    path: str | Path,
    *,
    missing_codes: Mapping[Any, Any] | None = None,
    weight: str | None = None,
    encoding: str | None = None,
) -> Microdata:
    """Read an SPSS ``.sav``/``.zsav``, Stata ``.dta`` or CSV/TSV file of respondents.

    Parameters
    ----------
    path : str or Path
        The file.
    missing_codes : dict, optional
        Extra missing-value codes with their reasons: ``{code: reason}`` for every numeric
        variable (the weight excepted), e.g. ``{-1: "refused", -2: "don't know",
        -3: "inapplicable"}``, or ``{variable: {code: reason}}`` per variable (text
        variables match the code's text, e.g. ``{"country": {"n/a": "not asked"}}``). They
        take precedence over reasons declared in the file. In CSV files only empty cells are
        missing otherwise: ``NA`` (Namibia), ``None`` or ``null`` are values.
    weight : str, optional
        Name of the weight variable, used by default by ``topline`` and ``to_pollframe``.
    encoding : str, optional
        Text encoding (CSV: default UTF-8 or UTF-16 by byte-order mark, falling back to
        Windows-1252; SPSS/Stata: passed to pyreadstat, which otherwise uses the file's own
        declaration).

    Returns
    -------
    Microdata

    Raises
    ------
    DataValidationError
        The file does not exist, has an unsupported extension, cannot be parsed, or the
        weight / ``missing_codes`` name an unknown variable.
    """
    raw = read_microdata_file(path, encoding=encoding)
    return Microdata.from_frame(
        raw.data,
        missing_codes=missing_codes,
        value_labels=raw.value_labels,
        variable_labels=raw.variable_labels,
        weight=weight,
        source=raw.source,
        declared_missing=raw.declared_missing,
        declared_codes=raw.declared_codes,
    )
