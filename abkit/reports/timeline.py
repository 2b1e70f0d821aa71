"""Monitoring over time: the cumulative effect with its interval and the stopping boundaries, as inline SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from abkit.reports.render import Column, render_page
from abkit.reports.svg import Series, line_chart

__all__ = ["RECOMMENDATION_TEXT", "monitoring_report", "timeline_charts"]

RECOMMENDATION_TEXT = {
    "continue": "Continue: no boundary crossed yet",
    "stop-efficacy": "Stop: the effect is shown",
    "stop-harm": "Stop: harm is shown",
    "stop-futility": "Stop: the effect sought is out of reach",
}


def _x(labels: list[Any]) -> list[Any]:
    try:
        return [pd.Timestamp(v).date() for v in labels]
    except (TypeError, ValueError):
        return list(labels)


def timeline_charts(monitoring: Any, *, metrics: list[str] | None = None) -> list[Markup]:
    """One chart per (metric, arm): cumulative effect with its interval, and the efficacy and harm boundaries
    expressed in effect units (``boundary z x standard error``)."""
    charts = []
    for res, metric, arm in zip(monitoring.series, monitoring.metrics, monitoring.variants, strict=True):
        if metrics is not None and metric not in metrics:
            continue
        series = [
            Series("cumulative effect", list(res.effect), low=list(res.ci_low), high=list(res.ci_high),
                   role="treatment"),
            Series("efficacy boundary", list(res.upper_effect), role="better", step=True, dashed=True),
            Series("harm boundary", list(res.lower_effect), role="worse", step=True, dashed=True),
        ]  # fmt: skip
        stop = res.stopped_at
        markers = [(_x(list(res.label))[stop - 1], res.recommendation[stop - 1])] if stop else []
        charts.append(
            line_chart(
                _x(list(res.label)),
                series,
                title=f"{metric} · {arm}: cumulative effect ({res.method})",
                x_label="day",
                y_label="treatment − control",
                references=[(0.0, "no effect")],
                markers=markers,
            )
        )
    return charts


def monitoring_fragment(monitoring: Any) -> Markup:
    """The notebook view: the recommendation, the last look of every series, and the charts."""
    from abkit.reports.render import render_fragment

    ctx = _context(monitoring)["mon"]
    table = render_fragment("table", ctx["last"], ctx["columns"])
    charts = Markup("").join(render_fragment("figure", c) for c in ctx["charts"])
    head = Markup("<p><strong>{}</strong></p>").format(ctx["recommendation"])
    return head + table + charts


def _context(monitoring: Any) -> dict[str, Any]:
    import abkit

    last = monitoring.table.groupby(["metric", "variant"], sort=False).tail(1)
    return {
        "title": "Monitoring",
        "eyebrow": "Sequential monitoring",
        "subtitle": f"{monitoring.method}; {monitoring.period}",
        "meta": [("Recommendation", monitoring.recommendation), ("Looks", monitoring.period)],
        "version": abkit.__version__,
        "mon": {
            "recommendation": RECOMMENDATION_TEXT.get(monitoring.recommendation, monitoring.recommendation),
            "charts": timeline_charts(monitoring),
            "last": last,
            "columns": [
                Column("metric", "Metric"), Column("variant", "Arm"), Column("label", "Last look"),
                Column("n", "Units", fmt="int"), Column("effect", "Effect", fmt="num", signed=True),
                Column("ci", "Interval", fmt="ci", signed=True), Column("z", "z", fmt="num"),
                Column("upper", "Boundary (z)", fmt="num"), Column("recommendation", "Recommendation"),
            ],
        },
    }  # fmt: skip


def monitoring_report(monitoring: Any, path: str | Path | None = None, *, generated_at: Any = None) -> str:
    """A self-contained page: recommendation, the charts, and the last look of every series."""
    ctx = _context(monitoring)
    if generated_at is not None:
        ctx["generated_at"] = generated_at
    html = render_page("monitoring.html", ctx)
    if path is not None:
        Path(path).write_text(html, encoding="utf-8", newline="\n")
    return html
