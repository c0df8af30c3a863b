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
        return _targets_from_table(targets)
    if isinstance(targets, pd.Series):
        if targets.index.nlevels != 2:
            raise WeightingError("a targets Series must be indexed by (variable, category)")
        out: dict[str, dict[Any, float]] = {}
        for (var, cat), value in targets.items():
            out.setdefault(str(var), {})[cat] = _number(value, str(var), cat)
        return out
    if isinstance(targets, Mapping):
        out = {str(var): _targets_of_variable(var, dist) for var, dist in targets.items()}
        if not out:
            raise WeightingError("no weighting targets were given")
        return out
    raise WeightingError(
        "targets must be a dict {variable: {category: value}}, a DataFrame with columns "
        f"variable, category, target, or a Series; got {type(targets).__name__}"
    )


def _targets_from_table(targets: pd.DataFrame) -> dict[str, dict[Any, float]]:
    """A ``variable, category, target`` table (column names in any case)."""
    cols = {str(c).strip().lower(): c for c in targets.columns}
    missing = [c for c in ("variable", "category", "target") if c not in cols]
    if missing:
        raise WeightingError(
            "a targets table needs the columns variable, category, target; missing "
            + ", ".join(missing) + f" (found: {', '.join(map(str, targets.columns))})")
    out: dict[str, dict[Any, float]] = {}
    for var, cat, value in zip(targets[cols["variable"]], targets[cols["category"]],
                               targets[cols["target"]], strict=True):
        if pd.isna(var) or str(var).strip() == "":
            raise WeightingError("a targets row has an empty variable name")
        var = str(var).strip()
        if pd.isna(cat):
            raise WeightingError(f"a target of variable {var!r} has an empty category")
        dist = out.setdefault(var, {})
        if any(_norm(k) == _norm(cat) for k in dist):
            raise WeightingError(f"category {cat!r} of variable {var!r} appears twice")
        dist[cat] = _number(value, var, cat)
    if not out:
        raise WeightingError("the targets table is empty")
    return out


def _targets_of_variable(var: Any, dist: Any) -> dict[Any, float]:
    """One variable's ``{category: value}`` from a mapping or Series."""
    if isinstance(dist, pd.Series):
        dist = dist.to_dict()
    if not isinstance(dist, Mapping):
        raise WeightingError(f"targets of variable {var!r} must map categories to values, "
                             f"not {type(dist).__name__}")
    if not dist:
        raise WeightingError(f"variable {var!r} has no targets")
    seen: set[Any] = set()
    for cat in dist:
        key = _norm(cat) if not isinstance(cat, tuple) else tuple(map(_norm, cat))
        if key in seen:
            raise WeightingError(f"category {cat!r} of variable {var!r} appears twice")
        seen.add(key)
    return {cat: _number(v, str(var), cat) for cat, v in dist.items()}


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
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise WeightingError(f"weighting variable {missing[0]!r} is not a column of the data")
    grid = _CellGrid.of(data, cols, value_labels or {})
    cell_targets = _match_targets(grid, targets, partial)
    _check_covered(grid, cell_targets)
    cells = sorted(cell_targets)
    remap = np.full(grid.n_cells, -1, dtype=np.int64)
    remap[cells] = np.arange(len(cells))
    codes = remap[grid.row_cell]
    categories = [grid.value_of(c) for c in cells]
    labels = [grid.label_of(c) for c in cells]
    if weights is not None:
        sums = np.bincount(codes, weights=weights, minlength=len(cells))
        zero = np.flatnonzero(sums <= 0)
        if zero.size:
            raise WeightingError(
                f"empty cell: respondents with {grid.name} = {categories[zero[0]]!r} all have "
                "zero weight")
    return Margin(grid.name, cols, categories, labels, codes,
                  np.array([cell_targets[c] for c in cells], dtype=float))


@dataclass
class _CellGrid:
    """The cells of one margin: every combination of the values of its columns."""

    cols: tuple[str, ...]
    values: list[list[Any]]  # per column, the values present in the data
    labels: Mapping[str, Mapping[Any, str]]
    row_cell: np.ndarray  # each row's cell index
    counts: np.ndarray  # respondents per cell

    @classmethod
    def of(cls, data: pd.DataFrame, cols: tuple[str, ...],
           labels: Mapping[str, Mapping[Any, str]]) -> _CellGrid:
        codes, values = [], []
        for c in cols:
            series = data[c]
            isna = series.isna().to_numpy()
            if isna.any():
                raise WeightingError(_missing_message(c, isna, data.index))
            if isinstance(series.dtype, pd.CategoricalDtype):
                col_codes, uniques = series.cat.codes.to_numpy(), list(series.cat.categories)
            else:
                col_codes, uniq = pd.factorize(series, sort=True)
                uniques = list(uniq)
            codes.append(np.asarray(col_codes, dtype=np.intp))
            values.append(uniques)
        shape = tuple(len(v) for v in values)
        row_cell = codes[0] if len(cols) == 1 else np.ravel_multi_index(tuple(codes), shape)
        counts = np.bincount(row_cell, minlength=int(np.prod(shape)))
        return cls(cols, values, labels, row_cell, counts)

    @property
    def name(self) -> str:
        return " x ".join(self.cols)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(v) for v in self.values)

    @property
    def n_cells(self) -> int:
        return int(np.prod(self.shape))

    def index_of(self, col: int, key: Any) -> int | None:
        """Position of a target key among column ``col``'s values (code or label)."""
        values, nk = self.values[col], _norm(key)
        for i, v in enumerate(values):
            if _norm(v) == nk:
                return i
        for code, label in (self.labels.get(self.cols[col]) or {}).items():
            if str(label).strip() == str(key).strip():
                return next((i for i, v in enumerate(values) if _norm(v) == _norm(code)),
                            None)
        return None

    def cell_of(self, positions: list[int]) -> int:
        if len(self.cols) == 1:
            return positions[0]
        return int(np.ravel_multi_index(tuple(positions), self.shape))

    def value_of(self, cell: int) -> Any:
        if len(self.cols) == 1:
            return self.values[0][cell]
        return tuple(self.values[i][j] for i, j in enumerate(np.unravel_index(cell,
                                                                             self.shape)))

    def label_of(self, cell: int) -> str:
        value = self.value_of(cell)
        parts = (value,) if len(self.cols) == 1 else value
        return " x ".join(self._label(i, v) for i, v in enumerate(parts))

    def _label(self, col: int, value: Any) -> str:
        for code, label in (self.labels.get(self.cols[col]) or {}).items():
            if _norm(code) == _norm(value):
                return str(label)
        return str(value)


def _match_targets(grid: _CellGrid, targets: Mapping[Any, float], partial: bool
                   ) -> dict[int, float]:
    """Target value by cell; cells absent from the data are skipped when their target is
    zero or ``partial`` (else an error)."""
    joint = len(grid.cols) > 1
    out: dict[int, float] = {}
    for key, value in targets.items():
        if joint and (not isinstance(key, tuple) or len(key) != len(grid.cols)):
            raise WeightingError(f"targets of {grid.name!r} must be keyed by tuples of "
                                 f"{len(grid.cols)} categories; got {key!r}")
        parts = key if joint else (key,)
        positions = [grid.index_of(i, p) for i, p in enumerate(parts)]
        absent = [i for i, j in enumerate(positions) if j is None]
        if absent:
            if value == 0 or partial:
                continue
            which = absent[0]
            raise WeightingError(
                f"target category {parts[which]!r} of variable {grid.cols[which]!r} does not "
                f"occur in the data (values present: "
                f"{', '.join(map(str, grid.values[which]))})")
        cell = grid.cell_of(positions)
        if cell in out:
            raise WeightingError(f"category {key!r} of variable {grid.name!r} is given twice")
        if grid.counts[cell] == 0:
            if value == 0 or partial:
                continue
            raise WeightingError(f"empty cell: no respondents have {grid.name} = {key!r}, "
                                 f"which has target {value:g}")
        if value == 0:
            raise WeightingError(
                f"category {key!r} of variable {grid.name!r} has a zero target but "
                f"{grid.counts[cell]} respondent(s); drop them before weighting")
        out[cell] = value
    return out


def _check_covered(grid: _CellGrid, cell_targets: dict[int, float]) -> None:
    """Every cell with respondents has a target."""
    uncovered = [c for c in np.flatnonzero(grid.counts > 0) if c not in cell_targets]
    if uncovered:
        c = int(uncovered[0])
        raise WeightingError(
            f"category {grid.value_of(c)!r} of variable {grid.name!r} ({grid.counts[c]} "
            "respondent(s)) has no target; add it to the targets or recode it")


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
