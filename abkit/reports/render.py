"""Rendering of the HTML reports: one Jinja2 environment, the number filters, and the helpers the macros use.

The environment autoescapes everything and raises on any undefined name (``StrictUndefined``), so a typo in a
template fails loudly instead of printing nothing. Templates live in ``abkit/reports/templates``: ``base.html``
(the page), ``macros.html`` (verdict banner, tables, key-value blocks, folds, health checks, figures, tiles) and
``style.css`` (inlined into every page). Nothing here reads the clock: pass ``generated_at`` in the context, so
the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
from markupsafe import Markup

from abkit.errors import ParameterError
from abkit.reports import svg
from abkit.reports.numbers import MISSING, fmt_ci, fmt_int, fmt_num, fmt_pct, fmt_pvalue

__all__ = [
    "TEMPLATE_DIR",
    "Cell",
    "Column",
    "cell",
    "environment",
    "render_fragment",
    "render_page",
    "tone",
    "write_page",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"

_VERDICTS = {
    "ship": ("Ship", "\u2713"),
    "no-ship": ("Do not ship", "\u2715"),
    "inconclusive": ("Inconclusive", "?"),
    "invalid": ("Invalid experiment", "!"),
    # offline evaluations: the call of Gilotte et al. (2018) on the lift over the logging policy
    "positive": ("Positive: worth an online test", "\u2191"),
    "neutral": ("Neutral: no lift shown", "="),
    "negative": ("Negative: worse than production", "\u2193"),
    "untrusted": ("Untrusted logs", "!"),
}
_VERDICT_CSS = {"positive": "ship", "neutral": "inconclusive", "negative": "no-ship", "untrusted": "invalid"}
_STATUSES = {"ok": "OK", "warn": "Warning", "fail": "Fail", "info": "Info"}
_TONES = ("better", "worse", "neutral")
_FORMATS = ("text", "num", "int", "pct", "pvalue", "ci", "bool")


@dataclass(frozen=True)
class Column:
    """How the ``table`` macro shows one column.

    Parameters
    ----------
    key : str
        The row field (dict key or attribute). For ``fmt="ci"`` the bounds are read from ``low`` and ``high``,
        by default ``{key}_low`` and ``{key}_high`` (so ``Column("ci", fmt="ci")`` reads ``ci_low``/``ci_high``).
    label : str, optional
        The header; default ``key``.
    fmt : {"text", "num", "int", "pct", "pvalue", "ci", "bool"}
        ``num``: ``digits`` significant digits; ``pct``: fractions as percentages with ``decimals``; ``ci``:
        ``[low, high]`` (as percentages when ``pct=True``); ``bool``: yes/no. Numeric columns are right-aligned.
    signed : bool
        Prefix positive numbers with ``+`` (effects).
    tone : str, optional
        The row field holding ``"better"``, ``"worse"`` or ``"neutral"`` (see :func:`tone`) that colours the cell.
    """

    key: str
    label: str | None = None
    fmt: str = "text"
    digits: int = 3
    decimals: int = 2
    signed: bool = False
    pct: bool = False
    tone: str | None = None
    low: str | None = None
    high: str | None = None

    def __post_init__(self) -> None:
        if self.fmt not in _FORMATS:
            raise ParameterError(
                f"The 'fmt' of Column {self.key!r} must be one of {', '.join(_FORMATS)}. Got {self.fmt!r} instead."
            )

    @property
    def title(self) -> str:
        return self.key if self.label is None else self.label

    @property
    def css(self) -> str:
        return "abk-text" if self.fmt in ("text", "bool") else "abk-num"


@dataclass(frozen=True)
class Cell:
    """A formatted table cell: its text and its CSS classes."""

    text: str
    css: str


def _field(row: Any, key: str) -> Any:
    if isinstance(row, Mapping):
        if key not in row:
            raise ParameterError(f"The table row has no field {key!r}; its fields are: {', '.join(map(str, row))}.")
        return row[key]
    try:
        return getattr(row, key)
    except AttributeError:
        raise ParameterError(f"The table row {type(row).__name__} has no field {key!r}.") from None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and math.isnan(value))


def cell(row: Any, column: Column | Mapping[str, Any]) -> Cell:
    """Format one cell of ``row`` (a mapping or an object with attributes) as ``column`` says."""
    col = as_column(column)
    if col.fmt == "ci":
        low, high = _field(row, col.low or f"{col.key}_low"), _field(row, col.high or f"{col.key}_high")
        text = fmt_ci(low, high, col.digits, pct=col.pct, decimals=col.decimals, signed=col.signed)
    else:
        value = _field(row, col.key)
        if isinstance(value, Markup):
            text = value
        elif col.fmt == "text" or (col.fmt != "bool" and _is_missing(value)):
            text = MISSING if _is_missing(value) else str(value)
        elif col.fmt == "num":
            text = fmt_num(value, col.digits, signed=col.signed)
        elif col.fmt == "int":
            text = fmt_int(value, signed=col.signed)
        elif col.fmt == "pct":
            text = fmt_pct(value, col.decimals, signed=col.signed)
        elif col.fmt == "pvalue":
            text = fmt_pvalue(value, col.digits)
        else:
            text = MISSING if _is_missing(value) else ("yes" if value else "no")
    css = col.css
    if col.tone is not None:
        value = _field(row, col.tone)
        if value not in (None, "", *_TONES):
            raise ParameterError(
                f"The tone field {col.tone!r} must hold one of {', '.join(_TONES)} or None. Got {value!r} instead."
            )
        if value:
            css += f" abk-{value}"
    return Cell(text, css)


def as_column(spec: Column | Mapping[str, Any] | str) -> Column:
    """A :class:`Column` from a Column, a mapping of its fields, or a bare key."""
    if isinstance(spec, Column):
        return spec
    if isinstance(spec, str):
        return Column(spec)
    if isinstance(spec, Mapping):
        return Column(**spec)
    raise ParameterError(f"A table column must be a Column, a mapping or a key. Got {type(spec).__name__}.")


def columns_of(columns: Any) -> list[Column]:
    """Columns from Column objects, mappings of their fields, or bare keys."""
    return [as_column(c) for c in columns]


def tone_class(value: Any) -> str:
    """Check a tone (``better``, ``worse``, ``neutral``) before it becomes a CSS class."""
    if value not in _TONES:
        raise ParameterError(f"A tone must be one of {', '.join(_TONES)}. Got {value!r} instead.")
    return str(value)


def rows_of(rows: Any) -> list[Any]:
    """Rows from a list of mappings/objects, or from a pandas DataFrame (its records)."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):
        return list(rows.to_dict("records"))
    return list(rows)


def tone(effect: float, *, significant: bool, higher_is_better: bool = True) -> str:
    """``"better"``, ``"worse"`` or ``"neutral"`` for an effect, given the direction the metric should move.

    Examples
    --------
    >>> tone(-0.02, significant=True, higher_is_better=False)
    'better'
    >>> tone(0.02, significant=False)
    'neutral'
    """
    if not significant or _is_missing(effect) or effect == 0:
        return "neutral"
    return "better" if (effect > 0) == bool(higher_is_better) else "worse"


def _verdict(decision: str) -> dict[str, str]:
    if decision not in _VERDICTS:
        raise ParameterError(f"The decision must be one of {', '.join(_VERDICTS)}. Got {decision!r} instead.")
    label, icon = _VERDICTS[decision]
    return {"label": label, "icon": icon, "css": _VERDICT_CSS.get(decision, decision)}


def _checks(checks: Any) -> list[dict[str, Any]]:
    out = []
    for check in checks:
        get = check.get if isinstance(check, Mapping) else (lambda k, d=None, c=check: getattr(c, k, d))
        status = get("status")
        if status not in _STATUSES:
            raise ParameterError(f"A health check's status must be one of {', '.join(_STATUSES)}. Got {status!r}.")
        out.append(
            {
                "status": status,
                "badge": _STATUSES[status],
                "name": get("name", ""),
                "message": get("message", ""),
                "detail": get("detail", None),
            }
        )
    return out


def _pairs(items: Any) -> list[tuple[Any, Any]]:
    pairs = list(items.items()) if isinstance(items, Mapping) else [tuple(p) for p in items]
    out = []
    for key, value in pairs:
        if isinstance(value, bool | np.bool_):
            shown = "yes" if value else "no"
        elif isinstance(value, Markup | str):
            shown = value
        elif isinstance(value, int | np.integer):
            shown = fmt_int(value)
        elif isinstance(value, float | np.floating) or value is None:
            shown = fmt_num(value, 4)
        else:
            shown = value
        out.append((key, shown))
    return out


def fmt_time(value: Any) -> str:
    """The generation time as text: a datetime as ``YYYY-MM-DD HH:MM`` (with its zone), a string as given."""
    if isinstance(value, dt.datetime):
        zone = f" {value.tzname()}" if value.tzinfo is not None else ""
        return value.strftime("%Y-%m-%d %H:%M") + zone
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the reports (built once)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        fmt_num=fmt_num, fmt_int=fmt_int, fmt_pct=fmt_pct, fmt_pvalue=fmt_pvalue, fmt_ci=fmt_ci, fmt_time=fmt_time
    )
    env.globals.update(
        fmt_num=fmt_num,
        fmt_int=fmt_int,
        fmt_pct=fmt_pct,
        fmt_pvalue=fmt_pvalue,
        fmt_ci=fmt_ci,
        cell=cell,
        as_column=as_column,
        columns_of=columns_of,
        tone_class=tone_class,
        rows_of=rows_of,
        tone=tone,
        verdict_info=_verdict,
        checks_of=_checks,
        pairs_of=_pairs,
        forest_plot=svg.forest_plot,
        line_chart=svg.line_chart,
        power_curve=svg.power_curve,
        histogram=svg.histogram,
        histogram_counts=svg.histogram_counts,
        bar_chart=svg.bar_chart,
        no_data=svg.no_data,
        Series=svg.Series,
    )
    return env


def render_page(template_name: str, context: Mapping[str, Any]) -> str:
    """Render the page ``template_name`` (a template extending ``base.html``) with ``context``.

    ``base.html`` reads ``title`` (required), and, when given, ``subtitle``, ``eyebrow`` (small line above the
    title), ``meta`` (pairs shown under the title), ``generated_at`` (datetime or text) and ``version``.

    Examples
    --------
    >>> html = render_page("base.html", {"title": "Empty page", "generated_at": "2024-05-20"})
    >>> html.startswith("<!DOCTYPE html>"), "on 2024-05-20" in html
    (True, True)
    """
    try:
        template = environment().get_template(template_name)
    except jinja2.TemplateNotFound:
        names = ", ".join(sorted(environment().list_templates(extensions=["html"])))
        raise ParameterError(f"No report template {template_name!r}; templates are: {names}.") from None
    return template.render(dict(context))


def render_fragment(macro: str, /, *args: Any, **kwargs: Any) -> Markup:
    """Call one macro of ``macros.html`` and wrap the result with the report stylesheet, for ``_repr_html_``.

    Examples
    --------
    >>> html = render_fragment("verdict_banner", "ship", ["CTR up 1.2% (p < 0.001)"])
    >>> "Ship" in html and "<style>" in html
    True
    """
    module = environment().get_template("macros.html").make_module()
    if not hasattr(module, macro) or macro.startswith("_"):
        raise ParameterError(f"No macro {macro!r} in macros.html.")
    css = environment().get_template("style.css").render()
    return (
        Markup('<div class="abk abk-fragment"><style>')
        + Markup(css)
        + Markup("</style>")
        + getattr(module, macro)(*args, **kwargs)
        + Markup("</div>")
    )


def write_page(path: str | Path, template_name: str, context: Mapping[str, Any]) -> Path:
    """Render a page and write it as UTF-8 to ``path``; returns the path."""
    out = Path(path)
    out.write_text(render_page(template_name, context), encoding="utf-8", newline="\n")
    return out
