"""The shared core on a model with closed-form answers: a conjugate Beta-binomial.

``p ~ Beta(a, b)``, ``y ~ Binomial(n, p)``, plus ``z ~ Normal(0, 1)`` that no data touch.
Known answers: the posterior of ``p`` is ``Beta(a + y, b + n - y)``, so its contraction is
``1 - var(Beta(a + y, b + n - y)) / var(Beta(a, b))`` (near 1 for large n); ``z``'s posterior
is its prior, contraction near 0. The fit cache must verify what it returns (issue 16) and a
report must flag a headline the data did not move (issue 17).
"""

from __future__ import annotations

import json
import shutil
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from opinion.io.cache import CacheError, FitCache, read_fit
from opinion.models.core.base import BayesianModel
from opinion.models.core.config import ModelConfig
from opinion.models.core.results import ModelResults

Y, N = 600, 1000


@dataclass(frozen=True)
class ConjugateConfig(ModelConfig):
    model_label: ClassVar[str] = "Conjugate"
    a: float = 1.0
    b: float = 1.0

    def problems(self) -> list[str]:
        return [f"{k} must be positive" for k in ("a", "b") if not getattr(self, k) > 0]


class ConjugateResults(ModelResults):
    model_label = "Conjugate"

    def headline_quantities(self) -> dict[str, Any]:
        return {"p": lambda r: r.draws("p"), "z": lambda r: r.draws("z")}

    def summary_rows(self, level: float) -> list[tuple[str, np.ndarray]]:
        return [("share p", self.draws("p")), ("uninformed z", self.draws("z"))]


class Conjugate(BayesianModel):
    name = "test_conjugate"
    config_class = ConjugateConfig
    results_class = ConjugateResults

    def validate_frame(self, frame: Any) -> pd.DataFrame:
        return frame

    def prepare_inputs(self) -> pd.DataFrame:
        return self.frame

    def observations(self) -> pd.DataFrame:
        return self.frame

    def build_model(self):
        import pymc as pm

        with pm.Model() as model:
            p = pm.Beta("p", self.config.a, self.config.b)
            pm.Normal("z", 0.0, 1.0)
            y = pm.Data("y", self.frame["y"].to_numpy())
            pm.Binomial("obs", n=self.frame["n"].to_numpy(), p=p, observed=y)
        return model


def _model() -> Conjugate:
    return Conjugate(pd.DataFrame({"y": [Y], "n": [N]}))


SETTINGS = dict(draws=1000, tune=500, chains=2, cores=1, progressbar=False)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("fit-cache")


@pytest.fixture(scope="module")
def fitted(cache) -> ConjugateResults:
    return _model().fit(random_seed=11, cache=cache, **SETTINGS)


def _beta_var(a: float, b: float) -> float:
    return a * b / ((a + b) ** 2 * (a + b + 1))


def test_contraction_has_its_closed_form(fitted) -> None:
    exact = 1 - _beta_var(1 + Y, 1 + N - Y) / _beta_var(1, 1)
    # Monte Carlo: 500 prior draws estimate the prior variance to about +/- 6%
    assert fitted.contraction("p") == pytest.approx(exact, abs=0.01)
    assert exact > 0.99
    assert abs(fitted.contraction("z")) < 0.25  # the data never touch z
    table = fitted.contraction_table().set_index("quantity")
    assert not table.loc["p", "flag"] and table.loc["z", "flag"]
    # the posterior of p is Beta(601, 401): mean 0.5996
    assert table.loc["p", "mean"] == pytest.approx(601 / 1002, abs=0.005)


def test_summary_has_rhat_and_ess_per_named_parameter(fitted) -> None:
    summary = fitted.summary()
    assert list(summary.index) == ["share p", "uninformed z"]
    assert {"mean", "lower_90", "upper_90", "r_hat", "ess_bulk", "ess_tail"} <= set(summary.columns)
    assert summary["r_hat"].max() < 1.02 and summary["ess_bulk"].min() > 200


def test_report_flags_and_demotes_what_the_data_did_not_move(fitted, tmp_path) -> None:
    from opinion.report import Report

    report = Report("Contraction", seed=11)
    report.headline_quantity(fitted, "p", "p is {mean} ({interval})")
    report.headline("z is what the prior said", value=0.0,
                    contraction=fitted.contraction("z"))
    report.headline("half-informed", value=1.0, contraction=0.3)
    report.diagnostics("conjugate", fitted.diagnostics,
                       allow_unconverged=None if fitted.diagnostics.ok else "tiny test fit")
    path = report.write(tmp_path / "c.html")
    payload = json.loads(path.with_suffix(".json").read_text())
    texts = [h["text"] for h in payload["headlines"]]
    assert texts[0].startswith("p is") and "half-informed" in texts
    assert payload["headlines"][0]["flag"] is False
    assert payload["headlines"][0]["contraction"] > 0.99
    flagged = next(h for h in payload["headlines"] if h["text"] == "half-informed")
    assert flagged["flag"] is True
    assert [h["text"] for h in payload["not_headlines"]] == ["z is what the prior said"]
    html = path.read_text()
    assert "mostly assumption" in html and 'href="#sensitivity"' in html
    assert 'id="sensitivity"' in html
    assert {"name", "ok", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences",
            "seconds"} <= set(payload["fits"][0])


def test_a_headline_value_needs_its_contraction() -> None:
    from opinion.errors import OpinionError
    from opinion.report import Report

    with pytest.raises(OpinionError, match="contraction"):
        Report("x").headline("66%", value=66)


def test_unconverged_fit_stops_the_report_unless_a_reason_is_given() -> None:
    from opinion.models.core.diagnostics import Diagnostics
    from opinion.report import ConvergenceGateError, Report

    bad = Diagnostics(max_rhat=1.05, min_ess_bulk=100, min_ess_tail=90, divergences=2,
                      draws=500, chains=2, worst_parameter="tau")
    report = Report("Gate").diagnostics("fit", bad)
    with pytest.raises(ConvergenceGateError, match="did not converge"):
        report.render()
    html = Report("Gate").diagnostics("fit", bad, allow_unconverged="shown for teaching").render()
    assert "shown for teaching" in html


# ---------------------------------------------------------------------- the fit cache
def _entry(cache) -> tuple[Any, str, dict]:
    model = _model()
    settings = model.default_sampler_settings(**{k: v for k, v in SETTINGS.items()
                                                  if k != "progressbar"})
    request = model.request(settings, 11)
    key = model.content_hash(settings, 11)
    return FitCache(cache), key, request


def test_cached_fit_is_returned_after_verification(fitted, cache) -> None:
    again = _model().fit(random_seed=11, cache=cache, **SETTINGS)
    assert np.array_equal(again.draws("p"), fitted.draws("p"))
    store, key, request = _entry(cache)
    manifest = json.loads((store.folder("test_conjugate", key) / "entry.json").read_text())
    assert manifest["request"]["seed"] == 11 and set(manifest["files"]) == {
        "posterior.nc", "meta.json"}


@pytest.mark.parametrize("tamper", ["meta_changed", "posterior_truncated", "meta_broken",
                                    "manifest_missing", "other_request"])
def test_tampered_entry_is_never_returned(fitted, cache, tmp_path, tamper) -> None:
    store, key, request = _entry(cache)
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    folder = FitCache(copy).folder("test_conjugate", key)
    if tamper == "meta_changed":  # a planted result: 'converged', another share
        meta = json.loads((folder / "meta.json").read_text())
        meta["random_seed"] = 999
        meta["diagnostics"]["max_rhat"] = 1.0
        (folder / "meta.json").write_text(json.dumps(meta))
    elif tamper == "posterior_truncated":
        data = (folder / "posterior.nc").read_bytes()
        (folder / "posterior.nc").write_bytes(data[: len(data) // 2])
    elif tamper == "meta_broken":
        (folder / "meta.json").write_text("{not json")
    elif tamper == "manifest_missing":
        (folder / "entry.json").unlink()
    else:  # a consistent entry that answers another request (another seed)
        manifest = json.loads((folder / "entry.json").read_text())
        manifest["request"]["seed"] = 999
        (folder / "entry.json").write_text(json.dumps(manifest))
    with pytest.raises(CacheError):
        read_fit(folder, request=request)
    with pytest.raises(CacheError):
        _model().fit(random_seed=11, cache=copy, on_bad_cache="error", **SETTINGS)
    with pytest.warns(UserWarning, match="sampling again"):
        refit = _model().fit(random_seed=11, cache=copy, **SETTINGS)
    assert np.array_equal(refit.draws("p"), fitted.draws("p"))  # re-sampled, same seed
    read_fit(folder, request=request)  # the entry was replaced by a good one


def test_save_and_load_verify_checksums(fitted, tmp_path) -> None:
    folder = fitted.save(tmp_path / "saved")
    loaded = ConjugateResults.load(folder)
    assert np.array_equal(loaded.draws("p"), fitted.draws("p"))
    (folder / "meta.json").write_text((folder / "meta.json").read_text().replace("11", "12"))
    with pytest.raises(CacheError, match="changed after it was written"):
        ConjugateResults.load(folder)


def test_cache_refuses_urls() -> None:
    from opinion.errors import OpinionError

    with pytest.raises(OpinionError, match="URLs"):
        FitCache("s3://bucket/cache")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert FitCache(None).root.name == "opinion" or FitCache(None).root


@pytest.mark.parametrize("module_name", ["opinion.models.core.sampling",
                                         "opinion.models.core.diagnostics"])
def test_a_change_to_the_shared_sampling_core_changes_every_key(module_name, tmp_path,
                                                                 monkeypatch) -> None:
    """Known answer: the same model and request under an edited copy of a core module that
    samples or diagnoses fits gets another cache key (a stale fit is never returned)."""
    import sys
    from pathlib import Path

    from opinion.models.core.base import SAMPLING_CORE

    assert module_name in SAMPLING_CORE
    model = _model()
    before = model.code_hash()
    module = sys.modules[module_name]
    edited = tmp_path / Path(module.__file__).name
    edited.write_bytes(Path(module.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(module, "__file__", str(edited))
    assert model.code_hash() != before
    monkeypatch.undo()
    assert model.code_hash() == before
