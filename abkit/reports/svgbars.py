"""Bar charts and histograms as SVG (see :mod:`abkit.reports.svg` for the common rules)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from abkit.errors import ParameterError
from abkit.reports.numbers import fmt_int
from abkit.reports.scales import Scale, domain, log_ticks, nice_ticks
from abkit.reports.svgdoc import (
    AXIS,
    BAND,
    HALO,
    MUTED,
    REFERENCE,
    TABULAR,
    SvgDoc,
    colour,
    float_value,
    floats,
    no_data,
    ref_lines,
    text_width,
    truncate,
    value_text,
    x_axis,
    y_axis,
    y_label_width,
)

__all__ = ["bar_chart", "histogram", "histogram_counts"]


def bar_chart(
    labels: Sequence[Any],
    values: Sequence[float],
    *,
    roles: Sequence[str | None] | None = None,
    title: str = "",
    x_label: str = "",
    percent: bool = False,
    references: Sequence[Any] = (),
    width: float = 960.0,
) -> Markup:
    """Horizontal bars from zero, one per label; negative values go left. For arm counts, shares, diagnostics.

    Parameters
    ----------
    labels, values : sequences of the same length
        nan shows as an em dash with no bar; an infinite value runs off the edge as an arrow.
    roles : sequence of role names (or None), optional
        Colour of each bar (``better``, ``worse``, ``neutral``, ...); default all ``treatment`` blue.
    percent : bool
        Values are fractions shown as percentages.
    references : sequence of x or (x, label)
        Dashed vertical lines (an expected share).

    Examples
    --------
    >>> svg = bar_chart(["control", "treatment"], [50210, 49790], title="Units per arm")
    >>> svg.count("<rect") >= 2
    True
    """
    names = [str(v) for v in labels]
    vals = floats(values, name="values")
    if len(names) != len(vals):
        raise ParameterError(f"bar_chart got {len(names)} labels for {len(vals)} values; give one label per value.")
    fills = [colour(r) for r in (roles if roles is not None else ["treatment"] * len(vals))]
    if len(fills) != len(vals):
        raise ParameterError(f"bar_chart got {len(fills)} roles for {len(vals)} values; give one role per value.")
    refs = [(float_value(v, name="references"), label) for v, label in ref_lines(references, "reference")]
    dom = domain(vals, include=[0.0] + [r for r, _ in refs])
    if not names or dom is None:
        return no_data(title or "Bar chart")
    ticks = nice_ticks(*dom)
    texts = [value_text(v, percent).lstrip("+") if not percent else value_text(v, percent) for v in vals]
    label_w = min(max(text_width(n) for n in names) + 24, width * 0.3)
    value_w = max(text_width(t) for t in texts) + 16
    row_h, top = 26.0, (40.0 if title else 14.0) + (14.0 if any(label for _, label in refs) else 0.0)
    bottom = top + row_h * len(names)
    doc = SvgDoc(width, bottom + (44 if x_label else 28), title or "Bar chart")
    doc.heading(title)
    scale = Scale(ticks[0], ticks[-1], max(label_w, 60.0) + value_w * (ticks[0] < 0), width - value_w - 8)
    for i, name in enumerate(names):
        if i % 2 == 0:
            doc.rect(0, top + row_h * i, width, row_h, BAND)
        doc.text(
            12, top + row_h * (i + 0.5) + 4, truncate(name, scale.start - 24 - value_w * (ticks[0] < 0)), tooltip=name
        )
    x_axis(doc, scale, ticks, top=top, bottom=bottom, label=x_label, percent=percent)
    zero = scale(0.0)
    for i, (v, fill, text) in enumerate(zip(vals.tolist(), fills, texts, strict=True)):
        y = top + row_h * (i + 0.5)
        if not math.isnan(v):
            end = scale(v)
            doc.rect(min(zero, end), y - 8, abs(end - zero), 16, fill, rx=1.5)
            if math.isinf(v):
                doc.arrow(end + (6 if v > 0 else -6), y, 1 if v > 0 else -1, fill)
        else:
            end = zero
        neg = v < 0
        doc.text(
            end + (-6 if neg else 6) + (6 if math.isinf(v) and not neg else 0),
            y + 4,
            text,
            text_anchor="end" if neg else "start",
            style=TABULAR,
            fill=MUTED if math.isnan(v) else "#1F2937",
        )
    doc.line(zero, top, zero, bottom, "#4B5563", stroke_width=1)
    for value, label in refs:
        x = scale(value)
        doc.line(x, top - 4, x, bottom, REFERENCE, stroke_width=1.2, stroke_dasharray="5 4")
        if label:
            doc.text(
                x,
                top - 8,
                truncate(label, 160, 11),
                tooltip=label,
                text_anchor="middle",
                fill=REFERENCE,
                font_size=11,
                **HALO,
            )
    return doc.markup()


def histogram(
    values: Sequence[float],
    *,
    bins: int | Sequence[float] = 30,
    log_x: bool = False,
    title: str = "",
    x_label: str = "",
    y_label: str = "Count",
    markers: Sequence[Any] = (),
    role: str | None = None,
    width: float = 960.0,
    height: float = 260.0,
) -> Markup:
    """The distribution of ``values`` (importance weights, p-values) as a histogram.

    Missing and infinite values (and values <= 0 with ``log_x``, or outside explicit ``bins`` edges) are not
    drawn; their number is printed under the chart. For data binned elsewhere use :func:`histogram_counts`.

    Parameters
    ----------
    bins : int or sequence of edges, default 30
        Number of equal-width bins (equal width in log10 with ``log_x``), or the increasing bin edges.
    log_x : bool
        A log10 x axis, for heavy-tailed values such as importance weights.
    markers : sequence of x or (x, label)
        Dashed vertical lines, e.g. ``(1.0, "weight 1")`` or ``(0.05, "alpha")``.

    Examples
    --------
    >>> svg = histogram([0.5, 0.8, 1.0, 1.2, 3.0, 40.0], bins=10, log_x=True, markers=[(1.0, "1")])
    >>> "6 values" in svg
    True
    """
    arr = floats(values, name="values")
    keep = np.isfinite(arr) & ((arr > 0) if log_x else True)
    kept = arr[keep]
    if isinstance(bins, int) and not isinstance(bins, bool):
        if bins < 1:
            raise ParameterError(f"The 'bins' parameter of histogram must be an int >= 1 or edges. Got {bins}.")
        dom = domain(kept, log=log_x)
        if dom is None:
            return no_data(title or "Histogram", "No finite values to show")
        edges = np.geomspace(*dom, bins + 1) if log_x else np.linspace(*dom, bins + 1)
    else:
        edges = floats(bins, name="bins")
    inside = kept[(kept >= edges[0]) & (kept <= edges[-1])] if edges.size else kept
    counts = np.histogram(inside, bins=edges)[0] if _valid_edges(edges, log_x) else np.zeros(0)
    hidden = int(arr.size - inside.size)
    return histogram_counts(
        edges,
        counts,
        log_x=log_x,
        title=title,
        x_label=x_label,
        y_label=y_label,
        markers=markers,
        role=role,
        width=width,
        height=height,
        hidden=hidden,
    )


def _valid_edges(edges: np.ndarray, log_x: bool) -> bool:
    if edges.size < 2 or not np.isfinite(edges).all() or (np.diff(edges) <= 0).any() or (log_x and edges[0] <= 0):
        raise ParameterError(
            "The 'bins' edges must be at least 2 finite increasing numbers (positive with log_x). "
            f"Got {edges.tolist()[:6]}."
        )
    return True


def histogram_counts(
    edges: Sequence[float] | np.ndarray,
    counts: Sequence[float] | np.ndarray,
    *,
    log_x: bool = False,
    title: str = "",
    x_label: str = "",
    y_label: str = "Count",
    markers: Sequence[Any] = (),
    role: str | None = None,
    width: float = 960.0,
    height: float = 260.0,
    hidden: int = 0,
) -> Markup:
    """A histogram of counts already binned (``len(edges) == len(counts) + 1``), e.g. by an engine.

    ``hidden`` is the number of values not in any bin; it is printed under the chart when positive.

    Examples
    --------
    >>> svg = histogram_counts([0.0, 0.5, 1.0], [30, 10], x_label="p-value")
    >>> "40 values" in svg
    True
    """
    e = floats(edges, name="edges")
    c = floats(counts, name="counts")
    _valid_edges(e, log_x)
    if e.size != c.size + 1:
        raise ParameterError(
            f"histogram_counts needs len(edges) == len(counts) + 1. Got {e.size} edges and {c.size} counts."
        )
    c = np.where(np.isfinite(c) & (c > 0), c, 0.0)
    total = float(c.sum())
    if total == 0:
        return no_data(title or "Histogram", "No values in the bins")
    yt = nice_ticks(0.0, float(c.max()), max_ticks=5)
    xt = log_ticks(e[0], e[-1]) if log_x else nice_ticks(e[0], e[-1])
    x_lo, x_hi = min(xt[0], e[0]), max(xt[-1], e[-1])
    xt = [t for t in xt if x_lo <= t <= x_hi]
    mark = [(float_value(v, name="markers"), label) for v, label in ref_lines(markers, "marker")]
    doc = SvgDoc(width, height, title or "Histogram")
    doc.heading(title)
    top = 40.0 if title else 14.0
    bottom = height - (46 if x_label else 30)
    left = 14 + y_label_width(yt) + (22 if y_label else 4)
    xs = Scale(x_lo, x_hi, left, width - 20, log=log_x)
    ys = Scale(0.0, yt[-1], bottom, top)
    y_axis(doc, ys, yt, left=left, right=width - 20, label=y_label)
    fill = colour(role) if role is not None else "#0072B2"
    for a, b, n in zip(e[:-1].tolist(), e[1:].tolist(), c.tolist(), strict=True):
        if n > 0:
            x0, x1 = xs(a), xs(b)
            doc.rect(x0 + 0.5, ys(n), max(x1 - x0 - 1.0, 0.8), bottom - ys(n), fill, fill_opacity="0.85")
    x_axis(doc, xs, xt, top=top, bottom=bottom, label=x_label, grid=False)
    for value, label in mark:
        if math.isnan(value) or (log_x and value <= 0):
            continue
        x = xs(value)
        doc.line(x, top, x, bottom, REFERENCE, stroke_width=1.4, stroke_dasharray="5 4")
        if label:
            flip = x > (left + width) / 2
            doc.text(
                x + (-4 if flip else 4),
                top + 11,
                truncate(label, 160, 11),
                tooltip=label,
                fill=REFERENCE,
                **HALO,
                font_size=11,
                text_anchor="end" if flip else "start",
            )
    note = f"{fmt_int(total)} values"
    if hidden > 0:
        note += f"; {fmt_int(hidden)} not shown (missing, infinite{', ≤ 0' if log_x else ''} or outside the bins)"
    doc.text(
        width - 20,
        20,
        truncate(note, width * 0.5, 11),
        tooltip=note,
        text_anchor="end",
        fill=MUTED,
        font_size=11,
        style=TABULAR,
    )
    doc.line(left, bottom, width - 20, bottom, AXIS)
    return doc.markup()
