"""``opinion batch SPEC`` and ``opinion sbc MODEL``: many fits on a Dask cluster."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(soft_wrap=True)  # long verdicts and paths are not hard-wrapped


def batch(
    spec: Path = typer.Argument(..., help="JSON file listing the fits (see opinion.batch)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
        "(default: a local cluster sized to this machine)."),
    cache: Path | None = typer.Option(
        None, "--cache", help="Cache folder shared by all workers (default: the opinion "
        "cache, $OPINION_CACHE_DIR)."),
    retries: int = typer.Option(2, help="Re-runs of a fit whose worker died or errored."),
    report: Path | None = typer.Option(None, "--report", help="Write the report as CSV."),
) -> int:
    """Run every fit of SPEC (skipping cached ones); exit 1 if any fit failed or did not
    converge. Progress goes to stderr: a line per finished fit on a terminal, at most one
    every 10 s otherwise."""
    from opinion.batch import check_cache_dir, fit_many, specs_from_json

    check_cache_dir(cache)
    specs = specs_from_json(spec)
    out = fit_many(specs, client=scheduler, cache_dir=cache, retries=retries, progress=True)
    console.print(out.to_string(index=False), highlight=False, markup=False, soft_wrap=True)
    if report is not None:
        from opinion.io.outputs import write_csv

        write_csv(out, report)
    console.print(f"{len(out)} fits: {out.attrs['new_fits']} new, {out.attrs['cached']} "
                  f"cached, {out.attrs['errors']} failed, {out.attrs['unconverged']} not "
                  "converged", highlight=False)
    return 1 if out.attrs["errors"] or out.attrs["unconverged"] else 0


def sbc(
    model: str = typer.Argument(..., help="Model name (poll_average uses a small default "
                                "design; other models need --dataset)."),
    n: int = typer.Option(100, "--n", help="Number of simulations."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address."),
    seed: int = typer.Option(0, help="Seed of the prior draws and fits."),
    ranks: Path | None = typer.Option(None, "--ranks", help="Write the ranks as CSV."),
    config: str = typer.Option("{}", "--config", help='Model configuration as JSON, e.g. '
                               '\'{"parameterization": "noncentered"}\'.'),
    dataset: str | None = typer.Option(None, "--dataset", help="Bundled dataset whose design "
                                       "(dates, sample sizes, groups) the simulations keep."),
) -> int:
    """Simulation-based calibration: rank uniformity and two-sided 90% coverage per
    parameter; exit 1 when calibration fails. Progress goes to stderr: a line per finished
    fit on a terminal, at most one every 10 s otherwise."""
    import json

    from opinion.batch import BatchError, resolve_model
    from opinion.calibration import SBCDesign
    from opinion.calibration import sbc as run_sbc

    cls = resolve_model(model)
    try:
        settings = json.loads(config)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise BatchError(f"--config is not valid JSON: {exc}") from None
    if not isinstance(settings, dict):
        raise BatchError("--config must be a JSON object")
    if dataset is not None:
        from opinion import datasets

        target = cls(datasets.load(dataset), config=settings)
        result = run_sbc(target, n=n, client=scheduler, seed=seed, progress=True)
    else:
        design = SBCDesign(config=tuple(sorted(settings.items())))
        result = run_sbc(model, n=n, client=scheduler, seed=seed, design=design,
                         progress=True)
    table = result.verdict()
    console.print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"),
                  highlight=False, markup=False, soft_wrap=True)
    if len(result.failures):
        console.print(f"{len(result.failures)} simulations failed", highlight=False)
    if ranks is not None:
        from opinion.io.outputs import write_csv

        write_csv(result.ranks, ranks)
    ok = result.passed()
    console.print("calibration: " + ("passed" if ok else "FAILED (rank histograms not "
                  "uniform, 90% coverage outside 80-97%, or failed simulations)"),
                  highlight=False)
    return 0 if ok else 1


def register(app: typer.Typer) -> None:
    """Add the ``batch`` and ``sbc`` commands to the opinion CLI."""
    app.command("batch")(batch)
    app.command("sbc")(sbc)
