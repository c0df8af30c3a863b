"""Fault injection: each check used on the real reports must catch the fault it is for.

A synthetic report (every builder feature, no model fit) is rendered, then corrupted in one
way per test: an empty SVG figure, undecodable image data, a missing alt text, a remote
script, a page wider than a phone, a dead index link, an escaped stylesheet, a print style
that hides the methodology, an analysis that raises, a report that changes between runs.
The checks are the same functions the real-report tests call (``tests/browser``).
"""

from __future__ import annotations

import base64
import html
import re
import textwrap
from pathlib import Path

import pytest
from browser import checks, harness, synthetic

EMPTY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"></svg>'
REMOTE_SCRIPT = "https://cdn.example.invalid/analytics.js"


@pytest.fixture(scope="module")
def clean_report(tmp_path_factory) -> synthetic.SyntheticReport:
    return synthetic.build(tmp_path_factory.mktemp("fault-base"))


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """The same shared Chromium context as the browser tests use."""
    reason = checks.chromium_missing()
    if reason:
        pytest.skip(reason)
    yield checks.shared_context(tmp_path_factory.mktemp("chromium-profile"))
    checks.close_shared()


def _corrupt(report: synthetic.SyntheticReport, tmp_path: Path, old: str | re.Pattern,
             new: str, count: int = 1) -> Path:
    text = report.path.read_text("utf-8")
    if isinstance(old, re.Pattern):
        changed, n = old.subn(new, text, count=count)
    else:
        changed, n = text.replace(old, new, count), text.count(old)
    assert n >= 1, f"fault injection found nothing to replace ({old})"
    out = tmp_path / "broken.html"
    out.write_text(changed, encoding="utf-8")
    return out


_FIRST_IMG = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+")


# --------------------------------------------------------------------------- the baseline
@pytest.mark.browser
def test_clean_report_passes_every_check(chromium, clean_report) -> None:
    """Without a fault the same checks find nothing (else the fault tests prove nothing)."""
    for width in checks.WIDTHS.values():
        assert checks.check_page(chromium, clean_report.path, width).problems() == []
    assert checks.static_problems(clean_report.path.read_text("utf-8")) == []
    assert checks.structure_problems(chromium, clean_report.path) == []


# --------------------------------------------------------------------------- figures
@pytest.mark.browser
def test_empty_svg_figure_is_flagged(chromium, clean_report, tmp_path) -> None:
    data = base64.b64encode(EMPTY_SVG.encode()).decode()
    broken = _corrupt(clean_report, tmp_path, _FIRST_IMG, f"data:image/svg+xml;base64,{data}")
    result = checks.check_page(chromium, broken, checks.WIDTHS["desktop"])
    assert result.figures == ["figure 1 is blank (nothing drawn: empty or broken SVG)"]


@pytest.mark.browser
def test_undecodable_figure_is_flagged(chromium, clean_report, tmp_path) -> None:
    broken = _corrupt(clean_report, tmp_path, _FIRST_IMG,
                      "data:image/svg+xml;base64,bm90IGFuIFNWRw==")  # "not an SVG"
    result = checks.check_page(chromium, broken, checks.WIDTHS["phone"])
    assert "figure 1 did not decode (broken image data)" in result.figures


@pytest.mark.browser
def test_missing_alt_text_and_hidden_figure_are_flagged(chromium, clean_report,
                                                        tmp_path) -> None:
    no_alt = _corrupt(clean_report, tmp_path, re.compile(r'alt="[^"]*"'), 'alt=""')
    assert checks.check_page(chromium, no_alt, 1280).figures == ["figure 1 has no alt text"]
    hidden = _corrupt(clean_report, tmp_path, "<img ", '<img style="display:none" ')
    problems = checks.check_page(chromium, hidden, 1280).figures
    assert len(problems) == 1 and problems[0].startswith("figure 1 is not visible")


@pytest.mark.browser
def test_chart_text_too_small_on_a_phone_is_flagged(chromium, clean_report, tmp_path) -> None:
    """The desktop figure shown on a phone (as before figures had a phone rendering): its
    8 pt note is squeezed to about 5 px."""
    phone = checks.check_page(chromium, clean_report.path, checks.WIDTHS["phone"])
    assert phone.chart_text == [] and phone.smallest_chart_text_px >= checks.MIN_CHART_TEXT_PX
    squeezed = _corrupt(clean_report, tmp_path, 'media="(min-width: 601px)"', 'media="all"',
                        count=2)
    result = checks.check_page(chromium, squeezed, checks.WIDTHS["phone"])
    assert result.smallest_chart_text_px < 6
    assert any(p.startswith("figure 1 (source): smallest text is") for p in result.chart_text)


@pytest.mark.browser
def test_false_smallest_text_record_is_flagged(chromium, clean_report, tmp_path) -> None:
    lying = _corrupt(clean_report, tmp_path,
                     re.compile(r'(<img [^>]*data-min-font-px=")[\d.]+"'), r'\g<1>30"')
    problems = checks.check_page(chromium, lying, checks.WIDTHS["phone"]).chart_text
    assert any("records 30.00px as its smallest text but its SVG has" in p for p in problems)


# --------------------------------------------------------------------------- tables
@pytest.mark.browser
def test_missing_or_misplaced_table_scroll_hint_is_flagged(chromium, clean_report,
                                                           tmp_path) -> None:
    clean = checks.check_page(chromium, clean_report.path, checks.WIDTHS["phone"])
    assert clean.table_hints == []
    no_hint = _corrupt(clean_report, tmp_path, "</head>",
                       "<style>.table-wrap::before { display: none; }</style></head>")
    problems = checks.check_page(chromium, no_hint, checks.WIDTHS["phone"]).table_hints
    assert problems and all("scrolls sideways without a visible hint" in p for p in problems)
    always = _corrupt(clean_report, tmp_path, "</head>",
                      "<style>.table-wrap::before { animation: none; height: 1.6em; "
                      "opacity: 1; }</style></head>")
    problems = checks.check_page(chromium, always, checks.WIDTHS["desktop"]).table_hints
    assert problems and all("fits but still shows the scroll hint" in p for p in problems)


# --------------------------------------------------------------------------- self-containment
@pytest.mark.browser
def test_remote_script_is_flagged(chromium, clean_report, tmp_path) -> None:
    broken = _corrupt(clean_report, tmp_path, "</head>",
                      f'<script src="{REMOTE_SCRIPT}"></script></head>')
    static = checks.static_problems(broken.read_text("utf-8"))
    assert f"<script> tag ({REMOTE_SCRIPT}): reports carry no scripts" in static
    assert any("loads a remote resource" in p for p in static)
    result = checks.check_page(chromium, broken, checks.WIDTHS["phone"])
    assert result.external_requests == [REMOTE_SCRIPT]
    assert len(result.failed_requests) == 1 and REMOTE_SCRIPT in result.failed_requests[0]


@pytest.mark.browser
def test_remote_stylesheet_and_image_are_flagged(chromium, clean_report, tmp_path) -> None:
    css = "https://fonts.example.invalid/font.css"
    img = "https://img.example.invalid/chart.png"
    broken = _corrupt(clean_report, tmp_path, "</head>",
                      f'<link rel="stylesheet" href="{css}"></head>')
    broken.write_text(broken.read_text("utf-8").replace(
        "</main>", f'<p><img src="{img}" alt="remote chart"></p></main>'), encoding="utf-8")
    result = checks.check_page(chromium, broken, checks.WIDTHS["desktop"])
    assert sorted(result.external_requests) == sorted([css, img])
    static = checks.static_problems(broken.read_text("utf-8"))
    assert len([p for p in static if "loads a remote resource" in p]) == 2


@pytest.mark.browser
def test_script_errors_reach_the_console_check(chromium, clean_report, tmp_path) -> None:
    broken = _corrupt(clean_report, tmp_path, "</body>",
                      "<script>console.error('injected'); undefinedFunction();</script></body>")
    result = checks.check_page(chromium, broken, checks.WIDTHS["desktop"])
    assert result.console_errors == ["injected"]
    assert len(result.page_errors) == 1 and "undefinedFunction" in result.page_errors[0]


# --------------------------------------------------------------------------- layout
@pytest.mark.browser
def test_wide_element_overflows_the_phone_only(chromium, clean_report, tmp_path) -> None:
    broken = _corrupt(clean_report, tmp_path, "</main>",
                      '<div id="too-wide" style="width:800px">wide</div></main>')
    phone = checks.check_page(chromium, broken, checks.WIDTHS["phone"])
    assert len(phone.overflow) == 1 and "div#too-wide" in phone.overflow[0]
    assert checks.check_page(chromium, broken, checks.WIDTHS["desktop"]).overflow == []


@pytest.mark.browser
def test_broken_links_are_flagged(chromium, tmp_path) -> None:
    reports, index = synthetic.build_folder(tmp_path)
    assert checks.index_problems(index) == []
    index.write_text(index.read_text("utf-8").replace(
        "</ul>", '<li><a href="gone.html">Gone</a></li>'
                 '<li><a href="https://example.invalid/">Web</a></li></ul>'), encoding="utf-8")
    assert checks.index_problems(index) == [
        "index link 'gone.html' points to a missing file",
        "index link 'https://example.invalid/' is not a relative file link"]
    links = checks.check_page(chromium, index, checks.WIDTHS["desktop"]).links
    assert len(links) == 2 and "'gone.html'" in links[0] and "not a local file" in links[1]
    anchor = reports[0].path.read_text("utf-8").replace('href="#trend"', 'href="#nowhere"')
    reports[0].path.write_text(anchor, encoding="utf-8")
    links = checks.check_page(chromium, reports[0].path, checks.WIDTHS["desktop"]).links
    assert links == ["'#nowhere' points to no element"]


# --------------------------------------------------------------------------- theme, print
@pytest.mark.browser
def test_escaped_stylesheet_is_flagged(chromium, clean_report, tmp_path) -> None:
    css = checks.REPORT_CSS.read_text("utf-8")
    broken = _corrupt(clean_report, tmp_path, css, html.escape(css))
    assert "stylesheet is HTML-escaped (selectors like 'a > b' break)" in \
        checks.static_problems(broken.read_text("utf-8"))
    problems = checks.structure_problems(chromium, broken)
    assert len(problems) == 1 and "the embedded CSS is damaged" in problems[0]


def test_stale_stylesheet_is_flagged(clean_report, tmp_path) -> None:
    assert checks.stylesheet_is_current(clean_report.path)
    stale = _corrupt(clean_report, tmp_path, "th.num { text-align: right; }", "")
    assert not checks.stylesheet_is_current(stale)


@pytest.mark.browser
def test_structure_faults_are_flagged(chromium, clean_report, tmp_path) -> None:
    no_toc = _corrupt(clean_report, tmp_path, re.compile(r'<li><a href="#trend">.*?</li>'), "")
    assert checks.structure_problems(chromium, no_toc) == [
        "table of contents misses sections ['trend']"]
    bare = _corrupt(clean_report, tmp_path, re.compile(r"<li>Support for sending weapons.*?</li>"),
                    "<li>Support for sending weapons is 66%.</li>")
    assert checks.structure_problems(chromium, bare) == [
        "headline states a percentage without its interval: "
        "'Support for sending weapons is 66%.'"]
    spaced = _corrupt(clean_report, tmp_path, "<td class=\"num\">66.0%</td>",
                      "<td class=\"num\">66.04 %</td>")
    assert checks.structure_problems(chromium, spaced) == [
        "percentage written as '66.04 %' (use '66%')"]
    opened = _corrupt(clean_report, tmp_path, "<details>\n<summary><h2>Methodology",
                      "<details open>\n<summary><h2>Methodology")
    assert checks.structure_problems(chromium, opened) == [
        "methodology is expanded by default (should be collapsed)"]


@pytest.mark.browser
def test_methodology_missing_from_print_is_flagged(chromium, clean_report, tmp_path) -> None:
    needles = list(clean_report.collapsed_text)
    assert checks.print_problems(chromium, clean_report.path, needles) == []
    hide = ("<style>@media print { details::details-content { display: none !important; "
            "content-visibility: hidden !important; } }</style></head>")
    broken = _corrupt(clean_report, tmp_path, "</head>", hide)
    problems = checks.print_problems(chromium, broken, needles)
    assert len(problems) == 2 and all("lacks the text" in p for p in problems)


# --------------------------------------------------------------------------- analyses
FAILING_ANALYSIS = textwrap.dedent('''\
    # %%
    import json

    settings = json.loads('{"seed": 1}')

    # %%
    raise RuntimeError("injected failure in the analysis")

    # %%
    from opinion.report import Report, report_path

    Report("Never written").write(report_path("boom"))
    ''')


def _fake_analyses(tmp_path: Path, source: str, name: str = "boom") -> tuple[Path, Path]:
    folder = tmp_path / "analyses"
    folder.mkdir()
    script = folder / f"{name}.py"
    script.write_text(source, encoding="utf-8")
    return folder, script


def test_raising_analysis_fails_as_script_and_cli(tmp_path) -> None:
    folder, script = _fake_analyses(tmp_path, FAILING_ANALYSIS)
    out, cwd = tmp_path / "reports", tmp_path / "elsewhere"
    cwd.mkdir()
    env = harness.analysis_env(reports_dir=out, cache_dir=tmp_path / "cache",
                               analyses_dir=folder)
    run = harness.run_script(script, cwd=cwd, env=env)
    assert run.returncode == 1 and "RuntimeError: injected failure" in run.stderr
    cli = harness.run_cli(["report", "boom"], cwd=cwd, env=env)
    assert cli.returncode != 0 and "injected failure in the analysis" in cli.stderr
    assert not (out / "boom.html").exists()


def test_raising_analysis_fails_as_notebook(tmp_path) -> None:
    from nbclient.exceptions import CellExecutionError

    _, script = _fake_analyses(tmp_path, FAILING_ANALYSIS)
    nb = harness.script_to_notebook(script)
    assert [c.cell_type for c in nb.cells] == ["code", "code", "code"]
    env = harness.analysis_env(reports_dir=tmp_path / "reports", cache_dir=tmp_path / "cache")
    with pytest.raises(CellExecutionError, match="injected failure in the analysis"):
        harness.execute_notebook(nb, cwd=tmp_path, env=env, timeout=120)


def test_default_repr_in_notebook_output_is_flagged() -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("thing")
    cell.outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/plain": "<opinion.models.Thing object at 0x7f3a2c>"},
        execution_count=1)]
    rich = nbformat.v4.new_code_cell("polls")
    rich.outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/plain": "<PollFrame: 3 rows>"}, execution_count=2)]
    nb.cells = [cell, rich]
    assert harness.notebook_output_problems(nb) == [
        "cell 0: default repr <opinion.models.Thing object at 0x7f3a2c>",
        "cell 1: '<PollFrame: 3 rows>' has no HTML representation",
        "no cell shows an HTML output (display the data and results objects at the end of "
        "cells)"]


def test_writes_outside_reports_are_flagged(tmp_path) -> None:
    tree = tmp_path / "repo"
    (tree / "analyses").mkdir(parents=True)
    (tree / "reports").mkdir()
    (tree / "__pycache__").mkdir()
    script = tree / "analyses" / "sloppy.py"
    script.write_text(textwrap.dedent('''\
        from pathlib import Path
        here = Path(__file__).resolve().parents[1]
        (here / "reports" / "sloppy.html").write_text("<html></html>")
        (here / "analyses" / "scratch.csv").write_text("a,b")
        (here / "__pycache__" / "ignored.pyc").write_text("cache")
        Path("in-cwd.txt").write_text("x")
        '''), encoding="utf-8")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    before = harness.snapshot(tree)
    run = harness.run_script(script, cwd=cwd, env=harness.analysis_env(
        reports_dir=None, cache_dir=tmp_path / "cache"))
    assert run.returncode == 0, run.explain()
    changed = harness.changed_files(before, harness.snapshot(tree))
    assert changed == ["analyses/scratch.csv", "reports/sloppy.html"]
    assert [p for p in changed if not p.startswith("reports/")] == ["analyses/scratch.csv"]
    assert harness.snapshot(cwd) != {}


# --------------------------------------------------------------------------- determinism
def _render(folder: Path, seed: int | None) -> str:
    """Render a small report whose numbers come from a RNG (seeded or not)."""
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from opinion.report import Report

    rng = np.random.default_rng(seed)
    draws = rng.normal(60, 3, 500)
    report = Report("Determinism", seed=seed)
    report.headline(f"Support {draws.mean():.1f}% ({np.quantile(draws, 0.05):.1f}%–"
                    f"{np.quantile(draws, 0.95):.1f}%, 90% interval).")
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.hist(draws, bins=20)
    report.figure(fig, alt="Histogram of simulated support")
    report.table(pd.DataFrame({"mean": [draws.mean()]}), percent_columns=("mean",))
    path = report.write(folder / "determinism.html")
    return path.read_text("utf-8")


def test_svg_ids_are_normalised() -> None:
    """matplotlib salts SVG element ids with a uuid: the same figure, two different files."""
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    def svg(salt: str) -> str:
        with matplotlib.rc_context({"svg.hashsalt": salt}):
            fig, ax = plt.subplots(figsize=(3, 2))
            ax.plot([0, 1, 2], [1, 0, 1], marker="o", clip_on=True)
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None})
            plt.close(fig)
        return buffer.getvalue()

    a, b = svg("first"), svg("second")
    assert a != b and len(re.findall(r'id="', a)) > 3
    assert harness.normalise_svg(a) == harness.normalise_svg(b)


def test_determinism_check_compares_numbers_not_noise(tmp_path) -> None:
    first = harness.normalise_report(_render(tmp_path, seed=5))
    assert "(volatile)" in first and "data:image/svg+xml;utf8,<?xml" in first
    assert harness.report_differences(first, harness.normalise_report(
        _render(tmp_path, seed=5))) == []
    # an unseeded run changes numbers in the text and the figure: flagged
    diff = harness.report_differences(first, harness.normalise_report(
        _render(tmp_path, seed=None)))
    assert any(line.startswith("-<li>Support") for line in diff)
    assert any(line.startswith("+<li>Support") for line in diff)
