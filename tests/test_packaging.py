"""The package installs: a wheel built from this checkout, installed into a clean virtual
environment, lists the bundled datasets and renders a report from an empty folder (issue 15).

Slow (it builds a wheel and a virtual environment with the locked dependencies; uv's cache
makes the second run quick)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    work = tmp_path_factory.mktemp("wheel")
    built = _run([uv, "build", "--wheel", "--out-dir", str(work / "dist")], ROOT)
    assert built.returncode == 0, built.stderr
    wheel = next((work / "dist").glob("opinion-*.whl"))
    venv = work / "venv"
    assert _run([uv, "venv", "--python", "3.12", str(venv)], work).returncode == 0
    python = venv / "bin" / "python"
    requirements = work / "requirements.txt"
    exported = _run([uv, "export", "--frozen", "--no-dev", "--no-emit-project",
                     "--no-hashes", "-o", str(requirements)], ROOT)
    assert exported.returncode == 0, exported.stderr
    deps = _run([uv, "pip", "install", "--python", str(python), "-r", str(requirements)], work)
    assert deps.returncode == 0, deps.stderr
    own = _run([uv, "pip", "install", "--python", str(python), "--no-deps", str(wheel)], work)
    assert own.returncode == 0, own.stderr
    return venv


def test_wheel_lists_the_bundled_datasets_from_an_empty_folder(installed, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run([str(installed / "bin" / "opinion"), "datasets", "list"], empty,
                  env={"OPINION_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr
    expected = sorted(p.name for p in (ROOT / "datasets").iterdir()
                      if (p / "datapackage.json").is_file())
    for name in expected:
        assert name in result.stdout, name
    assert not (empty / "reports").exists()


def test_wheel_renders_a_report_where_the_user_says(installed, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {"OPINION_CACHE_DIR": str(tmp_path / "cache"), "MPLBACKEND": "Agg"}
    result = _run([str(installed / "bin" / "opinion"), "report", "ipsos_two_thirds", "--out",
                   str(tmp_path / "out")], empty, env=env)
    assert result.returncode == 0, result.stderr
    html = tmp_path / "out" / "ipsos_two_thirds.html"
    assert html.is_file() and html.with_suffix(".json").is_file()
    payload = json.loads(html.with_suffix(".json").read_text())
    assert payload["headlines"] and payload["provenance"]["datasets"]
    default = _run([str(installed / "bin" / "opinion"), "report", "ipsos_two_thirds"], empty,
                   env=env)
    assert default.returncode == 0, default.stderr
    assert (empty / "reports" / "ipsos_two_thirds.html").is_file()  # ./reports by default
    site = _run([str(installed / "bin" / "python"), "-c",
                 "import opinion, pathlib; print(pathlib.Path(opinion.__file__).parent)"],
                empty)
    package = Path(site.stdout.strip())
    assert not (package.parent / "reports").exists() and not (package / "reports").exists()
