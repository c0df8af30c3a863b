"""Self-contained HTML reports: headlines, figures, tables, methodology, provenance.

Text is untrusted (poll question wording comes from users' files): the Jinja2 environment
autoescapes everything. Figures are inlined as base64 SVG images with alt text; nothing is
fetched over the network.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import platform
import re
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from opinion.models.base import package_versions
from opinion.models.diagnostics import Diagnostics

_TEMPLATES = files("opinion.report") / "templates"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_TEMPLATES / name).read_text("utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _anchor(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug or "section"


def format_pct(value: float, decimals: int = 0) -> str:
    """Percent formatting used everywhere in reports: ``66%``, ``66.3%``."""
    return f"{value:.{decimals}f}%"


def format_interval(mean: float, lower: float, upper: float, decimals: int = 0,
                    level: float = 0.9) -> str:
    """``66% (62%–70%, 90% interval)``."""
    return (f"{format_pct(mean, decimals)} ({format_pct(lower, decimals)}–"
            f"{format_pct(upper, decimals)}, {level:.0%} interval)")


@dataclass
class _Section:
    title: str
    anchor: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


class Report:
    """Build one HTML report.

    Parameters
    ----------
    title
        Report title (plain text).
    subtitle
        One line under the title.
    seed
        The random seed the analysis used (recorded in provenance).

    Examples
    --------
    >>> r = Report("Support for Ukraine aid", seed=1)
    >>> r.headline("Two-thirds support sending weapons (66%, 63%–69%).")
    >>> html = r.render()
    >>> "<script" in html
    False
    """

    def __init__(self, title: str, *, subtitle: str = "", seed: int | None = None) -> None:
        self.title = title
        self.subtitle = subtitle
        self.seed = seed
        self.summary_text = ""
        self._t0 = time.perf_counter()
        self._headlines: list[str] = []
        self._sections: list[_Section] = []
        self._methodology: list[str] = []
        self._diagnostics: list[dict[str, Any]] = []
        self._datasets: dict[str, str] = {}
        self._sources: list[dict[str, str]] = []

    # ------------------------------------------------------------------ content
    def headline(self, text: str) -> Report:
        """A headline finding in plain language (put its interval in the text)."""
        self._headlines.append(text)
        if not self.summary_text:
            self.summary_text = text
        return self

    def section(self, title: str) -> Report:
        """Start a new section; following blocks go into it."""
        anchor = _anchor(title)
        taken = {s.anchor for s in self._sections} | {"headlines", "methodology", "diagnostics",
                                                       "provenance"}
        base, i = anchor, 2
        while anchor in taken:
            anchor, i = f"{base}-{i}", i + 1
        self._sections.append(_Section(title, anchor))
        return self

    def _current(self) -> _Section:
        if not self._sections:
            self.section("Results")
        return self._sections[-1]

    def text(self, text: str) -> Report:
        """A paragraph."""
        self._current().blocks.append({"kind": "text", "text": text})
        return self

    def note(self, text: str) -> Report:
        """A caveat or source note (smaller, muted)."""
        self._current().blocks.append({"kind": "note", "text": text})
        return self

    def figure(self, fig: Figure | Axes, *, alt: str, caption: str = "") -> Report:
        """Inline a matplotlib figure (or the figure of an Axes) as an SVG image.

        ``alt`` is required: it describes the figure for screen readers.
        """
        if not alt or not alt.strip():
            raise ValueError("a figure needs alt text describing what it shows")
        figure = fig.figure if isinstance(fig, Axes) else fig
        buffer = io.BytesIO()
        # a fixed salt makes SVG element ids, hence the HTML, identical between runs
        with matplotlib.rc_context({"svg.hashsalt": "opinion-report"}):
            figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(figure)
        svg = buffer.getvalue()
        width, height = _svg_size(svg)
        self._current().blocks.append({
            "kind": "figure", "svg_base64": base64.b64encode(svg).decode("ascii"),
            "alt": alt, "caption": caption, "width": width, "height": height,
        })
        return self

    def table(self, frame: pd.DataFrame, *, caption: str = "", decimals: int = 1,
              percent_columns: tuple[str, ...] = (), index: bool = False) -> Report:
        """Add a table; numbers are rounded to ``decimals``, ``percent_columns`` get a % sign
        (and at most one decimal)."""
        data = frame.reset_index() if index else frame
        rows = []
        for record in data.itertuples(index=False):
            cells = []
            for column, value in zip(data.columns, record, strict=True):
                cells.append(_cell(value, decimals, str(column) in percent_columns))
            rows.append(cells)
        numeric = [bool(rows) and all(r[j]["numeric"] or not r[j]["text"] for r in rows)
                   for j in range(len(data.columns))]
        self._current().blocks.append({
            "kind": "table", "caption": caption, "columns": [str(c) for c in data.columns],
            "rows": rows, "numeric": numeric,
        })
        return self

    def methodology(self, *paragraphs: str) -> Report:
        """Methodology paragraphs (collapsed in the report)."""
        self._methodology.extend(p.strip() for p in paragraphs if p and p.strip())
        return self

    def diagnostics(self, label: str, diagnostics: Diagnostics) -> Report:
        """Record a model's convergence diagnostics (the banner turns red if any fail)."""
        self._diagnostics.append({"label": label, "ok": diagnostics.ok,
                                  "status": diagnostics.status()})
        return self

    def dataset(self, name: str) -> Report:
        """Record a bundled dataset's checksum and sources in the provenance block."""
        from opinion import datasets

        self._datasets[name] = datasets.checksum(name)
        for source in datasets.info(name).get("sources", []):
            entry = {"title": str(source.get("title", "")), "path": str(source.get("path", "")),
                     "date": str(source.get("date", ""))}
            if entry not in self._sources:
                self._sources.append(entry)
        return self

    # ------------------------------------------------------------------ output
    def _banner(self) -> dict[str, Any]:
        bad = [d for d in self._diagnostics if not d["ok"]]
        if bad:
            names = ", ".join(d["label"] for d in bad)
            return {"ok": False, "css_class": "bad",
                    "text": f"Diagnostics warning: {names} did not pass convergence checks "
                            "(R-hat, ESS or divergences); see Diagnostics before using the "
                            "numbers."}
        if self._diagnostics:
            return {"ok": True, "css_class": "ok",
                    "text": "All models passed convergence checks (R-hat <= 1.01, enough "
                            "effective draws, no divergences)."}
        return {"ok": True, "css_class": "info",
                "text": "No Bayesian model in this report: intervals are design-based."}

    def render(self) -> str:
        """The complete HTML document as a string."""
        env = _environment()
        css = (_TEMPLATES / "report.css").read_text("utf-8")
        import opinion

        runtime = time.perf_counter() - min(self._t0, opinion._START)
        provenance = {
            "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "runtime": f"{runtime:.1f} s",
            "seed": "not used" if self.seed is None else str(self.seed),
            "datasets": self._datasets,
            "sources": self._sources,
            "versions": package_versions(),
            "python": platform.python_version(),
        }
        return env.get_template("report.html.j2").render(
            title=self.title, subtitle=self.subtitle, summary=self.summary_text,
            css=css, banner=self._banner(), headlines=self._headlines,
            sections=self._sections, methodology=self._methodology,
            diagnostics=self._diagnostics, provenance=provenance,
        )

    def write(self, path: str | Path) -> Path:
        """Render and write to ``path`` (folders are created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(), encoding="utf-8")
        return path


def _cell(value: Any, decimals: int, percent: bool) -> dict[str, Any]:
    if isinstance(value, pd.Timestamp):
        return {"text": f"{value:%Y-%m-%d}", "numeric": False}
    if isinstance(value, bool) or value is None:
        return {"text": "" if value is None else ("yes" if value else "no"), "numeric": False}
    if isinstance(value, int):
        return {"text": f"{value:,}", "numeric": True}
    if isinstance(value, float):
        if value != value:
            return {"text": "–", "numeric": True}
        # percentages carry at most one decimal in every report (the house style)
        text = format_pct(value, min(decimals, 1)) if percent else f"{value:,.{decimals}f}"
        return {"text": text, "numeric": True}
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _cell(value.item(), decimals, percent)
    return {"text": str(value), "numeric": False}


def _svg_size(svg: bytes) -> tuple[int, int]:
    head = svg[:2000].decode("utf-8", "ignore")
    w = re.search(r'width="([\d.]+)pt"', head)
    h = re.search(r'height="([\d.]+)pt"', head)
    if not (w and h):
        return 800, 450
    return round(float(w.group(1)) * 4 / 3), round(float(h.group(1)) * 4 / 3)


def write_index(reports_dir: str | Path) -> Path:
    """Write ``index.html`` linking every report in ``reports_dir``."""
    folder = Path(reports_dir)
    folder.mkdir(parents=True, exist_ok=True)
    reports = []
    for path in sorted(folder.glob("*.html")):
        if path.name == "index.html":
            continue
        head = path.read_text("utf-8", errors="ignore")[:4000]
        title = re.search(r"<title>(.*?)</title>", head, re.S)
        summary = re.search(r'<meta name="description" content="(.*?)">', head, re.S)
        reports.append({
            "href": path.name,
            "title": _unescape(title.group(1)) if title else path.stem,
            "summary": _unescape(summary.group(1)) if summary else "",
        })
    css = (_TEMPLATES / "report.css").read_text("utf-8")
    html_text = _environment().get_template("index.html.j2").render(reports=reports, css=css)
    out = folder / "index.html"
    out.write_text(html_text, encoding="utf-8")
    return out


def _unescape(text: str) -> str:
    import html

    return html.unescape(text.strip())
