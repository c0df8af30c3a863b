"""Weighting targets: parsing, validation and matching to the categories in the data.

Targets are population margins, one distribution per weighting variable, given as

* a dict of dicts ``{"age": {"18-29": 0.2, "30-44": 0.25, ...}, "sex": {...}}``;
* a long DataFrame with columns ``variable, category, target`` (what ``opinion weight
  --targets`` reads from CSV);
* a Series indexed by ``(variable, category)``.

Values are proportions (each variable's targets sum to 1), percentages (sum to 100) or
population counts (every variable then has the same total). Categories are matched to the
data by value (``1``, ``1.0`` and ``"1"`` are the same category) and, when the data carries
value labels, by label. Every mismatch is an error that names the variable and category:
nothing is dropped, renormalised or imputed silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from opinion.errors import WeightingError

__all__ = ["Margin", "TargetKind", "build_margin", "parse_targets", "resolve_totals"]

TargetKind = Literal["auto", "proportion", "percent", "count"]

SUM_TOLERANCE = 1e-4
"""How far proportions (percentages / 100) may sum from 1 before it is an error."""


@dataclass(frozen=True)
class Margin:
    """One weighting margin matched to the data.

    Attributes
    ----------
    variable : str
        Variable name (``"age"``; ``"age x sex"`` for a joint post-stratification cell).
    columns : tuple of str
        Data columns that define the margin.
    categories : list
        Category values as found in the data (tuples for joint cells).
    labels : list of str
        Display labels of the categories.
    codes : ndarray of int
        Category index of every row.
    targets : ndarray of float
        Target per category, as given (proportions or counts; see ``resolve_totals``).
    """

    variable: str
    columns: tuple[str, ...]
    categories: list
    labels: list[str]
    codes: np.ndarray
    targets: np.ndarray

    @property
    def n_groups(self) -> int:
        return len(self.categories)


def _norm(value: Any) -> str:
    """Canonical text of a category: 1, 1.0, '1' and ' 1 ' all become '1'."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return str(int(f)) if f.is_integer() else repr(f)
    text = str(value).strip()
    try:
        f = float(text)
    except ValueError:
        return text
    if np.isfinite(f) and f.is_integer() and text.lstrip("+-").replace(".", "", 1).isdigit():
        return str(int(f))
    return text


def parse_targets(targets: Any) -> dict[str, dict[Any, float]]:
    """Turn any accepted target layout into ``{variable: {category: value}}``.

    Raises
    ------
    WeightingError
        On an unknown layout, missing columns, duplicated categories or non-numeric values.
    """
    if isinstance(targets, pd.DataFrame):
        cols = {str(c).strip().lower(): c for c in targets.columns}
        missing = [c for c in ("variable", "category", "target") if c not in cols]
        if missing:
            raise WeightingError(
                "a targets table needs the columns variable, category, target; missing "
                + ", ".join(missing)
                + f" (found: {', '.join(map(str, targets.columns))})"
            )
        out: dict[str, dict[Any, float]] = {}
        for row in targets.itertuples(index=False):
            rec = dict(zip(targets.columns, row, strict=True))
            var = rec[cols["variable"]]
            if pd.isna(var) or str(var).strip() == "":
                raise WeightingError("a targets row has an empty variable name")
            var = str(var).strip()
            cat = rec[cols["category"]]
            if pd.isna(cat):
                raise WeightingError(f"a target of variable {var!r} has an empty category")
            dist = out.setdefault(var, {})
            if any(_norm(k) == _norm(cat) for k in dist):
                raise WeightingError(f"category {cat!r} of variable {var!r} appears twice")
            dist[cat] = _number(rec[cols["target"]], var, cat)
        if not out:
            raise WeightingError("the targets table is empty")
        return out
    if isinstance(targets, pd.Series):
        if targets.index.nlevels != 2:
            raise WeightingError("a targets Series must be indexed by (variable, category)")
        out = {}
        for (var, cat), value in targets.items():
            out.setdefault(str(var), {})[cat] = _number(value, str(var), cat)
        return out
    if isinstance(targets, Mapping):
        out = {}
        for var, dist in targets.items():
            if isinstance(dist, pd.Series):
                dist = dist.to_dict()
            if not isinstance(dist, Mapping):
                raise WeightingError(
                    f"targets of variable {var!r} must map categories to values, "
                    f"not {type(dist).__name__}"
                )
            if not dist:
                raise WeightingError(f"variable {var!r} has no targets")
            seen: dict[str, Any] = {}
            for cat in dist:
                key = _norm(cat) if not isinstance(cat, tuple) else tuple(map(_norm, cat))
                if key in seen:
                    raise WeightingError(f"category {cat!r} of variable {var!r} appears twice")
                seen[key] = cat
            out[str(var)] = {cat: _number(v, str(var), cat) for cat, v in dist.items()}
        if not out:
            raise WeightingError("no weighting targets were given")
        return out
    raise WeightingError(
        "targets must be a dict {variable: {category: value}}, a DataFrame with columns "
        f"variable, category, target, or a Series; got {type(targets).__name__}"
    )


def _number(value: Any, var: str, cat: Any) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise WeightingError(
            f"target of category {cat!r} of variable {var!r} is not a number: {value!r}"
        ) from None
    if not np.isfinite(f):
        raise WeightingError(f"target of category {cat!r} of variable {var!r} is {value!r}")
    if f < 0:
        raise WeightingError(f"target of category {cat!r} of variable {var!r} is negative ({f:g})")
    return f


def _missing_message(column: str, isna: np.ndarray, index: pd.Index) -> str:
    rows = ", ".join(map(str, index[isna][:5]))
    more = "" if isna.sum() <= 5 else ", ..."
    return (
        f"weighting variable {column!r} has {int(isna.sum())} missing value(s) "
        f"(rows {rows}{more}); impute them or give them their own category before weighting"
    )


def build_margin(
    data: pd.DataFrame,
    columns: str | tuple[str, ...],
    targets: Mapping[Any, float],
    *,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    weights: np.ndarray | None = None,
    partial: bool = False,
) -> Margin:
    """Match one variable's targets (or a joint cell's, for tuples of columns) to the data.

    Parameters
    ----------
    data : DataFrame
        Respondent data.
    columns : str or tuple of str
        The weighting variable, or the variables of a joint post-stratification cell (then
        target keys are tuples).
    targets : mapping
        Category (or tuple) -> target value.
    value_labels : mapping, optional
        ``{column: {code: label}}``; a target category may name a label instead of a code.
    weights : ndarray, optional
        Current weights, to report categories whose weights sum to zero.
    partial : bool
        Ignore target cells with no respondents (only when their target is zero or for
        post-stratification with ``partial=True``); otherwise such a cell is an error.

    Raises
    ------
    WeightingError
        For a missing weighting column, missing values, a target category absent from the
        data, a data category without target, a zero target for respondents that exist, or
        a category whose current weights sum to zero (empty cell).
    """
    cols = (columns,) if isinstance(columns, str) else tuple(columns)
    name = " x ".join(cols)
    for c in cols:
        if c not in data.columns:
            raise WeightingError(f"weighting variable {c!r} is not a column of the data")
    labels_of = value_labels or {}
    per_col_codes = []
    per_col_values = []
    for c in cols:
        s = data[c]
        isna = s.isna().to_numpy()
        if isna.any():
            raise WeightingError(_missing_message(c, isna, data.index))
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy().astype(np.intp)
            uniques = list(s.cat.categories)
        else:
            codes, uniq = pd.factorize(s, sort=True)
            uniques = list(uniq)
        per_col_codes.append(codes.astype(np.intp, copy=False))
        per_col_values.append(uniques)

    # map a target key (per column) to the index of the data value
    def lookup(col_idx: int, key: Any) -> int | None:
        c = cols[col_idx]
        values = per_col_values[col_idx]
        nk = _norm(key)
        for i, v in enumerate(values):
            if _norm(v) == nk:
                return i
        labels = labels_of.get(c) or {}
        for code, label in labels.items():
            if str(label).strip() == str(key).strip():
                for i, v in enumerate(values):
                    if _norm(v) == _norm(code):
                        return i
                return None
        return None

    def label_of(col_idx: int, value: Any) -> str:
        labels = labels_of.get(cols[col_idx]) or {}
        for code, label in labels.items():
            if _norm(code) == _norm(value):
                return str(label)
        return str(value)

    if len(cols) == 1:
        row_key = per_col_codes[0]
        shape = (len(per_col_values[0]),)
    else:
        shape = tuple(len(v) for v in per_col_values)
        row_key = np.ravel_multi_index(tuple(per_col_codes), shape)
    n_cells = int(np.prod(shape))
    counts = np.bincount(row_key, minlength=n_cells)

    cell_of_target: dict[int, float] = {}
    target_key_of: dict[int, Any] = {}
    for key, value in targets.items():
        parts = key if len(cols) > 1 else (key,)
        if len(cols) > 1 and (not isinstance(key, tuple) or len(key) != len(cols)):
            raise WeightingError(
                f"targets of {name!r} must be keyed by tuples of {len(cols)} categories; "
                f"got {key!r}"
            )
        idx = [lookup(i, p) for i, p in enumerate(parts)]
        absent = [parts[i] for i, j in enumerate(idx) if j is None]
        if absent:
            if value == 0 or partial:
                continue
            which = cols[[i for i, j in enumerate(idx) if j is None][0]]
            raise WeightingError(
                f"target category {absent[0]!r} of variable {which!r} does not occur in the "
                f"data (values present: {', '.join(map(str, per_col_values[cols.index(which)]))})"
            )
        cell = int(np.ravel_multi_index(tuple(idx), shape)) if len(cols) > 1 else idx[0]
        if cell in cell_of_target:
            raise WeightingError(f"category {key!r} of variable {name!r} is given twice")
        if counts[cell] == 0:
            if value == 0 or partial:
                continue
            raise WeightingError(
                f"empty cell: no respondents have {name} = {key!r}, which has target {value:g}"
            )
        if value == 0:
            raise WeightingError(
                f"category {key!r} of variable {name!r} has a zero target but "
                f"{counts[cell]} respondent(s); drop them before weighting"
            )
        cell_of_target[cell] = value
        target_key_of[cell] = key

    present = np.flatnonzero(counts > 0)
    uncovered = [c for c in present if c not in cell_of_target]
    if uncovered:
        c = uncovered[0]
        if len(cols) == 1:
            val = per_col_values[0][c]
        else:
            val = tuple(per_col_values[i][j] for i, j in enumerate(np.unravel_index(c, shape)))
        raise WeightingError(
            f"category {val!r} of variable {name!r} ({counts[c]} respondent(s)) has no target; "
            f"add it to the targets or recode it"
        )
    cells = sorted(cell_of_target)
    remap = np.full(n_cells, -1, dtype=np.int64)
    remap[cells] = np.arange(len(cells))
    codes = remap[row_key]
    if len(cols) == 1:
        categories = [per_col_values[0][c] for c in cells]
        labels = [label_of(0, v) for v in categories]
    else:
        categories = []
        labels = []
        for c in cells:
            idx = np.unravel_index(c, shape)
            vals = tuple(per_col_values[i][j] for i, j in enumerate(idx))
            categories.append(vals)
            labels.append(" x ".join(label_of(i, v) for i, v in enumerate(vals)))
    tvals = np.array([cell_of_target[c] for c in cells], dtype=float)
    if weights is not None:
        sums = np.bincount(codes, weights=weights, minlength=len(cells))
        zero = np.flatnonzero(sums <= 0)
        if zero.size:
            raise WeightingError(
                f"empty cell: respondents with {name} = {categories[zero[0]]!r} all have zero "
                "weight"
            )
    return Margin(name, cols, categories, labels, codes, tvals)


def resolve_totals(
    margins: list[Margin], kind: TargetKind, total: float | None, default_total: float
) -> list[np.ndarray]:
    """Turn each margin's targets into population counts, checking they are consistent.

    Parameters
    ----------
    margins : list of Margin
        Matched margins (their ``targets`` as given by the user).
    kind : {"auto", "proportion", "percent", "count"}
        How to read the values; ``"auto"`` reads them as proportions when every value is at
        most 1 and as counts otherwise.
    total : float, optional
        Population total that proportions are scaled to (default ``default_total``, the
        current sum of weights). Ignored for counts.
    default_total : float
        The current sum of weights.

    Raises
    ------
    WeightingError
        When proportions do not sum to 1 (percentages to 100) within ``SUM_TOLERANCE``, or
        count margins have different totals.
    """
    if kind == "auto":
        kind = "proportion" if all(np.all(m.targets <= 1.0) for m in margins) else "count"
    if kind not in ("proportion", "percent", "count"):
        raise WeightingError(f"unknown target kind {kind!r}: use proportion, percent or count")
    if kind in ("proportion", "percent"):
        unit = 1.0 if kind == "proportion" else 100.0
        scale = default_total if total is None else float(total)
        if not np.isfinite(scale) or scale <= 0:
            raise WeightingError(f"the population total must be positive, got {scale:g}")
        out = []
        for m in margins:
            s = float(m.targets.sum())
            if abs(s / unit - 1.0) > SUM_TOLERANCE:
                raise WeightingError(
                    f"{kind} targets of variable {m.variable!r} sum to {s:.6g}, not {unit:g}"
                    + (
                        " (read as proportions because every value is <= 1; pass "
                        "kind='count' for counts)"
                        if kind == "proportion"
                        else ""
                    )
                )
            out.append(m.targets / s * scale)
        return out
    totals = [float(m.targets.sum()) for m in margins]
    ref = totals[0]
    for m, t in zip(margins, totals, strict=True):
        if abs(t - ref) > 1e-6 * max(abs(ref), 1.0):
            raise WeightingError(
                f"count targets disagree on the population total: {margins[0].variable!r} sums "
                f"to {ref:.10g} but {m.variable!r} sums to {t:.10g}"
            )
    return [m.targets.astype(float) for m in margins]
