"""Analyses as notebooks, and the objects a notebook user sees.

Every ``analyses/*.py`` is a ``# %%`` script that jupytext opens as a notebook. The fast
tests check the conversion and the display methods (``__repr__`` one short line,
``_repr_html_`` a real HTML table); the slow test executes each notebook in a fresh
``python3`` kernel with nbclient, with reports written to a temporary folder and the fit
cache shared with the script runs of the same session. One fast notebook (about 16 s) runs
the Kalman quick look in a real kernel with ``%matplotlib inline``: its plot and the user's
next plot both display.
"""

from __future__ import annotations

import importlib
import pkgutil
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from browser import checks, harness

import opinion
from opinion.models.core.base import BayesianModel
from opinion.models.core.results import ModelResults

NAMES = harness.analysis_names()


# --------------------------------------------------------------------------- conversion
@pytest.mark.parametrize("name", NAMES)
def test_analysis_opens_as_notebook(name) -> None:
    import jupytext

    script = harness.ANALYSES / f"{name}.py"
    nb = harness.script_to_notebook(script)
    code = [c for c in nb.cells if c.cell_type == "code"]
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert len(code) >= 2, "an analysis is split into # %% cells"
    assert markdown, "an analysis explains itself in # %% [markdown] cells"
    for i, cell in enumerate(code):
        compile(cell.source, f"{name} cell {i}", "exec")
    # the cell structure survives a round trip through the percent format
    again = jupytext.reads(jupytext.writes(nb, fmt="py:percent"), fmt="py:percent")
    assert [(c.cell_type, c.source) for c in again.cells] == \
        [(c.cell_type, c.source) for c in nb.cells]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_analysis_notebook_executes(name, tmp_path, tmp_path_factory) -> None:
    """Run the notebook: no error, HTML displays, the report written to OPINION_REPORTS_DIR."""
    nb = harness.script_to_notebook(harness.ANALYSES / f"{name}.py")
    out, cwd = tmp_path / "reports", tmp_path / "cwd"
    cwd.mkdir()
    env = harness.analysis_env(reports_dir=out,
                               cache_dir=harness.session_fit_cache(tmp_path_factory))
    env.pop("MPLBACKEND")  # the kernel's own inline backend, as a user would have it
    harness.execute_notebook(nb, cwd=cwd, env=env)
    assert harness.notebook_output_problems(nb) == []
    report = out / f"{name}.html"
    assert report.is_file(), f"the notebook did not write {report}"
    assert checks.static_problems(report.read_text("utf-8")) == []
    assert list(cwd.iterdir()) == [], "the notebook wrote into its working directory"


# --------------------------------------------------------------------------- display methods
class _Html(HTMLParser):
    """Tags and cell texts of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _html(obj) -> _Html:
    parser = _Html()
    parser.feed(obj._repr_html_())
    parser.close()
    return parser


def _assert_concise(text: str, cls_name: str) -> None:
    assert "\n" not in text and len(text) <= 250, text
    assert " object at 0x" not in text and cls_name in text, text


def test_pollframe_repr(good_poll_file) -> None:
    # the fixture file holds polls g1 (3 rows, q1), m01 (2 rows, q1) and g2 (2 rows, q9)
    frame = opinion.read_polls(good_poll_file)
    text = repr(frame)
    _assert_concise(text, "PollFrame")
    assert "7 rows, 3 polls, 2 questions, 0 rejected" in text
    parsed = _html(frame)
    assert "table" in parsed.tags and "script" not in parsed.tags
    assert {"Gallup", "YouGov", "Support", "No"} <= set(parsed.cells)


def test_pollframe_html_escapes_text(tmp_path) -> None:
    path = tmp_path / "hostile.csv"
    path.write_text("poll_id,pollster,start_date,end_date,population,n,question_id,response,pct\n"
                    "p1,<b>Evil</b>,2022-03-01,2022-03-02,a,1000,q1,Yes,60\n"
                    "p1,<b>Evil</b>,2022-03-01,2022-03-02,a,1000,q1,No,40\n", encoding="utf-8")
    parsed = _html(opinion.read_polls(path))
    assert "b" not in parsed.tags and "<b>Evil</b>" in parsed.cells


def _microdata() -> opinion.Microdata:
    return opinion.Microdata.from_frame(
        pd.DataFrame({"q1": [1, 2, 1, 2], "age": [30, 40, 50, 60], "w": [1.0, 2.0, 1.0, 0.5]}),
        weight="w", value_labels={"q1": {1: "Yes", 2: "No"}})


def test_microdata_repr() -> None:
    md = _microdata()
    text = repr(md)
    _assert_concise(text, "Microdata")
    assert "4 respondents x 3 variables" in text and "weight='w'" in text
    cells = _html(md).cells
    # codebook: variable, label, dtype, value-label count, valid, missing
    assert cells[:6] == ["variable", "label", "dtype", "value_labels", "valid", "missing"]
    assert cells[6:12] == ["q1", "", "int64", "2", "4", "0"]


def test_design_repr() -> None:
    from opinion.survey import Design

    text = repr(Design(_microdata()))
    _assert_concise(text, "Design")
    assert "4 respondents" in text


def test_design_repr_html() -> None:
    from opinion.survey import Design

    design = Design(_microdata())
    assert hasattr(design, "_repr_html_"), "Design needs _repr_html_ for notebooks"
    parsed = _html(design)
    assert "table" in parsed.tags and "4" in " ".join(parsed.cells)


def _diagnostics() -> dict:
    return {"max_rhat": 1.002, "min_ess_bulk": 1800.0, "min_ess_tail": 1500.0,
            "divergences": 0, "draws": 100, "chains": 2, "worst_parameter": "mu",
            "sampling_seconds": 1.0}


def test_base_results_repr() -> None:
    rng = np.random.default_rng(0)
    posterior = xr.Dataset({"mu": (("chain", "draw"), rng.normal(size=(2, 100)))})
    results = ModelResults(xr.DataTree.from_dict({"posterior": posterior}),
                           {"diagnostics": _diagnostics(), "random_seed": 1})
    text = repr(results)
    _assert_concise(text, "ModelResults")
    assert "converged: max R-hat 1.002, min bulk ESS 1800" in text
    parsed = _html(results)
    assert "table" in parsed.tags and "mu" in parsed.cells and "r_hat" in parsed.cells


def test_poll_average_results_repr() -> None:
    """A posterior where every draw has support at exactly 66%: the display must say 66.0%."""
    from opinion.models.poll_average.results import PollAverageResults

    chains, draws, knots = 2, 50, 5
    logit = np.log(0.66 / 0.34)  # support vs the reference response "oppose"
    dims = ("chain", "draw")
    posterior = xr.Dataset({
        "eta": (dims + ("series", "category", "knot"), np.full((chains, draws, 1, 1, knots),
                                                                 logit)),
        "sigma_rw": (dims + ("category",), np.full((chains, draws, 1), 0.1)),
        "tau": (dims + ("category",), np.full((chains, draws, 1), 0.05)),
        "house": (dims + ("category", "pollster"), np.zeros((chains, draws, 1, 2))),
    })
    meta = {"diagnostics": _diagnostics(), "random_seed": 1, "responses": ["support", "oppose"],
            "pollsters": ["<b>Ipsos</b>", "YouGov"], "series": ["pooled"],
            "start": "2022-10-01", "end": "2022-10-05", "grid_days": 1,
            "config": {"likelihood": "multinomial"}}
    results = PollAverageResults(xr.DataTree.from_dict({"posterior": posterior}), meta)
    text = repr(results)
    _assert_concise(text, "PollAverageResults")
    assert "support: 66.0% (66.0%–66.0%, 90% interval) on 5 October 2022" in text
    parsed = _html(results)
    assert "table" in parsed.tags and "b" not in parsed.tags  # pollster name escaped
    assert {"support", "oppose", "66.0", "34.0", "<b>Ipsos</b>", "0.0"} <= set(parsed.cells)


def _subclasses(base: type, package: str) -> list[type]:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        importlib.import_module(info.name)
    found, todo = [], [base]
    while todo:
        for cls in todo.pop().__subclasses__():
            if cls.__module__.startswith("opinion.") and cls not in found:
                found.append(cls)
                todo.append(cls)
    return sorted(found, key=lambda c: c.__name__)


RESULTS_CLASSES = [c for c in _subclasses(ModelResults, "opinion.models")
                   if c.__name__ != "VoteImpactResults"]  # the election models' shared base
MODEL_CLASSES = [c for c in _subclasses(BayesianModel, "opinion.models")
                 if not getattr(c, "__abstractmethods__", None)]


def _own(cls: type, method: str) -> bool:
    """``cls`` defines ``method`` itself or inherits it from an opinion class."""
    owner = next((k for k in cls.__mro__ if method in vars(k)), object)
    return owner is not object and owner.__module__.startswith("opinion.")


@pytest.mark.parametrize("cls", RESULTS_CLASSES, ids=lambda c: c.__name__)
def test_results_classes_have_displays(cls) -> None:
    assert _own(cls, "__repr__") and _own(cls, "_repr_html_")
    # they show their own headline, not the base class's placeholder (a model's own mixin
    # counts: the coalition results are assembled from mixins of its package)
    def model_own(method: str) -> bool:
        owner = next((k for k in cls.__mro__ if method in vars(k)), object)
        return owner.__module__.startswith("opinion.models.") and \
            not owner.__module__.startswith("opinion.models.core")

    assert model_own("headline") and (model_own("summary") or model_own("summary_rows"))


def test_model_classes_have_displays() -> None:
    missing = [f"{cls.__name__} lacks {method}" for cls in MODEL_CLASSES
               for method in ("__repr__", "_repr_html_") if not _own(cls, method)]
    assert missing == [], "; ".join(missing)


def test_poll_average_model_repr_is_concise() -> None:
    from opinion.models import PollAverage

    polls = opinion.datasets.load("us_ukraine_support")
    model = PollAverage(polls, questions="pew_support_amount")
    text = repr(model)
    _assert_concise(text, "PollAverage")
    assert "pew_support_amount" in text


def test_every_display_class_is_covered() -> None:
    """The classes above are the ones that exist (a new one gets these tests for free)."""
    assert {c.__name__ for c in RESULTS_CLASSES} >= {"PollAverageResults"}
    assert {c.__name__ for c in MODEL_CLASSES} >= {"PollAverage"}


# --------------------------------------------------------------------------- Jupyter acceptance
_QUICK_LOOK_CELLS = [
    "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport opinion\n"
    "from opinion.models import PollAverage\nfrance = opinion.datasets.load('france2022')",
    "quick = PollAverage(france, questions='fr2022_r2_macron_le_pen').kalman()\nquick",
    "quick.summary()",
    "quick.plot_trend()",
    "plt.plot([1, 2])\nplt.show()",
]


def _outputs_of(cell) -> set[str]:
    return {kind for out in cell.get("outputs", []) for kind in out.get("data", {})}


def test_kalman_quick_look_in_jupyter(tmp_path) -> None:
    """In a real kernel with ``%matplotlib inline``: the quick look shows as HTML, its
    summary is a table, its plot displays, and so does the user's own next plot (the
    toolkit's theme is a context: nothing global is left behind to swallow it)."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in _QUICK_LOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    env = harness.analysis_env(reports_dir=tmp_path / "reports", cache_dir=tmp_path / "cache")
    env.pop("MPLBACKEND")  # the kernel's own inline backend, as a user would have it
    harness.execute_notebook(nb, cwd=tmp_path, env=env, timeout=120)
    _, quick, summary, plot, own = nb.cells
    assert "text/html" in _outputs_of(quick) and "KalmanResult" in "".join(
        quick.outputs[0]["data"]["text/plain"])
    assert "text/html" in _outputs_of(summary)
    assert "lower_90" in "".join(summary.outputs[0]["data"]["text/html"])
    assert "image/png" in _outputs_of(plot), plot.outputs
    assert "image/png" in _outputs_of(own), own.outputs
    assert harness.notebook_output_problems(nb) == []
