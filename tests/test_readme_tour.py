"""The README's "Five-minute tour" runs as written, and prints what it says it prints.

Every fenced ``python`` block under the heading ``## Five-minute tour`` (up to the next
``## `` heading) is executed in order, in one namespace, from a temporary working directory,
with reports and fitted models going to temporary folders. A README without the section
fails this test: the tour is the first thing a new user tries.

A line ``print(EXPR)  # -> EXPECTED`` promises that the printed value shows the numbers of
EXPECTED, in order, to the precision written there (``# -> (0.623, 0.695)``: both within
0.0005). The check runs while the tour runs; a README whose stated numbers drift from what
the code prints fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import harness

README = harness.REPO_ROOT / "README.md"
HEADING = "## Five-minute tour"
_FENCE = re.compile(r"^```[ \t]*python[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)


_PRINT_CLAIM = re.compile(r"^(?P<indent>\s*)print\((?P<expr>.*)\)\s*#\s*->\s*(?P<claim>.+)$")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?")


def claimed_numbers_match(printed: str, claim: str) -> list[str]:
    """Problems with the numbers ``claim`` states against those in ``printed`` (empty: ok).

    Each claimed number with ``d`` decimals must equal the printed number at the same
    position to within half a unit of its last decimal.
    """
    wanted = _NUMBER.findall(claim)
    shown = [float(x) for x in _NUMBER.findall(printed)]
    if len(shown) < len(wanted):
        return [f"claims {len(wanted)} numbers, printed {len(shown)}: {printed!r}"]
    problems = []
    for text, value in zip(wanted, shown, strict=False):
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        if abs(value - float(text)) > 0.5 * 10 ** -decimals + 1e-12:
            problems.append(f"claims {text}, prints {value!r}")
    return problems


def with_checks(block: str, name: str) -> str:
    """``block`` with every ``print(EXPR)  # -> CLAIM`` line turned into a checked print."""
    lines = []
    for line in block.splitlines():
        match = _PRINT_CLAIM.match(line)
        if match:
            line = (f"{match['indent']}__check_claim__({match['expr']}, "
                    f"{match['claim'].strip()!r}, {name!r})")
        lines.append(line)
    return "\n".join(lines) + "\n"


def tour_blocks(text: str) -> list[str]:
    """The ``python`` code blocks of the tour section, in order."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == HEADING), None)
    if start is None:
        pytest.fail(f"README.md has no '{HEADING}' section: write it (python code blocks "
                    "that a new user can paste, run by this test)", pytrace=False)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    return _FENCE.findall("".join(lines[start + 1:end]))


def test_tour_extraction_rules() -> None:
    """Only python blocks of the tour section count, in order (known input, known output)."""
    text = ("# t\n## Install\n```python\nskipped = 1\n```\n## Five-minute tour\nIntro.\n"
            "```python\na = 1\n```\n```bash\nopinion --help\n```\n```python\nb = a + 1\n```\n"
            "### Sub-heading stays in the tour\n```python\nc = b * 3\n```\n## Next\n"
            "```python\nnot_run = True\n```\n")
    assert tour_blocks(text) == ["a = 1\n", "b = a + 1\n", "c = b * 3\n"]
    namespace: dict = {}
    for block in tour_blocks(text):
        exec(compile(block, "tour", "exec"), namespace)
    assert namespace["c"] == 6 and "not_run" not in namespace


def test_claims_are_checked_both_ways() -> None:
    assert claimed_numbers_match("(np.float64(0.6233), np.float64(0.6949))",
                                 "(0.623, 0.695)") == []
    assert claimed_numbers_match("(0.6233, 0.6949)", "(0.61, 0.71)") != []  # too loose
    assert claimed_numbers_match("3.786", "3.8 points") == []
    assert claimed_numbers_match("3.786", "3.7 points") != []
    converted = with_checks("x = 1\nprint(f(x))  # -> 2.0\n", "b1")
    assert "__check_claim__(f(x), '2.0', 'b1')" in converted


def _run_tour(blocks: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ``blocks`` as a new user would (temporary cwd, reports and cache folders),
    checking every ``print(...)  # -> numbers`` claim."""
    import matplotlib

    matplotlib.use("Agg")
    reports, cache, cwd = tmp_path / "reports", tmp_path / "cache", tmp_path / "cwd"
    cwd.mkdir()
    for var in harness.OPINION_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPINION_REPORTS_DIR", str(reports))
    monkeypatch.setenv("OPINION_CACHE_DIR", str(cache))
    monkeypatch.chdir(cwd)
    failures: list[str] = []

    def check_claim(value, claim: str, where: str) -> None:
        print(value)
        failures.extend(f"{where}: {p}" for p in claimed_numbers_match(str(value), claim))

    namespace: dict = {"__name__": "__readme_tour__", "__check_claim__": check_claim}
    for i, block in enumerate(blocks, start=1):
        try:
            exec(compile(with_checks(block, f"README.md tour block {i}"),
                         f"README.md tour block {i}", "exec"), namespace)
        except Exception as exc:  # the failing block, quoted, is the useful message
            pytest.fail(f"README tour block {i} raised {type(exc).__name__}: {exc}\n\n{block}")
    assert failures == [], "the README states numbers the code does not print: " + "; ".join(
        failures)
    # reports go where OPINION_REPORTS_DIR says (a relative "reports/..." would land in cwd)
    assert not [p for p in Path(cwd).rglob("*") if p.is_file() and p.suffix == ".html"], \
        "the tour wrote a report outside OPINION_REPORTS_DIR"


def test_readme_tour_until_the_first_fit(tmp_path, monkeypatch) -> None:
    """The default suite runs the tour up to the first MCMC fit (loading, validation,
    intervals and their printed numbers, the Kalman quick look); the whole tour, with its
    three fits, runs in the slow suite."""
    blocks = tour_blocks(README.read_text("utf-8"))
    assert blocks, f"the '{HEADING}' section of README.md has no ```python blocks"
    first_fit = next((i for i, block in enumerate(blocks) if ".fit(" in block), len(blocks))
    assert first_fit >= 3, "the tour should show loading and intervals before any fit"
    _run_tour(blocks[:first_fit], tmp_path, monkeypatch)


@pytest.mark.slow
def test_readme_tour_runs(tmp_path, monkeypatch) -> None:
    blocks = tour_blocks(README.read_text("utf-8"))
    assert blocks, f"the '{HEADING}' section of README.md has no ```python blocks"
    _run_tour(blocks, tmp_path, monkeypatch)
