"""Number formatting for reports: the Jinja filters and the labels of the SVG charts.

Every function returns plain text (no HTML), is deterministic, and accepts anything ``float()`` accepts, plus
``None``. Missing values (``None``, ``nan``) print as an em dash; infinities as ``∞`` and ``−∞``. Negative numbers
use the typographic minus sign (U+2212), which has the width of a digit in tabular figures.
"""

from __future__ import annotations

import math
from typing import Any

from abkit.errors import ParameterError

__all__ = ["MINUS", "MISSING", "fmt_ci", "fmt_int", "fmt_num", "fmt_pct", "fmt_pvalue"]

MISSING = "\u2014"  # em dash
MINUS = "\u2212"

# Beyond these magnitudes plain decimals get unreadable; switch to a mantissa and an exponent.
_SCI_LARGE = 1e15
_SCI_SMALL = 1e-4


def _to_float(value: Any, *, name: str, argument: str = "value") -> float:
    if isinstance(value, str):
        raise ParameterError(
            f"The '{argument}' parameter of {name} must be a number or None. Got the string {value!r}."
        )
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The '{argument}' parameter of {name} must be a number or None. Got {type(value).__name__} instead."
        ) from None


def _check_digits(digits: Any, name: str, *, minimum: int = 1) -> int:
    if isinstance(digits, bool) or not isinstance(digits, int) or not minimum <= digits <= 17:
        raise ParameterError(f"The 'digits' parameter of {name} must be an int in [{minimum}, 17]. Got {digits!r}.")
    return digits


def _sign(x: float, signed: bool) -> str:
    if x < 0:
        return MINUS
    return "+" if signed and x > 0 else ""


def _special(x: float, signed: bool) -> str | None:
    if math.isnan(x):
        return MISSING
    if math.isinf(x):
        return (MINUS if x < 0 else ("+" if signed else "")) + "\u221e"
    return None


def _scientific(x: float, digits: int, signed: bool) -> str:
    mantissa, exponent = f"{abs(x):.{digits - 1}e}".split("e")
    exp = int(exponent)
    return f"{_sign(x, signed)}{mantissa}e{MINUS if exp < 0 else ''}{abs(exp)}"


def fmt_num(value: Any, digits: int = 3, *, signed: bool = False) -> str:
    """Format a number to ``digits`` significant digits, keeping every digit of the integer part.

    Parameters
    ----------
    value : float-like or None
        The number. ``None`` and ``nan`` print as an em dash.
    digits : int, default 3
        Significant digits. Numbers of ``digits`` or more integer digits are rounded to an integer and grouped
        by thousands instead (``12,346``); magnitudes from 1e15 up and below 1e-4 use an exponent (``1.23e−5``).
    signed : bool, default False
        Prefix positive numbers with ``+`` (for effects).

    Examples
    --------
    >>> fmt_num(0.012345)
    '0.0123'
    >>> fmt_num(-1.5, signed=True)
    '−1.50'
    >>> fmt_num(12345.678)
    '12,346'
    >>> fmt_num(float("nan"))
    '—'
    """
    digits = _check_digits(digits, "fmt_num")
    if value is None:
        return MISSING
    x = _to_float(value, name="fmt_num")
    special = _special(x, signed)
    if special is not None:
        return special
    if x == 0:
        return "0"
    rounded = float(f"{x:.{digits}g}")
    magnitude = abs(rounded)
    if magnitude >= _SCI_LARGE or magnitude < _SCI_SMALL:
        return _scientific(x, digits, signed)
    exponent = math.floor(math.log10(magnitude))
    decimals = max(digits - 1 - exponent, 0)
    if decimals == 0:
        return f"{_sign(x, signed)}{abs(x):,.0f}"
    return f"{_sign(rounded, signed)}{magnitude:,.{decimals}f}"


def fmt_int(value: Any, *, signed: bool = False) -> str:
    """Format a count as an integer grouped by thousands.

    Examples
    --------
    >>> fmt_int(1234567)
    '1,234,567'
    >>> fmt_int(None)
    '—'
    """
    if value is None:
        return MISSING
    x = _to_float(value, name="fmt_int")
    special = _special(x, signed)
    if special is not None:
        return special
    if abs(x) >= _SCI_LARGE:
        return _scientific(x, 3, signed)
    return f"{_sign(round(x), signed)}{abs(x):,.0f}"


def fmt_pct(value: Any, decimals: int = 2, *, signed: bool = False) -> str:
    """Format a fraction as a percentage with a fixed number of decimals (``0.0123`` -> ``1.23%``).

    Examples
    --------
    >>> fmt_pct(0.0123)
    '1.23%'
    >>> fmt_pct(-0.05, 1, signed=True)
    '−5.0%'
    >>> fmt_pct(float("inf"), signed=True)
    '+∞'
    """
    decimals = _check_digits(decimals, "fmt_pct", minimum=0)
    if value is None:
        return MISSING
    x = _to_float(value, name="fmt_pct") * 100.0
    special = _special(x, signed)
    if special is not None:
        return special
    if abs(x) >= _SCI_LARGE:
        return _scientific(x, 3, signed) + "%"
    text = f"{abs(x):,.{decimals}f}"
    is_zero = float(text.replace(",", "")) == 0.0
    return ("" if is_zero else _sign(x, signed)) + text + "%"


def fmt_pvalue(value: Any, digits: int = 3, *, floor: float = 1e-4) -> str:
    """Format a p-value: ``digits`` significant digits, and ``<floor`` below the floor.

    Examples
    --------
    >>> fmt_pvalue(0.04987)
    '0.0499'
    >>> fmt_pvalue(0.51234, 2)
    '0.51'
    >>> fmt_pvalue(3e-9)
    '<0.0001'
    >>> fmt_pvalue(1.0)
    '1.00'
    """
    digits = _check_digits(digits, "fmt_pvalue")
    if not (isinstance(floor, float | int) and 0 < floor < 1):
        raise ParameterError(f"The 'floor' parameter of fmt_pvalue must be a float in (0, 1). Got {floor!r}.")
    if value is None:
        return MISSING
    p = _to_float(value, name="fmt_pvalue")
    if math.isnan(p):
        return MISSING
    if not -1e-12 <= p <= 1 + 1e-12:
        raise ParameterError(
            f"The 'value' parameter of fmt_pvalue must be a p-value in [0, 1] or nan. Got {p!r}; "
            "check where the p-value was computed."
        )
    if p < floor:
        return "<" + f"{floor:.{max(-math.floor(math.log10(floor)), 0)}f}"
    if p >= 1:
        return "1." + "0" * (digits - 1)
    return fmt_num(p, digits)


def fmt_ci(low: Any, high: Any, digits: int = 3, *, pct: bool = False, decimals: int = 2, signed: bool = False) -> str:
    """Format a confidence interval as ``[low, high]``; infinite bounds (one-sided intervals) print as ``∞``.

    Parameters
    ----------
    low, high : float-like or None
        The bounds. Both missing gives an em dash.
    digits : int, default 3
        Significant digits of each bound (``fmt_num``), unless ``pct``.
    pct : bool, default False
        Format the bounds as percentages with ``decimals`` decimals (``fmt_pct``).
    signed : bool, default False
        Prefix positive bounds with ``+``.

    Examples
    --------
    >>> fmt_ci(-0.0123, 0.0456)
    '[−0.0123, 0.0456]'
    >>> fmt_ci(0.01, float("inf"), pct=True)
    '[1.00%, ∞]'
    """
    if (low is None or _is_nan(low, "fmt_ci", "low")) and (high is None or _is_nan(high, "fmt_ci", "high")):
        return MISSING
    if pct:
        return f"[{fmt_pct(low, decimals, signed=signed)}, {fmt_pct(high, decimals, signed=signed)}]"
    return f"[{fmt_num(low, digits, signed=signed)}, {fmt_num(high, digits, signed=signed)}]"


def _is_nan(value: Any, name: str, argument: str) -> bool:
    return math.isnan(_to_float(value, name=name, argument=argument))
