"""The README's "Five-minute tour" runs as written.

Every fenced ``python`` block under the heading ``## Five-minute tour`` (up to the next
``## `` heading) is executed in order, in one namespace, from a temporary working directory,
with reports and fitted models going to temporary folders. A README without the section
fails this test: the tour is the first thing a new user tries.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser import harness

README = harness.REPO_ROOT / "README.md"
HEADING = "## Five-minute tour"
_FENCE = re.compile(r"^```[ \t]*python[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)


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


def test_readme_tour_runs(tmp_path, monkeypatch) -> None:
    blocks = tour_blocks(README.read_text("utf-8"))
    assert blocks, f"the '{HEADING}' section of README.md has no ```python blocks"
    import matplotlib

    matplotlib.use("Agg")
    reports, cache, cwd = tmp_path / "reports", tmp_path / "cache", tmp_path / "cwd"
    cwd.mkdir()
    for var in harness.OPINION_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OPINION_REPORTS_DIR", str(reports))
    monkeypatch.setenv("OPINION_CACHE_DIR", str(cache))
    monkeypatch.chdir(cwd)
    namespace: dict = {"__name__": "__readme_tour__"}
    for i, block in enumerate(blocks, start=1):
        try:
            exec(compile(block, f"README.md tour block {i}", "exec"), namespace)
        except Exception as exc:  # the failing block, quoted, is the useful message
            pytest.fail(f"README tour block {i} raised {type(exc).__name__}: {exc}\n\n{block}")
    # reports go where OPINION_REPORTS_DIR says (a relative "reports/..." would land in cwd)
    assert not [p for p in Path(cwd).rglob("*") if p.is_file() and p.suffix == ".html"], \
        "the tour wrote a report outside OPINION_REPORTS_DIR"
