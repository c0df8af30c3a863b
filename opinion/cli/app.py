"""The ``opinion`` command-line interface: entry point and error handling.

Exit codes scripts can rely on:

* 0 -- success;
* 1 -- validation failed (e.g. ``opinion validate`` found rejected rows);
* 2 -- a user mistake: a missing or unreadable file, bad input data, an unknown dataset, a
  bad option, an output path that cannot be written. One line on stderr, no traceback;
* 3 -- an internal error (a bug in opinion): one line saying so;
* 130 -- interrupted.

``opinion --debug COMMAND ...`` prints the full traceback of any error as well (for bug
reports). ``-h`` is ``--help`` on every command; ``opinion --version`` prints
``opinion X.Y.Z``. Command modules import pandas and the rest inside their functions, so that
``opinion --help`` stays fast.
"""

from __future__ import annotations

import sys
import traceback

import typer
from rich.console import Console
from rich.text import Text

from opinion.errors import OpinionError

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
"""``-h`` as well as ``--help``, on the group and (inherited) on every subcommand."""

app = typer.Typer(
    name="opinion",
    help="Public-opinion and election-impact statistics: validate polls, browse bundled "
    "datasets, weight microdata and render reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT_SETTINGS,
    rich_markup_mode=None,  # plain click help: conventional, and half the start-up time
)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)
_state = {"debug": False}


def version() -> str:
    """The installed version of opinion: the package metadata's, else ``opinion.__version__``
    (a source tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version("opinion")
    except PackageNotFoundError:
        from opinion import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        print(f"opinion {version()}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: bool = typer.Option(
        False, "--debug", help="Print the full traceback of any error (for bug reports)."
    ),
    _version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True,
        help="Print opinion's version and exit."),
) -> None:
    """Public-opinion and election-impact statistics: validate polls, browse bundled
    datasets, weight microdata and render reports."""
    _state["debug"] = debug


def _register() -> None:
    from opinion.cli import (
        batch_commands,
        datasets_commands,
        report_command,
        survey_commands,
        validate_command,
    )

    datasets_commands.register(app)
    batch_commands.register(app)
    validate_command.register(app)
    report_command.register(app)
    survey_commands.register(app)


_register()


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (whitespace collapsed, control characters shown
    as U+FFFD so that a hostile file cannot garble the terminal)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and not isinstance(exc, OpinionError):
        detail = exc.strerror or text or type(exc).__name__
        name = exc.filename if exc.filename is not None else ""
        text = f"{name}: {detail}" if name else detail
    text = "".join(c if c.isprintable() else "\ufffd" for c in text)
    return text or type(exc).__name__


def debugging() -> bool:
    """Whether ``--debug`` was given (print full tracebacks)."""
    return bool(_state["debug"])


def _error(message: str, exc: BaseException) -> None:
    if _state["debug"]:
        traceback.print_exception(exc, file=sys.stderr)
    err_console.print(Text.assemble(("error:", "bold red"), " ", message))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of raising (for tests and scripts)."""
    from typer import Abort
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    _state["debug"] = False
    try:
        result = app(args=argv, prog_name="opinion", standalone_mode=False)
    except OpinionError as exc:
        _error(one_line(exc), exc)
        return EXIT_USAGE
    except SystemExit as exc:  # typer/click exits
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except (KeyboardInterrupt, Abort):
        err_console.print("interrupted")
        return EXIT_INTERRUPTED
    except NoArgsIsHelpError as exc:  # `opinion` or a group alone: its help, exit 2
        exc.show()
        return exc.exit_code
    except ClickException as exc:  # usage errors: one line, exit 2
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
        _error(one_line(Exception(exc.format_message())) + hint, exc)
        return exc.exit_code
    except OSError as exc:  # a file or folder the user named: missing, locked, full disk
        _error(one_line(exc), exc)
        return EXIT_USAGE
    except Exception as exc:  # a bug: say so in one line (the traceback with --debug)
        _error(f"internal error ({type(exc).__name__}: {one_line(exc)}); this is a bug in "
               "opinion: run again with --debug for the traceback", exc)
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())
