"""Read one sheet of an Excel workbook (.xlsx/.xlsm) as text cells, as Excel displays them.

* Every sheet of the workbook is looked at. A sheet is a *data sheet* when one of its first
  30 rows holds at least two known column names. With one data sheet it is read; with
  several, or none and several non-empty sheets, the caller must pick one (``sheet=``) and
  the error lists every sheet.
* Title rows above the header are skipped; row numbers are Excel's own.
* Cells formatted as a percentage are read as the percentage Excel shows (a stored 0.66
  shown as "66%" becomes the text ``"66%"``), never as the fraction.
* Formulas are read as their last computed value (``data_only``).
* Old ``.xls`` files (BIFF) are not read: save them as ``.xlsx`` or CSV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opinion.errors import DataValidationError
from opinion.io.text import EXTRA_CELLS

HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class SheetTable:
    """A sheet's header and rows of text cells, with Excel row numbers."""

    sheet: str
    header: list[str]
    rows: list[list[str | None]]
    lines: list[int]
    sheets: list[str]
    header_line: int
    problems: list[tuple[int, str, str | None, str]]


def _open(path: Path) -> Any:
    import openpyxl

    if path.suffix.lower() == ".xls":
        raise DataValidationError(
            f"{path}: the old Excel format (.xls) is not supported; save it as .xlsx or CSV"
        )
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors of many types
        raise DataValidationError(
            f"{path}: cannot read as an Excel workbook ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'corrupt file'})"
        ) from None


def cell_text(value: Any, number_format: str | None) -> str | None:
    """Text of one cell as Excel displays it (percent-formatted numbers as percentages)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None
        if number_format and "%" in number_format:
            return f"{_number_text(round(value * 100, 10))}%"
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _grid(ws: Any, max_row: int | None = None) -> list[tuple[int, list[str | None]]]:
    """(Excel row number, cell texts) of the non-empty rows of a sheet."""
    out = []
    for row in ws.iter_rows(max_row=max_row):
        cells = [cell_text(c.value, c.number_format) for c in row]
        if any(v is not None for v in cells):
            out.append((row[0].row, cells))
    return out


def _header_position(grid: list[tuple[int, list[str | None]]],
                     hints: frozenset[str]) -> tuple[int, int]:
    """(position in grid, number of known names) of the likeliest header row."""
    best, best_score = 0, -1
    for pos, (_, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        score = sum(str(c).strip().lower() in hints for c in cells if c is not None)
        if score > best_score:
            best, best_score = pos, score
    if best_score > 0:
        return best, best_score
    widths = [sum(c is not None for c in cells) for _, cells in grid[:HEADER_SEARCH_ROWS]]
    return (widths.index(max(widths)) if widths else 0), 0


def _choose_sheet(wb: Any, path: Path, hints: frozenset[str], sheet: str | int | None) -> Any:
    names = list(wb.sheetnames)
    listing = ", ".join(repr(n) for n in names)
    if sheet is not None:
        if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
            return wb[names[sheet]]
        if isinstance(sheet, str) and sheet in names:
            return wb[sheet]
        raise DataValidationError(f"{path}: no sheet {sheet!r} (sheets: {listing})")
    scored = []
    for ws in wb.worksheets:
        grid = _grid(ws, HEADER_SEARCH_ROWS)
        score = _header_position(grid, hints)[1] if grid else -1
        scored.append((ws, score))
    data = [ws for ws, score in scored if score >= 2]
    non_empty = [ws for ws, score in scored if score >= 0]
    if len(data) == 1:
        return data[0]
    if not data and len(non_empty) == 1:
        return non_empty[0]
    if not non_empty:
        raise DataValidationError(f"{path}: the workbook has no data (sheets: {listing})")
    candidates = data or non_empty
    kind = "look like poll tables" if data else "have data"
    raise DataValidationError(
        f"{path}: {len(candidates)} sheets {kind}: "
        f"{', '.join(repr(ws.title) for ws in candidates)} (all sheets: {listing}); choose "
        f"one with sheet={candidates[0].title!r} (CLI: --sheet)"
    )


def read_sheet(path: Path, *, hints: frozenset[str] = frozenset(),
               sheet: str | int | None = None) -> SheetTable:
    """Read the data sheet of a workbook (see the module notes)."""
    wb = _open(path)
    try:
        ws = _choose_sheet(wb, path, hints, sheet)
        grid = _grid(ws)
    finally:
        wb.close()
    if not grid:
        raise DataValidationError(f"{path}: sheet {ws.title!r} is empty")
    pos, _ = _header_position(grid, hints)
    header_row = grid[pos][1]
    width = max(i + 1 for i, c in enumerate(header_row) if c is not None)
    header = [c if c is not None else "" for c in header_row[:width]]
    body = grid[pos + 1:]
    rows, lines, problems = [], [], []
    for number, cells in body:
        extra = [c for c in cells[width:] if c is not None]
        if extra:
            shown = ", ".join(repr(c)[:30] for c in extra[:3]) + (", ..." if len(extra) > 3 else "")
            problems.append((len(rows), EXTRA_CELLS, shown,
                             f"row has values beyond the header's {width} columns "
                             f"(extra: {shown})"))
        rows.append((cells + [None] * width)[:width])
        lines.append(number)
    return SheetTable(ws.title, header, rows, lines, list(wb.sheetnames), grid[pos][0],
                      problems)
