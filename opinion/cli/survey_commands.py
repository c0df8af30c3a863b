"""``opinion weight`` and ``opinion crosstab``: weight microdata and tabulate it from the shell.

Register on the main Typer app with :func:`register`. User mistakes raise
:class:`~opinion.errors.OpinionError` subclasses; the main CLI prints them as one line and
exits with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from opinion.errors import DataValidationError, OutputError, WeightingError

if TYPE_CHECKING:  # pandas is imported inside the commands: `opinion --help` stays fast
    import pandas as pd

__all__ = ["crosstab_command", "read_microdata_any", "register", "weight_command"]

OUTPUT_SUFFIXES = (".csv", ".parquet")
MICRODATA_HELP = "Respondent file: .sav, .dta, .csv or .parquet"


def read_microdata_any(path: Path) -> Any:
    """Read respondents from SPSS/Stata/CSV (via ``read_microdata``) or Parquet (pandas)."""
    import pandas as pd

    from opinion.frames import read_microdata
    from opinion.io.tables import check_columns

    if not path.exists():
        raise DataValidationError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DataValidationError(f"{path}: cannot read Parquet ({first})") from None
        check_columns(list(frame.columns), str(path), "columns")
        return frame
    return read_microdata(path)


def read_targets(path: Path) -> pd.DataFrame:
    """Read a targets CSV (columns variable, category, target)."""
    import numpy as np
    import pandas as pd

    if not path.exists():
        raise WeightingError(f"{path}: no such targets file")
    try:
        table = pd.read_csv(path, dtype={"category": str}, keep_default_na=False)
    except Exception as exc:
        raise WeightingError(f"{path}: cannot read the targets CSV ({exc})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    if "target" in table.columns:
        values = pd.to_numeric(table["target"], errors="coerce")
        bad = values.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise WeightingError(
                f"{path}: target on line {i + 2} is not a number: {table['target'].iloc[i]!r}"
            )
        table["target"] = values
    return table


def _fmt(x: float, digits: int = 3) -> str:
    import numpy as np

    if not np.isfinite(x):
        return "-"
    return f"{x:,.{digits}f}"


def diagnostics_table(diag: pd.DataFrame, title: str) -> Table:
    """Rich table of :meth:`Design.diagnostics`."""
    table = Table(title=title)
    table.add_column("statistic")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    for stat, row in diag.iterrows():
        digits = 0 if stat in ("n",) else 3
        table.add_row(str(stat), _fmt(row["before"], digits), _fmt(row["after"], digits))
    return table


def weight_command(
    microdata: Annotated[Path, typer.Argument(help=MICRODATA_HELP)],
    targets: Annotated[Path, typer.Option(
        "--targets", help="CSV with columns variable, category, target (proportions or counts)"
    )],
    out: Annotated[Path, typer.Option("--out", help="Output file (.csv or .parquet)")],
    weight_var: Annotated[str | None, typer.Option(
        "--weight-var", help="Base (design) weight column to start from"
    )] = None,
    cap: Annotated[float | None, typer.Option(
        "--cap", help="Cap weights at this multiple of the mean weight (trim and re-rake)"
    )] = None,
    name: Annotated[str, typer.Option("--name", help="Name of the new weight column")] = (
        "raked_weight"
    ),
    kind: Annotated[str, typer.Option(
        "--kind", help="How to read targets: auto, proportion, percent or count"
    )] = "auto",
    max_iter: Annotated[int, typer.Option("--max-iter", help="Maximum raking sweeps")] = 200,
) -> None:
    """Rake microdata to population margins and write it with a new weight column.

    The new column may not replace a column of the data (choose another ``--name``); CSV
    output has cells that would run as spreadsheet formulas prefixed with '.
    """
    from opinion.io.outputs import check_writable, write_csv
    from opinion.survey.design import Design

    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise DataValidationError(f"{out}: output must end in .csv or .parquet")
    check_writable(out, "weighted data")  # before the work, not after it
    md = read_microdata_any(microdata)
    design = Design(md, weights=weight_var)  # a Microdata's own weight when not given
    if name in design.data.columns:
        raise DataValidationError(
            f"--name {name!r} is already a column of {microdata.name}; choose another name "
            "for the new weights (nothing was overwritten)"
        )
    table = read_targets(targets)
    raked = design.rake(table, kind=kind, cap=cap, max_iter=max_iter)  # type: ignore[arg-type]
    result = raked.with_weights_column(name)
    if out.suffix.lower() == ".parquet":
        _write_parquet(result, out)
    else:
        write_csv(result, out, what="weighted data")
    console = Console()
    step = raked.steps[-1]
    console.print(diagnostics_table(raked.diagnostics(), f"Weights: {microdata.name}"))
    console.print(
        f"raked on {', '.join(m.variable for m in step.margins)} in {step.iterations} "
        f"iterations (largest margin gap {step.max_error:.1e} of the total); "
        f"wrote {len(result):,} rows with column [bold]{name}[/bold] to {out}"
    )


def _write_parquet(frame: pd.DataFrame, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(out, index=False)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the weighted data ({exc.strerror or exc})") \
            from None
    except Exception as exc:  # pyarrow: a column it cannot store
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise OutputError(f"{out}: cannot write Parquet ({first})") from None


def crosstab_command(
    microdata: Annotated[Path, typer.Argument(help=MICRODATA_HELP)],
    row: Annotated[str, typer.Argument(help="Row variable (the question)")],
    col: Annotated[str, typer.Argument(help="Column variable (the subgroups)")],
    weight: Annotated[str | None, typer.Option("--weight", help="Weight column")] = None,
    strata: Annotated[str | None, typer.Option("--strata", help="Stratum column")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help="PSU / cluster column")] = None,
    fpc: Annotated[str | None, typer.Option(
        "--fpc", help="Finite-population correction column"
    )] = None,
    percent: Annotated[str, typer.Option(
        "--percent", help="Percentages within col, row or cell"
    )] = "col",
    ci: Annotated[str, typer.Option("--ci", help="Interval: logit, wilson or wald")] = "logit",
) -> None:
    """Weighted crosstab with standard errors, intervals, deff and the Rao-Scott test.

    Shares and their 95% intervals are printed in percent, standard errors in points.
    """
    from opinion.formatting import interval_columns, level_label
    from opinion.survey.design import Design

    if row == col:
        raise DataValidationError(
            f"row and column are both {row!r}: crossing a variable with itself tests nothing; "
            "give two different variables"
        )
    if percent not in ("col", "row", "cell"):
        raise DataValidationError(f"--percent must be col, row or cell, not {percent!r}")
    if ci not in ("logit", "wilson", "wald"):
        raise DataValidationError(f"--ci must be logit, wilson or wald, not {ci!r}")
    md = read_microdata_any(microdata)
    design = Design(md, weights=weight, strata=strata, clusters=cluster, fpc=fpc)
    level = 0.95
    ct = design.crosstab(row, col, percent=percent, ci=ci, level=level)  # type: ignore[arg-type]
    lower, upper = interval_columns(level)
    title = f"{row} by {col} ({percent} %)" + (f", weighted by {weight}" if weight else "")
    table = Table(title=title)
    for c, j in (("row", "left"), ("col", "left"), ("%", "right"), ("se (pts)", "right"),
                 (f"{level_label(level)}% CI", "right"), ("deff", "right"), ("n", "right"),
                 ("n_eff", "right")):
        table.add_column(c, justify=j)  # type: ignore[arg-type]
    for r in ct.to_dict("records"):  # shares in percent, se in points
        table.add_row(
            str(r["row_label"]), str(r["col_label"]), f"{r['estimate']:.1f}",
            f"{r['se']:.1f}", f"{r[lower]:.1f}-{r[upper]:.1f}", _fmt(r["deff"], 2),
            f"{r['n']:,}", _fmt(r["n_eff"], 0),
        )
    console = Console()
    console.print(table)
    rs = ct.attrs["rao_scott"]
    console.print(
        f"Rao-Scott F = {rs['f']:.3f} on {rs['ndf']:.2f} and {rs['ddf']:.1f} df, "
        f"p = {rs['p_f']:.3g}   |   first-order chi-square = {rs['chisq_adjusted']:.3f} on "
        f"{rs['df']} df, p = {rs['p_chisq']:.3g}   (Pearson X2 = {rs['pearson']:.3f}, "
        f"n = {rs['n']:,}, design df = {rs['design_df']:g})"
    )


def register(app: typer.Typer) -> None:
    """Add the ``weight`` and ``crosstab`` commands to ``app``."""
    app.command("weight")(weight_command)
    app.command("crosstab")(crosstab_command)
