"""Row-level validation of poll frames: every problem at once, with row and column.

Each check is vectorised and returns the offending positions with a plain-language reason;
:func:`validate_polls` collects them all into one problems table instead of stopping at the
first. Rows with any problem are rejected (kept, with their reasons); nothing is dropped
silently. Parsing rules (numbers, decimal marks, dates) are in
:mod:`opinion.frames.parsing`.

Bounds: ``n`` and ``subgroup_n`` are finite positive whole numbers up to
:data:`~opinion.frames.schema.N_MAX` (10,000,000); ``pct`` is in 0-100; ``moe`` is above 0
and below 50 points (and not so small for its ``n`` that it must be a fraction: an implied
design effect below 0.1); ``deff`` is above 0 and at most 50.

Fractions: a question (poll x question x subgroup) whose responses are all between 0 and 1
and sum to between 0.8 and 1 (+ tolerance / 100) was given as fractions (0.66 for 66%);
when one such question is found and every ``pct`` of the file is at most 1, every question
of the file is taken as fractions. What happens is the ``fractions`` option:
``"reject"`` (default) rejects those rows with a reason that says how to opt in,
``"convert"`` multiplies them by 100 and records each change in ``conversions``, ``"keep"``
reads them as percentages below 1%. Values written with a ``%`` sign are percentages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError
from opinion.frames.parsing import (
    DateOrder,
    DecimalMark,
    by_unique,
    control_character_problems,
    infer_date_order,
    infer_decimal_mark,
    parse_dates,
    parse_numbers,
)
from opinion.frames.schema import (
    DATE_COLUMNS,
    DEFAULT_SUBGROUP,
    DEFF_MAX,
    FRACTION_SUM_MIN,
    IDENTIFIER_COLUMNS,
    MODE_ALIASES,
    MODES,
    MOE_MAX,
    N_MAX,
    NUMERIC_COLUMNS,
    OPTIONAL_COLUMNS,
    POPULATION_ALIASES,
    POPULATIONS,
    REQUIRED_COLUMNS,
)
from opinion.io.tables import clean_text

KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS + OPTIONAL_COLUMNS + ("question_format",))

QUESTION_FORMATS = ("binary", "multi_option", "single_choice", "multi_mention", "rating")
"""Question formats; shares of ``multi_mention`` and ``rating`` questions may exceed 100%."""

Fractions = Literal["reject", "convert", "keep"]
FRACTION_OPTIONS: tuple[str, ...] = ("reject", "convert", "keep")

_OVER_100_ALLOWED = frozenset({"multi_mention", "rating"})
_GROUP = ["poll_id", "question_id", "subgroup"]


@dataclass(frozen=True)
class ValidationResult:
    """Typed valid rows, rejected rows with reasons, the long problems table, and changes."""

    valid: pd.DataFrame
    rejects: pd.DataFrame
    problems: pd.DataFrame
    conversions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["row", "column", "value", "note"]))
    notes: tuple[str, ...] = ()


class _Problems:
    """Accumulates (position, column, reason) triples from vectorised checks."""

    def __init__(self, raw: pd.DataFrame) -> None:
        self._raw = raw
        self._parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series | np.ndarray, column: str,
            reason: str | pd.Series | Callable[[np.ndarray], list[str]]) -> None:
        """Record ``reason`` for the rows in ``mask``.

        ``reason`` is one text, a Series aligned with the rows, or a function of the
        flagged positions (so that costly messages are built for flagged rows only).
        """
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        positions = np.flatnonzero(mask)
        if isinstance(reason, pd.Series):
            reasons = reason.to_numpy(dtype=object)[positions]
        elif callable(reason):
            reasons = np.asarray(list(reason(positions)), dtype=object)
        else:
            reasons = np.full(len(positions), reason, dtype=object)
        values = (
            self._raw[column].to_numpy(dtype=object)[positions]
            if column in self._raw.columns
            else np.full(len(positions), None, dtype=object)
        )
        self._parts.append(
            pd.DataFrame({"position": positions, "column": column, "value": values,
                          "problem": reasons})
        )

    def add_table(self, table: pd.DataFrame | None) -> None:
        """Problems found by the reader (``position, column, value, problem``)."""
        if table is not None and len(table):
            part = table[["position", "column", "value", "problem"]].copy()
            part["position"] = part["position"].astype(np.int64)
            self._parts.append(part.astype({"column": object, "value": object,
                                            "problem": object}))

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(
                {"position": pd.Series(dtype=np.int64), "column": pd.Series(dtype=object),
                 "value": pd.Series(dtype=object), "problem": pd.Series(dtype=object)}
            )
        return pd.concat(self._parts, ignore_index=True)


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    if column not in raw.columns:
        return pd.Series([None] * len(raw), index=raw.index, dtype=object)
    return clean_text(raw[column])


def _lower_mapped(text: pd.Series, aliases: dict[str, str]) -> pd.Series:
    """Lower-case text and map aliases, computed once per distinct value."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    mapped = [aliases.get(str(u).lower(), str(u).lower()) for u in uniques]
    return pd.Series(np.array([*mapped, None], dtype=object)[codes], index=text.index,
                     dtype=object)


def _quoted(text: pd.Series) -> pd.Series:
    """``repr`` of each cell (cut to 40 characters) for messages."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    shown = [r if len(r := repr(str(u))) <= 40 else r[:36] + "...'" for u in uniques]
    return pd.Series(np.array([*shown, "None"], dtype=object)[codes], index=text.index,
                     dtype=object)


# ------------------------------------------------------------------ options
@dataclass(frozen=True)
class _Options:
    sum_tolerance: float
    today: pd.Timestamp
    fractions: str
    date_order: str
    mark: DecimalMark


def _options(raw: pd.DataFrame, rows: pd.Series, *, sum_tolerance: float,
             today: dt.date | None, fractions: str, date_order: str,
             delimiter: str | None, row_unit: str = "row") -> _Options:
    """Check the options and decide the file-level conventions (decimal mark, date order)."""
    if fractions not in FRACTION_OPTIONS:
        raise DataValidationError(
            f"fractions must be one of {', '.join(FRACTION_OPTIONS)}, not {fractions!r}"
        )
    if date_order not in ("auto", "mdy", "dmy"):
        raise DataValidationError(f"date_order must be auto, mdy or dmy, not {date_order!r}")
    try:
        tolerance = float(sum_tolerance)
    except (TypeError, ValueError):
        raise DataValidationError(f"sum_tolerance must be a number, not {sum_tolerance!r}") \
            from None
    if not np.isfinite(tolerance) or tolerance < 0:
        raise DataValidationError(f"sum_tolerance must be a finite number >= 0, not {tolerance}")
    reference = _today(today)
    numbers = [raw[c] for c in NUMERIC_COLUMNS if c in raw.columns]
    mark = infer_decimal_mark(numbers, delimiter)
    if date_order == "auto":
        dates = [(c, raw[c]) for c in DATE_COLUMNS if c in raw.columns]
        date_order = infer_date_order(dates, rows, row_unit=row_unit)
    return _Options(tolerance, reference, fractions, date_order, mark)


def _today(today: object) -> pd.Timestamp:
    """The reference date for "in the future": a date, datetime or ISO text (default now)."""
    if today is None:
        return pd.Timestamp(dt.date.today())
    if isinstance(today, (dt.date, str)):
        try:
            stamp = pd.Timestamp(today)
        except (ValueError, TypeError):
            stamp = pd.NaT
        if stamp is not pd.NaT:
            return stamp.tz_localize(None).normalize() if stamp.tzinfo else stamp.normalize()
    raise DataValidationError(f"today must be a date (or YYYY-MM-DD text), not {today!r}")


# ------------------------------------------------------------------ column checks
def _check_text(raw: pd.DataFrame, p: _Problems, typed: dict[str, pd.Series]) -> None:
    for column in ("poll_id", "pollster", "question_id", "response"):
        typed[column] = _text(raw, column)
        p.add(typed[column].isna(), column, f"{column} is empty")
    typed["subgroup"] = _text(raw, "subgroup").fillna(DEFAULT_SUBGROUP)


def _check_dates(raw: pd.DataFrame, p: _Problems, typed: dict[str, pd.Series],
                 opts: _Options) -> None:
    for column in DATE_COLUMNS:
        text = _text(raw, column)
        values, problem = parse_dates(text, opts.date_order)
        p.add(text.isna(), column, f"{column} is empty")
        p.add(problem.notna(), column, problem)
        p.add(values > opts.today, column,
              f"{column} is in the future (after {opts.today.date()})")
        typed[column] = values
    p.add(typed["end_date"] < typed["start_date"], "end_date", "end_date is before start_date")


def _number(raw: pd.DataFrame, p: _Problems, column: str, mark: DecimalMark,
            percent: bool = False) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse one numeric column; report unparseable cells. Returns (text, values, % sign)."""
    text = _text(raw, column)
    values, problem, sign = parse_numbers(text, mark, percent=percent)
    bad = text.notna() & values.isna()
    p.add(bad & problem.notna(), column, problem)
    p.add(bad & problem.isna(), column, f"{column} is not a number")
    return text, values, sign


def _check_count(raw: pd.DataFrame, p: _Problems, column: str, mark: DecimalMark,
                 label: str) -> pd.Series:
    """A sample size: finite, positive, whole, at most N_MAX."""
    _, values, _ = _number(raw, p, column, mark)
    present = values.notna()
    p.add(present & (values <= 0), column, f"{column} must be positive")
    p.add(present & (values > 0) & (values != np.floor(values)), column,
          f"{column} is not a whole number")
    p.add(present & (values > N_MAX), column,
          f"{column} is above {N_MAX:,}: {label} this large is a typo or a population count")
    return values


def _check_numbers(raw: pd.DataFrame, p: _Problems, typed: dict[str, pd.Series],
                   opts: _Options) -> pd.Series:
    """Type n, pct, subgroup_n, moe and deff; return the mask of pct written with a % sign."""
    n_text = _text(raw, "n")
    p.add(n_text.isna(), "n", "n (sample size) is empty")
    typed["n"] = _check_count(raw, p, "n", opts.mark, "a sample")

    pct_text, pct, sign = _number(raw, p, "pct", opts.mark, percent=True)
    p.add(pct_text.isna(), "pct", "pct is empty")
    p.add(pct.notna() & ((pct < 0) | (pct > 100)), "pct", "pct outside 0-100")
    typed["pct"] = pct

    if "subgroup_n" in raw.columns:
        sub = _check_count(raw, p, "subgroup_n", opts.mark, "a subgroup")
        p.add(sub > typed["n"], "subgroup_n", "subgroup_n is larger than n")
        typed["subgroup_n"] = sub
    if "moe" in raw.columns:
        _, moe, _ = _number(raw, p, "moe", opts.mark, percent=True)
        p.add(moe.notna() & (moe <= 0), "moe", "moe must be positive")
        p.add(moe >= MOE_MAX, "moe", f"moe must be in percentage points and below {MOE_MAX:g}")
        n = typed["n"].to_numpy(dtype=float)
        small = moe.where((moe > 0) & (moe < 1)).to_numpy(dtype=float)  # no overflow
        implied = n * (small / 100 / 1.959964) ** 2 / 0.25
        p.add((moe > 0) & (moe < 1) & (implied < 0.1), "moe", lambda at: [
            f"moe {moe.iloc[i]:g} with n {n[i]:,.0f} implies a design effect of "
            f"{implied[i]:.2g}: is it a fraction (0.03 = 3 points)?" for i in at])
        typed["moe"] = moe
    if "deff" in raw.columns:
        _, deff, _ = _number(raw, p, "deff", opts.mark)
        p.add(deff.notna() & (deff <= 0), "deff", "deff must be positive")
        p.add(deff > DEFF_MAX, "deff", f"deff above {DEFF_MAX:g} is not a plausible design effect")
        typed["deff"] = deff
    return sign


def _check_codes(raw: pd.DataFrame, p: _Problems, typed: dict[str, pd.Series]) -> None:
    pop = _lower_mapped(_text(raw, "population"), POPULATION_ALIASES)
    allowed = ", ".join(POPULATIONS)
    p.add(pop.isna(), "population", "population is empty")
    p.add(pop.notna() & ~pop.isin(list(POPULATIONS)), "population",
          "unknown population code " + _quoted(_text(raw, "population")) + f" (use {allowed})")
    typed["population"] = pop
    if "mode" in raw.columns:
        mode = _lower_mapped(_text(raw, "mode"), MODE_ALIASES)
        p.add(mode.notna() & ~mode.isin(list(MODES)), "mode",
              "unknown mode " + _quoted(_text(raw, "mode")) + f" (use {', '.join(MODES)})")
        typed["mode"] = mode
    if "country" in raw.columns:
        upper = by_unique(_text(raw, "country"), str.upper)
        ok = by_unique(upper, lambda c: len(c) == 2 and c.isascii() and c.isalpha())
        p.add(upper.notna() & (ok != True), "country",  # noqa: E712 - object column
              "country must be an ISO 3166 alpha-2 code like 'US'")
        typed["country"] = upper
    if "question_format" in raw.columns:
        fmt = _lower_mapped(_text(raw, "question_format"), {})
        p.add(fmt.notna() & ~fmt.isin(list(QUESTION_FORMATS)), "question_format",
              f"unknown question_format (use {', '.join(QUESTION_FORMATS)})")
        typed["question_format"] = fmt


def _check_control_characters(raw: pd.DataFrame, p: _Problems) -> dict[str, pd.Series]:
    """NUL and other control characters in any text cell (line breaks in identifiers too).

    Returns the mask of flagged cells of each column that has any.
    """
    skip = set(DATE_COLUMNS) | set(NUMERIC_COLUMNS)  # those fail to parse anyway
    columns = [c for c in raw.columns if c not in skip]
    if not columns:
        return {}
    cells = pd.unique(raw[columns].to_numpy(dtype=object).ravel())
    sample = pd.Series(cells, dtype=object)
    if control_character_problems(sample, "", breaks=True) is None:
        return {}
    flagged = {}
    for column in columns:
        problems = control_character_problems(raw[column], column,
                                              breaks=column in IDENTIFIER_COLUMNS)
        if problems is not None:
            p.add(problems.notna(), column, problems)
            flagged[column] = problems.notna()
    return flagged


# ------------------------------------------------------------------ cross-row checks
def _group_codes(typed: dict[str, pd.Series], columns: list[str]) -> np.ndarray:
    """Integer code of each row's (columns) group, -1 where a key is missing."""
    keys = pd.DataFrame({c: typed[c] for c in columns})
    codes = keys.groupby(columns, sort=False, dropna=True).ngroup()
    return codes.fillna(-1).to_numpy(dtype=np.int64)


def _check_duplicates(typed: dict[str, pd.Series], rows: pd.Series, p: _Problems,
                      row_unit: str = "row") -> pd.Series:
    """Flag repeats of (poll, question, subgroup, response); return the mask of repeats."""
    cols = ["poll_id", "question_id", "subgroup", "response"]
    key = pd.DataFrame({c: _lower_mapped(typed[c], {}) for c in cols})
    dup = key.duplicated(keep="first")
    if not dup.any():
        return dup
    first_pos = key.groupby(cols, sort=False, dropna=False).ngroup()
    first_row = pd.Series(rows.to_numpy(), index=dup.index).groupby(first_pos).transform("first")
    first = first_row.to_numpy(dtype=object)
    p.add(dup, "response", lambda at: [
        f"duplicate of {row_unit} {first[i]} (same poll_id, question_id, subgroup and response)"
        for i in at])
    return dup


def _check_poll_consistency(typed: dict[str, pd.Series], rows: pd.Series, p: _Problems,
                            bad: dict[str, pd.Series], row_unit: str = "row") -> None:
    """Rows of one poll_id must agree on pollster and field dates (first valid value wins).

    ``bad`` masks cells already rejected for their own content: they neither set the
    poll's value nor conflict with it.
    """
    poll_codes, _ = pd.factorize(typed["poll_id"], use_na_sentinel=True)
    known = poll_codes >= 0
    if not known.any():
        return
    groups = pd.Series(poll_codes).where(known)
    labels = rows.to_numpy(dtype=object)
    positions = pd.Series(np.arange(len(poll_codes)), dtype=float)
    for column in ("pollster", "start_date", "end_date"):
        codes, uniques = pd.factorize(typed[column], use_na_sentinel=True)
        present = codes >= 0
        if column in bad:
            present &= ~bad[column].to_numpy()
        first_pos = positions.where(present).groupby(groups).transform("first")
        has_first = first_pos.notna().to_numpy()
        first_idx = first_pos.fillna(0).astype(int).to_numpy()
        conflict = known & present & has_first & (codes != codes[first_idx])
        if not conflict.any():
            continue
        values = np.asarray(uniques, dtype=object)
        p.add(conflict, column, lambda at, c=column, v=values, idx=first_idx, k=codes: [
            f"{c} differs from {row_unit} {labels[idx[i]]} of the same poll_id "
            f"({_plain(v[k[idx[i]]])})" for i in at])


def _plain(value: object) -> str:
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return str(pd.Timestamp(value).date())
    return str(value)


def _per_group(codes: np.ndarray, values: np.ndarray, reduce: Callable) -> np.ndarray:
    """A per-group reduction (``_sum``, ``_all``) broadcast back to rows; NaN without group."""
    out = np.full(len(codes), np.nan)
    ok = codes >= 0
    if ok.any():
        per = reduce(codes[ok], values[ok], int(codes.max()) + 1)
        out[ok] = per[codes[ok]]
    return out


def _sum(codes: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(codes, weights=values, minlength=k)


def _all(codes: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(codes, weights=(~values.astype(bool)).astype(float), minlength=k) == 0


def _check_fractions(typed: dict[str, pd.Series], p: _Problems, opts: _Options,
                     sign: pd.Series, exclude: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Find questions given as fractions; reject, convert or keep them (module notes)."""
    pct = typed["pct"]
    empty = pd.DataFrame(columns=["position", "column", "value", "note"])
    if opts.fractions == "keep":
        return pd.Series(False, index=pct.index), empty
    usable = pct.notna() & ~exclude.to_numpy() & ~sign.to_numpy()
    codes = np.where(usable.to_numpy(), _group_codes(typed, _GROUP), -1)
    values = pct.fillna(0).to_numpy(dtype=float)
    small = _per_group(codes, ((values >= 0) & (values <= 1)), _all) == 1
    sums = _per_group(codes, values, _sum)
    capped = np.ones(len(pct), dtype=bool)
    if "question_format" in typed:
        capped = ~typed["question_format"].isin(list(_OVER_100_ALLOWED)).to_numpy()
    found = usable.to_numpy() & small & capped & (sums >= FRACTION_SUM_MIN) \
        & (sums <= 1 + opts.sum_tolerance / 100)
    if found.any() and (values[usable.to_numpy()] <= 1).all():
        found = usable.to_numpy() & small  # the whole file is fractions
    found = pd.Series(found, index=pct.index)
    if not found.any():
        return found, empty
    if opts.fractions == "reject":
        question, poll = typed["question_id"].to_numpy(), typed["poll_id"].to_numpy()
        p.add(found, "pct", lambda at: [
            f"responses of question {question[i]} in poll {poll[i]} are all at most 1 (sum "
            f"{sums[i]:.2f}): they look like fractions (0.66 = 66%), not percentages; read "
            "with fractions='convert' (CLI: --fractions convert) to multiply them by 100, or "
            "fractions='keep' if they are percentages below 1" for i in at])
        return found, empty
    typed["pct"] = pct.where(~found, pct * 100)
    positions = np.flatnonzero(found.to_numpy())
    notes = pd.DataFrame({
        "position": positions, "column": "pct",
        "value": pct.to_numpy()[positions],
        "note": [f"fraction {v:g} read as {100 * v:g}%" for v in pct.to_numpy()[positions]],
    })
    return pd.Series(False, index=pct.index), notes


def _check_sums(typed: dict[str, pd.Series], p: _Problems, tolerance: float,
                exclude: pd.Series) -> None:
    pct = typed["pct"]
    usable = pct.between(0, 100) & ~exclude
    if "question_format" in typed:
        usable &= ~typed["question_format"].isin(list(_OVER_100_ALLOWED))
    if not usable.any():
        return
    codes = np.where(usable.to_numpy(), _group_codes(typed, _GROUP), -1)
    sums = pd.Series(_per_group(codes, pct.fillna(0).to_numpy(dtype=float), _sum),
                     index=pct.index)
    over = usable & (sums > 100 + tolerance)
    question, poll, total = (typed["question_id"].to_numpy(), typed["poll_id"].to_numpy(),
                             sums.to_numpy())
    p.add(over, "pct", lambda at: [
        f"responses of question {question[i]} in poll {poll[i]} sum to "
        f"{round(total[i], 1)}% (more than 100 + {tolerance:g})" for i in at])


# ------------------------------------------------------------------ entry point
def validate_polls(
    raw: pd.DataFrame,
    row_labels: pd.Series,
    *,
    sum_tolerance: float = 1.0,
    today: dt.date | None = None,
    fractions: Fractions = "reject",
    date_order: DateOrder = "auto",
    delimiter: str | None = None,
    reader_problems: pd.DataFrame | None = None,
    row_unit: str = "row",
) -> ValidationResult:
    """Validate a raw (text) poll frame in the long layout.

    Parameters
    ----------
    raw
        Text cells, columns already mapped onto schema names, pollster aliases merged.
    row_labels
        The number a user finds each row by in the source (see
        :class:`opinion.io.tables.RowNumbering`): the file line for text files (header =
        line 1), the sheet row for Excel, the record (from 1) for JSON and Parquet, the
        index label for a DataFrame.
    sum_tolerance
        Percentage points by which a question's responses may exceed 100 (rounding).
    today
        Dates after this are "in the future" (default: today's date).
    fractions
        What to do with questions given as fractions (see the module notes).
    date_order
        ``"auto"`` (infer per file), ``"mdy"`` or ``"dmy"`` for slash dates.
    delimiter
        The text file's delimiter, if any (a semicolon suggests decimal commas).
    reader_problems
        Row-level problems found by the reader (``position, column, value, problem``).
    row_unit
        What ``row_labels`` count (``"line"``, ``"row"``, ``"record"``, ``"index"``): the
        word that messages pointing at another row use (``duplicate of line 21``).

    Returns
    -------
    ValidationResult
        ``valid`` typed rows, ``rejects`` (the raw row with ``row`` and ``reasons``), a
        long ``problems`` table (``row, column, value, problem``) and ``conversions``.

    Raises
    ------
    DataValidationError
        Required columns are missing (named all at once), there are no rows, an option is
        invalid, or the file mixes day-first and month-first dates.
    """
    _require_columns(raw)
    raw = raw.reset_index(drop=True)
    rows = pd.Series(np.asarray(row_labels, dtype=object), index=raw.index)
    opts = _options(raw, rows, sum_tolerance=sum_tolerance, today=today, fractions=fractions,
                    date_order=date_order, delimiter=delimiter, row_unit=row_unit)
    p = _Problems(raw)
    p.add_table(reader_problems)
    typed: dict[str, pd.Series] = {}
    _check_text(raw, p, typed)
    _check_dates(raw, p, typed, opts)
    sign = _check_numbers(raw, p, typed, opts)
    _check_codes(raw, p, typed)
    flagged = _check_control_characters(raw, p)
    duplicates = _check_duplicates(typed, rows, p, row_unit)
    _check_poll_consistency(typed, rows, p, flagged, row_unit)
    fraction_rows, converted = _check_fractions(typed, p, opts, sign, duplicates)
    _check_sums(typed, p, opts.sum_tolerance, exclude=duplicates | fraction_rows)
    text_columns = [c for c in raw.columns if c not in typed]
    known = [c for c in text_columns if c in KNOWN_COLUMNS]
    typed.update({c: _text(raw, c) for c in known})
    extra = [c for c in text_columns if c not in KNOWN_COLUMNS]  # text as the reader left it
    frame = pd.concat([pd.DataFrame(typed, index=raw.index), raw[extra]], axis=1) \
        if extra else pd.DataFrame(typed, index=raw.index)
    return _assemble(raw, rows, frame, p, converted)


def _require_columns(raw: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(found: {_column_list(raw.columns)})"
        )
    if len(raw) == 0:
        raise DataValidationError("no data rows")


def _column_list(columns: pd.Index, limit: int = 20) -> str:
    names = [str(c) if str(c).isprintable() else repr(str(c))[:30] for c in columns[:limit]]
    more = f", ... ({len(columns):,} columns)" if len(columns) > limit else ""
    return ", ".join(names) + more


def _assemble(raw: pd.DataFrame, rows: pd.Series, typed: pd.DataFrame, p: _Problems,
              converted: pd.DataFrame) -> ValidationResult:
    """Split rows into valid (typed) and rejected (raw, with reasons)."""
    problems = p.frame().sort_values("position", kind="stable")
    positions = problems["position"].to_numpy(dtype=np.int64)
    problems.insert(0, "row", rows.to_numpy(dtype=object)[positions])
    bad_positions = np.unique(positions)
    reasons = (
        problems.assign(text=problems["column"].astype(str) + ": "
                        + problems["problem"].astype(str))
        .groupby("position", sort=True)["text"]
        .agg("; ".join)
    )
    rejects = raw.iloc[bad_positions].copy()
    rejects.insert(0, "row", rows.iloc[bad_positions].to_numpy())
    rejects["reasons"] = reasons.reindex(bad_positions).to_numpy()
    keep = np.ones(len(raw), dtype=bool)
    keep[bad_positions] = False
    valid = typed[keep].copy()
    valid["n"] = valid["n"].astype("int64")  # checked: finite whole numbers up to N_MAX
    problems = problems.drop(columns="position").reset_index(drop=True)
    conversions = converted[keep[converted["position"].to_numpy(dtype=np.int64)]] \
        if len(converted) else converted
    conversions = conversions.assign(
        row=rows.to_numpy(dtype=object)[conversions["position"].to_numpy(dtype=np.int64)]
    )[["row", "column", "value", "note"]].reset_index(drop=True)
    return ValidationResult(valid.reset_index(drop=True), rejects.reset_index(drop=True),
                            problems, conversions)
