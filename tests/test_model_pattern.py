"""The package's shape: every module imports alone, layers hold, plots leave matplotlib alone,
configurations and sampler settings behave the same for every model."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from opinion.errors import ModelInputError


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=600)


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    """Each module is imported with no opinion module loaded before it (third-party packages
    stay loaded, so the check is fast): a circular import shows as an ImportError."""
    result = _run("""
        import importlib, pkgutil, sys, traceback
        import opinion
        names = ["opinion"] + [m.name for m in pkgutil.walk_packages(opinion.__path__,
                                                                    "opinion.")]
        failed = []
        for name in names:
            if name == "opinion.__main__":
                continue
            for loaded in [m for m in sys.modules if m == "opinion" or
                           m.startswith("opinion.")]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed.append(f"{name}: {type(exc).__name__}: {exc}")
        print(len(names), "modules")
        print("\\n".join(failed))
        sys.exit(1 if failed else 0)
    """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_results_reload_without_importing_the_models_first() -> None:
    """The way a user reloads a saved fit: a results class alone, in a new interpreter."""
    result = _run("""
        from opinion.models.poll_average.results import PollAverageResults
        from opinion.models.salience.results import IssueSalienceResults
        from opinion.models.election.results import IssueVoteResults
        from opinion.models.election.mrp_results import VoteMRPResults
        import opinion
        assert callable(opinion.load_results)
    """)
    assert result.returncode == 0, result.stderr


def test_importing_and_plotting_leaves_the_users_backend_and_style_alone() -> None:
    result = _run("""
        import matplotlib
        matplotlib.use("pdf")
        import matplotlib.pyplot as plt
        before = dict(plt.rcParams)
        import importlib, pkgutil
        import opinion
        for m in pkgutil.walk_packages(opinion.__path__, "opinion."):
            if m.name != "opinion.__main__":
                importlib.import_module(m.name)
        import pandas as pd
        from opinion.models.poll_average.plots import plot_trend
        trend = pd.DataFrame({"date": pd.date_range("2022-01-01", periods=5),
                              "response": "yes", "mean": 50.0, "lower_90": 45.0, "upper_90": 55.0})
        ax = plot_trend(trend)
        assert ax.figure is not None
        assert matplotlib.get_backend() == "pdf", matplotlib.get_backend()
        after = dict(plt.rcParams)
        changed = sorted(k for k in before if before[k] != after[k] and k != "backend")
        assert not changed, changed
    """)
    assert result.returncode == 0, result.stdout + result.stderr


def test_plot_into_users_axes_keeps_their_style() -> None:
    import matplotlib.pyplot as plt
    import pandas as pd

    from opinion.models.poll_average.plots import plot_trend

    with plt.rc_context({"axes.facecolor": "#123456"}):
        fig, ax = plt.subplots()
        plot_trend(pd.DataFrame({"date": pd.date_range("2022-01-01", periods=3),
                                 "response": "yes", "mean": 50.0, "lower_90": 45.0,
                                 "upper_90": 55.0}), ax=ax)
    assert ax.get_facecolor()[:3] == pytest.approx((0x12 / 255, 0x34 / 255, 0x56 / 255))
    plt.close(fig)


# ---------------------------------------------------------------------- configurations
def test_config_normalises_types_and_reports_every_problem() -> None:
    from opinion.models.poll_average.config import PollAverageConfig

    a = PollAverageConfig(questions="q1", responses=["yes", "no"])
    b = PollAverageConfig.from_dict({"questions": ["q1"], "responses": ("yes", "no")})
    assert a == b and a.questions == ("q1",) and a.responses == ("yes", "no")
    assert PollAverageConfig.from_dict(a.to_dict()) == a
    with pytest.raises(ModelInputError) as info:
        PollAverageConfig(rw_pp_per_month=-1, house_pp=0, likelihood="poisson")
    message = str(info.value)
    assert "rw_pp_per_month" in message and "house_pp" in message and "likelihood" in message
    assert "\n" not in message
    with pytest.raises(ModelInputError, match="unknown PollAverage setting.*wobble"):
        PollAverageConfig.from_dict({"wobble": 1})
    assert a.replace(house_pp=2.0).house_pp == 2.0
    assert a.replace(house_pp=2.0).changed()["house_pp"] == 2.0


def test_every_model_has_one_constructor_signature() -> None:
    import inspect

    from opinion.models.core.base import BayesianModel
    from opinion.models.registry import known_models, model_class_for

    for name in known_models():
        cls = model_class_for(name)
        assert issubclass(cls, BayesianModel)
        assert "__init__" not in vars(cls), f"{cls.__name__} overrides the constructor"
        assert cls.name == name
    params = list(inspect.signature(BayesianModel.__init__).parameters.values())
    assert [p.name for p in params] == ["self", "frame", "config", "overrides"]
    assert params[2].kind is inspect.Parameter.KEYWORD_ONLY


def test_constructor_validates_dataframes_through_the_frame_layer() -> None:
    import pandas as pd

    from opinion.errors import DataValidationError
    from opinion.models import PollAverage

    bad = pd.DataFrame({"poll_id": ["a", "b"], "pollster": ["X", "Y"],
                        "start_date": ["2022-01-01", "2022-01-05"],
                        "end_date": ["2022-01-02", "2022-01-03"], "population": ["a", "a"],
                        "n": [1000, 1000], "question_id": ["q", "q"],
                        "response": ["yes", "yes"], "pct": [55, 52]})
    with pytest.raises(DataValidationError, match="1 of 2 rows fail validation"):
        PollAverage(bad)
    with pytest.raises(ModelInputError, match="unknown PollAverage setting"):
        PollAverage(bad.iloc[:1], wobble=3)


def test_sampler_settings_come_from_one_place_and_cores_is_not_in_the_key() -> None:
    import opinion
    from opinion.models import PollAverage

    polls = opinion.datasets.load("france2022")
    model = PollAverage(polls, questions="fr2022_r2_macron_le_pen")
    a = model.default_sampler_settings(cores=1)
    b = model.default_sampler_settings(cores=4)
    assert a.target_accept == model.default_target_accept()
    assert a.tune == model.default_tune("nutpie")
    assert model.content_hash(a, 1) == model.content_hash(b, 1)
    assert model.content_hash(a, 1) != model.content_hash(a, 2)
    with pytest.raises(ModelInputError, match="draws"):
        model.default_sampler_settings(draws=0)
