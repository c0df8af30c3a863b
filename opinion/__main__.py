"""``python -m opinion`` runs the command-line interface."""

from opinion.cli import entry_point

entry_point()
