"""``opinion validate FILE``: print the validation summary; exit 1 if any row is rejected.

The report is :meth:`opinion.PollFrame.validation_report`, so the CLI and the Python API
name the same row with the same number (the source's own numbering, see
:class:`opinion.io.tables.RowNumbering`).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def validate(
    file: Path = typer.Argument(
        ..., help="CSV, TSV, JSON, Excel or Parquet poll file. Problems are numbered as the "
        "file shows its rows: a CSV/TSV file's line (header = line 1, first data row = line "
        "2), an Excel sheet's row, a JSON or Parquet record (first = 1); the report says "
        "which, and read_polls(FILE).validation_report() gives the same numbers."),
    mapping: str = typer.Option(None, help="Named column mapping, e.g. 'fivethirtyeight'."),
    tolerance: float = typer.Option(1.0, help="Points by which a question may exceed 100%."),
    max_problems: int = typer.Option(200, help="Most problems to print."),
    rejects: Path = typer.Option(
        None, help="Write the rejected rows with reasons to this CSV, numbered in its row "
        "column as in the report (cells that would run as spreadsheet formulas are prefixed "
        "with ')."),
    fractions: str = typer.Option(
        "reject", help="Questions given as fractions (0.66 for 66%): reject (default), "
        "convert (multiply by 100, listed in the report) or keep."),
    date_order: str = typer.Option(
        "auto", "--date-order", help="Slash dates: auto (inferred per file), mdy or dmy."),
    sheet: str = typer.Option(
        None, help="Excel: the sheet to read (required when several sheets hold data)."),
) -> None:
    """Validate a poll file and list every problem with its row and column."""
    from opinion.frames.pollframe import read_polls
    from opinion.io.outputs import check_writable, write_csv

    if rejects is not None:
        check_writable(rejects, "rejects file")  # before the work, not after it
    frame = read_polls(file, mapping=mapping, sum_tolerance=tolerance, fractions=fractions,
                       date_order=date_order, sheet=sheet)
    console.print(frame.validation_report(max_problems=max_problems), highlight=False,
                  markup=False, soft_wrap=True)
    if rejects is not None:
        write_csv(frame.rejects, rejects, what="rejects file")
    if not frame.is_valid:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
