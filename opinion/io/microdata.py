"""Read respondent-level survey files (SPSS, Stata, CSV) into raw data plus metadata.

This is the disk side of microdata: it returns a :class:`RawMicrodata` (values, value and
variable labels, and the missing-value reasons the *file* declares). The validated
container, :class:`~opinion.frames.Microdata`, is built by
:func:`opinion.frames.read_microdata`.

What is kept from the file:

* value labels and variable labels (pyreadstat metadata);
* SPSS user-missing values (``missing_ranges``, read with ``user_missing=True``): the cell
  gets reason = the code's value label (e.g. "Refused"), else ``"user-missing code 98"``;
* Stata extended missing values ``.a``-``.z``: reason ``"Stata .a"``, or
  ``"Stata .a (Refused)"`` when the letter has a value label;
* empty strings in ``.sav``/``.dta`` string variables (ReadStat's representation of a
  missing string) become missing.

CSV/TSV files: only *empty* cells are missing. Text such as ``NA`` (Namibia), ``None``,
``null`` or ``n/a`` is a value unless declared with ``missing_codes``. A column is numeric
when every non-empty cell is a plain number (decimal point). The delimiter (comma,
semicolon, tab, pipe) is the one that splits the header into the most cells; a header with
an empty or repeated name, or a line with a different number of cells than the header, is
refused with the line number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError
from opinion.io.tables import check_columns
from opinion.io.text import decode, split_table

__all__ = ["MICRODATA_SUFFIXES", "RawMicrodata", "format_code", "read_microdata_file"]

MICRODATA_SUFFIXES: dict[str, str] = {
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
}
"""File suffixes :func:`read_microdata_file` understands, and their format."""


@dataclass(frozen=True)
class RawMicrodata:
    """A respondent file as read: values and what the file says about them.

    Attributes
    ----------
    data
        One row per respondent; file-declared missing codes are still in place.
    value_labels, variable_labels
        ``{variable: {code: label}}`` and ``{variable: label}``.
    declared_missing
        Reasons the file declares for some cells (same index as ``data``; a subset of
        its columns; NA where nothing is declared), or None.
    declared_codes
        ``{variable: {code: reason}}``: the file's catalogue of missing-value codes.
    source
        The path read.
    """

    data: pd.DataFrame
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    variable_labels: dict[str, str | None] = field(default_factory=dict)
    declared_missing: pd.DataFrame | None = None
    declared_codes: dict[str, dict[Any, str]] = field(default_factory=dict)
    source: str = ""


def format_code(value: Any) -> str:
    """Display form of a response code: ``98.0 -> "98"``, ``"a" -> "a"``."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def read_microdata_file(path: str | Path, *, encoding: str | None = None) -> RawMicrodata:
    """Read an SPSS ``.sav``/``.zsav``, Stata ``.dta`` or CSV/TSV file of respondents.

    Raises
    ------
    DataValidationError
        The file does not exist, has an unsupported extension, or cannot be parsed.
    """
    p = Path(path)
    kind = MICRODATA_SUFFIXES.get(p.suffix.lower())
    if kind is None:
        raise DataValidationError(
            f"{p}: unsupported microdata format '{p.suffix or '(no extension)'}' "
            f"(use {', '.join(sorted(MICRODATA_SUFFIXES))})"
        )
    if not p.is_file():
        raise DataValidationError(f"{p}: no such file")
    if kind == "spss":
        return _read_spss(p, encoding)
    if kind == "stata":
        return _read_stata(p, encoding)
    return _read_text(p, encoding, "\t" if kind == "tsv" else ",")


def _readstat(reader: Any, path: Path, what: str, **kwargs: Any) -> tuple[pd.DataFrame, Any]:
    """Call a pyreadstat reader; any failure is the file's fault, said in one line."""
    try:
        return reader(str(path), dates_as_pandas_datetime=True, **kwargs)
    except Exception as exc:  # ReadstatError, PyreadstatError, OSError, UnicodeError, ...
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataValidationError(f"{path}: cannot read {what} file: {message}") from None


def _reasons(values: pd.Series, mask: np.ndarray, reason_of: Mapping[Any, str]) -> pd.Categorical:
    """Reasons for the cells of ``values`` in ``mask`` (NaN elsewhere)."""
    out = np.full(len(values), None, dtype=object)
    picked = values.to_numpy(dtype=object)[mask]
    out[mask] = [reason_of.get(v, str(v)) for v in picked]
    return pd.Categorical(out)


# --------------------------------------------------------------------------------------
# SPSS
# --------------------------------------------------------------------------------------


def _read_spss(path: Path, encoding: str | None) -> RawMicrodata:
    import pyreadstat

    data, meta = _readstat(pyreadstat.read_sav, path, "SPSS", user_missing=True,
                           encoding=encoding)
    value_labels = dict(meta.variable_value_labels or {})
    reasons: dict[str, pd.Categorical] = {}
    declared: dict[str, dict[Any, str]] = {}
    for var, ranges in (meta.missing_ranges or {}).items():
        if var not in data.columns or not ranges:
            continue
        column = data[var]
        labels = value_labels.get(var, {})
        hit = _spss_hits(column, ranges, labels, declared.setdefault(var, {}))
        if not hit.any():
            continue
        table = {code: _spss_reason(code, labels) for code in pd.unique(column[hit])}
        declared[var].update(table)
        reasons[var] = _reasons(column, hit.to_numpy(), table)
    return RawMicrodata(
        _blank_strings_to_na(data), value_labels, dict(meta.column_names_to_labels or {}),
        _declared(reasons, data.index), {k: v for k, v in declared.items() if v}, str(path),
    )


def _spss_hits(column: pd.Series, ranges: list[dict[str, Any]], labels: Mapping[Any, str],
               catalogue: dict[Any, str]) -> pd.Series:
    """Cells of ``column`` inside its user-missing ranges; labelled codes go to catalogue."""
    hit = pd.Series(False, index=column.index)
    for rng in ranges:
        lo, hi = rng["lo"], rng["hi"]
        if _is_number(lo) and pd.api.types.is_numeric_dtype(column):
            hit |= column.between(lo, hi).fillna(False).astype(bool)
            for code in labels:  # labelled codes in the range, even if no one used them
                if _is_number(code) and lo <= code <= hi:
                    catalogue[code] = _spss_reason(code, labels)
        else:
            text = column.astype("string").str.rstrip()  # SPSS pads strings
            hit |= (text == str(lo).rstrip()).fillna(False).astype(bool)
    return hit


def _spss_reason(code: Any, labels: Mapping[Any, str]) -> str:
    label = labels.get(code)
    return str(label) if label else f"user-missing code {format_code(code)}"


# --------------------------------------------------------------------------------------
# Stata
# --------------------------------------------------------------------------------------


def _read_stata(path: Path, encoding: str | None) -> RawMicrodata:
    import pyreadstat

    tagged, meta = _readstat(pyreadstat.read_dta, path, "Stata", user_missing=True,
                             encoding=encoding)
    value_labels = dict(meta.variable_value_labels or {})
    types = dict(meta.readstat_variable_types or {})
    tagged_vars = [
        v for v in (meta.missing_user_values or {})
        if v in tagged.columns and types.get(v) != "string"
    ]
    data = tagged.copy()
    reasons: dict[str, pd.Categorical] = {}
    declared: dict[str, dict[Any, str]] = {}
    if tagged_vars:
        # pyreadstat 1.3.7 returns 0 (not NaN) for *system* missing values in integer columns
        # that also hold extended missing values when user_missing=True, so the values are
        # taken from a plain read and only the letters from the user_missing read.
        plain, _ = _readstat(pyreadstat.read_dta, path, "Stata", user_missing=False,
                             encoding=encoding, usecols=tagged_vars)
        for var in tagged_vars:
            letters = tagged[var].map(lambda v: v if isinstance(v, str) else None)
            is_tag = letters.notna()
            labels = value_labels.get(var, {})
            table = {t: _stata_reason(t, labels) for t in pd.unique(letters[is_tag])}
            reasons[var] = _reasons(letters, is_tag.to_numpy(), table)
            declared[var] = table
            data[var] = pd.to_numeric(plain[var], errors="coerce").astype(float)
    for var in data.columns:
        # integer columns with missing values can come back as object: make them numbers
        column = data[var]
        if column.dtype == object and types.get(var) != "string" and pd.api.types.infer_dtype(
            column, skipna=True
        ) in ("integer", "floating", "mixed-integer-float"):
            data[var] = pd.to_numeric(column, errors="coerce").astype(float)
    return RawMicrodata(
        _blank_strings_to_na(data), value_labels, dict(meta.column_names_to_labels or {}),
        _declared(reasons, data.index), declared, str(path),
    )


def _stata_reason(tag: str, labels: Mapping[Any, str]) -> str:
    label = labels.get(tag)
    return f"Stata .{tag} ({label})" if label else f"Stata .{tag}"


# --------------------------------------------------------------------------------------
# CSV / TSV
# --------------------------------------------------------------------------------------


def _read_text(path: Path, encoding: str | None, default: str) -> RawMicrodata:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"{path}: cannot read the file ({exc.strerror})") from None
    if encoding:
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataValidationError(f"{path}: cannot decode as {encoding} ({exc})") from None
        used = encoding
    else:
        text, used = decode(raw, str(path))
    table = split_table(text, str(path), default=default, encoding=used)
    if table.problems:
        index, _, _, problem = table.problems[0]
        more = f" (and {len(table.problems) - 1} more such lines)" if len(table.problems) > 1 \
            else ""
        raise DataValidationError(f"{path}: line {table.lines[index]}: {problem}{more}")
    header = check_columns(table.header, str(path), f"line {table.header_line} (header)")
    array = np.empty((len(table.rows), len(header)), dtype=object)
    if table.rows:
        array[:] = table.rows
    data = pd.DataFrame({name: _typed_column(array[:, j], name, table.lines, path)
                         for j, name in enumerate(header)})
    return RawMicrodata(data, source=str(path))


_PLAIN_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


def _typed_column(cells: np.ndarray, name: str, lines: list[int], path: Path) -> pd.Series:
    """Numbers when every non-empty cell is a plain number (decimal point); otherwise text.
    Only empty cells are missing. A number beyond float range is refused, not made inf."""
    text = pd.Series([c.strip() for c in cells], dtype=object)
    empty = (text == "").to_numpy()
    present = text[~empty]
    if len(present) and present.str.fullmatch(_PLAIN_NUMBER).all():
        values = pd.to_numeric(text.mask(empty), errors="coerce").astype(float)
        too_big = ~np.isfinite(values.to_numpy()) & ~empty
        if too_big.any():
            i = int(np.flatnonzero(too_big)[0])
            raise DataValidationError(
                f"{path}: line {lines[i]}, column {name}: {text.iloc[i][:30]!r} is beyond the "
                "range of a number"
            )
        if (values.dropna() == values.dropna().round()).all() and not empty.any():
            return values.astype("int64") if values.abs().max() < 2**53 else values
        return values
    return text.mask(empty, None).astype(object)


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _declared(reasons: dict[str, pd.Categorical], index: pd.Index) -> pd.DataFrame | None:
    """Reasons declared by the file, only for the variables that have any."""
    return pd.DataFrame(reasons, index=index) if reasons else None


def _blank_strings_to_na(data: pd.DataFrame) -> pd.DataFrame:
    """ReadStat represents a missing string as ``""``: make those NA."""
    out = data
    for var in data.columns:
        column = data[var]
        if pd.api.types.is_string_dtype(column) or column.dtype == object:
            text = column.astype("string")
            blank = (text.str.strip() == "").fillna(False).astype(bool)
            if column.dtype == object:  # only real strings, not e.g. objects printing as ""
                blank &= column.map(lambda v: isinstance(v, str)).astype(bool)
            if blank.any():
                if out is data:
                    out = data.copy()
                out[var] = column.mask(blank)
    return out
