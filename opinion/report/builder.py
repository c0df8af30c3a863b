"""Self-contained HTML reports: headlines, figures, tables, methodology, provenance, and the
same results as JSON.

Text is untrusted (poll question wording comes from users' files): the Jinja2 environment
autoescapes everything. Figures are inlined as base64 SVG images with alt text; nothing is
fetched over the network.

Evidence rules the builder enforces:

- every headline carries its prior-to-posterior contraction (``None`` for numbers no prior
  touches, such as a single poll's interval); under 0.5 it is flagged "mostly assumption"
  with a link to the sensitivity section; under 0.2 it is not a headline at all and moves
  to that section;
- a fit that fails the convergence checks (R-hat <= 1.01, bulk and tail ESS >= 400, no
  divergences) stops the report from rendering unless the analysis allows it with a stated
  reason, which the report shows;
- ``write`` puts ``<name>.json`` beside ``<name>.html``: headlines, fits, checks and
  provenance, for scripts and tests to read instead of scraping HTML.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import os
import platform
import re
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd

from opinion.errors import OpinionError, unknown_name_message
from opinion.formatting import format_interval, format_pct, interval_columns
from opinion.versions import package_versions

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ConvergenceGateError", "Report", "format_interval", "format_pct",
           "mark_analysis_start", "write_index"]

MOSTLY_ASSUMPTION = 0.5
"""Contraction below which a headline is flagged 'mostly assumption'."""
NOT_A_HEADLINE = 0.2
"""Contraction below which a number is not a headline (it moves to the sensitivity section)."""
SENSITIVITY_ANCHOR = "sensitivity"
_NO_CONTRACTION = object()
WIDE_MEDIA = "(min-width: 601px)"
"""Screens (and printed pages) that get a figure's wide rendering; narrower ones get the
phone rendering."""

_ANALYSIS_START = time.perf_counter()


def mark_analysis_start() -> None:
    """Start the runtime clock of the next report (the analysis runner calls this)."""
    global _ANALYSIS_START
    _ANALYSIS_START = time.perf_counter()


class ConvergenceGateError(OpinionError):
    """A report would show a fit that failed its convergence checks without a stated reason."""

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


@dataclass
class _Section:
    title: str
    anchor: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


class Report:
    """Build one HTML report (and its JSON twin).

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
    >>> r.headline("Two-thirds support sending weapons (66%, 63%–69%).", value=66,
    ...            lower=63, upper=69, contraction=None)
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
        self._headlines: list[dict[str, Any]] = []
        self._demoted: list[dict[str, Any]] = []
        self._sections: list[_Section] = []
        self._methodology: list[dict[str, Any]] = []
        self._fits: list[dict[str, Any]] = []
        self._checks: dict[str, Any] = {}
        self._datasets: dict[str, str] = {}
        self._sources: list[dict[str, str]] = []

    # ------------------------------------------------------------------ headlines
    def headline(self, text: str, *, value: float | None = None, lower: float | None = None,
                 upper: float | None = None, level: float | None = None,
                 contraction: Any = _NO_CONTRACTION) -> Report:
        """A headline finding in plain language, with its number.

        Parameters
        ----------
        text
            The finding (put its interval in the text too).
        value, lower, upper, level
            The number, its interval and the interval's level (e.g. 0.9).
        contraction
            How much the data moved the number (``results.contraction(...)``): ``None`` for
            a number no prior touches (a single poll's interval, a published figure).
            Required whenever ``value`` is given. Under 0.5 the headline is flagged "mostly
            assumption" and points to the sensitivity section; under 0.2 it is not a
            headline and is listed in that section instead.
        """
        if contraction is _NO_CONTRACTION:
            if value is not None:
                raise OpinionError(f"headline {text[:60]!r}: say how much the data moved it "
                                   "(contraction=results.contraction(...), or None for a "
                                   "number no prior touches)")
            contraction = None
        c = None if contraction is None else float(contraction)
        entry = {"text": text, "value": _number(value), "lower": _number(lower),
                 "upper": _number(upper), "level": _number(level),
                 "contraction": None if c is None or not math.isfinite(c) else c,
                 "flag": c is not None and not c >= MOSTLY_ASSUMPTION}
        if c is not None and not c >= NOT_A_HEADLINE:
            self._demoted.append(entry)
            return self
        self._headlines.append(entry)
        if not self.summary_text:
            self.summary_text = text
        return self

    def headline_quantity(self, results: Any, quantity: str, text: str, *,
                          level: float = 0.9) -> Report:
        """A headline from one of ``results.headline_quantities()``: value, interval and
        contraction are read from ``results.contraction_table(level)``; ``text`` may use
        ``{mean}``, ``{lower}``, ``{upper}`` (formatted ``.0f``) and ``{interval}``."""
        table = results.contraction_table(level).set_index("quantity")
        if quantity not in table.index:
            raise OpinionError(unknown_name_message(quantity, list(table.index),
                                                    f"quantity of {type(results).__name__}"))
        row = table.loc[quantity]
        lo_col, hi_col = interval_columns(level)
        lower, upper = row[lo_col], row[hi_col]
        interval = format_interval(row["mean"], lower, upper, level=level)
        return self.headline(
            text.format(mean=f"{row['mean']:.0f}", lower=f"{lower:.0f}",
                        upper=f"{upper:.0f}", interval=interval),
            value=row["mean"], lower=lower, upper=upper, level=level,
            contraction=row["contraction"])

    # ------------------------------------------------------------------ content
    def section(self, title: str) -> Report:
        """Start a new section; following blocks go into it."""
        anchor = _anchor(title)
        taken = {s.anchor for s in self._sections} | {"headlines", "methodology", "diagnostics",
                                                       "provenance", SENSITIVITY_ANCHOR}
        base, i = anchor, 2
        while anchor in taken:
            anchor, i = f"{base}-{i}", i + 1
        self._sections.append(_Section(title, anchor))
        return self

    def sensitivity(self, title: str = "Sensitivity and assumptions") -> Report:
        """Start (or return to) the sensitivity section, where flagged headlines point and
        numbers the data barely moved are listed; following blocks go into it."""
        for k, existing in enumerate(self._sections):
            if existing.anchor == SENSITIVITY_ANCHOR:
                self._sections.append(self._sections.pop(k))
                return self
        self._sections.append(_Section(title, SENSITIVITY_ANCHOR))
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

    def figure(self, fig: Figure | Axes, *, alt: str, caption: str = "",
               narrow: Figure | Axes | None = None) -> Report:
        """Inline a matplotlib figure (or the figure of an Axes) as an SVG image, with a
        phone rendering for screens up to 600 px wide.

        ``alt`` is required: it describes the figure for screen readers. ``narrow`` is a
        version drawn for phones (e.g. small multiples in fewer columns); by default the
        figure itself is reflowed for phones after it is saved
        (:func:`opinion.models.core.layout.narrow_layout`: 360 px wide, text at least
        7.5 pt, long labels wrapped). Each rendering records its smallest text in px at its
        natural size (``data-min-font-px``), so the size a reader sees is that times the
        displayed width over the natural width.
        """
        import matplotlib.pyplot as plt
        from matplotlib.axes import Axes

        from opinion.models.core.layout import narrow_layout

        if not alt or not alt.strip():
            raise ValueError("a figure needs alt text describing what it shows")
        figure = fig.figure if isinstance(fig, Axes) else fig
        phone = narrow.figure if isinstance(narrow, Axes) else narrow
        wide = _svg_block(figure)
        small = _svg_block(narrow_layout(phone if phone is not None else figure))
        plt.close(figure)
        if phone is not None:
            plt.close(phone)
        self._current().blocks.append({
            "kind": "figure", **wide, "alt": alt, "caption": caption,
            "narrow": small, "wide_media": WIDE_MEDIA,
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
        """Methodology paragraphs about the data and the analysis (collapsed in the report).

        State the fitted models with :meth:`methodology_of`, which is generated from the
        fits: never type a model's priors or parameterisation here.
        """
        self._methodology.extend({"label": "", "text": p.strip()} for p in paragraphs
                                 if p and p.strip())
        return self

    def methodology_of(self, label: str, results: Any) -> Report:
        """The methodology of a fitted model, generated from what was fitted
        (``results.methodology()``: model, parameterisation, priors, likelihood, sampler)."""
        for paragraph in results.methodology():
            self._methodology.append({"label": label, "text": paragraph})
        return self

    def diagnostics(self, label: str, diagnostics: Any, *,
                    allow_unconverged: str | None = None) -> Report:
        """Record a fit's convergence diagnostics.

        A fit that fails (R-hat > 1.01, bulk or tail ESS < 400, any divergence) stops the
        report from rendering (:class:`ConvergenceGateError`) unless ``allow_unconverged``
        states why its numbers may still be shown; the reason is printed in the banner and
        at the top of the diagnostics section.
        """
        d = diagnostics if isinstance(diagnostics, dict) else diagnostics.to_dict()
        ok = bool(diagnostics["ok"] if isinstance(diagnostics, dict) else diagnostics.ok)
        status = (diagnostics.get("status", "") if isinstance(diagnostics, dict)
                  else diagnostics.status())
        if allow_unconverged is not None and not str(allow_unconverged).strip():
            raise OpinionError("allow_unconverged needs a stated reason")
        self._fits.append({
            "name": label, "ok": ok, "status": status,
            "max_rhat": _number(d.get("max_rhat")), "min_ess_bulk": _number(d.get("min_ess_bulk")),
            "min_ess_tail": _number(d.get("min_ess_tail")),
            "divergences": int(d.get("divergences") or 0),
            "seconds": _number(d.get("sampling_seconds", d.get("seconds"))),
            "allowed_reason": allow_unconverged,
        })
        return self

    def check(self, name: str, result: Any) -> Report:
        """Record an out-of-sample or reference check (JSON-ready values) for the JSON."""
        self._checks[name] = _jsonable(result)
        return self

    def dataset(self, name: str) -> Report:
        """Record a bundled dataset's checksum and sources in the provenance block."""
        from opinion import datasets

        self._datasets[name] = datasets.checksum(name)
        for source in datasets.info(name).get("sources", []):
            date = source.get("date")
            # a source without a publication date shows none (never "(None)" or "(nan)")
            date = "" if date is None or str(date).strip().lower() in {"", "none", "nan",
                                                                         "nat"} else str(date)
            entry = {"title": str(source.get("title", "")), "path": str(source.get("path", "")),
                     "date": date}
            if entry not in self._sources:
                self._sources.append(entry)
        return self

    # ------------------------------------------------------------------ output
    def _banner(self) -> dict[str, Any]:
        bad = [d for d in self._fits if not d["ok"]]
        if bad:
            names = ", ".join(d["name"] for d in bad)
            return {"ok": False, "css_class": "bad",
                    "text": f"Diagnostics warning: {names} did not pass convergence checks "
                            "(R-hat, ESS or divergences); shown only for the reason stated "
                            "under Diagnostics."}
        if self._fits:
            return {"ok": True, "css_class": "ok",
                    "text": "All models passed convergence checks (R-hat <= 1.01, bulk and "
                            "tail ESS >= 400, no divergences)."}
        return {"ok": True, "css_class": "info",
                "text": "No Bayesian model in this report: intervals are design-based."}

    def _gate(self) -> None:
        blocked = [d for d in self._fits if not d["ok"] and not d["allowed_reason"]]
        if blocked:
            raise ConvergenceGateError(
                "the report shows fits that did not converge: "
                + "; ".join(f"{d['name']} ({d['status']})" for d in blocked)
                + ". Fix the fit, or pass diagnostics(..., allow_unconverged='reason')")

    def _provenance(self) -> dict[str, Any]:
        runtime = time.perf_counter() - min(self._t0, _ANALYSIS_START)
        return {
            "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "runtime": f"{runtime:.1f} s",
            "seed": "not used" if self.seed is None else str(self.seed),
            "datasets": self._datasets,
            "sources": self._sources,
            "versions": package_versions(),
            "python": platform.python_version(),
        }

    def _sensitivity_blocks(self) -> list[_Section]:
        """Sections with the sensitivity section holding flagged and demoted numbers."""
        flagged = [h for h in self._headlines if h["flag"]]
        if not (flagged or self._demoted):
            return self._sections
        sections = [_Section(s.title, s.anchor, list(s.blocks)) for s in self._sections]
        found = [s for s in sections if s.anchor == SENSITIVITY_ANCHOR]
        target = found[0] if found else _Section("Sensitivity and assumptions",
                                                 SENSITIVITY_ANCHOR)
        if not found:
            sections.append(target)
        extra: list[dict[str, Any]] = []
        if self._demoted:
            extra.append({"kind": "text", "text": (
                "Not headlines: the data moved these numbers little from what the priors "
                "already said (prior-to-posterior contraction under "
                f"{NOT_A_HEADLINE:.1f}); read them as assumptions.")})
            extra.extend({"kind": "note", "text": f"{h['text']} (contraction "
                                                  f"{h['contraction']:.2f})"}
                         for h in self._demoted)
        if flagged:
            extra.append({"kind": "note", "text": (
                "Headlines marked 'mostly assumption' have a prior-to-posterior contraction "
                f"under {MOSTLY_ASSUMPTION:.1f}: the data narrowed the prior by less than "
                "half, so their values depend on the priors stated in the methodology.")})
        target.blocks = extra + target.blocks
        return sections

    def render(self) -> str:
        """The complete HTML document as a string (after the convergence gate)."""
        self._gate()
        env = _environment()
        css = (_TEMPLATES / "report.css").read_text("utf-8")
        return env.get_template("report.html.j2").render(
            title=self.title, subtitle=self.subtitle, summary=self.summary_text,
            css=css, banner=self._banner(), headlines=self._headlines,
            sections=self._sensitivity_blocks(), methodology=self._methodology,
            diagnostics=self._fits, provenance=self._provenance(),
            sensitivity_anchor=SENSITIVITY_ANCHOR,
        )

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable report: ``title, generated, headlines, not_headlines, fits,
        checks, provenance``."""
        provenance = self._provenance()
        return {
            "title": self.title,
            "generated": provenance["generated"],
            "headlines": [{k: h[k] for k in ("text", "value", "lower", "upper", "level",
                                              "contraction", "flag")}
                          for h in self._headlines],
            "not_headlines": [{k: h[k] for k in ("text", "value", "lower", "upper", "level",
                                                  "contraction", "flag")}
                              for h in self._demoted],
            "fits": [{k: d[k] for k in ("name", "ok", "max_rhat", "min_ess_bulk",
                                         "min_ess_tail", "divergences", "seconds",
                                         "allowed_reason")}
                     for d in self._fits],
            "checks": self._checks,
            "provenance": {"datasets": self._datasets, "versions": provenance["versions"],
                           "seed": self.seed, "python": provenance["python"],
                           "runtime_seconds": float(provenance["runtime"].split()[0])},
        }

    def write(self, path: str | Path) -> Path:
        """Render and write ``path`` (HTML) and the JSON beside it (``.json``); folders are
        created. Returns the HTML path."""
        path = Path(path)
        html_text = self.render()
        payload = json.dumps(self.to_dict(), indent=2, allow_nan=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, html_text)
            _write_atomically(path.with_suffix(".json"), payload + "\n")
        except OSError as exc:
            raise OpinionError(f"cannot write the report to {path}: {exc.strerror or exc}"
                               ) from None
        return path


def _number(value: Any) -> float | None:
    """A finite float, or ``None``."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _jsonable(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python, NaN/inf to ``None``, frames to records."""
    if isinstance(value, pd.DataFrame):
        return [_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if hasattr(value, "item"):
        return _jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


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


def _svg_block(figure: Figure) -> dict[str, Any]:
    """``figure`` saved as SVG: base64 text, natural size in px, smallest text in px."""
    import matplotlib

    from opinion.models.core.layout import svg_min_font_px

    buffer = io.BytesIO()
    # a fixed salt makes SVG element ids, hence the HTML, identical between runs
    with matplotlib.rc_context({"svg.hashsalt": "opinion-report", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    width, height = _svg_size(svg)
    return {"svg_base64": base64.b64encode(svg).decode("ascii"), "width": width,
            "height": height, "min_font_px": svg_min_font_px(svg)}


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
    _write_atomically(out, html_text)
    return out


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it into place, so that
    reports written in parallel never read each other half-written."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text.strip())
