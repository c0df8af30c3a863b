"""The ``opinion`` command-line interface: entry point and error handling.

User mistakes (a missing file, an unknown dataset, bad options) print one line on stderr and
exit with code 2; validation failures exit 1; success exits 0. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from opinion.errors import OpinionError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

app = typer.Typer(
    name="opinion",
    help="Public-opinion and election-impact statistics: validate polls, browse bundled "
    "datasets, weight microdata and render reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _register() -> None:
    from opinion.cli import (
        batch_commands,
        datasets_commands,
        report_command,
        validate_command,
    )

    datasets_commands.register(app)
    batch_commands.register(app)
    validate_command.register(app)
    report_command.register(app)
    try:
        from opinion.cli import survey_commands
    except ImportError:  # pragma: no cover - optional while the survey module is built
        return
    survey_commands.register(app)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising (for tests and scripts)."""
    from typer import Abort
    from typer._click.exceptions import ClickException

    try:
        result = app(args=argv, prog_name="opinion", standalone_mode=False)
    except OpinionError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return EXIT_USAGE
    except SystemExit as exc:  # typer/click exits
        return int(exc.code or 0)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    except Abort:
        return 130
    except ClickException as exc:  # usage errors: one line, exit 2
        exc.show()
        return exc.exit_code
    return result if isinstance(result, int) else EXIT_OK


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
