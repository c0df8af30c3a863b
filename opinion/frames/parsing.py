"""Turning text cells into numbers and dates by stated rules, never by silent guesses.

Numbers
-------
Digits are ASCII ``0-9``. Spaces, ``±`` and (for percentages and margins) a trailing ``%``
are ignored. The file's *decimal mark* is decided once from its numeric cells:

* **unambiguous decimal point**: one ``.`` not followed by exactly three digits (``66.5``,
  ``1000.0``), or thousands commas followed by a point (``1,234.5``);
* **unambiguous decimal comma**: one ``,`` not followed by exactly three digits (``4,5``,
  ``66,25``), or thousands points followed by a comma (``1.234,5``);
* **ambiguous**: ``1,005`` and ``1.005`` (a thousands separator or a decimal mark).

The mark used by more cells wins; with no unambiguous cell, it is the comma when the file
is semicolon-separated and the point otherwise. Ambiguous cells are read with the file's
mark (``1,005`` is one thousand and five in a point file, 1.005 in a comma file) and
thousands groups of three digits may be separated by the other mark or a space (``1 005``).
A cell written with the *other* mark (``4,5`` in a file whose numbers use points) is a
row-level problem with the reason, never stripped (``4,5`` is never 45). ``inf``, ``nan``
and values beyond float range are "not a finite number".

Dates
-----
ISO ``YYYY-MM-DD`` (also ``YYYY/MM/DD``), optionally followed by a time and a UTC offset
(``2022-10-04T18:30:00-05:00``): the date is the calendar date as written, whatever the
offset (offsets may differ between rows). Slash dates ``D/M/Y`` or ``M/D/Y`` (2- or 4-digit
years; 2-digit years 00-68 are 2000-2068, 69-99 are 1969-1999). Whether slash dates are
day-first is decided per file from the dates only one convention can read (a first number
above 12 is a day: ``13/04/2022``); a file with dates only day-first can read and others
only month-first can read is refused as a whole. With no such evidence dates are read
month-first (the U.S. convention of the aggregators). Years outside 1900-2200 are out of
range.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Literal

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError

DecimalMark = Literal[".", ","]
DateOrder = Literal["auto", "mdy", "dmy"]

MIN_YEAR, MAX_YEAR = 1900, 2200

# ---------------------------------------------------------------------------- numbers
_INT = re.compile(r"[+-]?[0-9]+")
_DOT = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)")
_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_SCI = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")
_GROUP3 = re.compile(r"[+-]?[0-9]{1,3}[.,][0-9]{3}")  # 1,005 or 1.005
_THOUSANDS_COMMA = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_THOUSANDS_DOT = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")
_THOUSANDS_SPACE = re.compile(r"([+-]?[0-9]{1,3}(?: [0-9]{3})+)([.,][0-9]+)?")
_NON_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")


def show(value: object, limit: int = 40) -> str:
    """``repr`` of a cell for a message, cut to ``limit`` characters."""
    text = repr(str(value))
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _normalise(text: str, percent: bool) -> tuple[str, bool]:
    """Strip ``±``, spaces and (for percentages) a trailing ``%``; say if a % was there."""
    s = text.strip().replace("\u00b1", "").replace("+/-", "").strip()
    had_percent = False
    if percent and s.endswith("%"):
        s, had_percent = s[:-1].strip(), True
    s = _SPACES.sub(" ", s)
    m = _THOUSANDS_SPACE.fullmatch(s)
    if m:
        s = m.group(1).replace(" ", "") + (m.group(2) or "")
    return s, had_percent


def decimal_evidence(text: str) -> str | None:
    """``"."``/``","`` when the cell can only be read with that decimal mark, else None."""
    s, _ = _normalise(text, percent=True)
    if _GROUP3.fullmatch(s):
        return None
    if _DOT.fullmatch(s) or (_THOUSANDS_COMMA.fullmatch(s) and "." in s):
        return "."
    if _COMMA.fullmatch(s) or (_THOUSANDS_DOT.fullmatch(s) and "," in s):
        return ","
    return None


def infer_decimal_mark(columns: Iterable[pd.Series], delimiter: str | None) -> DecimalMark:
    """The file's decimal mark: the one more cells can only be read with (see module notes)."""
    votes = {".": 0, ",": 0}
    for column in columns:
        counts = column.dropna().value_counts()
        for value, count in counts.items():
            mark = decimal_evidence(str(value))
            if mark:
                votes[mark] += int(count)
    if votes["."] != votes[","]:
        return "." if votes["."] > votes[","] else ","
    return "," if delimiter == ";" else "."


def parse_number(text: str, mark: DecimalMark, percent: bool = False
                 ) -> tuple[float | None, str | None, bool]:
    """``(value, problem, had % sign)`` of one cell; value is None when there is a problem."""
    s, had_percent = _normalise(text, percent)
    other = "," if mark == "." else "."
    value: float | None = None
    if _INT.fullmatch(s):
        value = float(s)  # float(): a 5,000-digit integer is inf, not an error
    elif _GROUP3.fullmatch(s):
        value = float(s.replace(other, "").replace(mark, "."))
    elif _SCI.fullmatch(s):
        value = float(s)
    elif _DOT.fullmatch(s) or _COMMA.fullmatch(s):
        used = "." if "." in s else ","
        if used != mark:
            return None, _wrong_mark(text, used, s), had_percent
        value = float(s.replace(",", "."))
    elif _THOUSANDS_COMMA.fullmatch(s) or _THOUSANDS_DOT.fullmatch(s):
        thousands = "," if _THOUSANDS_COMMA.fullmatch(s) else "."
        if thousands == mark:
            return None, (f"{show(text)} groups thousands with {thousands!r}, but {mark!r} is "
                          "this file's decimal mark"), had_percent
        value = float(s.replace(thousands, "").replace(mark, "."))
    elif _NON_FINITE.fullmatch(s):
        return None, f"{show(text)} is not a finite number", had_percent
    else:
        return None, None, had_percent
    if not np.isfinite(value):
        return None, f"{show(text)} is not a finite number", had_percent
    return value, None, had_percent


def _wrong_mark(text: str, used: str, s: str) -> str:
    name = {".": "decimal point", ",": "decimal comma"}
    other = "," if used == "." else "."
    return (f"{show(text)} uses a {name[used]} but the file's other numbers use a "
            f"{name[other]} (write {s.replace(used, other)})")


def parse_numbers(text: pd.Series, mark: DecimalMark, *, percent: bool = False
                  ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a column: ``(values, problem or None, had % sign)`` aligned with ``text``.

    Present cells that are not numbers get the generic problem ``None`` in the second
    series and NaN values; use ``text.notna() & values.isna()`` to find them.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = [parse_number(str(u), mark, percent) for u in uniques]
    values = np.array([np.nan if v is None else v for v, _, _ in parsed] + [np.nan], dtype=float)
    problems = np.array([p for _, p, _ in parsed] + [None], dtype=object)
    signs = np.array([s for _, _, s in parsed] + [False], dtype=bool)
    index = text.index
    return (pd.Series(values[codes], index=index),
            pd.Series(problems[codes], index=index, dtype=object),
            pd.Series(signs[codes], index=index))


# ---------------------------------------------------------------------------- dates
_ISO = re.compile(
    r"(?P<y>[0-9]{4})[-/](?P<m>[0-9]{1,2})[-/](?P<d>[0-9]{1,2})"
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
    r"(?: ?(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9]))?)?"
)
_SLASH = re.compile(r"(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})/(?P<y>[0-9]{4}|[0-9]{2})")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= 68 else 1900
    return year


def _make_date(y: int, m: int, d: int) -> tuple[dt.date | None, str | None]:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None, f"out of range (years {MIN_YEAR}-{MAX_YEAR})"
    try:
        return dt.date(y, m, d), None
    except ValueError:
        return None, "not a calendar date"


def slash_evidence(text: str) -> str | None:
    """``"dmy"``/``"mdy"`` when only that convention can read a slash date, else None."""
    m = _SLASH.fullmatch(text.strip())
    if not m:
        return None
    a, b = int(m["a"]), int(m["b"])
    if a > 12 >= b >= 1:
        return "dmy"
    if b > 12 >= a >= 1:
        return "mdy"
    return None


def infer_date_order(columns: Iterable[tuple[str, pd.Series]], rows: pd.Series, *,
                     row_unit: str = "row") -> str:
    """``"dmy"`` or ``"mdy"`` for the file's slash dates (see the module notes); ``rows``
    are the row numbers a user sees, counted in ``row_unit`` (``"line"``, ``"row"``...).

    Raises
    ------
    DataValidationError
        Some dates can only be read day-first and others only month-first.
    """
    found: dict[str, tuple[str, object, str]] = {}
    for name, column in columns:
        present = column.dropna()
        codes, uniques = pd.factorize(present)
        for k, value in enumerate(uniques):
            order = slash_evidence(str(value))
            if order and order not in found:
                first = int(np.flatnonzero(codes == k)[0])
                found[order] = (str(value), rows.loc[present.index[first]], name)
        if len(found) == 2:
            d, m = found["dmy"], found["mdy"]
            raise DataValidationError(
                f"dates mix day-first and month-first: {d[0]!r} ({row_unit} {d[1]}, {d[2]}) is "
                f"only readable day-first, {m[0]!r} ({row_unit} {m[1]}, {m[2]}) only "
                "month-first; fix "
                "the file or choose with date_order='dmy' or 'mdy' (CLI: --date-order)"
            )
    return "dmy" if "dmy" in found else "mdy"


def parse_date(text: str, order: str) -> tuple[dt.date | None, str | None]:
    """``(date, reason)`` of one cell; no date and no reason means an unknown format."""
    s = text.strip()
    m = _ISO.fullmatch(s)
    if m:
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]))
    m = _SLASH.fullmatch(s)
    if m:
        a, b = int(m["a"]), int(m["b"])
        month, day = (b, a) if order == "dmy" else (a, b)
        if not 1 <= month <= 12:
            convention = "day/month/year" if order == "dmy" else "month/day/year"
            return None, f"there is no month {month} (this file's dates are {convention})"
        return _make_date(_year(m["y"]), month, day)
    return None, None


def parse_dates(text: pd.Series, order: str = "mdy") -> tuple[pd.Series, pd.Series]:
    """Parse a date column: ``(datetime64 values, problem)`` aligned with ``text``.

    The problem is a full sentence for every present cell that is not a date.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = [parse_date(str(u), order) for u in uniques]
    parsed = [(d, None if d is not None else
               f"cannot parse date {show(u)}: {r}" if r else
               f"cannot parse date {show(u)} (use YYYY-MM-DD)")
              for u, (d, r) in zip(uniques, parsed, strict=True)]
    stamps = np.array([np.datetime64(d, "ns") if d is not None else np.datetime64("NaT", "ns")
                       for d, _ in parsed] + [np.datetime64("NaT", "ns")],
                      dtype="datetime64[ns]")
    problems = np.array([p for _, p in parsed] + [None], dtype=object)
    return (pd.Series(stamps[codes], index=text.index),
            pd.Series(problems[codes], index=text.index, dtype=object))


# ---------------------------------------------------------------------------- text
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff]")
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SEPARATOR = "\ue000"


def control_character_problems(text: pd.Series, name: str, *, breaks: bool
                               ) -> pd.Series | None:
    """Problem text for cells holding control characters (None where clean), or None.

    ``breaks`` also counts tabs and line breaks (for identifiers and codes; free text such
    as notes may hold line breaks).
    """
    pattern = _CONTROL_OR_BREAK if breaks else _CONTROL
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if not len(uniques) or not pattern.search(_SEPARATOR.join(map(str, uniques))):
        return None
    messages = []
    for u in uniques:
        hit = pattern.search(str(u))
        messages.append(None if hit is None else
                        f"{name} contains the control character U+{ord(hit.group()):04X} "
                        "(a corrupted or binary file?)")
    array = np.array([*messages, None], dtype=object)
    return pd.Series(array[codes], index=text.index, dtype=object)


def by_unique(text: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """Apply ``function`` to the distinct present values only, then broadcast back."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    array = np.array([function(str(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(array[codes], index=text.index, dtype=object)
