"""Design-based estimates: means, totals, toplines, crosstabs, Rao-Scott, leads, differences.

:class:`Estimates` is the estimation half of :class:`~opinion.survey.design.Design` (which
inherits it); it needs the design's current weights ``_w``, its structure ``_struct``,
calibration records ``_records``, replicate weights ``_rep`` and the data.

Every estimate is a weighted mean or total of columns ``y`` over domains ``m`` (the
subgroup, restricted to respondents who answered). Linearisation: influence values
``w (y - ybar) / sum(w)`` (means) or ``w y`` (totals), zero outside the domain, passed to
:func:`~opinion.survey.linearization.design_vcov`. Replicates: the estimate recomputed with
every replicate weight column, then :func:`~opinion.survey.replicates.replicate_vcov`.
Design effects follow R ``survey``: ``deff = V / V_srs`` with
``V_srs = s_w^2 / n`` (``"replace"``) or times ``(N - n) / N`` (``"wor"``, R's default
``deff=TRUE``), ``s_w^2`` the weighted variance with divisor ``n - 1``.

Units (the toolkit's convention, :mod:`opinion.formatting`): proportions of respondents
(toplines, crosstabs, leads, differences of proportions) come back in **percent (0-100)**,
their standard errors, margins and differences in percentage points; means and totals of
numeric variables keep the variable's own unit. Interval columns name their level:
``lower_95``/``upper_95`` at ``level=0.95``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from opinion.errors import DataValidationError, did_you_mean
from opinion.formatting import interval_columns
from opinion.survey import linearization as lin
from opinion.survey import replicates as rep
from opinion.survey.tables import (
    IntervalMethod,
    RaoScott,
    mean_interval,
    proportion_interval,
    rao_scott,
)

__all__ = ["DeffKind", "Estimates", "poll_difference"]

DeffKind = Literal["replace", "wor"]


@dataclass(frozen=True)
class _Stat:
    estimate: np.ndarray
    vcov: np.ndarray
    nobs: np.ndarray
    psum: np.ndarray
    svyvar: np.ndarray

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.vcov), 0.0))


def column_of(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if not isinstance(name, str):
        raise DataValidationError(f"{role} must be a column name, got {type(name).__name__}")
    if name not in data.columns:
        columns = list(map(str, data.columns))
        more = ", ..." if len(columns) > 30 else ""
        raise DataValidationError(f"{role} column {name!r} is not in the data"
                                  f"{did_you_mean(name, columns)} (columns: "
                                  f"{', '.join(columns[:30])}{more})")
    return data[name]


def require_complete(s: pd.Series, role: str) -> None:
    isna = s.isna().to_numpy()
    if isna.any():
        rows = ", ".join(map(str, s.index[isna][:5]))
        raise DataValidationError(
            f"{role} column {s.name!r} has {int(isna.sum())} missing value(s) (rows {rows})"
        )


def _distinct(a: str, b: str,
              message: str = "row and column variables are both {a!r}: a variable crossed "
                             "with itself has no test of independence; choose two") -> None:
    if isinstance(a, str) and a == b:
        raise DataValidationError(message.format(a=a))


class Estimates:
    """Estimation methods shared by every :class:`~opinion.survey.design.Design`."""

    _data: pd.DataFrame
    _w: np.ndarray
    _struct: lin.DesignStructure
    _records: tuple
    _rep: rep.ReplicateWeights | None
    _lonely_psu: lin.LonelyPSU
    _value_labels: dict

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self._data)

    @property
    def df(self) -> float:
        """Design degrees of freedom: #PSU - #strata, or rank of replicate weights - 1."""
        return self._domain_df(np.ones(self.n, dtype=bool))

    # ------------------------------------------------------------------ estimation core
    def _active(self, mask: np.ndarray) -> np.ndarray:
        return mask & (self._w != 0)

    def _domain_df(self, mask: np.ndarray) -> float:
        if self._rep is not None:
            return self._rep.df
        act = self._active(mask)
        if not act.any():
            return 0.0
        s = self._struct
        return float(np.unique(s.psu[act]).size - np.unique(s.stratum[act]).size)

    def _stat(self, y: np.ndarray, m: np.ndarray, kind: Literal["mean", "total"]) -> _Stat:
        """Estimates and covariance for columns of ``y`` over domains ``m`` (both n x p)."""
        w = self._w
        wd = w[:, None] * m
        y0 = np.where(m, y, 0.0)
        psum = wd.sum(axis=0)
        wy = (wd * y0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = wy / psum
        est = mean if kind == "mean" else wy
        if self._rep is None:
            if kind == "mean":
                infl = np.where(m, wd * (y0 - mean) / np.where(psum > 0, psum, 1.0), 0.0)
            else:
                infl = wd * y0
            vcov = lin.design_vcov(
                infl, self._struct, self._records, lonely_psu=self._lonely_psu,
                active=m.any(axis=1),
            )
        else:
            rw = self._rep.weights
            num = rw.T @ y0
            if kind == "mean":
                den = rw.T @ m.astype(float)
                with np.errstate(invalid="ignore", divide="ignore"):
                    thetas = num / den
            else:
                thetas = num
            vcov = rep.replicate_vcov(thetas, est, self._rep)
        nobs = (m & (w != 0)[:, None]).sum(axis=0).astype(float)
        dev = np.where(m, y0 - mean, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            svyvar = (wd * dev**2).sum(axis=0) / psum * nobs / (nobs - 1)
        return _Stat(estimate=est, vcov=vcov, nobs=nobs, psum=psum, svyvar=svyvar)

    @staticmethod
    def _deff(st: _Stat, kind: str, deff: DeffKind) -> np.ndarray:
        v = np.diag(st.vcov)
        with np.errstate(invalid="ignore", divide="ignore"):
            vsrs = st.svyvar / st.nobs
            if kind == "total":
                vsrs = vsrs * st.psum**2
            if deff == "wor":
                fpc = (st.psum - st.nobs) / st.psum
                vsrs = np.where(fpc > 0, vsrs * fpc, np.nan)
            elif deff != "replace":
                raise DataValidationError(f"unknown deff kind {deff!r}: use 'replace' or 'wor'")
            return v / vsrs

    # ------------------------------------------------------------------ variables
    def _values(self, var: str) -> pd.Series:
        return column_of(self._data, var, "variable")

    def _label(self, var: str, value: Any) -> str:
        labels = self._value_labels.get(var)
        if labels:
            if value in labels:
                return str(labels[value])
            for k, v in labels.items():
                try:
                    if k == value or float(k) == float(value):
                        return str(v)
                except (TypeError, ValueError):
                    continue
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def _categories(self, var: str) -> tuple[np.ndarray, list, list[str]]:
        """Row codes (-1 for missing) and category values/labels of a variable."""
        s = self._values(var)
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.cat.categories)
            codes = s.cat.codes.to_numpy().astype(np.int64)
        else:
            codes, uniq = pd.factorize(s, sort=True)
            cats = list(uniq)
            codes = codes.astype(np.int64)
        return codes, cats, [self._label(var, c) for c in cats]

    def _numeric(self, var: str) -> np.ndarray:
        s = self._values(var)
        if isinstance(s.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        ):
            raise DataValidationError(
                f"variable {var!r} is not numeric; use topline() for categorical variables"
            )
        return s.to_numpy(dtype=float, na_value=np.nan)

    def _groups(self, by: str | None) -> list[tuple[str, Any, np.ndarray]]:
        """(subgroup label, value, mask) for 'all' or for each category of ``by``."""
        if by is None:
            return [("all", None, np.ones(self.n, dtype=bool))]
        codes, cats, labels = self._categories(by)
        out = []
        for j, (c, lab) in enumerate(zip(cats, labels, strict=True)):
            out.append((f"{by}:{lab}", c, codes == j))
        return out

    # ------------------------------------------------------------------ estimates
    def _numeric_table(
        self, var: str | Sequence[str], by: str | None, kind: Literal["mean", "total"],
        level: float, deff: DeffKind,
    ) -> pd.DataFrame:
        variables = [var] if isinstance(var, str) else list(var)
        groups = self._groups(by)
        ys, ms, meta = [], [], []
        for v in variables:
            x = self._numeric(v)
            ok = ~np.isnan(x)
            for sub, val, gm in groups:
                ys.append(np.where(ok, x, 0.0))
                ms.append(ok & gm)
                meta.append((sub, val, v))
        y = np.column_stack(ys)
        m = np.column_stack(ms)
        st = self._stat(y, m, kind)
        se = st.se
        dfs = np.array([self._domain_df(m[:, j]) if by else self.df for j in range(m.shape[1])])
        lo, hi = mean_interval(st.estimate, se, dfs, level)
        d = self._deff(st, kind, deff)
        out = pd.DataFrame(
            {
                "subgroup": [x[0] for x in meta],
                "variable": [x[2] for x in meta],
                **_estimate_columns(st, lo, hi, dfs, d, level),
            }
        )
        if by is not None:
            out.insert(1, by, [x[1] for x in meta])
        return out

    def mean(
        self, var: str | Sequence[str], *, by: str | None = None, level: float = 0.95,
        deff: DeffKind = "replace",
    ) -> pd.DataFrame:
        """Design-based mean(s) of numeric variable(s), overall or by subgroup (R ``svymean``).

        Missing values are left out (the estimate is over respondents who answered, as
        ``na.rm=TRUE``). Columns: subgroup, [by], variable, estimate, se, lower_95, upper_95
        (the interval at ``level``, named after it; t on the design df), df, deff
        (``"replace"``: against simple random sampling with replacement of the same size;
        ``"wor"``: R's default ``deff=TRUE``), n, n_eff. Estimates are in the variable's own
        unit (a mean of a 0/1 variable is a proportion 0-1, not a topline).
        """
        return self._numeric_table(var, by, "mean", level, deff)

    def total(
        self, var: str | Sequence[str], *, by: str | None = None, level: float = 0.95,
        deff: DeffKind = "replace",
    ) -> pd.DataFrame:
        """Design-based total(s) (R ``svytotal``); see :meth:`mean`.

        For a categorical variable (one name, not numeric) the estimated population count of
        each category is returned, with columns value and label added (R
        ``svytotal(~factor(var))``). Estimates are in the variable's unit (counts for
        categories), not percent.
        """
        if isinstance(var, str) and not self._is_numeric(var):
            return self._category_totals(var, by, level, deff)
        return self._numeric_table(var, by, "total", level, deff)

    def _is_numeric(self, var: str) -> bool:
        s = self._values(var)
        return not isinstance(s.dtype, pd.CategoricalDtype) and (
            pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
        )

    def _category_totals(
        self, var: str, by: str | None, level: float, deff: DeffKind
    ) -> pd.DataFrame:
        groups = self._groups(by)
        codes, cats, labels = self._categories(var)
        valid = codes >= 0
        ys, ms, meta = [], [], []
        for sub, val, gm in groups:
            for j in range(len(cats)):
                ys.append((codes == j).astype(float))
                ms.append(valid & gm)
                meta.append((sub, val, j))
        m = np.column_stack(ms)
        st = self._stat(np.column_stack(ys), m, "total")
        se = st.se
        dfs = np.array([self._domain_df(m[:, j]) if by else self.df for j in range(m.shape[1])])
        lo, hi = mean_interval(st.estimate, se, dfs, level)
        d = self._deff(st, "total", deff)
        out = pd.DataFrame({
            "subgroup": [x[0] for x in meta], "variable": var,
            "value": [cats[x[2]] for x in meta], "label": [labels[x[2]] for x in meta],
            **_estimate_columns(st, lo, hi, dfs, d, level),
        })
        if by is not None:
            out.insert(1, by, [x[1] for x in meta])
        return out

    def _proportions(
        self, var: str, groups: list[tuple[str, Any, np.ndarray]]
    ) -> tuple[_Stat, list, list[str], np.ndarray, np.ndarray, list]:
        codes, cats, labels = self._categories(var)
        k = len(cats)
        if k == 0:
            raise DataValidationError(f"variable {var!r} has no non-missing values")
        valid = codes >= 0
        ys, ms, meta = [], [], []
        for gi, (sub, val, gm) in enumerate(groups):
            dom = valid & gm
            for j in range(k):
                ys.append((codes == j).astype(float))
                ms.append(dom)
                meta.append((gi, sub, val, j))
        y = np.column_stack(ys)
        m = np.column_stack(ms)
        return self._stat(y, m, "mean"), cats, labels, y, m, meta

    def topline(
        self,
        var: str,
        by: str | None = None,
        *,
        ci: IntervalMethod = "logit",
        level: float = 0.95,
        deff: DeffKind = "replace",
    ) -> pd.DataFrame:
        """Weighted distribution of a categorical variable, overall or by subgroup.

        Parameters
        ----------
        var : str
            Categorical variable (codes or text; value labels are shown when known).
        by : str, optional
            Subgroup variable.
        ci : {"logit", "wilson", "wald"}
            Interval method (``"logit"`` is R ``svyciprop``'s default).
        level : float
            Confidence level.
        deff : {"replace", "wor"}
            Design effect against simple random sampling with / without replacement.

        Returns
        -------
        DataFrame
            One row per (subgroup, category): subgroup ("all" or "<by>:<label>"), [by],
            variable, value, label, estimate (percent 0-100), se (percentage points),
            lower_95, upper_95 (percent; the interval at ``level``, named after it), df,
            deff, n (respondents answering in the subgroup), n_eff (n / deff), n_cell
            (respondents in the category).
        """
        if by is not None:
            _distinct(var, by, "cannot break {a!r} down by itself")
        groups = self._groups(by)
        st, cats, labels, y, m, meta = self._proportions(var, groups)
        se = st.se
        answered = self._categories(var)[0] >= 0
        gdf = [self._domain_df(answered & gm) if by else self.df for _, _, gm in groups]
        dfs = np.array([gdf[x[0]] for x in meta])
        lo, hi = proportion_interval(st.estimate, se, dfs, method=ci, level=level)
        d = self._deff(st, "mean", deff)
        n_cell = ((y > 0) & m).sum(axis=0)
        out = pd.DataFrame(
            {
                "subgroup": [x[1] for x in meta],
                "variable": var,
                "value": [cats[x[3]] for x in meta],
                "label": [labels[x[3]] for x in meta],
                **_estimate_columns(st, lo, hi, dfs, d, level, percent=True),
                "n_cell": n_cell.astype(int),
            }
        )
        if by is not None:
            out.insert(1, by, [x[2] for x in meta])
        return out

    def _table_stat(self, row: str, col: str, mask: np.ndarray | None = None):
        rc, rcats, rlabels = self._categories(row)
        cc, ccats, clabels = self._categories(col)
        ok = (rc >= 0) & (cc >= 0)
        if mask is not None:
            ok &= mask
        nr, nc = len(rcats), len(ccats)
        cell = rc + nr * cc
        y = np.column_stack([(cell == j).astype(float) for j in range(nr * nc)])
        m = np.repeat(ok[:, None], nr * nc, axis=1)
        st = self._stat(y, m, "mean")
        table = np.bincount(cell[ok], weights=self._w[ok], minlength=nr * nc).reshape(
            (nr, nc), order="F"
        )
        return st, table, int(self._active(ok).sum()), (rcats, rlabels, ccats, clabels)

    def chisq(self, row: str, col: str) -> RaoScott:
        """Rao-Scott tests of independence of two categorical variables (R ``svychisq``).

        Returns both the second-order F test (R ``statistic="F"``, the default there) and
        the first-order corrected chi-square (``statistic="Chisq"``), on the respondents
        who answered both questions.
        """
        _distinct(row, col)
        st, table, n, (rcats, _, ccats, _) = self._table_stat(row, col)
        keep_r = table.sum(axis=1) > 0
        keep_c = table.sum(axis=0) > 0
        if not (keep_r.all() and keep_c.all()):
            idx = np.flatnonzero(np.outer(keep_r, keep_c).ravel(order="F"))
            table = table[np.ix_(keep_r, keep_c)]
            props = st.estimate[idx]
            vcov = st.vcov[np.ix_(idx, idx)]
        else:
            props, vcov = st.estimate, st.vcov
        return rao_scott(table, props, vcov, n, self._nu())

    def _nu(self) -> float:
        if self._rep is not None:
            return self._rep.df
        s = self._struct
        return float(s.n_psus - s.n_strata)

    def crosstab(
        self,
        row: str,
        col: str,
        *,
        percent: Literal["col", "row", "cell"] = "col",
        ci: IntervalMethod = "logit",
        level: float = 0.95,
        deff: DeffKind = "replace",
    ) -> pd.DataFrame:
        """Weighted two-way table with a standard error, interval and deff in every cell.

        Parameters
        ----------
        row, col : str
            Categorical variables; by default each column category is a subgroup and the
            table shows the distribution of ``row`` within it (poll banner layout).
        percent : {"col", "row", "cell"}
            Proportions within columns, within rows, or of the whole table.
        ci, level, deff : see :meth:`topline`.

        Returns
        -------
        DataFrame
            Long table: row, row_label, col, col_label, estimate (percent 0-100), se
            (points), lower_95, upper_95 (percent, named after ``level``), df, deff, n (base
            of the proportion), n_eff, n_cell. ``.attrs["rao_scott"]``
            holds the Rao-Scott test (:meth:`chisq`) as a dict.
        """
        _distinct(row, col)
        if percent == "col":
            t = self.topline(row, by=col, ci=ci, level=level, deff=deff)
            out = pd.DataFrame({
                "row": t["value"], "row_label": t["label"], "col": t[col],
                "col_label": t["subgroup"].str.slice(len(col) + 1),
            })
        elif percent == "row":
            t = self.topline(col, by=row, ci=ci, level=level, deff=deff)
            out = pd.DataFrame({
                "row": t[row], "row_label": t["subgroup"].str.slice(len(row) + 1),
                "col": t["value"], "col_label": t["label"],
            })
        elif percent == "cell":
            st, table, n, (rcats, rlabels, ccats, clabels) = self._table_stat(row, col)
            nr, nc = len(rcats), len(ccats)
            se = st.se
            lo, hi = proportion_interval(st.estimate, se, self.df, method=ci, level=level)
            d = self._deff(st, "mean", deff)
            rc, _, _ = self._categories(row)
            cc, _, _ = self._categories(col)
            ok = (rc >= 0) & (cc >= 0)
            cell = rc + nr * cc
            n_cell = np.bincount(cell[ok], minlength=nr * nc)
            t = pd.DataFrame({
                **_estimate_columns(st, lo, hi, np.full(nr * nc, self.df), d, level,
                                    percent=True),
                "n_cell": n_cell,
            })
            out = pd.DataFrame({
                "row": [rcats[j % nr] for j in range(nr * nc)],
                "row_label": [rlabels[j % nr] for j in range(nr * nc)],
                "col": [ccats[j // nr] for j in range(nr * nc)],
                "col_label": [clabels[j // nr] for j in range(nr * nc)],
            })
        else:
            raise DataValidationError(f"percent must be 'col', 'row' or 'cell', not {percent!r}")
        cols = ["estimate", "se", *interval_columns(level), "df", "deff", "n", "n_eff",
                "n_cell"]
        result = pd.concat([out.reset_index(drop=True), t[cols].reset_index(drop=True)], axis=1)
        result.attrs["rao_scott"] = self.chisq(row, col).as_dict()
        result.attrs["row"] = row
        result.attrs["col"] = col
        result.attrs["percent"] = percent
        return result

    # ------------------------------------------------------------------ tests
    def _category_index(self, var: str, category: Any, cats: list, labels: list[str]) -> int:
        for i, (c, lab) in enumerate(zip(cats, labels, strict=True)):
            if c == category or lab == str(category) or str(c) == str(category):
                return i
        raise DataValidationError(
            f"category {category!r} does not occur in variable {var!r} "
            f"(categories: {', '.join(labels)})"
        )

    def lead(
        self, var: str, a: Any, b: Any, *, by: str | None = None, level: float = 0.95
    ) -> pd.DataFrame:
        """The lead of option ``a`` over ``b`` in one question, with its margin of error.

        Uses the design covariance of the two proportions (they come from the same
        respondents, so ``Var(p_a - p_b) = V_aa + V_bb - 2 V_ab``), as R
        ``svycontrast(svymean(~var), c(a=1, b=-1))``.

        Returns
        -------
        DataFrame
            subgroup, a, b, p_a, p_b (percent), lead, se, moe (half-width of the interval),
            lower_95, upper_95 (percentage points; the interval at ``level``, named after
            it), df, t, p_value (two-sided test of no lead), n.
        """
        lower, upper = interval_columns(level)
        groups = self._groups(by)
        st, cats, labels, _, _, meta = self._proportions(var, groups)
        ia = self._category_index(var, a, cats, labels)
        ib = self._category_index(var, b, cats, labels)
        k = len(cats)
        rows = []
        for gi, (sub, _val, gm) in enumerate(groups):
            ja, jb = gi * k + ia, gi * k + ib
            diff = st.estimate[ja] - st.estimate[jb]
            var_ = st.vcov[ja, ja] + st.vcov[jb, jb] - 2 * st.vcov[ja, jb]
            se = float(np.sqrt(max(var_, 0.0)))
            df = self._domain_df(gm) if by else self.df
            lo, hi = mean_interval(np.array(diff), np.array(se), df, level)
            tval = diff / se if se > 0 else np.nan
            p = 2 * stats.t.sf(abs(tval), df) if (se > 0 and df > 0) else np.nan
            rows.append({
                "subgroup": sub, "a": labels[ia], "b": labels[ib],
                "p_a": 100 * st.estimate[ja], "p_b": 100 * st.estimate[jb],
                "lead": 100 * diff, "se": 100 * se, "moe": 100 * float(hi - diff),
                lower: 100 * float(lo), upper: 100 * float(hi),
                "df": df, "t": tval, "p_value": p, "n": int(st.nobs[ja]),
            })
        return pd.DataFrame(rows)

    def compare_subgroups(
        self,
        var: str,
        by: str,
        a: Any,
        b: Any,
        *,
        category: Any = None,
        level: float = 0.95,
    ) -> pd.DataFrame:
        """Difference between two subgroups of the same survey, with the design covariance.

        Parameters
        ----------
        var : str
            A numeric variable (difference of means) or, with ``category``, a categorical
            one (difference of the proportions choosing ``category``).
        by : str
            Subgroup variable; ``a`` and ``b`` are two of its categories (values or labels).
        category : optional
            Category of ``var`` whose proportion is compared.
        level : float
            Confidence level.

        Returns
        -------
        DataFrame
            One row: variable, category, group_a, group_b, estimate_a, estimate_b,
            difference (a - b), se, lower_95, upper_95 (the interval at ``level``, named after
            it), df, t, p_value, n_a, n_b. With ``category`` the estimates are percent and
            the difference, se and interval percentage points; for a numeric ``var`` they are
            in its unit. The t test uses design df - 1 (R ``svyttest`` / ``svyglm``).
        """
        codes, cats, labels = self._categories(by)
        ia = self._category_index(by, a, cats, labels)
        ib = self._category_index(by, b, cats, labels)
        ma, mb = codes == ia, codes == ib
        if category is None:
            x = self._numeric(var)
            ok = ~np.isnan(x)
            y = np.where(ok, x, 0.0)
        else:
            vc, vcats, vlabels = self._categories(var)
            j = self._category_index(var, category, vcats, vlabels)
            ok = vc >= 0
            y = (vc == j).astype(float)
        st = self._stat(np.column_stack([y, y]), np.column_stack([ok & ma, ok & mb]), "mean")
        diff = st.estimate[0] - st.estimate[1]
        se = float(np.sqrt(max(st.vcov[0, 0] + st.vcov[1, 1] - 2 * st.vcov[0, 1], 0.0)))
        df = self.df - 1
        lo, hi = mean_interval(np.array(diff), np.array(se), df, level)
        tval = diff / se if se > 0 else np.nan
        scale = 1.0 if category is None else 100.0  # proportions in percent
        lower, upper = interval_columns(level)
        return pd.DataFrame([{
            "variable": var, "category": category, "group_a": labels[ia],
            "group_b": labels[ib], "estimate_a": scale * st.estimate[0],
            "estimate_b": scale * st.estimate[1], "difference": scale * diff,
            "se": scale * se, lower: scale * float(lo), upper: scale * float(hi),
            "df": df, "t": tval,
            "p_value": 2 * stats.t.sf(abs(tval), df) if se > 0 and df > 0 else np.nan,
            "n_a": int(st.nobs[0]), "n_b": int(st.nobs[1]),
        }])

    def compare_to(
        self, other: Estimates, var: str, *, category: Any = None, level: float = 0.95
    ) -> pd.DataFrame:
        """Poll-to-poll difference (this poll minus ``other``); see :func:`poll_difference`."""
        return poll_difference(self, other, var, category=category, level=level)

    def _single(self, var: str, category: Any) -> tuple[float, float, float, int]:
        if category is None:
            t = self.mean(var)
            r = t.iloc[0]
        else:
            t = self.topline(var)
            codes, cats, labels = self._categories(var)
            j = self._category_index(var, category, cats, labels)
            r = t.iloc[j]
        return float(r["estimate"]), float(r["se"]), float(r["df"]), int(r["n"])


def poll_difference(
    first: Estimates, second: Estimates, var: str, *, category: Any = None, level: float = 0.95
) -> pd.DataFrame:
    """Difference of an estimate between two independent polls (first minus second).

    The polls are independent samples, so ``se = sqrt(se_1^2 + se_2^2)``; the degrees of
    freedom are Welch-Satterthwaite's from the two design df (normal when both are large).

    Parameters
    ----------
    first, second : Design
        The two polls.
    var : str
        Numeric variable (means) or categorical variable with ``category``.
    category : optional
        Category whose proportion is compared.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row: variable, category, estimate_1, estimate_2, difference, se, lower_95,
        upper_95 (the interval at ``level``, named after it), df, t, p_value, n_1, n_2.
        With ``category`` the estimates are percent (0-100) and the difference, se and
        interval percentage points; for a numeric ``var`` they are in its unit.
    """
    e1, s1, d1, n1 = first._single(var, category)
    e2, s2, d2, n2 = second._single(var, category)
    diff = e1 - e2
    se = float(np.hypot(s1, s2))
    v1, v2 = s1**2, s2**2
    if d1 > 0 and d2 > 0 and (v1 + v2) > 0:
        df = (v1 + v2) ** 2 / (v1**2 / d1 + v2**2 / d2)
    else:
        df = np.inf
    lo, hi = mean_interval(np.array(diff), np.array(se), df, level)
    tval = diff / se if se > 0 else np.nan
    lower, upper = interval_columns(level)
    return pd.DataFrame([{
        "variable": var, "category": category, "estimate_1": e1, "estimate_2": e2,
        "difference": diff, "se": se, lower: float(lo), upper: float(hi),
        "df": df, "t": tval, "p_value": 2 * stats.t.sf(abs(tval), df) if se > 0 else np.nan,
        "n_1": n1, "n_2": n2,
    }])


def _estimate_columns(st: Any, lower: np.ndarray, upper: np.ndarray, dfs: np.ndarray,
                      deff: np.ndarray, level: float, *, percent: bool = False
                      ) -> dict[str, np.ndarray]:
    """The columns every design-based estimate table shares: estimate, se, the interval
    (named after ``level``), df, deff, n and effective n. ``percent``: the estimates are
    proportions, shown in percent (se in points)."""
    scale = 100.0 if percent else 1.0
    lo, hi = interval_columns(level)
    return {"estimate": scale * st.estimate, "se": scale * st.se, lo: scale * lower,
            hi: scale * upper, "df": dfs, "deff": deff, "n": st.nobs.astype(int),
            "n_eff": st.nobs / deff}
