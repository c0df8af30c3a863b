"""``opinion datasets list|show``."""

from __future__ import annotations

import shutil
import textwrap
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from opinion.errors import DatasetError

if TYPE_CHECKING:  # pandas is imported inside the commands: `opinion --help` stays fast
    import pandas as pd

console = Console()
SOURCES_SHOWN = 5
CELL_WIDTH = 24
"""Longest cell text (characters) in the fitted view; longer cells end in '...'."""
GAP = 2
"""Spaces between two columns of a printed table."""
datasets_app = typer.Typer(help="Browse the bundled, checksummed datasets.", no_args_is_help=True,
                           context_settings={"help_option_names": ["-h", "--help"]},
                           rich_markup_mode=None)


@datasets_app.command("list")
def list_datasets() -> None:
    """List bundled datasets with their kind, rows and number of sources."""
    from opinion import datasets

    listing = datasets.list()
    table = Table(title="Bundled datasets")
    table.add_column("name", no_wrap=True, min_width=max(
        [len(n) for n in listing["name"]] + [4]))  # names are typed: never cut
    for column in ("kind", "rows", "sources", "title"):
        table.add_column(column)
    for row in listing.itertuples():
        table.add_row(row.name, row.kind, str(row.rows or ""), str(row.sources), row.title)
    console.print(table)


@datasets_app.command("show")
def show_dataset(
    name: str = typer.Argument(..., help="Dataset name (see `opinion datasets list`)."),
    rows: int = typer.Option(10, min=0, help="How many rows to print (0: all)."),
    columns: str | None = typer.Option(
        None, "--columns", help="Comma-separated columns to print (default: as many as fit "
        "the terminal's width, in the dataset's order)."),
    all_columns: bool = typer.Option(False, "--all-columns",
                                     help="Print every column (lines as long as needed)."),
    csv: bool = typer.Option(False, "--csv", help="Print the rows as CSV only (no header "
                             "block), for piping; --rows 0 prints them all."),
    all_sources: bool = typer.Option(False, "--all-sources",
                                     help=f"List every source (default: the first "
                                     f"{SOURCES_SHOWN})."),
) -> None:
    """Show a dataset's description, sources, checksum and first rows.

    Wide datasets are never wrapped: the rows show as many columns as fit the terminal, and
    a last line names the columns left out.
    """
    from opinion import datasets

    info = datasets.info(name)
    digest = datasets.checksum(name)
    loaded = datasets.load(name)
    frame = loaded.data if hasattr(loaded, "data") else loaded
    chosen = _chosen_columns(frame, columns)
    head = frame[chosen] if rows == 0 else frame[chosen].head(rows)
    if csv:
        _plain(head.to_csv(index=False, lineterminator="\n").rstrip("\n"))
        return
    width = shutil.get_terminal_size().columns
    _header_block(name, info, digest, frame, loaded, width, all_sources)
    if columns is None and not all_columns:
        shown = _columns_that_fit(head, width)
        head = head[shown]
    label = "all rows" if rows == 0 or rows >= len(frame) else f"first {len(head)} rows"
    _plain("")
    _plain(f"{label} of {len(frame):,} ({head.shape[1]} of {frame.shape[1]} columns):")
    _plain(_render(head, cell_limit=None if (columns or all_columns) else CELL_WIDTH))
    left_out = [c for c in frame.columns if c not in head.columns]
    if left_out:
        _plain(f"{len(left_out)} columns not shown: {', '.join(map(str, left_out))}. "
               f"See them with --columns {','.join(map(str, left_out[:3]))} (any you name), "
               "--all-columns, or --csv.")


def _plain(text: str) -> None:
    """Print as is: no markup, no highlighting, no hard wrapping at the console's width."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _chosen_columns(frame: pd.DataFrame, columns: str | None) -> list[str]:
    """The columns named by ``--columns`` (all when not given); an unknown name is a user
    mistake listing the valid ones."""
    names = [str(c) for c in frame.columns]
    if columns is None:
        return list(frame.columns)
    wanted = [c.strip() for c in columns.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in names]
    if unknown or not wanted:
        raise DatasetError(
            f"--columns: {'no column named' if wanted else 'no columns given'}"
            f"{' ' + ', '.join(repr(c) for c in unknown) if unknown else ''} "
            f"(columns: {', '.join(names)})")
    return list(dict.fromkeys(wanted))


def _header_block(name: str, info: dict, digest: str, frame: pd.DataFrame, loaded: object,
                  width: int, all_sources: bool) -> None:
    """Title, what it is, its size, checksum and sources: one fact a line."""
    _plain(f"{info.get('title', name)} ({name})")
    description = info.get("description", "")
    if description:
        _plain(textwrap.fill(" ".join(str(description).split()), width=max(40, width - 1)))
    rejected = getattr(loaded, "rejects", None)
    _plain(f"kind: {info.get('opinion_kind', 'table')}")
    _plain(f"rows: {len(frame):,}" + ("" if rejected is None else
                                      f" valid, {len(rejected):,} rejected"))
    _plain(f"columns: {frame.shape[1]}")
    _plain(f"sha256: {digest} (verified)")
    sources = info.get("sources", [])
    listed = sources if all_sources else sources[:SOURCES_SHOWN]
    _plain(f"sources: {len(sources)}" + (
        f" (the first {len(listed)}; --all-sources lists every one)"
        if len(listed) < len(sources) else ""))
    for source in listed:
        date = source.get("date")
        _plain(f"  - {source.get('title', '')}{f' ({date})' if date else ''}: "
               f"{source.get('path', '')}")


def _cells(series: pd.Series, limit: int | None) -> list[str]:
    out = []
    for value in series.tolist():
        text = "" if value is None or (isinstance(value, float) and value != value) \
            else (f"{value:%Y-%m-%d}" if hasattr(value, "strftime") and getattr(
                value, "hour", 0) == 0 and getattr(value, "minute", 0) == 0 else str(value))
        text = " ".join(text.split())
        if limit is not None and len(text) > limit:
            text = text[: limit - 3] + "..."
        out.append(text)
    return out


def _column_width(frame: pd.DataFrame, column: object, limit: int | None) -> int:
    return max([len(str(column))] + [len(c) for c in _cells(frame[column], limit)])


def _columns_that_fit(frame: pd.DataFrame, width: int) -> list[object]:
    """The leading columns whose rendering fits ``width`` characters (at least one)."""
    chosen, used = [], 0
    for column in frame.columns:
        need = _column_width(frame, column, CELL_WIDTH) + (GAP if chosen else 0)
        if chosen and used + need > width:
            break
        chosen.append(column)
        used += need
    return chosen


def _render(frame: pd.DataFrame, cell_limit: int | None) -> str:
    """A plain table: a header line and one line per row; numbers right-aligned."""
    import pandas as pd

    blocks = []
    for column in frame.columns:
        cells = _cells(frame[column], cell_limit)
        header = str(column)
        size = max([len(header)] + [len(c) for c in cells])
        right = pd.api.types.is_numeric_dtype(frame[column]) \
            and not pd.api.types.is_bool_dtype(frame[column])
        align = str.rjust if right else str.ljust
        blocks.append([align(header, size)] + [align(c, size) for c in cells])
    lines = [(" " * GAP).join(parts).rstrip() for parts in zip(*blocks, strict=True)]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")
