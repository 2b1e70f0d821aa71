"""Matplotlib figures for notebooks: ``result.plot()`` on an analysis, an offline evaluation or a monitoring run.

They draw what the result holds (no statistic is computed here) and return the ``Figure`` so users can restyle or
save it. The HTML reports use the inline SVG charts of :mod:`abkit.reports.svg` instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["forest_figure", "monitoring_figure", "offline_figure"]

_BETTER, _WORSE, _NEUTRAL = "#0072B2", "#D55E00", "#6b7280"


def _forest(labels: list[str], table: Any, cols: tuple[str, str, str], colours: list[str], *, title: str,
            xlabel: str, percent: bool) -> Any:  # fmt: skip
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    est, low, high = (table[c].to_numpy(dtype=float) for c in cols)
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(labels) + 1.2))
    y = np.arange(len(labels))[::-1]
    lo = np.where(np.isfinite(low), low, np.nan)
    hi = np.where(np.isfinite(high), high, np.nan)
    for yi, e, a, b, c in zip(y, est, lo, hi, colours, strict=True):
        ax.plot([a, b], [yi, yi], color=c, lw=2)
        ax.plot([e], [yi], "s", color=c, ms=7)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def forest_figure(result: Any, *, relative: bool = True) -> Any:
    """Effects of an :class:`~abkit.ExperimentResult` with their intervals, coloured by the desired direction."""
    t = result.table
    colours = []
    for _, r in t.iterrows():
        hib = True if r["higher_is_better"] is None else bool(r["higher_is_better"])
        if not r["significant"]:
            colours.append(_NEUTRAL)
        else:
            colours.append(_BETTER if (r["effect"] > 0) == hib else _WORSE)
    labels = [f"{m} · {v} ({role})" for m, v, role in zip(t["metric"], t["variant"], t["role"], strict=True)]
    cols = ("rel_effect", "rel_ci_low", "rel_ci_high") if relative else ("effect", "ci_low", "ci_high")
    return _forest(labels, t, cols, colours, title=result.name,
                   xlabel="(treatment − control) / control" if relative else "treatment − control",
                   percent=relative)  # fmt: skip


def offline_figure(off: Any) -> Any:
    """Relative lift of each (candidate, estimator) over the logging policy, with its paired interval."""
    t = off.table
    colours = [{"positive": _BETTER, "negative": _WORSE}.get(c, _NEUTRAL) for c in t["call"]]
    labels = [f"{e} · {c}" for e, c in zip(t["estimator"], t["candidate"], strict=True)]
    return _forest(labels, t, ("rel_lift", "rel_lift_ci_low", "rel_lift_ci_high"), colours,
                   title="Offline lift over the logging policy", xlabel="(candidate − logged) / logged",
                   percent=True)  # fmt: skip


def monitoring_figure(monitoring: Any) -> Any:
    """One panel per (metric, arm): the cumulative effect, its interval and the boundaries, day by day."""
    import matplotlib.pyplot as plt

    n = max(len(monitoring.series), 1)
    fig, axes = plt.subplots(n, 1, figsize=(8, 3 * n), squeeze=False)
    for ax, res, metric, arm in zip(axes[:, 0], monitoring.series, monitoring.metrics, monitoring.variants,
                                    strict=False):  # fmt: skip
        x = np.arange(1, len(res.effect) + 1)
        ax.fill_between(x, res.ci_low, res.ci_high, color=_BETTER, alpha=0.15, label="interval")
        ax.plot(x, res.effect, color=_BETTER, label="cumulative effect")
        ax.step(x, res.upper_effect, where="mid", ls="--", color=_BETTER, label="efficacy")
        ax.step(x, res.lower_effect, where="mid", ls="--", color=_WORSE, label="harm")
        ax.axhline(0.0, color="black", lw=0.8)
        ax.set_title(f"{metric} · {arm}", loc="left")
        ax.set_xlabel("look (day)")
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig
