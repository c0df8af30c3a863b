"""Plot methods of coalition results: build the tidy table, call :mod:`.plots`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from opinion.models.coalition import plots


class PlotsMixin:
    """``plot_*`` methods (keyword ``ax=None``; each returns the Axes)."""

    def _names(self) -> dict[str, str]:
        return dict(zip(self.iso2, self.members["name"], strict=True))

    def _order(self, table: pd.DataFrame) -> list[str]:
        last = table[table["date"] == self.months[self.end]]
        return last.sort_values("mean", ascending=False)["member"].tolist()

    def plot_opinion(self, ax: Any = None, *, level: float = 0.9, latent: str = "opinion",
                     ncol: int = 5, panel: tuple[float, float] = (1.8, 1.45)) -> Any:
        """Small multiples of each member's latent series (percent), highest first;
        ``ncol`` panels per row of ``panel`` inches (``ncol=3, panel=(1.25, 1.2)`` for a
        phone)."""
        table = self.opinion(level) if latent == "opinion" else self.salience(level)
        label = ("% not backing EU-financed military aid (reference scale)"
                 if latent == "opinion" else "% naming rising prices (reference scale)")
        title = ("Public preference for negotiating" if latent == "opinion"
                 else "Salience of the economy against the war")
        return plots.plot_series(table, order=self._order(table), names=self._names(), ax=ax,
                                 title=title, ylabel=label, level=level, ncol=ncol,
                                 panel=panel)

    def plot_heatmap(self, ax: Any = None, *, phone: bool = False) -> Any:
        """Opinion by member and month with the months of defection events marked
        (``phone=True``: drawn for a phone screen)."""
        table = self.opinion()
        table = table[~table["forecast"]]
        events = self.event_probability()
        events = events[events["event"] == 1][["member", "date"]]
        return plots.plot_heatmap(
            table, events, order=self._order(table), names=self._names(), ax=ax,
            title="Which publics leaned towards negotiating, and when governments defected",
            colour_label="% not backing EU-financed military aid",
            note="* no survey data: the region's pooled value. Dots: months with a "
                 "defection event.", phone=phone)

    def plot_calibration(self, ax: Any = None, *, models: tuple[str, ...] = (
            "model", "opinion_only", "country_history", "base_rate"), **backtest: Any) -> Any:
        """Back-test calibration: observed against predicted monthly event frequency."""
        predictions = self.backtest_predictions(**backtest)
        return plots.plot_calibration(predictions, models=list(models), ax=ax,
                                      note="Rolling-origin back-test, 6-month windows.")

    def plot_split_curve(self, ax: Any = None, *, window: tuple[str, str] | None = None,
                         order: str | list[str] = "random") -> Any:
        """P(at least one of k members defects within the window), k = 1 .. all."""
        curve = self.split_curve(window, order=order)
        how = "random coalitions of k members" if order == "random" else f"added by {order}"
        return plots.plot_split_curve(
            curve, ax=ax, title=f"How the risk of a split grows with the coalition "
                                f"({self.window_label(window)})",
            xlabel=f"Members in the coalition ({how})",
            ylabel="Probability of at least one defection event",
            note="From the fitted event model; 90% band over posterior draws.", level=0.9)
