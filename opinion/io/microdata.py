"""Read respondent-level survey files (SPSS, Stata, CSV) into :class:`Microdata`.

What is kept from the file:

* value labels and variable labels (pyreadstat metadata);
* SPSS user-missing values (``missing_ranges``, read with ``user_missing=True``): the cell
  becomes NA with reason = the code's value label (e.g. "Refused"), else
  ``"user-missing code 98"``;
* Stata extended missing values ``.a``-``.z``: reason ``"Stata .a"``, or
  ``"Stata .a (Refused)"`` when the letter has a value label;
* empty strings in ``.sav``/``.dta`` string variables (ReadStat's representation of a
  missing string) and every other missing value: ``"system missing"``.

Codes the file does not declare (e.g. ``-1`` = refused in a CSV export) are declared with
``missing_codes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from opinion.errors import DataValidationError
from opinion.frames.microdata import Microdata, format_code, reason_column

__all__ = ["MICRODATA_SUFFIXES", "read_microdata"]

MICRODATA_SUFFIXES: dict[str, str] = {
    ".sav": "spss",
    ".zsav": "spss",
    ".dta": "stata",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "csv",
}
"""File suffixes :func:`read_microdata` understands, and their format."""

_READSTAT_ERRORS: tuple[type[BaseException], ...] = tuple(
    e for e in (getattr(pyreadstat, "ReadstatError", None),
                getattr(pyreadstat, "PyreadstatError", None)) if e is not None
)


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
        -3: "inapplicable"}``, or ``{variable: {code: reason}}`` per variable. They take
        precedence over reasons declared in the file.
    weight : str, optional
        Name of the weight variable, used by default by ``topline`` and ``to_pollframe``.
    encoding : str, optional
        Text encoding (CSV: default UTF-8, falling back to Windows-1252; SPSS/Stata:
        passed to pyreadstat, which otherwise uses the file's own declaration).

    Returns
    -------
    Microdata

    Raises
    ------
    DataValidationError
        The file does not exist, has an unsupported extension, cannot be parsed, or the
        weight / ``missing_codes`` name an unknown variable.
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
        return _read_spss(p, missing_codes, weight, encoding)
    if kind == "stata":
        return _read_stata(p, missing_codes, weight, encoding)
    return _read_text(p, missing_codes, weight, encoding, sep="\t" if kind == "tsv" else ",")


# --------------------------------------------------------------------------------------
# SPSS
# --------------------------------------------------------------------------------------


def _read_spss(
    path: Path, missing_codes: Any, weight: str | None, encoding: str | None
) -> Microdata:
    try:
        data, meta = pyreadstat.read_sav(
            str(path), user_missing=True, dates_as_pandas_datetime=True, encoding=encoding
        )
    except _READSTAT_ERRORS as exc:
        raise DataValidationError(f"{path}: cannot read SPSS file: {exc}") from None
    value_labels = dict(meta.variable_value_labels or {})
    reasons: dict[str, pd.Categorical] = {}
    declared: dict[str, dict[Any, str]] = {}
    for var, ranges in (meta.missing_ranges or {}).items():
        if var not in data.columns or not ranges:
            continue
        column = data[var]
        labels = value_labels.get(var, {})
        hit = pd.Series(False, index=data.index)
        for rng in ranges:
            lo, hi = rng["lo"], rng["hi"]
            if _is_number(lo) and pd.api.types.is_numeric_dtype(column):
                hit |= column.between(lo, hi).fillna(False).astype(bool)
                # catalogue the labelled codes in the range even if no one used them
                for code in labels:
                    if _is_number(code) and lo <= code <= hi:
                        declared.setdefault(var, {})[code] = _spss_reason(code, labels)
            else:
                text = column.astype("string").str.rstrip()  # SPSS pads strings
                hit |= (text == str(lo).rstrip()).fillna(False).astype(bool)
        if not hit.any():
            continue
        codes = pd.unique(column[hit])
        table = {code: _spss_reason(code, labels) for code in codes}
        declared.setdefault(var, {}).update(table)
        reasons[var] = reason_column(column, hit.to_numpy(), table)
    data = _blank_strings_to_na(data)
    return Microdata.from_frame(
        data,
        missing_codes=missing_codes,
        value_labels=value_labels,
        variable_labels=meta.column_names_to_labels,
        weight=weight,
        source=str(path),
        declared_missing=_declared(reasons, data.index),
        declared_codes=declared,
    )


def _spss_reason(code: Any, labels: Mapping[Any, str]) -> str:
    label = labels.get(code)
    return str(label) if label else f"user-missing code {format_code(code)}"


# --------------------------------------------------------------------------------------
# Stata
# --------------------------------------------------------------------------------------


def _read_stata(
    path: Path, missing_codes: Any, weight: str | None, encoding: str | None
) -> Microdata:
    try:
        tagged, meta = pyreadstat.read_dta(
            str(path), user_missing=True, dates_as_pandas_datetime=True, encoding=encoding
        )
    except _READSTAT_ERRORS as exc:
        raise DataValidationError(f"{path}: cannot read Stata file: {exc}") from None
    value_labels = dict(meta.variable_value_labels or {})
    types = dict(meta.readstat_variable_types or {})
    tagged_vars = [
        v for v in (meta.missing_user_values or {})
        if v in tagged.columns and types.get(v) != "string"
    ]
    data = tagged
    reasons: dict[str, pd.Categorical] = {}
    declared: dict[str, dict[Any, str]] = {}
    if tagged_vars:
        # pyreadstat 1.3.7 returns 0 (not NaN) for *system* missing values in integer columns
        # that also hold extended missing values when user_missing=True, so the values are
        # taken from a plain read and only the letters from the user_missing read.
        try:
            plain, _ = pyreadstat.read_dta(
                str(path), user_missing=False, dates_as_pandas_datetime=True,
                encoding=encoding, usecols=tagged_vars,
            )
        except _READSTAT_ERRORS as exc:  # pragma: no cover - same file just read
            raise DataValidationError(f"{path}: cannot read Stata file: {exc}") from None
        data = tagged.copy()
        for var in tagged_vars:
            letters = tagged[var].map(lambda v: v if isinstance(v, str) else None)
            is_tag = letters.notna()
            labels = value_labels.get(var, {})
            table = {t: _stata_reason(t, labels) for t in pd.unique(letters[is_tag])}
            reasons[var] = reason_column(letters, is_tag.to_numpy(), table)
            declared[var] = table
            data[var] = pd.to_numeric(plain[var], errors="coerce").astype(float)
    for var in data.columns:
        # integer columns with missing values can come back as object: make them numbers
        column = data[var]
        if column.dtype == object and types.get(var) != "string" and pd.api.types.infer_dtype(
            column, skipna=True
        ) in ("integer", "floating", "mixed-integer-float"):
            data[var] = pd.to_numeric(column, errors="coerce").astype(float)
    data = _blank_strings_to_na(data)
    return Microdata.from_frame(
        data,
        missing_codes=missing_codes,
        value_labels=value_labels,
        variable_labels=meta.column_names_to_labels,
        weight=weight,
        source=str(path),
        declared_missing=_declared(reasons, data.index),
        declared_codes=declared,
    )


def _stata_reason(tag: str, labels: Mapping[Any, str]) -> str:
    label = labels.get(tag)
    return f"Stata .{tag} ({label})" if label else f"Stata .{tag}"


# --------------------------------------------------------------------------------------
# CSV / TSV
# --------------------------------------------------------------------------------------


def _read_text(
    path: Path, missing_codes: Any, weight: str | None, encoding: str | None, sep: str
) -> Microdata:
    encodings = [encoding] if encoding else ["utf-8-sig", "cp1252"]
    last: Exception | None = None
    for enc in encodings:
        try:
            data = pd.read_csv(path, sep=sep, encoding=enc)
            break
        except UnicodeDecodeError as exc:
            last = exc
        except pd.errors.EmptyDataError:
            raise DataValidationError(f"{path}: the file is empty") from None
        except pd.errors.ParserError as exc:
            raise DataValidationError(f"{path}: cannot parse as delimited text: {exc}") from None
    else:
        raise DataValidationError(f"{path}: cannot decode text ({last})") from None
    return Microdata.from_frame(
        data, missing_codes=missing_codes, weight=weight, source=str(path)
    )


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
