"""``python -m opinion``: the command-line interface."""

from opinion.cli import entry_point

if __name__ == "__main__":
    entry_point()
