"""Files the toolkit writes for people to open: CSVs safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets ("CSV injection"): a rejected row whose
pollster is ``=HYPERLINK(...)`` must not become a live link in the rejects file. Every CSV
written by :func:`write_csv` has such text cells (and column names) prefixed with ``'``,
which spreadsheets show as plain text. Plain numbers written as text (``-5``, ``+3.5``) are
left alone: they cannot run anything. Numeric columns are never touched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from opinion.errors import OutputError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet evaluate a cell."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """``'`` + the text when it starts like a formula; anything else unchanged."""
    if (isinstance(value, str) and value.startswith(FORMULA_PREFIXES)
            and not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas."""
    out = frame.copy()
    out.columns = [neutralise_cell(str(c)) if isinstance(c, str) else c for c in frame.columns]
    for j in range(out.shape[1]):
        column = out.iloc[:, j]
        if column.dtype.kind in "biufcmM" or isinstance(column.dtype, pd.CategoricalDtype):
            if not isinstance(column.dtype, pd.CategoricalDtype):
                continue
            column = column.astype(object)
        values = column.to_numpy(dtype=object)
        out.isetitem(j, pd.Series([neutralise_cell(v) for v in values], index=out.index,
                                  dtype=object))
    return out


def check_writable(path: str | Path, what: str = "output") -> Path:
    """Refuse early an output path that cannot be written (one-line :class:`OutputError`)."""
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{p}: is a folder; give a file name for the {what}")
    parent = p.parent if str(p.parent) else Path(".")
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{p}: cannot write the {what}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"{p}: cannot write the {what}: no permission to write in {existing}")
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputError(f"{p}: cannot write the {what}: the file is read-only")
    return p


def write_csv(frame: pd.DataFrame, path: str | Path, *, what: str = "CSV",
              index: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV with formula prefixes neutralised.

    Parent folders are created. Any failure to write (no permission, a folder in the way,
    a full disk) raises :class:`~opinion.errors.OutputError` with a one-line message.
    """
    p = check_writable(path, what)
    safe = neutralise_formulas(frame)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        safe.to_csv(p, index=index, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{p}: cannot write the {what} ({exc.strerror or exc})") from None
    except UnicodeEncodeError as exc:
        raise OutputError(f"{p}: cannot write the {what}: a cell holds text that is not "
                          f"valid Unicode ({exc.reason})") from None
    return p
