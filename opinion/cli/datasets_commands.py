"""``opinion datasets list|show``."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

console = Console()
datasets_app = typer.Typer(help="Browse the bundled, checksummed datasets.", no_args_is_help=True,
                           context_settings={"help_option_names": ["-h", "--help"]})


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
    rows: int = typer.Option(10, help="How many rows to print."),
) -> None:
    """Show a dataset's description, sources, checksum and first rows."""
    from opinion import datasets

    info = datasets.info(name)
    digest = datasets.checksum(name)
    console.print(f"[bold]{info.get('title', name)}[/] ({name})", highlight=False)
    console.print(info.get("description", ""), highlight=False, markup=False)
    console.print(f"sha256: {digest} (verified)")
    for source in info.get("sources", []):
        console.print(f"  source: {source.get('title', '')} {source.get('path', '')} "
                      f"({source.get('date', '')})", highlight=False, markup=False)
    loaded = datasets.load(name)
    frame = loaded.data if hasattr(loaded, "data") else loaded
    console.print(frame.head(rows).to_string(), highlight=False, markup=False)
    if hasattr(loaded, "rejects"):
        console.print(f"{len(loaded.rejects)} rejected rows", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")
