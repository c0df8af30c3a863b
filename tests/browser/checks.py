"""Open a report in headless Chromium and list everything a reader would find wrong.

Every check returns a list of plain-language problems (empty when the page is fine), so the
real-report tests assert ``problems == []`` and the fault-injection tests assert that a
corrupted page produces the expected problem. Chromium is Debian's ``/usr/bin/chromium``,
driven by Playwright's Python client; no browser is ever downloaded.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from browser.pdf_text import page_count, pdf_text, squash

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDTHS = {"phone": 390, "desktop": 1280}
HEIGHT = 900
LOCAL_SCHEMES = {"file", "data", "about", "blob"}
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
REPORT_CSS = REPO_ROOT / "opinion" / "report" / "templates" / "report.css"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} not found: install Debian's chromium package "
                "(apt-get install -y chromium) to run the browser tests")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        return "the playwright Python package is not installed"
    return None


_SHARED: dict[str, Any] = {}


def shared_context(user_data_dir: Path) -> BrowserContext:
    """The session's Chromium context (started on first use with a fresh profile).

    Playwright's sync API allows one driver per thread, so every test module shares this
    one; :func:`close_shared` ends it.
    """
    if "context" not in _SHARED:
        from playwright.sync_api import sync_playwright

        driver = sync_playwright().start()
        try:
            context = driver.chromium.launch_persistent_context(
                str(user_data_dir), executable_path=str(CHROMIUM), headless=True,
                args=CHROMIUM_ARGS, viewport={"width": WIDTHS["desktop"], "height": HEIGHT},
                service_workers="block",
            )
        except BaseException:
            driver.stop()
            raise
        # Anything that is not a local file or inline data is refused (and recorded by the
        # page listeners as an external request).
        context.route(re.compile(r"^(https?|wss?|ftp):"), lambda route: route.abort())
        _SHARED.update(driver=driver, context=context)
    return _SHARED["context"]


def close_shared() -> None:
    """Close the shared context and stop the Playwright driver (no-op when not started)."""
    context, driver = _SHARED.pop("context", None), _SHARED.pop("driver", None)
    if context is not None:
        context.close()
    if driver is not None:
        driver.stop()


# --------------------------------------------------------------------------- page checks
@dataclass
class PageCheck:
    """What one page load showed (each list holds plain-language problems)."""

    url: str
    width: int
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    chart_text: list[str] = field(default_factory=list)
    table_hints: list[str] = field(default_factory=list)
    n_figures: int = 0
    smallest_chart_text_px: float | None = None

    def problems(self) -> list[str]:
        where = f"{Path(url2pathname(urlparse(self.url).path)).name} at {self.width}px"
        out = []
        for label, items in (("console error", self.console_errors),
                             ("uncaught exception", self.page_errors),
                             ("failed request", self.failed_requests),
                             ("request to a non-local URL", self.external_requests),
                             ("figure", self.figures), ("horizontal overflow", self.overflow),
                             ("broken link", self.links), ("chart text", self.chart_text),
                             ("table scroll hint", self.table_hints)):
            out.extend(f"{where}: {label}: {item}" for item in items)
        return out


_FIGURES_JS = """() => [...document.querySelectorAll('figure img')].map((img, i) => {
  const r = img.getBoundingClientRect();
  const s = getComputedStyle(img);
  return {i, alt: img.getAttribute('alt'), complete: img.complete,
          naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
          width: r.width, height: r.height, display: s.display,
          visibility: s.visibility, opacity: parseFloat(s.opacity)};
})"""

_OVERFLOW_JS = """() => {
  const vw = window.innerWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > vw + 0.5)
    .filter(e => !e.closest('.table-wrap') || e.classList.contains('table-wrap'))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (e.className && typeof e.className === 'string' ? '.' + e.className : '') +
              ' (right edge ' + Math.round(e.getBoundingClientRect().right) + 'px)');
  return {scrollWidth: document.documentElement.scrollWidth, viewport: vw, wide};
}"""

_LINKS_JS = """() => [...document.querySelectorAll('a[href]')].map(a => ({
  raw: a.getAttribute('href'), resolved: a.href}))"""


def _blank(png: bytes) -> bool:
    """True when a screenshot is a single colour (nothing drawn)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        extrema = image.convert("RGB").getextrema()
    return all(lo == hi for lo, hi in extrema)


# every other rendering of a figure (the <source>s of its <picture>), decoded off-screen:
# a broken wide rendering must be found on a phone-width page too, and the other way round
_SOURCES_JS = """async () => {
  const figures = [...document.querySelectorAll('figure')].filter(f => f.querySelector('img'));
  const out = [];
  for (const [i, f] of figures.entries()) {
    for (const s of f.querySelectorAll('picture source')) {
      const img = new Image();
      img.src = s.srcset.trim();
      let ok = true;
      try { await img.decode(); ok = img.naturalWidth > 0; } catch (e) { ok = false; }
      out.push({i, ok, media: s.media});
    }
  }
  return out;
}"""


def figure_problems(page: Page) -> tuple[int, list[str]]:
    """Every ``figure img``: decoded, visible, non-zero size, non-empty alt, not blank; every
    other rendering of it (``<picture><source>``) decodes."""
    problems = []
    for source in page.evaluate(_SOURCES_JS):
        if not source["ok"]:
            problems.append(f"figure {source['i'] + 1} did not decode (broken image data)")
    figures = page.evaluate(_FIGURES_JS)
    for fig in figures:
        label = f"figure {fig['i'] + 1}"
        alt = (fig["alt"] or "").strip()
        if not alt:
            problems.append(f"{label} has no alt text")
        if not fig["complete"] or fig["naturalWidth"] == 0 or fig["naturalHeight"] == 0:
            if f"{label} did not decode (broken image data)" not in problems:
                problems.append(f"{label} did not decode (broken image data)")
        if (fig["width"] < 1 or fig["height"] < 1 or fig["display"] == "none"
                or fig["visibility"] == "hidden" or fig["opacity"] == 0):
            problems.append(f"{label} is not visible ({fig['width']:.0f}x{fig['height']:.0f}px, "
                            f"display {fig['display']}, visibility {fig['visibility']})")
            continue
        shot = page.locator("figure img").nth(fig["i"]).screenshot(animations="disabled")
        if _blank(shot):
            problems.append(f"{label} is blank (nothing drawn: empty or broken SVG)")
    return len(figures), problems


MIN_CHART_TEXT_PX = 9.0
"""Smallest rendered chart text a reader can be asked to read, in CSS px."""

# the rendering the browser chose (<source> of a <picture>, or the <img>), its recorded
# smallest text at natural size and the displayed/natural width ratio
_CHART_TEXT_JS = """() => [...document.querySelectorAll('figure img')].map((img, i) => {
  const picture = img.closest('picture');
  let chosen = img;
  for (const s of picture ? picture.querySelectorAll('source') : []) {
    if (s.srcset.trim() === img.currentSrc) chosen = s;
  }
  const r = img.getBoundingClientRect();
  return {i, src: img.currentSrc, minFont: chosen.getAttribute('data-min-font-px'),
          naturalWidth: img.naturalWidth, width: r.width,
          which: chosen === img ? 'img' : 'source'};
})"""

_FONT_SIZE = re.compile(r"font-size:\s*([\d.]+)px|font:[^;\"]*?([\d.]+)px")


def svg_text_px(data_url: str) -> float | None:
    """Smallest text of an inline SVG image at its natural size (CSS px), read from the
    SVG itself: font size in user units x width in px / viewBox width."""
    import base64

    head, _, payload = data_url.partition(",")
    if not head.startswith("data:image/svg+xml"):
        return None
    svg = (base64.b64decode(payload).decode("utf-8", "replace") if head.endswith(";base64")
           else unquote(payload))
    sizes = [float(a or b) for a, b in _FONT_SIZE.findall(svg)]
    if not sizes:
        return None
    width = re.search(r'<svg[^>]*\swidth="([\d.]+)(pt|px)?"', svg)
    view = re.search(r'<svg[^>]*\sviewBox="[\d.\-]+ [\d.\-]+ ([\d.]+)', svg)
    scale = 1.0
    if width and view:
        scale = float(width.group(1)) * (4 / 3 if width.group(2) == "pt" else 1) / float(
            view.group(1))
    return min(sizes) * scale


def chart_text_problems(page: Page, min_px: float = MIN_CHART_TEXT_PX
                        ) -> tuple[float | None, list[str]]:
    """Every figure's smallest text, as rendered: recorded size at natural width
    (``data-min-font-px`` of the rendering the browser chose) x displayed width / natural
    width, at least ``min_px``. The recorded size must match the SVG's own text. Returns
    the smallest rendered size on the page and the problems."""
    problems, smallest = [], None
    for fig in page.evaluate(_CHART_TEXT_JS):
        label = f"figure {fig['i'] + 1} ({fig['which']})"
        if not fig["naturalWidth"] or not fig["width"]:
            continue  # not decoded or not shown: figure_problems reports it
        if fig["minFont"] is None:
            problems.append(f"{label} does not record its smallest text (data-min-font-px)")
            continue
        recorded = float(fig["minFont"])
        actual = svg_text_px(fig["src"])
        if actual is not None and abs(actual - recorded) > 0.05:
            problems.append(f"{label} records {recorded:.2f}px as its smallest text but its "
                            f"SVG has {actual:.2f}px")
        rendered = min(recorded, actual or recorded) * fig["width"] / fig["naturalWidth"]
        smallest = rendered if smallest is None else min(smallest, rendered)
        if rendered < min_px - 1e-6:
            problems.append(f"{label}: smallest text is {rendered:.1f}px on screen (under "
                            f"{min_px:g}px; shown {fig['width']:.0f}px wide, drawn "
                            f"{fig['naturalWidth']}px wide)")
    return smallest, problems


_TABLE_HINT_JS = """() => [...document.querySelectorAll('.table-wrap')].map((t, i) => {
  const hint = getComputedStyle(t, '::before');
  return {i, overflows: t.scrollWidth > t.clientWidth + 1, content: hint.content,
          opacity: parseFloat(hint.opacity), height: parseFloat(hint.height) || 0,
          display: hint.display, caption: (t.querySelector('caption') || {}).innerText || ''};
})"""


def table_hint_problems(page: Page) -> list[str]:
    """A table wider than its box shows a visible "scroll" hint; one that fits shows none."""
    problems = []
    for t in page.evaluate(_TABLE_HINT_JS):
        label = f"table {t['i'] + 1} ({t['caption'][:40]!r})"
        shown = (t["display"] != "none" and t["opacity"] > 0.3 and t["height"] >= 8
                 and "scroll" in (t["content"] or "").lower())
        if t["overflows"] and not shown:
            problems.append(f"{label} scrolls sideways without a visible hint")
        if not t["overflows"] and shown:
            problems.append(f"{label} fits but still shows the scroll hint")
    return problems


def overflow_problems(page: Page) -> list[str]:
    """The page must not scroll sideways: ``scrollWidth <= viewport width``."""
    o = page.evaluate(_OVERFLOW_JS)
    if o["scrollWidth"] <= o["viewport"]:
        return []
    return [f"page is {o['scrollWidth']}px wide in a {o['viewport']}px viewport; too wide: "
            + ", ".join(o["wide"])]


def link_problems(page: Page) -> list[str]:
    """In-page anchors must have a target; other links must be existing local files."""
    problems = []
    for link in page.evaluate(_LINKS_JS):
        raw, resolved = link["raw"] or "", link["resolved"]
        if raw.startswith("#"):
            if len(raw) > 1 and page.locator(f"[id='{unquote(raw[1:])}']").count() == 0:
                problems.append(f"{raw!r} points to no element")
            continue
        url = urlparse(resolved)
        if url.scheme != "file":
            problems.append(f"{raw!r} is not a local file ({url.scheme}:)")
            continue
        if not Path(url2pathname(url.path)).is_file():
            problems.append(f"{raw!r} -> {url2pathname(url.path)} does not exist")
    return problems


def check_page(context: BrowserContext, path: Path, width: int, *,
               screenshot: Path | None = None) -> PageCheck:
    """Load ``path`` at ``width`` px and run every check (optionally save a screenshot)."""
    page = context.new_page()
    url = Path(path).resolve().as_uri()
    result = PageCheck(url=url, width=width)

    def on_console(message) -> None:
        if message.type == "error":
            result.console_errors.append(message.text)

    def on_request(request) -> None:
        scheme = urlparse(request.url).scheme
        if scheme not in LOCAL_SCHEMES:
            result.external_requests.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: result.page_errors.append(str(exc)))
    page.on("request", on_request)
    page.on("requestfailed",
            lambda r: result.failed_requests.append(f"{r.url[:120]} ({r.failure})"))
    page.on("websocket", lambda ws: result.external_requests.append(ws.url))
    try:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(url, wait_until="load")
        page.evaluate("() => Promise.all([...document.images].map(i => i.decode()"
                      ".catch(() => null)))")
        result.n_figures, result.figures = figure_problems(page)
        result.overflow = overflow_problems(page)
        result.links = link_problems(page)
        result.smallest_chart_text_px, result.chart_text = chart_text_problems(page)
        result.table_hints = table_hint_problems(page)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True, animations="disabled")
    finally:
        page.close()
    return result


# --------------------------------------------------------------------------- report quality
_STRUCTURE_JS = """() => {
  const main = document.querySelector('main');
  const sections = main ? [...main.querySelectorAll(':scope > section[id]')] : [];
  const toc = [...document.querySelectorAll('nav.toc a[href^="#"]')]
    .map(a => a.getAttribute('href').slice(1));
  const details = id => {
    const d = document.querySelector('#' + id + ' details');
    return d ? {open: d.open, summary: !!d.querySelector(':scope > summary')} : null;
  };
  return {
    h1: document.querySelectorAll('h1').length,
    sections: sections.map(s => s.id),
    toc,
    headlines: [...document.querySelectorAll('#headlines li')].map(li => li.innerText.trim()),
    methodology: details('methodology'),
    diagnostics: details('diagnostics'),
    hasMethodology: !!document.getElementById('methodology'),
    text: document.body.innerText,
    font: getComputedStyle(document.body).fontFamily,
    rules: document.styleSheets.length ? document.styleSheets[0].cssRules.length : 0,
    lang: document.documentElement.lang,
    viewport: !!document.querySelector('meta[name=viewport]'),
  };
}"""

# a number followed by % (or "per cent"), with an optional space before it
_PERCENT = re.compile(r"(?<![\w.])(-?\d[\d,]*(?:\.(\d+))?)(\s*)(%|per ?cent\b)")
# "62%–70%", "62-70%", "62 to 70%", "(62.1, 69.8)" or the word interval
_INTERVAL = re.compile(r"\d(?:\.\d+)?%?\s*(?:–|-|to)\s*\d|\(\s*\d[\d.]*%?\s*,\s*\d|interval",
                       re.I)


def css_rule_count(context: BrowserContext, css: str | None = None) -> int:
    """How many top-level rules Chromium parses from the report stylesheet on its own."""
    css = REPORT_CSS.read_text("utf-8") if css is None else css
    page = context.new_page()
    try:
        page.set_content(f"<style>{css}</style>")
        return int(page.evaluate("() => document.styleSheets[0].cssRules.length"))
    finally:
        page.close()


def embedded_css(path: Path) -> str:
    """The text of a report's (first) ``<style>`` element, as written in the file."""
    m = re.search(r"<style>(.*?)</style>", Path(path).read_text("utf-8"), re.S)
    return m.group(1) if m else ""


def stylesheet_is_current(path: Path) -> bool:
    """The report embeds the package's current ``report.css`` (it is not a stale rendering)."""
    return embedded_css(path).strip() == REPORT_CSS.read_text("utf-8").strip()


def structure_problems(context: BrowserContext, path: Path) -> list[str]:
    """Theme and layout rules every report follows.

    One ``h1``; a table of contents listing every section; headline findings first, each
    percentage in them with its interval; methodology (and diagnostics) in ``<details>``,
    methodology collapsed; provenance last; the stylesheet intact (the page keeps as many
    rules as its own ``<style>`` text parses to on its own: an HTML-escaped stylesheet loses
    rules); percentages written the same way everywhere (no space before ``%``, at most one
    decimal).
    """
    expected_rules = css_rule_count(context, html.unescape(embedded_css(path)))
    page = context.new_page()
    try:
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        s = page.evaluate(_STRUCTURE_JS)
    finally:
        page.close()
    problems = []
    if s["h1"] != 1:
        problems.append(f"{s['h1']} h1 headings (want exactly one title)")
    if s["lang"] != "en" or not s["viewport"]:
        problems.append("missing lang attribute or viewport meta tag")
    if s["rules"] != expected_rules:
        problems.append(f"stylesheet parsed to {s['rules']} rules instead of "
                        f"{expected_rules}: the embedded CSS is damaged (escaped?)")
    if not s["sections"] or s["sections"][0] != "headlines":
        problems.append(f"headline findings are not the first section ({s['sections'][:3]})")
    if s["sections"] and s["sections"][-1] != "provenance":
        problems.append(f"provenance is not the last section ({s['sections'][-3:]})")
    missing = [sid for sid in s["sections"] if sid not in s["toc"]]
    if missing:
        problems.append(f"table of contents misses sections {missing}")
    if not [h for h in s["headlines"] if h]:
        problems.append("no headline findings")
    for h in s["headlines"]:
        if _PERCENT.search(h) and not _INTERVAL.search(h):
            problems.append(f"headline states a percentage without its interval: {h!r}")
    if s["hasMethodology"]:
        if s["methodology"] is None or not s["methodology"]["summary"]:
            problems.append("methodology is not in a <details> element with a summary")
        elif s["methodology"]["open"]:
            problems.append("methodology is expanded by default (should be collapsed)")
    for m in _PERCENT.finditer(s["text"]):
        number, decimals, space, sign = m.groups()
        if space or sign != "%":
            problems.append(f"percentage written as {m.group(0)!r} (use '66%')")
        elif decimals and len(decimals) > 1:
            problems.append(f"percentage {m.group(0)!r} has more than one decimal")
    return problems


def print_problems(context: BrowserContext, path: Path, needles: list[str]) -> list[str]:
    """Print to PDF: at least one page, and every text in ``needles`` in it.

    Pass the methodology and diagnostics text as needles: they are collapsed on screen and
    must be printed in full.
    """
    page = context.new_page()
    try:
        page.goto(Path(path).resolve().as_uri(), wait_until="load")
        pdf = page.pdf(format="A4", print_background=False)
    finally:
        page.close()
    problems = []
    pages = page_count(pdf)
    if pages < 1:
        problems.append("the PDF has no pages")
    text = squash(pdf_text(pdf))
    for needle in needles:
        if squash(needle) not in text:
            problems.append(f"printed PDF ({pages} pages) lacks the text {needle[:60]!r}")
    return problems


def collapsed_text(path: Path) -> list[str]:
    """The paragraphs inside ``<details>`` (methodology, diagnostics) of a report file."""
    parser = _DetailsText()
    parser.feed(Path(path).read_text("utf-8"))
    return [t for t in (re.sub(r"\s+", " ", p).strip() for p in parser.paragraphs) if t]


class _DetailsText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.in_p = False
        self.paragraphs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.depth += 1
        elif tag == "p" and self.depth:
            self.in_p = True
            self.paragraphs.append("")

    def handle_endtag(self, tag):
        if tag == "details":
            self.depth -= 1
        elif tag == "p":
            self.in_p = False

    def handle_data(self, data):
        if self.in_p:
            self.paragraphs[-1] += data


# --------------------------------------------------------------------------- static checks
_URL_ATTRS = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background",
              "xlink:href", "manifest", "ping"}
_REMOTE = re.compile(r"(?:^|[\s,])(?://|https?:|wss?:|ftp:)", re.I)


class _Static(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_style = False
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs_d = {k: v or "" for k, v in attrs}
        if tag == "script":
            where = attrs_d.get("src") or "inline"
            self.problems.append(f"<script> tag ({where}): reports carry no scripts")
        if tag in {"iframe", "object", "embed", "base", "frame"}:
            self.problems.append(f"<{tag}> tag: reports embed nothing")
        if tag == "meta" and attrs_d.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for key, value in attrs_d.items():
            if key.startswith("on"):
                self.problems.append(f"<{tag} {key}=...> event handler")
            if key in _URL_ATTRS and _REMOTE.search(value.strip()):
                self.problems.append(f"<{tag} {key}={value[:80]!r}> loads a remote resource")
            if key == "style" and re.search(r"url\(\s*['\"]?(?!data:)", value, re.I):
                self.problems.append(f"<{tag} style> loads {value[:80]!r}")
        if tag == "style":
            self.in_style = True
            self.styles.append("")

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.styles[-1] += data


def static_problems(html_text: str) -> list[str]:
    """Problems visible in the HTML source: scripts, remote resources, damaged stylesheets."""
    parser = _Static()
    parser.feed(html_text)
    parser.close()
    problems = list(parser.problems)
    for css in parser.styles:
        if re.search(r"@import|url\(\s*['\"]?(?!data:)", css, re.I):
            problems.append("stylesheet imports or loads an external resource")
        if re.search(r"&(?:gt|lt|amp|quot|#\d+);", css):
            problems.append("stylesheet is HTML-escaped (selectors like 'a > b' break)")
    return problems


def index_problems(index: Path) -> list[str]:
    """Every link of an index page must be a relative link to an existing file."""
    text = Path(index).read_text("utf-8")
    problems = []
    hrefs = [html.unescape(h) for h in re.findall(r"<a\s[^>]*href=\"([^\"]*)\"", text)]
    for href in hrefs:
        url = urlparse(href)
        if url.scheme or url.netloc:
            problems.append(f"index link {href!r} is not a relative file link")
            continue
        if not (index.parent / url2pathname(url.path)).is_file():
            problems.append(f"index link {href!r} points to a missing file")
    return problems


def screenshot_path(name: str, width_label: str) -> Path:
    """``test-artifacts/screenshots/NAME-phone.png`` / ``NAME-desktop.png``."""
    return SCREENSHOTS / f"{name}-{width_label}.png"
