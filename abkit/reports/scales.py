"""Axes for the SVG charts: linear and log scales, nice tick values, tick labels, and dates as numbers.

Pure presentation: values in, pixel positions and label strings out. Everything is deterministic.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from abkit.errors import ParameterError
from abkit.reports.numbers import MINUS, fmt_num

__all__ = ["Scale", "date_ticks", "domain", "log_ticks", "nice_ticks", "tick_labels", "to_numbers"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_LIMIT = 1e300  # values beyond this are clamped so that spans stay finite


@dataclass(frozen=True)
class Scale:
    """Map the data interval [lo, hi] onto the pixel interval [start, end]; ``log`` maps log10 of the values.

    Non-finite and out-of-range values are clamped to the ends, so a value of ``inf`` lands on the edge.
    """

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def _t(self, v: float) -> float:
        return math.log10(v) if self.log else v

    def __call__(self, value: float) -> float:
        v = float(value)
        if math.isnan(v):
            raise ParameterError("Scale got nan; drop missing values before placing them on an axis.")
        if self.log and v <= 0:
            return self.start
        lo, hi = self._t(self.lo), self._t(self.hi)
        t = (min(max(self._t(v) if math.isfinite(v) else (hi if v > 0 else lo), lo), hi) - lo) / (hi - lo)
        return self.start + t * (self.end - self.start)


def to_numbers(values: Any, *, name: str = "x") -> tuple[np.ndarray, bool]:
    """Convert numbers or dates to a float array; dates become day ordinals. Returns (array, is_date).

    Examples
    --------
    >>> to_numbers([dt.date(2024, 1, 1), dt.date(2024, 1, 3)])[0].tolist()
    [738886.0, 738888.0]
    """
    items = list(values)
    if items and all(isinstance(v, dt.date | np.datetime64) for v in items):
        out = []
        for v in items:
            if isinstance(v, np.datetime64):
                out.append(_EPOCH_ORDINAL + float(v.astype("datetime64[s]").astype(np.int64)) / 86400.0)
            elif isinstance(v, dt.datetime):
                midnight = dt.datetime.combine(v.date(), dt.time(), tzinfo=v.tzinfo)
                out.append(v.toordinal() + (v - midnight).total_seconds() / 86400.0)
            else:
                out.append(float(v.toordinal()))
        return np.asarray(out, dtype=float), True
    try:
        arr = np.asarray(items, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The '{name}' values must be all numbers or all dates. Got {', '.join(repr(v) for v in items[:3])}..."
        ) from None
    return arr.reshape(-1), False


def domain(*arrays: Any, include: Sequence[float] = (), log: bool = False) -> tuple[float, float] | None:
    """The finite [min, max] over arrays (positive values only when ``log``), widened to include ``include``.

    Returns None when there is no finite value. A single value is widened to a small interval around it.
    """
    parts = [np.asarray(a, dtype=float).reshape(-1) for a in arrays]
    parts.append(np.asarray(list(include), dtype=float))
    allv = np.concatenate(parts) if parts else np.empty(0)
    allv = allv[np.isfinite(allv)]
    if log:
        allv = allv[allv > 0]
    if allv.size == 0:
        return None
    lo, hi = float(np.clip(allv.min(), -_LIMIT, _LIMIT)), float(np.clip(allv.max(), -_LIMIT, _LIMIT))
    if lo == hi:
        if log:
            return lo / 10.0, hi * 10.0
        pad = abs(lo) * 0.1 if lo != 0 else 1.0
        return lo - pad, hi + pad
    return lo, hi


def _nice_step(raw: float) -> float:
    exponent = math.floor(math.log10(raw))
    base = 10.0**exponent
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * base >= raw * (1 - 1e-9):
            return m * base
    return 10.0 * base  # pragma: no cover


def nice_ticks(lo: float, hi: float, *, max_ticks: int = 6) -> list[float]:
    """Round tick values (steps 1, 2, 2.5, 5 times a power of ten) spanning [lo, hi], at most ``max_ticks``+1.

    Bounds beyond +-1e300 are clamped there, so that every tick is a finite float.

    Examples
    --------
    >>> nice_ticks(0.013, 0.87)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    >>> nice_ticks(-3, -1)
    [-3.0, -2.5, -2.0, -1.5, -1.0]
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise ParameterError(f"nice_ticks needs finite lo < hi. Got lo={lo!r}, hi={hi!r}.")
    lo, hi = max(lo, -_LIMIT), min(hi, _LIMIT)  # keeps the span and the outer ticks finite
    step = _nice_step((hi - lo) / max(max_ticks - 1, 1))
    while True:
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
        if last - first <= max_ticks:
            break
        step = _nice_step(step * 1.01)
    decimals = max(0, 2 - math.floor(math.log10(step)))  # removes 0.6000000000000001, keeps tiny steps
    return [round(i * step, decimals) for i in range(first, last + 1)]


def log_ticks(lo: float, hi: float, *, max_ticks: int = 8) -> list[float]:
    """Powers of ten (and 2 and 5 times them over a short range) spanning [lo, hi], with lo > 0.

    Examples
    --------
    >>> log_ticks(0.3, 40)
    [0.1, 1.0, 10.0, 100.0]
    """
    if not (0 < lo < hi and math.isfinite(hi)):
        raise ParameterError(f"log_ticks needs finite 0 < lo < hi. Got lo={lo!r}, hi={hi!r}.")
    e0, e1 = math.floor(math.log10(lo) + 1e-9), math.ceil(math.log10(hi) - 1e-9)
    every = max(1, math.ceil((e1 - e0) / max_ticks))
    ticks = [10.0**e for e in range(e0, e1 + 1, every)]
    if ticks[-1] < hi * (1 - 1e-9):
        ticks.append(10.0 ** (e0 + every * len(ticks)))
    if e1 - e0 <= 2:
        ticks = sorted({t * m for t in ticks for m in (1.0, 2.0, 5.0) if t * m <= ticks[-1]})
    return ticks


def date_ticks(lo: float, hi: float, *, max_ticks: int = 6) -> list[float]:
    """Day ordinals for ticks over [lo, hi]: every 1, 2, 7, 14, 28, 56, ... days, aligned to the first day."""
    span = hi - lo
    step = next((s for s in (1, 2, 7, 14, 28, 56, 91, 182, 364) if span / s <= max_ticks), None)
    if step is None:
        step = 364 * math.ceil(span / 364 / max_ticks)
    start = math.floor(lo)
    return [float(start + i * step) for i in range(int((hi - start) // step) + 1)]


def _date_label(ordinal: float, with_year: bool) -> str:
    d = dt.date.fromordinal(math.floor(ordinal))
    return f"{_MONTHS[d.month - 1]} {d.day}" + (f" {d.year}" if with_year else "")


def tick_labels(ticks: Sequence[float], *, percent: bool = False, dates: bool = False, log: bool = False) -> list[str]:
    """Short labels for tick values, with one number of decimals shared by the whole axis.

    Examples
    --------
    >>> tick_labels([-0.02, 0.0, 0.02], percent=True)
    ['−2%', '0%', '2%']
    >>> tick_labels([0.0, 0.25, 0.5])
    ['0.00', '0.25', '0.50']
    >>> tick_labels([0.0, 2e6, 4e6])
    ['0', '2M', '4M']
    """
    if not ticks:
        return []
    if dates:
        years = {dt.date.fromordinal(math.floor(t)).year for t in ticks}
        return [_date_label(t, len(years) > 1) for t in ticks]
    scale = 100.0 if percent else 1.0
    suffix = "%" if percent else ""
    values = [t * scale for t in ticks]
    biggest = max(abs(v) for v in values)
    if log or biggest >= 1e15 or (0 < biggest < 1e-3):
        return [_compact(v, log=log) + suffix for v in values]
    for unit, letter in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if biggest >= unit * 10 or (unit >= 1e6 and biggest >= unit):
            return [_fixed(v / unit, values, unit) + (letter if v != 0 else "") + suffix for v in values]
    return [_fixed(v, values, 1.0) + suffix for v in values]


def _fixed(v: float, values: Sequence[float], unit: float) -> str:
    diffs = [abs(b - a) / unit for a, b in itertools.pairwise(values) if b != a]
    step = min(diffs) if diffs else abs(v) or 1.0
    decimals = min(max(0, -math.floor(math.log10(step) + 1e-9)), 12)
    if any(round(x / unit, decimals) != round(x / unit, decimals + 1) for x in values):
        decimals += 1
    text = f"{abs(v):,.{decimals}f}"
    return (MINUS if v < 0 and float(text.replace(",", "")) != 0 else "") + text


def _compact(v: float, *, log: bool) -> str:
    if v == 0:
        return "0"
    if log and 1e-3 <= abs(v) < 1e6:
        text = f"{abs(v):,.6f}".rstrip("0").rstrip(".")
        return (MINUS if v < 0 else "") + text
    return fmt_num(v, 2)
