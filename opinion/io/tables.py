"""Read tabular files into raw (all-text) DataFrames, whatever their format or encoding.

Values are kept as text so that validation, not the reader, decides what is a bad number or
date: nothing is coerced or dropped here.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError

SUPPORTED_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class RawTable:
    """A table as read from disk, before validation.

    Attributes
    ----------
    frame
        All values as text (``None`` for empty cells) except Parquet/JSON numbers.
    source
        Where it came from (a path or ``"<DataFrame>"``).
    first_data_line
        1-based line (or spreadsheet row) of the first data row, so that problems can be
        reported at the line a user sees in an editor or in Excel.
    encoding
        The text encoding that was used, if any.
    """

    frame: pd.DataFrame
    source: str
    first_data_line: int | None = 2
    encoding: str | None = None
    lines: pd.Series | None = None
    """Per-row line numbers when rows were skipped (blank lines); else derived."""


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first; otherwise Windows-1252, then Latin-1.

    No statistical guessing: on short files encoding detectors confuse Windows-1252 with
    other single-byte code pages and garble accented names.
    """
    if not raw.strip():
        raise DataValidationError(f"{path}: the file is empty")
    for encoding, label in (("utf-8-sig", "utf-8"), ("cp1252", "cp1252")):
        try:
            return raw.decode(encoding), label
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1"), "latin-1"


def _read_text(path: Path, sep: str) -> RawTable:
    text, encoding = _decode(path.read_bytes(), path)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
            skipinitialspace=True, skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise DataValidationError(f"{path}: the file is empty") from exc
    except pd.errors.ParserError as exc:
        raise DataValidationError(f"{path}: cannot parse as delimited text ({exc})") from exc
    if frame.empty and len(frame.columns) == 0:
        raise DataValidationError(f"{path}: the file is empty")
    frame = pd.DataFrame({str(c).strip(): clean_text(frame[c]) for c in frame.columns})
    lines = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    blank = frame.isna().all(axis=1)
    frame, lines = frame[~blank].reset_index(drop=True), lines[~blank].reset_index(drop=True)
    return RawTable(frame, str(path), 2, encoding, lines)


def _read_json(path: Path) -> RawTable:
    text, encoding = _decode(path.read_bytes(), path)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from exc
    if isinstance(payload, dict):
        lists = [v for v in payload.values() if isinstance(v, list)]
        if "polls" in payload and isinstance(payload["polls"], list):
            payload = payload["polls"]
        elif len(lists) == 1:
            payload = lists[0]
        else:
            raise DataValidationError(
                f"{path}: expected a JSON list of records (or an object with a 'polls' list)"
            )
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        raise DataValidationError(f"{path}: expected a JSON list of records")
    if not payload:
        raise DataValidationError(f"{path}: the file is empty (no records)")
    return RawTable(_as_text(pd.DataFrame.from_records(payload)), str(path), 1, encoding)


def _read_excel(path: Path, header_hints: frozenset[str]) -> RawTable:
    try:
        grid = pd.read_excel(path, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise DataValidationError(f"{path}: cannot read as an Excel workbook ({exc})") from exc
    grid = grid.dropna(how="all").dropna(axis=1, how="all")
    if grid.empty:
        raise DataValidationError(f"{path}: the workbook's first sheet is empty")
    header_pos = _find_header_row(grid, header_hints)
    header_label = grid.index[header_pos]
    columns = [str(c).strip() for c in grid.iloc[header_pos].tolist()]
    body = grid.iloc[header_pos + 1 :].copy()
    body.columns = columns
    first_line = int(header_label) + 2  # pandas rows are 0-based; Excel rows 1-based
    lines = pd.Series(body.index.to_numpy() + 1)  # Excel row numbers, blank rows skipped
    return RawTable(_as_text(body.reset_index(drop=True)), str(path), first_line, None, lines)


def _find_header_row(grid: pd.DataFrame, hints: frozenset[str]) -> int:
    """Find the header row of a sheet that may have title rows above the table."""
    width = grid.notna().sum(axis=1)
    best, best_score = 0, -1
    for pos in range(min(len(grid), 30)):
        cells = [str(v).strip().lower() for v in grid.iloc[pos].tolist() if pd.notna(v)]
        score = sum(c in hints for c in cells)
        if score > best_score:
            best, best_score = pos, score
    if best_score > 0:
        return best
    return int((width >= width.max()).to_numpy().argmax())


def clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace from text cells; empty or missing cells become ``None`` (vectorised)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = np.array([_strip_or_none(u) for u in uniques] + [None], dtype=object)
    return pd.Series(cleaned[codes], index=values.index, dtype=object)


def _strip_or_none(value: object) -> str | None:
    text = str(value).strip()
    return text or None


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep every cell as text (or None), dates in ISO format."""
    columns = {}
    for col in frame.columns:
        series = frame[col]
        kind = series.dtype.kind
        if kind in "OSU" or isinstance(series.dtype, pd.StringDtype):
            is_text = series.map(lambda v: v is None or isinstance(v, str)).all() if kind == "O" \
                else True
            if is_text:
                columns[str(col).strip()] = clean_text(series)
                continue
        columns[str(col).strip()] = pd.Series(
            [_cell_text(v) for v in series.astype(object)], index=frame.index, dtype=object
        )
    return pd.DataFrame(columns, index=frame.index)


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_table(source: str | Path, header_hints: frozenset[str] = frozenset()) -> RawTable:
    """Read a CSV, TSV, JSON, Excel or Parquet file into a raw text table.

    Parameters
    ----------
    source
        Path to the file; the format is taken from its extension.
    header_hints
        Lower-case column names that identify the header row of a spreadsheet that has title
        rows above its table.

    Raises
    ------
    DataValidationError
        The file does not exist, is empty, or is not of a supported format.
    """
    path = Path(source)
    if not path.exists():
        raise DataValidationError(f"{path}: no such file")
    if path.is_dir():
        raise DataValidationError(f"{path}: is a folder, not a file")
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DataValidationError(
            f"{path}: unsupported file type '{path.suffix}' (use {supported})"
        )
    if kind == "csv":
        return _read_text(path, ",")
    if kind == "tsv":
        return _read_text(path, "\t")
    if kind == "json":
        return _read_json(path)
    if kind == "excel":
        return _read_excel(path, header_hints)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several error types for broken files
        raise DataValidationError(f"{path}: cannot read as Parquet ({exc})") from exc
    if frame.empty:
        raise DataValidationError(f"{path}: the file is empty")
    return RawTable(_as_text(frame.reset_index(drop=True)), str(path), 1, None)


def from_dataframe(frame: pd.DataFrame, source: str = "<DataFrame>") -> RawTable:
    """Wrap an in-memory DataFrame as a raw table (row numbers are its index labels)."""
    if frame.shape[1] == 0:
        raise DataValidationError(f"{source}: the DataFrame has no columns")
    return RawTable(_as_text(frame), source, None, None)
