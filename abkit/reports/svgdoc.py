"""Building blocks of the SVG charts: the palette, an SVG document builder that escapes every text and attribute,
axes, legends, and the small "no data" picture.

Charts are plain SVG 1.1 with a ``viewBox`` (they scale), no ids, no scripts, no external references, and an
accessible ``<title>``. Coordinates are written with two decimals, so the same input gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from abkit.errors import ParameterError
from abkit.reports.numbers import fmt_num, fmt_pct
from abkit.reports.scales import Scale, tick_labels

__all__ = ["FONT", "INK", "MUTED", "ROLE_COLOURS", "SERIES_COLOURS", "SvgDoc", "colour", "no_data", "text_width"]

# Okabe & Ito (2008) colour-blind-safe palette; better = blue, worse = vermillion, never red against green.
ROLE_COLOURS: dict[str, str] = {
    "better": "#0072B2",
    "worse": "#D55E00",
    "neutral": "#6B7280",
    "control": "#4B5563",
    "treatment": "#0072B2",
    "highlight": "#E69F00",
}
SERIES_COLOURS: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#4B5563")
INK = "#1F2937"
MUTED = "#6B7280"
AXIS = "#9CA3AF"
GRID = "#E5E7EB"
BAND = "#F9FAFB"
REFERENCE = "#B45309"  # reference lines: margins, target power, alpha
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
TABULAR = "font-variant-numeric: tabular-nums"
# A white outline behind labels drawn over bars and lines.
HALO: dict[str, object] = {"paint_order": "stroke", "stroke": "#FFFFFF", "stroke_width": 3, "stroke_linejoin": "round"}


def colour(role: str | None, index: int = 0) -> str:
    """The colour of a role (``better``, ``worse``, ``neutral``, ``control``, ``treatment``, ``highlight``), or of
    the ``index``-th series when ``role`` is None."""
    if role is None:
        return SERIES_COLOURS[index % len(SERIES_COLOURS)]
    if role not in ROLE_COLOURS:
        raise ParameterError(
            f"The colour role must be one of {', '.join(sorted(ROLE_COLOURS))} or None. Got {role!r} instead."
        )
    return ROLE_COLOURS[role]


def text_width(text: str, size: float = 12.0) -> float:
    """A deterministic estimate of the rendered width of ``text`` (no font metrics are available)."""
    # Calibrated on DejaVu Sans, the widest of the usual fallback fonts, so that labels never collide.
    narrow = sum(ch in "il.,:;|!' " for ch in text)
    semi = sum(ch in "ftrj()[]-" for ch in text)
    wide = sum(ch in "MWmw%@—" or ch.isupper() for ch in text)
    digits = sum(ch.isdigit() or ch in "+−∞" for ch in text)
    normal = len(text) - narrow - semi - wide - digits
    return size * (0.6 * normal + 0.64 * digits + 0.3 * narrow + 0.42 * semi + 0.78 * wide)


def truncate(text: str, width: float, size: float = 12.0) -> str:
    """``text`` cut with an ellipsis so that it fits in ``width`` pixels."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def num(v: float) -> str:
    """A coordinate with at most two decimals."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(attrs: dict[str, object]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        text = num(value) if isinstance(value, float) else str(value)
        parts.append(f' {name}="{html.escape(text, quote=True)}"')
    return "".join(parts)


class SvgDoc:
    """An SVG document being written; every text and attribute value is escaped on the way in."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.width, self.height, self.title = float(width), float(height), str(title)
        self.parts: list[str] = []

    def element(self, tag: str, content: str | None = None, /, **attrs: object) -> None:
        body = "" if content is None else html.escape(content, quote=False)
        self.parts.append(f"<{tag}{_attrs(attrs)}/>" if content is None else f"<{tag}{_attrs(attrs)}>{body}</{tag}>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, **attrs: object) -> None:
        self.element("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), stroke=stroke, **attrs)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> None:
        w, h = float(max(w, 0.0)), float(max(h, 0.0))
        self.element("rect", x=float(x), y=float(y), width=w, height=h, fill=fill, **attrs)

    def path(self, points: Sequence[tuple[float, float]], *, close: bool = False, **attrs: object) -> None:
        if not points:
            return
        d = "M" + " L".join(f"{num(x)} {num(y)}" for x, y in points) + (" Z" if close else "")
        self.element("path", d=d, **attrs)

    def text(self, x: float, y: float, content: str, *, tooltip: str | None = None, **attrs: object) -> None:
        attrs.setdefault("fill", INK)
        inner = html.escape(content, quote=False)
        if tooltip is not None and tooltip != content:
            inner = f"<title>{html.escape(tooltip, quote=False)}</title>{inner}"
        self.parts.append(f"<text{_attrs({'x': float(x), 'y': float(y), **attrs})}>{inner}</text>")

    def arrow(self, x: float, y: float, direction: int, fill: str) -> None:
        """A small arrowhead at (x, y) pointing right (+1) or left (-1): an interval that runs off the axis."""
        self.path([(x, y), (x - 7 * direction, y - 4.5), (x - 7 * direction, y + 4.5)], close=True, fill=fill)

    def heading(self, title: str, x: float = 12.0, y: float = 20.0) -> None:
        if title:
            self.text(x, y, truncate(title, self.width - 2 * x, 14), tooltip=title, font_size=14, font_weight=600)

    def markup(self) -> Markup:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="abk-chart" role="img"'
            f"{_attrs({'viewBox': f'0 0 {num(self.width)} {num(self.height)}', 'width': num(self.width)})}"
            f"{_attrs({'height': num(self.height), 'aria-label': self.title or 'chart'})}"
            f"{_attrs({'font-family': FONT, 'font-size': '12'})}>"
            f"<title>{html.escape(self.title or 'chart', quote=False)}</title>"
        )
        return Markup(head + "".join(self.parts) + "</svg>")


def no_data(title: str, message: str = "No data to show", *, width: float = 360.0) -> Markup:
    """A small placeholder chart saying there is nothing to draw."""
    doc = SvgDoc(width, 72.0, title)
    doc.rect(0.5, 0.5, width - 1, 71.0, "#FFFFFF", stroke=GRID, rx=4)
    doc.heading(title)
    doc.text(12.0, 50.0, truncate(message, width - 24), fill=MUTED, font_style="italic")
    return doc.markup()


def x_axis(
    doc: SvgDoc,
    scale: Scale,
    ticks: Sequence[float],
    *,
    top: float,
    bottom: float,
    label: str = "",
    percent: bool = False,
    dates: bool = False,
    grid: bool = True,
) -> None:
    """Vertical grid lines at the ticks between ``top`` and ``bottom``, tick labels under ``bottom``."""
    labels = tick_labels(ticks, percent=percent, dates=dates, log=scale.log)
    for t, text in zip(ticks, labels, strict=True):
        x = scale(t)
        if grid:
            doc.line(x, top, x, bottom, GRID)
        doc.line(x, bottom, x, bottom + 4, AXIS)
        # a label at the right end is anchored on its end, so it never runs past the chart's edge
        at_end = abs(x - max(scale.start, scale.end)) < 3.5 * len(text)
        doc.text(x, bottom + 17, text, text_anchor="end" if at_end else "middle", fill=MUTED, font_size=11,
                 style=TABULAR)  # fmt: skip
    doc.line(scale.start, bottom, scale.end, bottom, AXIS)
    if label:
        mid = (scale.start + scale.end) / 2
        doc.text(
            mid,
            bottom + 34,
            truncate(label, abs(scale.end - scale.start)),
            tooltip=label,
            text_anchor="middle",
            fill=MUTED,
        )


def y_axis(
    doc: SvgDoc,
    scale: Scale,
    ticks: Sequence[float],
    *,
    left: float,
    right: float,
    label: str = "",
    percent: bool = False,
) -> None:
    """Horizontal grid lines at the ticks between ``left`` and ``right``, tick labels left of ``left``."""
    labels = tick_labels(ticks, percent=percent, log=scale.log)
    for t, text in zip(ticks, labels, strict=True):
        y = scale(t)
        doc.line(left, y, right, y, GRID)
        doc.text(left - 8, y + 4, text, text_anchor="end", fill=MUTED, font_size=11, style=TABULAR)
    if label:
        mid = (scale.start + scale.end) / 2
        doc.text(
            14,
            mid,
            truncate(label, abs(scale.end - scale.start)),
            tooltip=label,
            text_anchor="middle",
            fill=MUTED,
            transform=f"rotate(-90 14 {num(mid)})",
        )


def y_label_width(ticks: Sequence[float], *, percent: bool = False, log: bool = False) -> float:
    """Room needed left of the plot for the y tick labels."""
    labels = tick_labels(ticks, percent=percent, log=log)
    return max((text_width(t, 11) for t in labels), default=0.0)


def legend(doc: SvgDoc, entries: Sequence[tuple[str, str, bool]], *, x: float, y: float, right: float) -> float:
    """Swatches and names left to right from (x, y), wrapping at ``right``. Entries are (name, colour, dashed).
    Returns the y below the legend."""
    cx, cy = x, y
    for name, fill, dashed in entries:
        shown = truncate(name, 220)
        w = 22 + text_width(shown) + 18
        if cx + w > right and cx > x:
            cx, cy = x, cy + 18
        doc.line(cx, cy - 4, cx + 16, cy - 4, fill, stroke_width=2.5, stroke_dasharray="4 3" if dashed else None)
        doc.text(cx + 22, cy, shown, tooltip=name, fill=INK)
        cx += w
    return cy + 10


def floats(values: Any, *, name: str) -> np.ndarray:
    try:
        return np.asarray([np.nan if v is None else v for v in values], dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The '{name}' values must be numbers (None or nan for missing). Got {values!r}."
        ) from None


def float_value(value: Any, *, name: str) -> float:
    return float(floats([value], name=name)[0])


def value_text(v: float, percent: bool) -> str:
    return fmt_pct(v, 2, signed=True) if percent else fmt_num(v, 3, signed=True)


def ref_lines(value: Any, kind: str) -> list[tuple[Any, str]]:
    """Normalise reference/marker lines given as numbers or (value, label) pairs."""
    out = []
    for item in value:
        if isinstance(item, tuple | list):
            if len(item) != 2:
                raise ParameterError(f"Each {kind} must be a value or a (value, label) pair. Got {item!r}.")
            out.append((item[0], str(item[1])))
        else:
            out.append((item, ""))
    return out
