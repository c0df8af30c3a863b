"""Every report in ``reports/`` in headless Chromium, at phone and desktop width.

A report is missing for an analysis? The session fixture renders it first (slow: models
are fitted). Screenshots of every report at both widths are saved to
``test-artifacts/screenshots/`` for people to look at; the smallest rendered chart text of
each report at 390 px to ``test-artifacts/chart-text/``.
"""

from __future__ import annotations

import pytest

from browser import checks
from browser.conftest import real_report_names

pytestmark = pytest.mark.browser
NAMES = real_report_names()


def _path(real_reports, name):
    assert name not in real_reports.failures, real_reports.failures.get(name)
    path = real_reports.folder / f"{name}.html"
    assert path.is_file(), f"{path} was not rendered"
    return path


@pytest.mark.parametrize("label", sorted(checks.WIDTHS))
@pytest.mark.parametrize("name", NAMES)
def test_report_in_browser(browser_context, real_reports, name, label) -> None:
    path = _path(real_reports, name)
    shot = checks.screenshot_path(name, label)
    result = checks.check_page(browser_context, path, checks.WIDTHS[label], screenshot=shot)
    assert result.problems() == []
    html = path.read_text("utf-8")
    assert result.n_figures == html.count("<figure>")
    assert shot.is_file() and shot.stat().st_size > 1000


@pytest.mark.parametrize("name", NAMES)
def test_chart_text_legible_on_a_phone(browser_context, real_reports, name) -> None:
    """At 390 px no chart text renders under 9 px: each figure's recorded smallest text
    (checked against its SVG) x displayed width / natural width. Tables that scroll
    sideways say so. The measurements go to ``test-artifacts/chart-text/NAME.json``."""
    import json

    path = _path(real_reports, name)
    result = checks.check_page(browser_context, path, checks.WIDTHS["phone"])
    assert result.chart_text == [] and result.table_hints == []
    if result.n_figures:
        assert result.smallest_chart_text_px >= checks.MIN_CHART_TEXT_PX
    out = checks.SCREENSHOTS.parent / "chart-text" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"width": checks.WIDTHS["phone"], "figures": result.n_figures,
                               "smallest_chart_text_px": result.smallest_chart_text_px},
                              indent=1) + "\n")


@pytest.mark.parametrize("name", NAMES)
def test_report_structure_and_sources(browser_context, real_reports, name) -> None:
    path = _path(real_reports, name)
    assert checks.static_problems(path.read_text("utf-8")) == []
    assert checks.structure_problems(browser_context, path) == []


@pytest.mark.parametrize("name", NAMES)
def test_report_uses_current_theme(real_reports, name) -> None:
    path = _path(real_reports, name)
    assert checks.stylesheet_is_current(path), (
        f"{path} was rendered with an older report.css: re-render the reports "
        "(uv run opinion report --all) so every report has the same theme")


@pytest.mark.parametrize("name", NAMES)
def test_report_prints_to_pdf(browser_context, real_reports, name) -> None:
    path = _path(real_reports, name)
    collapsed = checks.collapsed_text(path)
    assert checks.print_problems(browser_context, path, collapsed) == []


@pytest.mark.parametrize("label", sorted(checks.WIDTHS))
def test_index_links_every_report(browser_context, real_reports, label) -> None:
    index = real_reports.folder / "index.html"
    if not NAMES:
        pytest.skip("no analyses and no reports yet")
    assert index.is_file()
    assert checks.index_problems(index) == []
    result = checks.check_page(browser_context, index, checks.WIDTHS[label],
                               screenshot=checks.screenshot_path("index", label))
    assert result.problems() == []
    text = index.read_text("utf-8")
    for name in NAMES:
        assert f'href="{name}.html"' in text, f"index does not link {name}.html"
