"""The pipeline's import rules, read from the source (no imports executed).

io -> frames -> survey -> models -> report -> cli: each layer imports only layers to its
left (function-level imports included, as import-linter counts them). The CLI modules of
this package import no heavy library at module level, so that ``opinion --help`` is fast.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "opinion"
LATER = {
    "io": ("opinion.frames", "opinion.survey", "opinion.models", "opinion.results",
           "opinion.plots", "opinion.report", "opinion.cli", "opinion.batch",
           "opinion.validate", "opinion.datasets"),
    "frames": ("opinion.survey", "opinion.models", "opinion.results", "opinion.plots",
               "opinion.report", "opinion.cli", "opinion.batch", "opinion.validate",
               "opinion.datasets"),
    "survey": ("opinion.models", "opinion.results", "opinion.plots", "opinion.report",
               "opinion.cli", "opinion.batch", "opinion.validate", "opinion.datasets"),
}
HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "pymc", "pytensor", "arviz", "matplotlib",
         "seaborn", "xarray", "pyreadstat", "openpyxl")
LIGHT_CLI = ("app.py", "validate_command.py", "survey_commands.py", "datasets_commands.py",
             "__init__.py")


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _module_level_imports(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.extend(_imports(node))
    return names


def _layer_files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).glob("*.py"))


@pytest.mark.parametrize("layer", sorted(LATER))
def test_layers_import_only_leftwards(layer) -> None:
    bad = []
    for path in _layer_files(layer):
        for name in _imports(ast.parse(path.read_text("utf-8"))):
            if name.startswith(LATER[layer]):
                bad.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    assert not bad, bad


def test_datasets_facade_and_io_split() -> None:
    """opinion.datasets builds frames; the disk side (opinion.io.datasets) does not."""
    facade = _imports(ast.parse((PACKAGE / "datasets.py").read_text("utf-8")))
    assert "opinion.io" in facade or any(n.startswith("opinion.io") for n in facade)
    disk = _imports(ast.parse((PACKAGE / "io" / "datasets.py").read_text("utf-8")))
    assert not any(n.startswith(("opinion.frames", "opinion.datasets")) for n in disk)


@pytest.mark.parametrize("name", LIGHT_CLI)
def test_cli_modules_import_no_heavy_library_at_module_level(name) -> None:
    tree = ast.parse((PACKAGE / "cli" / name).read_text("utf-8"))
    heavy = [n for n in _module_level_imports(tree) if n.split(".")[0] in HEAVY]
    assert not heavy, heavy


def test_io_microdata_has_no_frames_import_and_frames_reads_microdata() -> None:
    from opinion.frames import Microdata, read_microdata
    from opinion.io.microdata import RawMicrodata, read_microdata_file

    assert read_microdata.__module__ == "opinion.frames.microdata"
    assert RawMicrodata.__module__ == read_microdata_file.__module__ == "opinion.io.microdata"
    assert Microdata.__module__ == "opinion.frames.microdata"
