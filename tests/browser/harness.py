"""Run analyses the three ways users do: as scripts, through ``opinion report``, as notebooks.

Also: which analyses exist, listings of a folder tree to prove what a run wrote, and the
normalisation that makes two renderings of one report comparable (the provenance's
timestamp and runtime, and matplotlib's random SVG element ids, are the only parts allowed
to differ).
"""

from __future__ import annotations

import base64
import difflib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ANALYSES = REPO_ROOT / "analyses"
# never part of "the repository" when checking what a run wrote
IGNORED = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis",
           ".opinion_cache", "test-artifacts", ".ipynb_checkpoints", "build", "dist"}
OPINION_ENV = ("OPINION_REPORTS_DIR", "OPINION_ANALYSES_DIR", "OPINION_CACHE_DIR",
               "OPINION_DATASETS_DIR")
SCRIPT_TIMEOUT = 1800


def analysis_names(folder: Path = ANALYSES) -> list[str]:
    """The analyses users can run: ``analyses/*.py`` not starting with ``_``."""
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))


# --------------------------------------------------------------------------- file listings
def _ignored(path: Path) -> bool:
    return any(part in IGNORED or part.endswith(".egg-info") for part in path.parts)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """``relative path -> (size, mtime_ns)`` of every file under ``root`` (caches excluded)."""
    out = {}
    for path in Path(root).rglob("*"):
        rel = path.relative_to(root)
        if _ignored(rel) or not path.is_file():
            continue
        stat = path.stat()
        out[rel.as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return out


def changed_files(before: dict[str, tuple[int, int]],
                  after: dict[str, tuple[int, int]]) -> list[str]:
    """Files added, removed or modified between two snapshots (sorted)."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k))


def copy_repo(dest: Path) -> Path:
    """A copy of the working tree (no .git, .venv or caches) to run analyses in isolation.

    Other work can go on in the real tree at the same time; a run in the copy (with the copy
    first on ``PYTHONPATH``) is the only thing that can change the copy.
    """
    shutil.copytree(REPO_ROOT, dest,
                    ignore=lambda d, names: [n for n in names if _ignored(Path(n))])
    return dest


# --------------------------------------------------------------------------- running
@dataclass(frozen=True)
class Run:
    """A finished subprocess."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def explain(self) -> str:
        return (f"$ {' '.join(self.args)}\nexit {self.returncode} after {self.seconds:.1f} s\n"
                f"--- stdout (end)\n{self.stdout[-3000:]}\n--- stderr (end)\n"
                f"{self.stderr[-6000:]}")


def analysis_env(*, reports_dir: Path | None, cache_dir: Path, repo: Path = REPO_ROOT,
                 analyses_dir: Path | None = None) -> dict[str, str]:
    """Environment for a run: the repo ``repo`` first on the path, its own cache folder.

    ``reports_dir=None`` leaves ``OPINION_REPORTS_DIR`` unset (reports go to ``reports/``).
    """
    env = {k: v for k, v in os.environ.items() if k not in OPINION_ENV}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(repo)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["OPINION_CACHE_DIR"] = str(cache_dir)
    env["MPLBACKEND"] = "Agg"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if reports_dir is not None:
        env["OPINION_REPORTS_DIR"] = str(reports_dir)
    if analyses_dir is not None:
        env["OPINION_ANALYSES_DIR"] = str(analyses_dir)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Run:
    import time

    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    return Run(args, proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)


def run_script(script: Path, *, cwd: Path, env: dict[str, str],
               timeout: float = SCRIPT_TIMEOUT) -> Run:
    """``python analyses/NAME.py`` from ``cwd``."""
    return _run([sys.executable, str(script)], cwd, env, timeout)


def run_cli(args: list[str], *, cwd: Path, env: dict[str, str],
            timeout: float = SCRIPT_TIMEOUT) -> Run:
    """``opinion ARGS`` (the installed console script) from ``cwd``."""
    exe = Path(sys.executable).with_name("opinion")
    command = [str(exe)] if exe.exists() else [
        sys.executable, "-c", "import sys; from opinion.cli import main; sys.exit(main())"]
    return _run(command + list(args), cwd, env, timeout)


# --------------------------------------------------------------------------- comparing
_VOLATILE = re.compile(r'<dd data-provenance="(?:generated|runtime)">.*?</dd>', re.S)
_SAMPLING_TIME = re.compile(r"sampling took [\d,.]+ s")  # wall time in the methodology
_IMG = re.compile(r'data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)')


def normalise_svg(svg: str) -> str:
    """Rename element ids in order of appearance (matplotlib salts them with a uuid)."""
    ids = list(dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg)))
    mapping = {old: f"id{i}" for i, old in enumerate(ids)}
    if not mapping:
        return svg
    pattern = re.compile(r'(?<=["#])(' + "|".join(map(re.escape, sorted(mapping, key=len,
                                                                         reverse=True)))
                         + r')(?=["\)])')
    return pattern.sub(lambda m: mapping[m.group(1)], svg)


def normalise_report(html_text: str) -> str:
    """The report without the parts allowed to change between runs.

    Drops the provenance's generation time and runtime and the sampling wall time the
    generated methodology states; decodes inline SVG figures and
    renumbers their ids. Everything else, every number in text, tables and figure
    coordinates included, must match exactly.
    """
    text = _VOLATILE.sub("<dd>(volatile)</dd>", html_text)
    text = _SAMPLING_TIME.sub("sampling took (volatile)", text)

    def svg(m: re.Match) -> str:
        decoded = base64.b64decode(m.group(1)).decode("utf-8", "replace")
        return "data:image/svg+xml;utf8," + normalise_svg(decoded)

    return _IMG.sub(svg, text)


def report_differences(a: str, b: str, *, context: int = 2, limit: int = 40) -> list[str]:
    """Diff lines between two normalised reports (empty when identical)."""
    if a == b:
        return []
    lines = difflib.unified_diff(a.splitlines(), b.splitlines(), "first run", "second run",
                                 n=context, lineterm="")
    return [line[:200] for line in lines][:limit]


# --------------------------------------------------------------------------- notebooks
def script_to_notebook(script: Path):
    """The ``# %%`` script as a notebook (jupytext's percent format), kernel python3."""
    import jupytext

    nb = jupytext.read(script, fmt="py:percent")
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def execute_notebook(nb, *, cwd: Path, env: dict[str, str], timeout: int = SCRIPT_TIMEOUT):
    """Run every cell in a fresh ``python3`` kernel; raises ``CellExecutionError`` on error."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(cwd=str(cwd), env=env)
    return nb


_DEFAULT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_OWN_REPR = re.compile(r"^<(?:opinion\.)?[\w.]*(?:PollFrame|Microdata|Design|Results|Average)"
                       r"\b")


def notebook_output_problems(nb) -> list[str]:
    """Outputs that would look wrong to a notebook user.

    - a cell ending in an object whose text is the default ``<X object at 0x...>``;
    - an opinion object (PollFrame, Microdata, Design, results, models) shown without HTML;
    - no rich (HTML) output at all in a notebook that displays its data and results.
    """
    problems = []
    n_html = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            plain = data.get("text/plain", "")
            plain = "".join(plain) if isinstance(plain, list) else plain
            if "text/html" in data:
                n_html += 1
            if out.get("output_type") == "stream":
                plain = out.get("text", "")
            if _DEFAULT_REPR.search(plain):
                problems.append(f"cell {i}: default repr {_DEFAULT_REPR.search(plain).group(0)}")
            if (out.get("output_type") in ("execute_result", "display_data")
                    and _OWN_REPR.match(plain) and "text/html" not in data):
                problems.append(f"cell {i}: {plain[:80]!r} has no HTML representation")
    if n_html == 0:
        problems.append("no cell shows an HTML output (display the data and results objects "
                        "at the end of cells)")
    return problems


def session_fit_cache(tmp_path_factory) -> Path:
    """One fit cache per test session, shared by every module that runs analyses.

    Scripts, ``opinion report`` and notebooks of one analysis then sample each model once.
    """
    path = Path(tmp_path_factory.getbasetemp()) / "opinion-fit-cache"
    path.mkdir(exist_ok=True)
    return path
