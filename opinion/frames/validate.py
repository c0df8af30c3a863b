"""Row-level validation of poll frames: every problem at once, with row and column.

Each check is vectorised and returns the offending positions with a plain-language reason;
:func:`validate_polls` collects them all into one problems table instead of stopping at the
first. Rows with any problem are rejected (kept, with their reasons); nothing is dropped
silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError
from opinion.frames.schema import (
    DEFAULT_SUBGROUP,
    MODE_ALIASES,
    MODES,
    POPULATION_ALIASES,
    POPULATIONS,
    REQUIRED_COLUMNS,
)
from opinion.io.tables import clean_text

QUESTION_FORMATS = ("binary", "multi_option", "single_choice", "multi_mention", "rating")
"""Question formats; shares of ``multi_mention`` and ``rating`` questions may exceed 100%."""

_OVER_100_ALLOWED = frozenset({"multi_mention", "rating"})
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?:[T ][0-9:.+\-Z]*)?$"
_SLASH_DATE = r"^\d{1,2}/\d{1,2}/(?:\d{2}|\d{4})$"


@dataclass(frozen=True)
class ValidationResult:
    """Typed valid rows, rejected rows with reasons, and the long problems table."""

    valid: pd.DataFrame
    rejects: pd.DataFrame
    problems: pd.DataFrame


class _Problems:
    """Accumulates (position, column, reason) triples from vectorised checks."""

    def __init__(self, raw: pd.DataFrame) -> None:
        self._raw = raw
        self._parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series | np.ndarray, column: str, reason: str | pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        positions = np.flatnonzero(mask)
        if isinstance(reason, pd.Series):
            reasons = reason.to_numpy(dtype=object)[positions]
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

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(
                {"position": pd.Series(dtype=int), "column": pd.Series(dtype=object),
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
    return pd.Series(np.array([*mapped, None], dtype=object)[codes], index=text.index)


def _by_unique(text: pd.Series, parse) -> pd.Series:
    """Apply a vectorised parser to the distinct values only, then broadcast back."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = parse(pd.Series(uniques, dtype=object))
    missing = np.array([np.datetime64("NaT", "ns") if parsed.dtype.kind == "M" else np.nan],
                       dtype=parsed.dtype)
    values = np.concatenate([parsed.to_numpy(), missing])  # code -1 (missing) -> last
    return pd.Series(values[codes], index=text.index)


def _parse_numbers(s: pd.Series, percent: bool) -> pd.Series:
    s = s.astype("string").str.replace(",", "", regex=False).str.replace(
        "\u00b1", "", regex=False)
    if percent:
        s = s.str.rstrip("%").str.strip()
    return pd.to_numeric(s, errors="coerce").astype(float)


def _number(text: pd.Series, *, percent: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse numbers; return (values, mask of present-but-unparseable)."""
    values = _by_unique(text, lambda u: _parse_numbers(u, percent))
    bad = text.notna() & values.isna()
    return values, bad


def parse_dates(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO (YYYY-MM-DD) and US slash (M/D/YYYY) dates; partial dates are errors."""
    out = _by_unique(text, _parse_date_values).astype("datetime64[ns]")
    bad = text.notna() & out.isna()
    return out, bad


def _parse_date_values(text: pd.Series) -> pd.Series:
    s = text.astype("string")
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    iso = s.str.match(_ISO_DATE).fillna(False).astype(bool)
    if iso.any():
        out[iso] = pd.to_datetime(s[iso], format="ISO8601", errors="coerce").dt.tz_localize(
            None
        ) if _has_tz(s[iso]) else pd.to_datetime(s[iso].str.slice(0, 10), format="%Y-%m-%d",
                                                 errors="coerce")
    slash = s.str.match(_SLASH_DATE).fillna(False).astype(bool)
    if slash.any():
        four = pd.to_datetime(s[slash], format="%m/%d/%Y", errors="coerce")
        two = pd.to_datetime(s[slash], format="%m/%d/%y", errors="coerce")
        out[slash] = four.fillna(two)
    return out.dt.normalize()


def _has_tz(s: pd.Series) -> bool:
    return bool(s.str.contains(r"(?:Z|[+\-]\d{2}:\d{2})$", regex=True).fillna(False).any())


def validate_polls(
    raw: pd.DataFrame,
    row_labels: pd.Series,
    *,
    sum_tolerance: float = 1.0,
    today: dt.date | None = None,
) -> ValidationResult:
    """Validate a raw (text) poll frame in the long layout.

    Parameters
    ----------
    raw
        Text cells, columns already mapped onto schema names, pollster aliases merged.
    row_labels
        The row number a user sees for each row (file line or DataFrame index label).
    sum_tolerance
        Percentage points by which a question's responses may exceed 100 (rounding).
    today
        Dates after this are "in the future" (default: today's date).

    Returns
    -------
    ValidationResult
        ``valid`` typed rows, ``rejects`` (the raw row with ``row`` and ``reasons``) and a
        long ``problems`` table (``row, column, value, problem``).

    Raises
    ------
    DataValidationError
        Required columns are missing (named all at once), or there are no rows.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            f"(found: {', '.join(map(str, raw.columns))})"
        )
    if len(raw) == 0:
        raise DataValidationError("no data rows")
    raw = raw.reset_index(drop=True)
    row_labels = pd.Series(np.asarray(row_labels), index=raw.index)
    today_ts = pd.Timestamp(today or dt.date.today())
    p = _Problems(raw)
    typed = pd.DataFrame(index=raw.index)

    for column in ("poll_id", "pollster", "question_id", "response"):
        typed[column] = _text(raw, column)
        p.add(typed[column].isna(), column, f"{column} is empty")

    for column in ("start_date", "end_date"):
        text = _text(raw, column)
        values, bad = parse_dates(text)
        p.add(text.isna(), column, f"{column} is empty")
        p.add(bad, column, "cannot parse date " + text.map(repr) + " (use YYYY-MM-DD)")
        p.add(values > today_ts, column, f"{column} is in the future (after {today_ts.date()})")
        typed[column] = values
    p.add(typed["end_date"] < typed["start_date"], "end_date", "end_date is before start_date")

    n_text = _text(raw, "n")
    n, bad_n = _number(n_text)
    p.add(n_text.isna(), "n", "n (sample size) is empty")
    p.add(bad_n, "n", "n is not a number")
    p.add(n.notna() & (n != np.floor(n)), "n", "n is not a whole number")
    p.add(n.notna() & (n <= 0), "n", "n must be positive")
    typed["n"] = n

    pct_text = _text(raw, "pct")
    pct, bad_pct = _number(pct_text, percent=True)
    p.add(pct_text.isna(), "pct", "pct is empty")
    p.add(bad_pct, "pct", "pct is not a number")
    p.add(pct.notna() & ((pct < 0) | (pct > 100)), "pct", "pct outside 0-100")
    typed["pct"] = pct

    pop = _lower_mapped(_text(raw, "population"), POPULATION_ALIASES)
    allowed = ", ".join(POPULATIONS)
    p.add(pop.isna(), "population", "population is empty")
    p.add(pop.notna() & ~pop.isin(list(POPULATIONS)), "population",
          "unknown population code " + _text(raw, "population").map(repr) + f" (use {allowed})")
    typed["population"] = pop

    if "mode" in raw.columns:
        mode = _lower_mapped(_text(raw, "mode"), MODE_ALIASES)
        p.add(mode.notna() & ~mode.isin(list(MODES)), "mode",
              "unknown mode " + _text(raw, "mode").map(repr) + f" (use {', '.join(MODES)})")
        typed["mode"] = mode

    subgroup = _text(raw, "subgroup").fillna(DEFAULT_SUBGROUP)
    typed["subgroup"] = subgroup

    for column, lower_ok in (("subgroup_n", 0), ("moe", 0), ("deff", 0)):
        if column not in raw.columns:
            continue
        text = _text(raw, column)
        values, bad = _number(text, percent=column == "moe")
        p.add(bad, column, f"{column} is not a number")
        p.add(values.notna() & (values <= lower_ok), column, f"{column} must be positive")
        typed[column] = values
    if "subgroup_n" in typed:
        p.add(typed["subgroup_n"] > typed["n"], "subgroup_n", "subgroup_n is larger than n")
    if "moe" in typed:
        p.add(typed["moe"] >= 50, "moe", "moe must be in percentage points and below 50")

    if "country" in raw.columns:
        country = _text(raw, "country")
        country = country.astype("string").str.upper().astype(object).where(country.notna(), None)
        p.add(country.notna() & ~country.str.fullmatch(r"[A-Z]{2}").fillna(False).astype(bool),
              "country", "country must be an ISO 3166 alpha-2 code like 'US'")
        typed["country"] = country

    if "question_format" in raw.columns:
        fmt = _lower_mapped(_text(raw, "question_format"), {})
        p.add(fmt.notna() & ~fmt.isin(list(QUESTION_FORMATS)), "question_format",
              f"unknown question_format (use {', '.join(QUESTION_FORMATS)})")
        typed["question_format"] = fmt

    duplicates = _check_duplicates(typed, row_labels, p)
    _check_poll_consistency(typed, row_labels, p)
    _check_sums(typed, p, sum_tolerance, exclude=duplicates)

    for column in raw.columns:
        if column not in typed.columns:
            typed[column] = _text(raw, column)

    problems = p.frame().sort_values("position", kind="stable")
    problems.insert(0, "row", row_labels.to_numpy(dtype=object)[problems["position"].to_numpy()])
    bad_positions = np.unique(problems["position"].to_numpy())
    reasons = (
        problems.assign(text=problems["column"] + ": " + problems["problem"].astype(str))
        .groupby("position", sort=True)["text"]
        .agg("; ".join)
    )
    rejects = raw.iloc[bad_positions].copy()
    rejects.insert(0, "row", row_labels.iloc[bad_positions].to_numpy())
    rejects["reasons"] = reasons.reindex(bad_positions).to_numpy()
    keep = np.ones(len(raw), dtype=bool)
    keep[bad_positions] = False
    valid = typed[keep].copy()
    valid["n"] = valid["n"].astype("int64")
    problems = problems.drop(columns="position").reset_index(drop=True)
    return ValidationResult(valid.reset_index(drop=True), rejects.reset_index(drop=True), problems)


def _check_duplicates(typed: pd.DataFrame, rows: pd.Series, p: _Problems) -> pd.Series:
    """Flag repeats of (poll, question, subgroup, response); return the mask of repeats."""
    cols = ["poll_id", "question_id", "subgroup", "response"]
    key = pd.DataFrame({c: _lower_mapped(typed[c], {}) for c in cols})
    dup = key.duplicated(keep="first")
    if not dup.any():
        return dup
    first_pos = key.groupby(cols, sort=False).ngroup()
    first_row = pd.Series(rows.to_numpy(), index=typed.index).groupby(first_pos).transform("first")
    p.add(dup, "response", "duplicate of row " + first_row.astype(str)
          + " (same poll_id, question_id, subgroup and response)")
    return dup


def _check_poll_consistency(typed: pd.DataFrame, rows: pd.Series, p: _Problems) -> None:
    """Rows of one poll_id must agree on pollster and field dates (first known value wins)."""
    poll_codes, _ = pd.factorize(typed["poll_id"], use_na_sentinel=True)
    known = poll_codes >= 0
    if not known.any():
        return
    groups = pd.Series(poll_codes).where(known)
    positions = pd.Series(np.arange(len(typed)), dtype=float)
    for column in ("pollster", "start_date", "end_date"):
        codes, uniques = pd.factorize(typed[column], use_na_sentinel=True)
        present = codes >= 0
        first_pos = positions.where(present).groupby(groups).transform("first")
        has_first = first_pos.notna().to_numpy()
        first_idx = first_pos.fillna(0).astype(int).to_numpy()
        conflict = known & present & has_first & (codes != codes[first_idx])
        if not conflict.any():
            continue
        first_value = pd.Series(np.asarray(uniques, dtype=object)[codes[first_idx]]).astype(str)
        first_row = pd.Series(rows.to_numpy()[first_idx]).astype(str)
        p.add(conflict, column, f"{column} differs from row " + first_row
              + " of the same poll_id (" + first_value + ")")


def _check_sums(typed: pd.DataFrame, p: _Problems, tolerance: float,
                exclude: pd.Series) -> None:
    group = ["poll_id", "question_id", "subgroup"]
    usable = typed[group].notna().all(axis=1) & typed["pct"].between(0, 100) & ~exclude
    if "question_format" in typed:
        usable &= ~typed["question_format"].isin(list(_OVER_100_ALLOWED))
    if not usable.any():
        return
    sums = typed["pct"].where(usable).groupby([typed[g] for g in group]).transform("sum")
    over = usable & (sums > 100 + tolerance)
    p.add(over, "pct", "responses of question " + typed["question_id"].astype(str)
          + " in poll " + typed["poll_id"].astype(str) + " sum to "
          + sums.round(1).astype(str) + "% (more than 100 + " + f"{tolerance:g})")
