"""Command-line interface (``opinion --help``)."""

from opinion.cli.app import app, entry_point, main

__all__ = ["app", "entry_point", "main"]
