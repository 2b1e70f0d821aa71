"""Charts of the reports, written directly as SVG: forest plots, time series, power curves, histograms, bars.

Each function returns a :class:`markupsafe.Markup` holding one ``<svg>`` element with a ``viewBox`` (it scales
to its container), an accessible ``<title>``, escaped text, no ids, no scripts and no external references. The
same input gives the same bytes. ``nan`` values are skipped, infinite ones are clamped to the edge of the plot
(an infinite confidence bound is drawn as an arrow running off the axis), and an input with nothing finite to
draw gives a small "no data" picture instead of an error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
from markupsafe import Markup

from abkit.errors import ParameterError
from abkit.reports.numbers import fmt_num, fmt_pct
from abkit.reports.scales import Scale, date_ticks, domain, log_ticks, nice_ticks, tick_labels, to_numbers
from abkit.reports.svgbars import bar_chart, histogram, histogram_counts
from abkit.reports.svgdoc import (
    AXIS,
    BAND,
    HALO,
    INK,
    MUTED,
    REFERENCE,
    TABULAR,
    SvgDoc,
    colour,
    float_value,
    floats,
    legend,
    no_data,
    ref_lines,
    text_width,
    truncate,
    value_text,
    x_axis,
    y_axis,
    y_label_width,
)

__all__ = [
    "ForestRow",
    "Series",
    "bar_chart",
    "forest_plot",
    "histogram",
    "histogram_counts",
    "line_chart",
    "no_data",
    "power_curve",
]


class ForestRow(NamedTuple):
    """One row of a forest plot: an estimate with its interval, coloured by ``role``."""

    label: str
    estimate: float
    low: float
    high: float
    role: str | None = "neutral"


class Series(NamedTuple):
    """One line of a line chart, with an optional band (``low``, ``high``) drawn around it.

    ``step=True`` draws the line as a step function (a value holds until the next x), for boundaries that change
    at each look; ``dashed=True`` draws it dashed; ``role`` picks the colour (None: the next series colour).
    """

    name: str
    y: Sequence[float]
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    role: str | None = None
    step: bool = False
    dashed: bool = False


def forest_plot(
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "Effects",
    x_label: str = "",
    percent: bool = False,
    zero: float | None = 0.0,
    margins: Sequence[Any] = (),
    show_values: bool = True,
    width: float = 960.0,
) -> Markup:
    """Estimates with their confidence intervals, one row each, against a zero line and optional margins.

    Parameters
    ----------
    rows : sequence of (label, estimate, low, high) or (label, estimate, low, high, role)
        ``role`` colours the row: ``better``, ``worse``, ``neutral`` (default), ``control``, ``treatment``,
        ``highlight``. Infinite bounds (one-sided intervals) are drawn as arrows off the edge; nan is skipped.
    title, x_label : str
        The chart title (also its accessible name) and the axis label.
    percent : bool, default False
        Values are fractions shown as percentages (axis and value column).
    zero : float or None, default 0.0
        Where the no-effect line goes; None draws none.
    margins : sequence of float or (float, label)
        Dashed vertical lines, e.g. a non-inferiority margin ``(-0.01, "NI margin")``.
    show_values : bool, default True
        Print ``estimate [low, high]`` in a column on the right.

    Examples
    --------
    >>> svg = forest_plot([("CTR", 0.012, 0.004, 0.020, "better"), ("Revenue", -0.003, -0.011, 0.005)], percent=True)
    >>> svg.startswith("<svg") and "CTR" in svg
    True
    """
    parsed = []
    for row in rows:
        if not isinstance(row, Sequence) or isinstance(row, str) or len(row) not in (4, 5):
            raise ParameterError(f"Each forest_plot row must be (label, estimate, low, high[, role]). Got {row!r}.")
        est, lo, hi = (float_value(v, name="forest_plot rows") for v in row[1:4])
        role = row[4] if len(row) == 5 else "neutral"
        parsed.append((str(row[0]), est, lo, hi, colour(role)))
    margin_lines = [(float_value(v, name="margins"), label or "margin") for v, label in ref_lines(margins, "margin")]
    include = [m for m, _ in margin_lines] + ([] if zero is None else [float_value(zero, name="zero")])
    dom = domain([r[1:4] for r in parsed], include=include) if parsed else None
    if dom is None:
        return no_data(title)
    pad = (dom[1] - dom[0]) * 0.04
    ticks = nice_ticks(dom[0] - pad, dom[1] + pad)
    row_h, top = 28.0, (40.0 if title else 14.0) + (14.0 if margin_lines else 0.0)
    label_w = min(max(text_width(r[0]) for r in parsed) + 24, width * 0.3)
    est_texts = [value_text(r[1], percent) for r in parsed]
    ci_texts = [
        "" if math.isnan(r[2]) and math.isnan(r[3]) else f"[{value_text(r[2], percent)}, {value_text(r[3], percent)}]"
        for r in parsed
    ]
    est_w = max(text_width(t) * 1.08 for t in est_texts) + 4
    ci_w = max(text_width(t) for t in ci_texts) + 16
    right = width - (est_w + ci_w + 24 if show_values else 16)
    bottom = top + row_h * len(parsed)
    height = bottom + (44 if x_label else 28)
    doc = SvgDoc(width, height, title)
    doc.heading(title)
    scale = Scale(ticks[0], ticks[-1], max(label_w, 80.0), right)
    for i, (label, *_) in enumerate(parsed):
        y = top + row_h * (i + 0.5)
        if i % 2 == 0:
            doc.rect(0, y - row_h / 2, width, row_h, BAND)
        doc.text(12, y + 4, truncate(label, scale.start - 24), tooltip=label)
        if show_values:
            doc.text(right + 12 + est_w, y + 4, est_texts[i], text_anchor="end", style=TABULAR, font_weight=600)
            doc.text(width - 12, y + 4, ci_texts[i], text_anchor="end", fill=MUTED, style=TABULAR)
    x_axis(doc, scale, ticks, top=top, bottom=bottom, label=x_label, percent=percent)
    if zero is not None:
        doc.line(scale(zero), top - 4, scale(zero), bottom, "#4B5563", stroke_width=1.2)
    for value, label in margin_lines:
        x = scale(value)
        doc.line(x, top - 4, x, bottom, REFERENCE, stroke_width=1.2, stroke_dasharray="5 4")
        doc.text(
            x,
            top - 8,
            truncate(label, 120, 11),
            tooltip=label,
            text_anchor="middle",
            fill=REFERENCE,
            font_size=11,
            **HALO,
        )
    for i, (_, est, lo, hi, fill) in enumerate(parsed):
        y = top + row_h * (i + 0.5)
        ends = [v for v in (lo, hi) if not math.isnan(v)]
        if len(ends) == 1 and not math.isnan(est):
            ends.append(est)
        if len(ends) == 2:
            a, b = sorted(ends)
            doc.line(scale(a), y, scale(b), y, fill, stroke_width=2.2)
            if a == -math.inf:
                doc.arrow(scale.start, y, -1, fill)
            if b == math.inf:
                doc.arrow(scale.end, y, 1, fill)
        if math.isfinite(est):
            doc.rect(scale(est) - 5, y - 5, 10, 10, fill, stroke="#FFFFFF", stroke_width=1)
    return doc.markup()


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges where ``mask`` is true."""
    runs, start = [], None
    for i, ok in enumerate([*mask.tolist(), False]):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _stepped(xs: Sequence[float], ys: Sequence[float], step: bool) -> list[tuple[float, float]]:
    if not step:
        return list(zip(xs, ys, strict=True))
    points: list[tuple[float, float]] = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if i:
            points.append((x, points[-1][1]))
        points.append((x, y))
    return points


def line_chart(
    x: Sequence[Any],
    series: Sequence[Series | Mapping[str, Any]],
    *,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    percent: bool = False,
    log_x: bool = False,
    markers: Sequence[Any] = (),
    references: Sequence[Any] = (),
    y_range: tuple[float, float] | None = None,
    width: float = 960.0,
    height: float = 320.0,
    highlight: tuple[Any, float, str] | None = None,
) -> Markup:
    """Lines over shared x values (numbers or dates), with optional bands, steps, markers and reference lines.

    Parameters
    ----------
    x : sequence of numbers or of dates (``datetime.date``, ``datetime``, ``numpy.datetime64``)
    series : sequence of :class:`Series` (or mappings with its fields)
        Each ``y`` (and ``low``/``high``) has one value per x; nan breaks the line, an infinite band bound is
        clamped to the edge.
    percent : bool
        The y values are fractions shown as percentages.
    log_x : bool
        A log10 x axis; x values <= 0 are skipped.
    markers : sequence of x or (x, label)
        Dashed vertical lines (looks, launch day).
    references : sequence of y or (y, label)
        Dashed horizontal lines (target power, a margin).
    y_range : (float, float), optional
        A fixed y domain instead of the data's.
    highlight : (x, y, label), optional
        One emphasised point with a label (the plan on a power curve).

    Examples
    --------
    >>> svg = line_chart([1, 2, 3], [Series("effect", [0.1, 0.3, 0.2], low=[0.0, 0.1, 0.05], high=[0.2, 0.5, 0.35])])
    >>> "<path" in svg
    True
    """
    xs, dates = to_numbers(x, name="x")
    items = [s if isinstance(s, Series) else Series(**s) for s in series]
    arrays = []
    for s in items:
        ys = floats(s.y, name=f"series {s.name!r} y")
        lo = floats(s.low, name="low") if s.low is not None else np.full_like(ys, np.nan)
        hi = floats(s.high, name="high") if s.high is not None else np.full_like(ys, np.nan)
        if not len(ys) == len(lo) == len(hi) == len(xs):
            raise ParameterError(
                f"Series {s.name!r} has {len(ys)} y values ({len(lo)} low, {len(hi)} high) for {len(xs)} x values; "
                "give one value per x (nan where missing)."
            )
        arrays.append((ys, lo, hi))
    mark = [(to_numbers([v], name="markers")[0][0], label) for v, label in ref_lines(markers, "marker")]
    refs = [(float_value(v, name="references"), label) for v, label in ref_lines(references, "reference")]
    ok_x = np.isfinite(xs) & ((xs > 0) if log_x else True)
    x_dom = domain(xs[ok_x], include=[m for m, _ in mark], log=log_x)
    y_dom = y_range or domain(*[a[:, ok_x] for a in map(np.vstack, arrays)], include=[r for r, _ in refs])
    if x_dom is None or y_dom is None or not any(np.isfinite(a[0][ok_x]).any() for a in arrays):
        return no_data(title or "Line chart")
    if dates and x_dom[1] - x_dom[0] < 1:
        x_dom = (x_dom[0] - 1, x_dom[1] + 1)
    xt = log_ticks(*x_dom) if log_x else date_ticks(*x_dom) if dates else nice_ticks(*x_dom)
    x_lo, x_hi = (x_dom[0], x_dom[1]) if dates else (xt[0], xt[-1])
    yt = nice_ticks(*y_dom)
    y_lo, y_hi = y_range if y_range else (yt[0], yt[-1])
    yt = [t for t in yt if y_lo - 1e-12 <= t <= y_hi + 1e-12]
    doc = SvgDoc(width, height, title or "Line chart")
    doc.heading(title)
    left = 14 + y_label_width(yt, percent=percent) + (22 if y_label else 4)
    sub = SvgDoc(width, height, "")
    entries = [(s.name, colour(s.role, i), s.dashed) for i, s in enumerate(items) if s.name]
    top = (
        (40.0 if title else 14.0)
        if not entries
        else legend(sub, entries, x=left, y=(44 if title else 16), right=width - 16) + 8
    )
    doc.parts.extend(sub.parts)
    bottom = height - (46 if x_label else 30)
    xs_scale = Scale(x_lo, x_hi, left, width - 20, log=log_x)
    ys_scale = Scale(y_lo, y_hi, bottom, top)
    y_axis(doc, ys_scale, yt, left=left, right=width - 20, label=y_label, percent=percent)
    x_axis(doc, xs_scale, xt, top=top, bottom=bottom, label=x_label, percent=False, dates=dates, grid=False)
    if y_lo < 0 < y_hi:
        doc.line(left, ys_scale(0), width - 20, ys_scale(0), "#4B5563", stroke_width=1)
    for value, label in refs:
        y = ys_scale(value)
        doc.line(left, y, width - 20, y, REFERENCE, stroke_width=1.2, stroke_dasharray="5 4")
        if label:
            doc.text(
                width - 22,
                y - 5,
                truncate(label, 200, 11),
                tooltip=label,
                text_anchor="end",
                fill=REFERENCE,
                **HALO,
                font_size=11,
            )
    for value, label in mark:
        xm = xs_scale(value)
        doc.line(xm, top, xm, bottom, AXIS, stroke_width=1, stroke_dasharray="3 3")
        if label:
            doc.text(xm + 4, top + 11, truncate(label, 120, 11), tooltip=label, fill=MUTED, font_size=11, **HALO)
    px = [xs_scale(v) if ok else math.nan for v, ok in zip(xs.tolist(), ok_x.tolist(), strict=True)]
    for i, (s, (ys, lo, hi)) in enumerate(zip(items, arrays, strict=True)):
        fill = colour(s.role, i)
        band = ok_x & ~np.isnan(lo) & ~np.isnan(hi)
        for a, b in _runs(band):
            upper = _stepped(px[a:b], [ys_scale(v) for v in hi[a:b]], s.step)
            lower = _stepped(px[a:b], [ys_scale(v) for v in lo[a:b]], s.step)
            doc.path(upper + lower[::-1], close=True, fill=fill, fill_opacity="0.14")
        for a, b in _runs(ok_x & np.isfinite(ys)):
            pts = _stepped(px[a:b], [ys_scale(v) for v in ys[a:b]], s.step)
            if len(pts) == 1:
                doc.element("circle", cx=pts[0][0], cy=pts[0][1], r=3.0, fill=fill)
            doc.path(
                pts,
                fill="none",
                stroke=fill,
                stroke_width=2.2,
                stroke_linejoin="round",
                stroke_dasharray="6 4" if s.dashed else None,
            )
    if highlight is not None:
        hx = xs_scale(to_numbers([highlight[0]], name="highlight")[0][0])
        hy = ys_scale(float_value(highlight[1], name="highlight"))
        doc.line(hx, top, hx, bottom, INK, stroke_width=1, stroke_dasharray="2 3")
        doc.element("circle", cx=hx, cy=hy, r=5.0, fill="#FFFFFF", stroke=INK, stroke_width=2)
        flip = hx > (left + width) / 2
        doc.text(
            hx + (-9 if flip else 9),
            hy + 16,
            truncate(str(highlight[2]), 260),
            tooltip=str(highlight[2]),
            text_anchor="end" if flip else "start",
            font_weight=600,
        )
    return doc.markup()


def power_curve(
    x: Sequence[Any],
    power: Sequence[float] | Mapping[str, Sequence[float]],
    *,
    plan: Any = None,
    target: float | None = 0.8,
    title: str = "Power",
    x_label: str = "Units per arm",
    plan_label: str = "Plan",
    log_x: bool = False,
    width: float = 960.0,
    height: float = 300.0,
) -> Markup:
    """Power (0 to 100%) against sample size or days, with the target power and a marker at the plan.

    Parameters
    ----------
    x : sequence of numbers (units per arm, days) or dates
    power : sequence of float, or mapping of curve name to sequence (e.g. one curve per MDE)
    plan : number or date, optional
        The planned x; marked with the power read off the first curve (linear interpolation).
    target : float or None, default 0.8
        The target power, drawn as a dashed line.

    Examples
    --------
    >>> svg = power_curve([1000, 2000, 4000, 8000], [0.2, 0.45, 0.75, 0.96], plan=5000)
    >>> "Plan" in svg
    True
    """
    curves = power.items() if isinstance(power, Mapping) else [("", power)]
    series = [Series(str(name), list(values), role=None) for name, values in curves]
    highlight = None
    if plan is not None and series:
        xs, _ = to_numbers(x, name="x")
        px = to_numbers([plan], name="plan")[0][0]
        ys = floats(series[0].y, name="power")
        ok = np.isfinite(xs) & np.isfinite(ys)
        if ok.any() and math.isfinite(px):
            order = np.argsort(xs[ok], kind="stable")
            at = float(np.interp(px, xs[ok][order], ys[ok][order]))
            shown = tick_labels([px], dates=_is_date(plan))[0] if _is_date(plan) else fmt_num(px, 3)
            highlight = (plan, at, f"{plan_label}: {shown} · {fmt_pct(at, 0)} power")
    refs = [] if target is None else [(target, f"target {fmt_pct(target, 0)}")]
    return line_chart(
        x,
        series,
        title=title,
        x_label=x_label,
        y_label="Power",
        percent=True,
        log_x=log_x,
        references=refs,
        y_range=(0.0, 1.0),
        width=width,
        height=height,
        highlight=highlight,
    )


def _is_date(value: Any) -> bool:
    return to_numbers([value], name="plan")[1]
