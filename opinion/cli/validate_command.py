"""``opinion validate FILE``: print the validation summary; exit 1 if any row is rejected."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console()


def validate(
    file: Path = typer.Argument(..., help="CSV, TSV, JSON, Excel or Parquet poll file."),
    mapping: str = typer.Option(None, help="Named column mapping, e.g. 'fivethirtyeight'."),
    tolerance: float = typer.Option(1.0, help="Points by which a question may exceed 100%."),
    max_problems: int = typer.Option(200, help="Most problems to print."),
    rejects: Path = typer.Option(None, help="Write the rejected rows with reasons to this CSV."),
) -> None:
    """Validate a poll file and list every problem with its row and column."""
    from opinion.frames.pollframe import read_polls

    frame = read_polls(file, mapping=mapping, sum_tolerance=tolerance)
    console.print(frame.validation_report(max_problems=max_problems), highlight=False,
                  markup=False, soft_wrap=True)
    if rejects is not None:
        frame.rejects.to_csv(rejects, index=False)
    if not frame.is_valid:
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
