"""HTML report builder: escaping of untrusted text, inline figures, no remote URLs, index page.

The HTML is checked with the standard-library parser (tags and attributes as a browser would
see them), not only by substring search.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from opinion.models.core.diagnostics import Diagnostics
from opinion.report import Report, format_interval, format_pct, write_index

ROOT = Path(__file__).resolve().parents[1]
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ATTR_XSS = '" onmouseover="alert(1)'


class _Tags(HTMLParser):
    """Collect (tag, attrs) of every start tag and all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def _figure(title: str = "Support"):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([2022, 2023, 2024], [66, 58, 52])
    ax.set_title(title)
    return fig


def _hostile_report() -> str:
    r = Report(f"Title {XSS}", subtitle=f"Sub {XSS}", seed=7)
    r.headline(f"Headline {XSS}")
    r.section(f"Section {XSS}")
    r.text(f"Question text: {XSS}")
    r.note(f"Note {XSS}")
    r.table(pd.DataFrame({f"col {XSS}": [f"cell {XSS}", "ok"], "pct": [66.25, 50.0]}),
            caption=f"Table {XSS}", percent_columns=("pct",))
    r.figure(_figure(XSS), alt=f"Alt {XSS} {ATTR_XSS}", caption=f"Caption {XSS}")
    r.methodology(f"Method {XSS}")
    bad = Diagnostics(max_rhat=1.2, min_ess_bulk=50, min_ess_tail=50, divergences=3, draws=1000,
                      chains=4, worst_parameter=XSS)
    r.diagnostics(f"Model {XSS}", bad, allow_unconverged=f"Reason {XSS}")
    return r.render()


def test_untrusted_text_is_inert_everywhere() -> None:
    html = _hostile_report()
    assert "<script" not in html.lower()
    parsed = _parse(html)
    assert "script" not in {tag for tag, _ in parsed.tags}
    for tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
    # the text was escaped, not dropped: each place still shows it
    text = "".join(parsed.text)
    for place in ("Title", "Sub", "Headline", "Section", "Question text:", "Note", "cell",
                  "col", "Table", "Caption", "Method", "Model"):
        assert f"{place} {XSS}" in text or f"{place}: {XSS}" in text, place
    assert html.count(ESCAPED) >= 12
    img = next(attrs for tag, attrs in parsed.tags if tag == "img")
    assert img["alt"] == f"Alt {XSS} {ATTR_XSS}"  # the quote did not end the attribute


def test_figure_inlined_as_base64_svg() -> None:
    r = Report("Figures")
    r.figure(_figure(), alt="Line chart of support falling from 66% to 52%", caption="Trend")
    parsed = _parse(r.render())
    imgs = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert len(imgs) == 1
    src = imgs[0]["src"]
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix)
    svg = base64.b64decode(src[len(prefix):]).decode("utf-8")
    assert "<svg" in svg and "</svg>" in svg
    assert imgs[0]["alt"] == "Line chart of support falling from 66% to 52%"
    assert int(imgs[0]["width"]) > 0 and int(imgs[0]["height"]) > 0
    assert "<figcaption>Trend</figcaption>" in r.render()


def test_figure_requires_alt_text() -> None:
    fig = _figure()
    with pytest.raises(ValueError, match="alt"):
        Report("x").figure(fig, alt="  ")
    plt.close(fig)


def test_no_remote_urls_in_src_or_href() -> None:
    r = Report("Sources")
    r.headline("Two-thirds support sending weapons.")
    r.dataset("us_ukraine_support")
    r.figure(_figure(), alt="chart")
    html = r.render()
    parsed = _parse(html)
    for tag, attrs in parsed.tags:
        for key in ("src", "href", "action", "srcset", "poster", "data"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (tag, key, value)
    assert not any(tag in {"script", "iframe", "object", "embed"} for tag, _ in parsed.tags)
    # sources are listed as text, with their checksum
    text = "".join(parsed.text)
    assert "https://www.pewresearch.org/homepage/3-17-22/" in text
    digest = hashlib.sha256((ROOT / "datasets/us_ukraine_support/data.csv").read_bytes())
    assert digest.hexdigest() in text
    assert "Random seed" in text and "not used" in text


def test_table_formatting_and_banner() -> None:
    r = Report("Table")
    frame = pd.DataFrame({"response": ["Support", "Oppose"], "pct": [66.25, float("nan")],
                          "n": [1005, 12000]})
    r.table(frame, decimals=1, percent_columns=("pct",))
    html = r.render()
    cells = [c for c in _parse(html).text if c.strip()]
    # 66.25 -> '66.2%' (round-half-even on the binary value 66.25), NaN -> en dash
    assert "66.2%" in cells and "–" in cells
    assert "1,005" in cells and "12,000" in cells
    assert 'class="banner info"' in html  # no model: design-based intervals
    good = Diagnostics(max_rhat=1.001, min_ess_bulk=2000, min_ess_tail=2000, divergences=0,
                       draws=1000, chains=4, worst_parameter="mu")
    assert 'class="banner ok"' in Report("x").diagnostics("m", good).render()


def test_section_anchors_are_unique() -> None:
    r = Report("Anchors")
    for title in ("Results", "Results", "Provenance", "!!!"):
        r.section(title).text("x")
    ids = [attrs["id"] for tag, attrs in _parse(r.render()).tags
           if tag == "section" and "id" in attrs]
    assert len(ids) == len(set(ids))
    assert {"results", "results-2", "provenance-2", "section"} <= set(ids)


def test_format_helpers() -> None:
    assert format_pct(66.25) == "66%"
    assert format_pct(66.25, 1) == "66.2%"
    assert format_interval(66, 62.5, 69.4) == "66% (62%–69%, 90% interval)"


def test_write_index_links_every_report(tmp_path) -> None:
    Report("Ukraine aid").headline("Two-thirds support.").write(tmp_path / "ukraine.html")
    Report(f"Hostile {XSS}").headline(f"Summary {XSS}").write(tmp_path / "hostile.html")
    (tmp_path / "notes.txt").write_text("not a report")
    (tmp_path / "index.html").write_text("old index")
    index = write_index(tmp_path)
    assert index == tmp_path / "index.html"
    html = index.read_text("utf-8")
    assert "<script" not in html.lower()
    parsed = _parse(html)
    hrefs = sorted(attrs["href"] for tag, attrs in parsed.tags if tag == "a")
    assert hrefs == ["hostile.html", "ukraine.html"]
    text = "".join(parsed.text)
    assert "Ukraine aid" in text and "Two-thirds support." in text
    assert f"Hostile {XSS}" in text and f"Summary {XSS}" in text  # shown as text


def test_write_index_empty_folder(tmp_path) -> None:
    html = write_index(tmp_path / "new").read_text("utf-8")
    assert "No reports yet" in html
    assert not [a for tag, a in _parse(html).tags if tag == "a"]
