"""The report builder's output in a real browser, on a synthetic report (fast path).

These run in the default suite: they check the template and stylesheet without waiting for
any model to be fitted. The real reports get the same checks in ``test_real_reports.py``.
"""

from __future__ import annotations

import pytest

from browser import checks
from browser.synthetic import BAD, GOOD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("label", sorted(checks.WIDTHS))
@pytest.mark.parametrize("which", [0, 1], ids=["passing", "failing-diagnostics"])
def test_synthetic_report_in_browser(browser_context, synthetic_folder, which, label) -> None:
    report = synthetic_folder.reports[which]
    shot = checks.screenshot_path(f"synthetic/{report.path.stem}", label)
    result = checks.check_page(browser_context, report.path, checks.WIDTHS[label],
                               screenshot=shot)
    assert result.problems() == []
    assert result.n_figures == report.n_figures
    assert shot.is_file() and shot.stat().st_size > 1000


def test_synthetic_report_structure(browser_context, synthetic_folder) -> None:
    for report in synthetic_folder.reports:
        assert checks.structure_problems(browser_context, report.path) == []
        assert checks.static_problems(report.path.read_text("utf-8")) == []


def test_collapsed_sections_print_in_full(browser_context, synthetic_folder) -> None:
    report = synthetic_folder.reports[0]
    # on screen, methodology is collapsed: its paragraphs are not visible ...
    page = browser_context.new_page()
    try:
        page.goto(report.path.as_uri())
        paragraph = page.locator("#methodology details p").first
        assert not paragraph.is_visible()
        # ... and in print media they are, while the on-screen contents list is not
        page.emulate_media(media="print")
        assert paragraph.is_visible()
        assert not page.locator("nav.toc").is_visible()
    finally:
        page.close()
    # the saved PDF holds the methodology and the diagnostics (both inside <details>)
    needles = [*report.collapsed_text, f"Poll average: {GOOD.status()}"]
    assert checks.collapsed_text(report.path) == needles
    assert checks.print_problems(browser_context, report.path, needles) == []


def test_failing_diagnostics_are_shown_open(browser_context, synthetic_folder) -> None:
    report = synthetic_folder.reports[1]
    page = browser_context.new_page()
    try:
        page.goto(report.path.as_uri())
        assert page.locator("#diagnostics details").get_attribute("open") is not None
        assert page.locator("#diagnostics .diag.bad").is_visible()
        assert BAD.status() in page.locator("#diagnostics").inner_text()
        reason = page.locator("#diagnostics .allowed-reason")
        assert reason.is_visible() and "a synthetic failing fit" in reason.inner_text()
        banner = page.locator(".banner")
        assert "bad" in banner.get_attribute("class")
        assert "did not pass" in banner.inner_text()
    finally:
        page.close()


@pytest.mark.parametrize("label", sorted(checks.WIDTHS))
def test_synthetic_index(browser_context, synthetic_folder, label) -> None:
    assert checks.index_problems(synthetic_folder.index) == []
    result = checks.check_page(browser_context, synthetic_folder.index, checks.WIDTHS[label],
                               screenshot=checks.screenshot_path("synthetic/index", label))
    assert result.problems() == []
    page = browser_context.new_page()
    try:
        page.goto(synthetic_folder.index.as_uri())
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
    finally:
        page.close()
    assert sorted(hrefs) == ["synthetic.html", "synthetic_failing.html"]
