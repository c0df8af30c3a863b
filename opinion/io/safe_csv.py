"""CSV files the toolkit writes are safe to open in a spreadsheet.

Poll text is untrusted: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return would be read as a formula by Excel, LibreOffice or Google Sheets. Such
text cells get a leading apostrophe (the OWASP advice), numbers are left alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from opinion.errors import OpinionError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and column name) that starts like a formula prefixed
    with ``'``."""
    def fix(value: object) -> object:
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(fix)
    out.columns = [fix(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as UTF-8 CSV with formula cells neutralised; a path that cannot be
    written is an :class:`~opinion.errors.OpinionError`."""
    path = Path(path)
    try:
        neutralise(frame).to_csv(path, index=index)
    except OSError as exc:
        raise OpinionError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
