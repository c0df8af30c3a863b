"""Read tabular files into raw (all-text) DataFrames, whatever their format or encoding.

Values are kept as text so that validation, not the reader, decides what is a bad number or
date: nothing is coerced or dropped here. Every reader returns a :class:`RawTable` whose
rows carry the number a user finds them by in the source (:class:`RowNumbering`: the file
line for text files, header = line 1; the sheet row for Excel; the record for JSON and
Parquet; the index label for a DataFrame), and whose ``problems`` list the row-level
defects only the reader can see (a line with too many cells, a nested JSON value).
File-level defects raise :class:`~opinion.errors.DataValidationError` with a one-line
message: a missing, empty or unreadable file, a header with an empty or repeated column
name, a workbook whose sheet is not chosen.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opinion.errors import DataValidationError
from opinion.io.excel import read_sheet
from opinion.io.text import decode, read_text_table

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

PROBLEM_COLUMNS = ["position", "column", "value", "problem"]


@dataclass(frozen=True)
class RowNumbering:
    """What the row numbers of a table count: the one convention of every validation output.

    A row is numbered as its source shows it, so that a user can go straight to it: a text
    file's **line** as an editor numbers it (header = line 1, so the first data row is line
    2; a record spanning several lines is numbered by its first), an Excel sheet's **row**
    number, a JSON or Parquet **record** (first record = 1), a DataFrame's **index** label.
    The same file gives the same numbers to ``opinion validate``, ``validation_report()``,
    ``rejects`` and ``problems``.

    Attributes
    ----------
    unit
        The word printed before each number (``"line"``, ``"row"``, ``"record"``,
        ``"index"``).
    meaning
        One sentence saying what the numbers count (printed under a validation report).
    """

    unit: str = "row"
    meaning: str = ""

    @classmethod
    def text_lines(cls, header_line: int = 1) -> RowNumbering:
        return cls("line", "line = line of the file as an editor numbers it, header = "
                           f"line {header_line}")

    @classmethod
    def sheet_rows(cls, sheet: str, header_row: int = 1) -> RowNumbering:
        return cls("row", f"row = row of sheet {sheet!r} as Excel numbers it, header = "
                          f"row {header_row}")

    @classmethod
    def records(cls) -> RowNumbering:
        return cls("record", "record = position of the record in the file, first record = 1")

    @classmethod
    def index_labels(cls) -> RowNumbering:
        return cls("index", "index = the DataFrame's index label; give read_polls the file's "
                            "path to get its line numbers")


@dataclass(frozen=True)
class RawTable:
    """A table as read from disk, before validation.

    Attributes
    ----------
    frame
        All values as text (``None`` for empty cells); columns are unique, named strings.
    source
        Where it came from (a path or ``"<DataFrame>"``).
    lines
        The number a user finds each row of ``frame`` by (see :class:`RowNumbering`): the
        file line where the record starts (header = line 1), the Excel row, the JSON or
        Parquet record (from 1) or the DataFrame's index label.
    encoding, delimiter
        What was used to read a text file.
    problems
        Row-level problems found while reading: ``position`` (row of ``frame``),
        ``column``, ``value``, ``problem``.
    notes
        What the reader decided that a user should know (e.g. which sheet was read).
    numbering
        What ``lines`` count (:class:`RowNumbering`).
    """

    frame: pd.DataFrame
    source: str
    lines: pd.Series
    encoding: str | None = None
    delimiter: str | None = None
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    notes: tuple[str, ...] = ()
    numbering: RowNumbering = field(default_factory=RowNumbering)


# ------------------------------------------------------------------ header checks
def check_columns(names: list[Any], source: str, where: str = "header") -> list[str]:
    """Column names as stripped strings; refuse empty or repeated names (all named at once)."""
    text = [_name(c) for c in names]
    empty = [i + 1 for i, name in enumerate(text) if not name]
    if empty:
        raise DataValidationError(
            f"{source}: {where}: column {', '.join(map(str, empty))} has no name (every "
            "column needs one)"
        )
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(text, start=1):
        positions.setdefault(name, []).append(i)
    dupes = {name: cols for name, cols in positions.items() if len(cols) > 1}
    if dupes:
        listed = "; ".join(f"{name!r} (columns {', '.join(map(str, cols))})"
                           for name, cols in dupes.items())
        raise DataValidationError(
            f"{source}: {where}: duplicate column names: {listed}; rename or remove the copies"
        )
    return text


def _name(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).replace("\ufeff", "").strip()


def _drop_unnamed_empty(header: list[str], rows: list[list[Any]]) -> tuple[list[str], list]:
    """Drop columns that have neither a name nor a value (spacer columns)."""
    unnamed = [i for i, name in enumerate(header) if not _name(name)]
    if not unnamed:
        return header, rows
    empty = [i for i in unnamed
             if all(r[i] is None or not str(r[i]).strip() for r in rows)]
    if not empty:
        return header, rows
    keep = [i for i in range(len(header)) if i not in set(empty)]
    return [header[i] for i in keep], [[r[i] for i in keep] for r in rows]


def _problems(rows: list[tuple[int, str, str | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS) if rows else pd.DataFrame(
        columns=PROBLEM_COLUMNS)


# ------------------------------------------------------------------ text and Excel
def _frame_of_cells(header: list[str], rows: list[list[Any]]) -> pd.DataFrame:
    """Cells stripped (empty -> None), cleaned once per distinct value of the whole table."""
    array = np.empty((len(rows), len(header)), dtype=object)
    if rows:
        array[:] = rows
    codes, uniques = pd.factorize(array.ravel(), use_na_sentinel=True)
    cleaned = np.array([_strip_or_none(u) for u in uniques] + [None], dtype=object)
    array = cleaned[codes].reshape(array.shape)
    return pd.DataFrame(array, columns=header, dtype=object)


def _without_blank_rows(frame: pd.DataFrame, lines: pd.Series,
                        problems: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    blank = frame.isna().all(axis=1).to_numpy() if frame.shape[1] else np.zeros(len(frame), bool)
    if not blank.any():
        return frame, lines, problems
    new_position = np.cumsum(~blank) - 1
    if len(problems):
        problems = problems[~blank[problems["position"].to_numpy(dtype=int)]].copy()
        problems["position"] = new_position[problems["position"].to_numpy(dtype=int)]
    return (frame[~blank].reset_index(drop=True), lines[~blank].reset_index(drop=True),
            problems.reset_index(drop=True))


def _read_text(path: Path, default: str, hints: frozenset[str]) -> RawTable:
    table = read_text_table(path, hints=hints, default=default)
    header, rows = _drop_unnamed_empty(table.header, table.rows)
    header = check_columns(header, str(path), f"line {table.header_line} (header)")
    frame = _frame_of_cells(header, rows)
    lines = pd.Series(table.lines, dtype="int64")
    frame, lines, problems = _without_blank_rows(frame, lines, _problems(table.problems))
    notes: tuple[str, ...] = ()
    if table.delimiter != default:
        names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
        notes += (f"read as {names[table.delimiter]}-separated text",)
    if table.encoding in ("cp1252", "latin-1"):
        notes += (f"decoded as {table.encoding} (the file is not valid UTF-8)",)
    return RawTable(frame, str(path), lines, table.encoding, table.delimiter, problems, notes,
                    RowNumbering.text_lines(table.header_line))


def _read_excel(path: Path, hints: frozenset[str], sheet: str | int | None) -> RawTable:
    table = read_sheet(path, hints=hints, sheet=sheet)
    header, rows = _drop_unnamed_empty(table.header, table.rows)
    where = f"sheet {table.sheet!r}, row {table.header_line} (header)"
    header = check_columns(header, str(path), where)
    frame = _frame_of_cells(header, rows)
    lines = pd.Series(table.lines, dtype="int64")
    frame, lines, problems = _without_blank_rows(frame, lines, _problems(table.problems))
    notes = ()
    if len(table.sheets) > 1:
        others = ", ".join(repr(s) for s in table.sheets if s != table.sheet)
        notes = (f"read sheet {table.sheet!r} (the workbook also has {others})",)
    return RawTable(frame, str(path), lines, None, None, problems, notes,
                    RowNumbering.sheet_rows(table.sheet, table.header_line))


# ------------------------------------------------------------------ JSON
class _DuplicateKeyError(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


def _read_json(path: Path) -> RawTable:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"{path}: cannot read the file ({exc.strerror})") from None
    text, encoding = decode(raw, str(path))
    try:
        payload = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    except _DuplicateKeyError as exc:
        raise DataValidationError(
            f"{path}: a JSON object repeats the key {exc.args[0]!r} (duplicate column)"
        ) from None
    except RecursionError:
        raise DataValidationError(f"{path}: JSON nested too deeply to be a table") from None
    except ValueError as exc:  # e.g. integers longer than Python's 4300-digit limit
        raise DataValidationError(f"{path}: cannot read JSON ({exc})") from None
    records = _json_records(payload, path)
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    header = check_columns(list(columns), str(path), "record keys")
    frame = pd.DataFrame.from_records(records, columns=list(columns))
    frame.columns = header
    frame, problems = as_text(frame)
    lines = pd.Series(np.arange(1, len(frame) + 1), dtype="int64")
    return RawTable(frame, str(path), lines, encoding, None, problems,
                    numbering=RowNumbering.records())


def _json_records(payload: Any, path: Path) -> list[dict[str, Any]]:
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
        raise DataValidationError(f"{path}: expected a JSON list of records (objects)")
    if not payload:
        raise DataValidationError(f"{path}: the file is empty (no records)")
    return payload


# ------------------------------------------------------------------ cells as text
def clean_text(values: pd.Series) -> pd.Series:
    """Strip whitespace from text cells; empty or missing cells become ``None`` (vectorised)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cleaned = np.array([_strip_or_none(u) for u in uniques] + [None], dtype=object)
    return pd.Series(cleaned[codes], index=values.index, dtype=object)


def _strip_or_none(value: object) -> str | None:
    text = str(value).strip()
    return text or None


_SCALARS = (str, int, float, bool, np.integer, np.floating, np.bool_)


def as_text(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every cell as text (or ``None``), dates in ISO format; flag non-scalar cells.

    Returns the text frame and a problems table (``position, column, value, problem``) of
    cells holding a list, mapping, array or bytes: one value was expected.
    """
    columns: dict[str, pd.Series] = {}
    problems: list[tuple[int, str, str | None, str]] = []
    for j, col in enumerate(frame.columns):
        series = frame.iloc[:, j]
        name = str(col)
        kind = series.dtype.kind
        if kind in "OSU" or isinstance(series.dtype, pd.StringDtype):
            values = series.to_numpy(dtype=object)
            odd = [i for i, v in enumerate(values)
                   if v is not None and not isinstance(v, str) and not _is_missing(v)]
            if not odd:
                columns[name] = clean_text(pd.Series(values, index=frame.index, dtype=object))
                continue
            for i in odd:
                if not isinstance(values[i], (*_SCALARS, numbers.Number)) \
                        and not hasattr(values[i], "isoformat"):
                    problems.append((i, name, _short(values[i]),
                                     f"{name} holds a {type(values[i]).__name__}, not a "
                                     "single value"))
        columns[name] = pd.Series([_cell_text(v) for v in series.to_numpy(dtype=object)],
                                  index=frame.index, dtype=object)
    return pd.DataFrame(columns, index=frame.index), _problems(problems)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(value != value)
    return bool(isinstance(value, np.datetime64) and np.isnat(value))


def _cell_text(value: object) -> str | None:
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, np.datetime64):
        return _cell_text(pd.Timestamp(value))
    if hasattr(value, "isoformat") and not isinstance(value, (list, dict, Mapping)):
        return value.isoformat()
    if isinstance(value, (float, np.floating)) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (bytes, bytearray)):
        return _short(value)
    text = str(value).strip()
    return text or None


# ------------------------------------------------------------------ entry points
def read_table(
    source: str | Path,
    header_hints: frozenset[str] = frozenset(),
    *,
    sheet: str | int | None = None,
) -> RawTable:
    """Read a CSV, TSV, JSON, Excel or Parquet file into a raw text table.

    Parameters
    ----------
    source
        Path to the file; the format is taken from its extension.
    header_hints
        Lower-case column names that identify the header row of a spreadsheet that has title
        rows above its table, and the delimiter of a text file.
    sheet
        Excel only: the sheet to read (name or 0-based position). Required when several
        sheets hold data.

    Raises
    ------
    DataValidationError
        The file does not exist, is empty, is not of a supported format, or its header has
        empty or repeated column names.
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
    if sheet is not None and kind != "excel":
        raise DataValidationError(f"{path}: sheet= applies to Excel workbooks only")
    if kind in ("csv", "tsv"):
        return _read_text(path, "," if kind == "csv" else "\t", header_hints)
    if kind == "json":
        return _read_json(path)
    if kind == "excel":
        return _read_excel(path, header_hints, sheet)
    return _read_parquet(path)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several error types for broken files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataValidationError(f"{path}: cannot read as Parquet ({first})") from None
    if frame.empty:
        raise DataValidationError(f"{path}: the file is empty")
    frame = frame.reset_index(drop=True)
    frame.columns = check_columns(list(frame.columns), str(path), "columns")
    text, problems = as_text(frame)
    lines = pd.Series(np.arange(1, len(text) + 1), dtype="int64")
    return RawTable(text, str(path), lines, None, None, problems,
                    numbering=RowNumbering.records())


def from_dataframe(frame: pd.DataFrame, source: str = "<DataFrame>") -> RawTable:
    """Wrap an in-memory DataFrame as a raw table (row numbers are its index labels)."""
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(f"{source}: expected a pandas DataFrame, got "
                                  f"{type(frame).__name__}")
    if frame.shape[1] == 0:
        raise DataValidationError(f"{source}: the DataFrame has no columns")
    names = check_columns(list(frame.columns), source, "columns")
    positional = frame.set_axis(range(frame.shape[1]), axis=1)
    text, problems = as_text(positional.set_axis(names, axis=1).reset_index(drop=True))
    lines = pd.Series(frame.index.to_numpy(dtype=object), dtype=object)
    return RawTable(text, source, lines, None, None, problems,
                    numbering=RowNumbering.index_labels())
