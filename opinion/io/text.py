"""Decode and split delimited text files without guessing silently.

* **Encoding**: a byte-order mark decides (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); a file without
  one that has NUL bytes in every other position is UTF-16 (LE or BE, by which side the NULs
  are on); otherwise strict UTF-8, then Windows-1252, then Latin-1 (which never fails). No
  statistical detector: on short files they confuse Windows-1252 with other code pages.
* **Delimiter**: the header line is split on each of ``,`` ``;`` tab and ``|``; the split that
  yields the most known column names wins (the extension's own delimiter on a tie, then the
  split with most cells). The choice is reported in :attr:`TextTable.delimiter`.
* **Cells**: Python's :mod:`csv` rules (double quotes, doubled quotes inside quotes). A
  record with more cells than the header is a row-level problem unless the extra cells are
  empty (a trailing delimiter); one with fewer cells is a row-level problem too (a line cut
  short). Blank records are skipped and never counted; line numbers are physical lines.
* **Header**: empty trailing names are dropped (a trailing delimiter); other header checks
  (empty or repeated names) are made for every format by :mod:`opinion.io.tables`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opinion.errors import DataValidationError

DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
"""Delimiters a text table may use."""

EXTRA_CELLS = "(extra cells)"
"""Column name used for a problem with cells beyond the header."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class TextTable:
    """The cells of a delimited text file, before any typing.

    Attributes
    ----------
    header
        Column names, stripped.
    rows
        One list of cells per non-blank record, padded/cut to the header's width.
    lines
        Physical line on which each record starts (header = line of the header).
    problems
        ``(record index, column, value, problem)`` for records of the wrong width.
    encoding, delimiter
        What was used to read the file.
    """

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    encoding: str
    delimiter: str
    problems: list[tuple[int, str, str | None, str]] = field(default_factory=list)
    header_line: int = 1


def decode(raw: bytes, source: str) -> tuple[str, str]:
    """Decode bytes to text; return ``(text, encoding label)``.

    Raises
    ------
    DataValidationError
        The file is empty, or has a byte-order mark its content does not follow.
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise DataValidationError(
                    f"{source}: starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (byte {exc.start + len(bom)})"
                ) from None
            return _non_empty(text, source), encoding
    utf16 = _utf16_without_bom(raw)
    if utf16 is not None:
        try:
            return _non_empty(raw.decode(utf16), source), utf16
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "cp1252"):
        try:
            return _non_empty(raw.decode(encoding), source), encoding
        except UnicodeDecodeError:
            pass
    return _non_empty(raw.decode("latin-1"), source), "latin-1"


def _non_empty(text: str, source: str) -> str:
    if not text.strip():
        raise DataValidationError(f"{source}: the file is empty")
    return text


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 LE/BE when NUL bytes fill most of one side of the first 4 KB."""
    sample = raw[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.6 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.6 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _split_line(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:
        return line.split(delimiter)


def sniff_delimiter(header_line: str, hints: frozenset[str], default: str) -> str:
    """The delimiter that splits the header into the most known column names."""
    best, best_key = default, (-1, -1, -1, -1)
    for delimiter in DELIMITERS:
        cells = [c.strip().lower() for c in _split_line(header_line, delimiter)]
        known = sum(c in hints for c in cells)
        # known names first; without any, the split with more cells; then the default
        key = (known, 0 if known else len(cells), int(delimiter == default), len(cells))
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _records_with_lines(reader: Any) -> tuple[list[list[str]], list[int], dict[int, int]]:
    """Records, the physical line each starts on, and the last line of records that span
    several lines (a quoted cell holding line breaks), by record index."""
    records, starts, ends = [], [], {}
    previous = 0
    for cells in reader:
        if reader.line_num > previous + 1:
            ends[len(records)] = reader.line_num
        records.append(cells)
        starts.append(previous + 1)
        previous = reader.line_num
    return records, starts, ends


def _header(cells: list[str]) -> list[str]:
    """Stripped names, without the empty ones a trailing delimiter leaves."""
    names = [c.strip().lstrip("\ufeff").strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    return names


def split_table(text: str, source: str, *, delimiter: str | None = None,
                hints: frozenset[str] = frozenset(), default: str = ",",
                encoding: str = "utf-8") -> TextTable:
    """Split decoded text into a header and rows of cells (see the module notes)."""
    first = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    delim = delimiter or sniff_delimiter(first, hints, default)
    def reader() -> Any:
        return csv.reader(io.StringIO(text, newline=""), delimiter=delim,
                          skipinitialspace=True, strict=False)

    try:
        records = list(reader())
        ends: dict[int, int] = {}
        if len(records) == len(io.StringIO(text, newline="").readlines()):
            starts: Any = range(1, len(records) + 1)  # one record per physical line
        else:  # a quoted cell spans lines: track where each record starts
            records, starts, ends = _records_with_lines(reader())
    except csv.Error as exc:
        raise DataValidationError(
            f"{source}: cannot split into cells ({exc})"
        ) from None
    header: list[str] | None = None
    header_line = 1
    rows: list[list[str]] = []
    lines: list[int] = []
    problems: list[tuple[int, str, str | None, str]] = []
    width = 0
    for k, (line, cells) in enumerate(zip(starts, records, strict=True)):
        if header is None:
            if any(c.strip() for c in cells):
                header, header_line = _header(cells), line
                width = len(header)
            continue
        if len(cells) != width:
            if not any(c.strip() for c in cells):
                continue  # a blank line, or only delimiters
            cells = _fit(cells, header, len(rows), problems, delim, ends.get(k))
        rows.append(cells)
        lines.append(line)
    if header is None:
        raise DataValidationError(f"{source}: the file is empty")
    return TextTable(header, rows, lines, encoding, delim, problems, header_line)


def _short(text: str, limit: int = 30) -> str:
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "...'"


def _fit(cells: list[str], header: list[str], index: int,
         problems: list[tuple[int, str, str | None, str]], delimiter: str,
         last_line: int | None = None) -> list[str]:
    """Cut or pad a record to the header's width, recording a problem when data is at stake."""
    width = len(header)
    name = _DELIMITER_NAMES.get(delimiter, repr(delimiter))
    spans = (f"; a quoted cell runs on to line {last_line}: an unbalanced quote?"
             if last_line else "")
    if len(cells) > width:
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            shown = ", ".join(_short(c) for c in extra[:3]) + (", ..." if len(extra) > 3 else "")
            problems.append((index, EXTRA_CELLS, shown,
                             f"line has {len(cells)} {name}-separated cells but the header "
                             f"has {width} columns (extra: {shown}){spans}"))
        return cells[:width]
    missing = header[len(cells):]
    problems.append((index, missing[0], None,
                     f"line has {len(cells)} {name}-separated cells but the header has "
                     f"{width} columns (no cell for {', '.join(missing)}: line cut short?)"
                     f"{spans}"))
    return cells + [""] * (width - len(cells))


def read_text_table(path: Path, *, hints: frozenset[str] = frozenset(),
                    default: str = ",") -> TextTable:
    """Read a delimited text file (see the module notes)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataValidationError(f"{path}: cannot read the file ({exc.strerror})") from None
    text, encoding = decode(raw, str(path))
    return split_table(text, str(path), hints=hints, default=default, encoding=encoding)
