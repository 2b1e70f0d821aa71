"""What a design reads from pre-experiment data: each metric's baseline, sd and covariate correlation, and traffic.

:func:`metric_inputs` asks the engine for the moments of every metric's columns in one pass over the history (no
arm column: all rows are one group) and turns them into the inputs of :func:`~abkit.protocols.sizing.sample_size`:

- Mean and Proportion: the mean (baseline) and the sd of the column; with a covariate (CUPED), the correlation
  ``rho = cov(y, x) / sqrt(var(y) var(x))``, which multiplies the variance by ``1 - rho^2``.
- Ratio: the ratio of means and the sd of the linearised ratio (:func:`~abkit.protocols.mean_power.ratio_sd`); with
  a covariate pair, the correlation of the linearised ratio with the linearised pre-period ratio, both by the delta
  method (the gradients ``g`` of each ratio of means, ``rho = g_y' S g_x / sqrt(g_y' S g_y g_x' S g_x)`` with ``S``
  the covariance of the four columns). This is the correlation that the analysis' CUPED for ratios exploits.

:func:`units_by_day` builds the cumulative number of distinct units seen by each day of the history (returning units
are counted once, on the day they were first seen), and :func:`days_to_reach` reads the days a test needs off it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines import MomentsRequest, compute_moments, count_duplicates, quantiles
from abkit.errors import ColumnError, DataError, ParameterError
from abkit.io import as_frame, read_table
from abkit.protocols.mean_power import ratio_sd
from abkit.stats.compare import metric_pairs
from abkit.stats.metrics import Metric, Proportion, Ratio

__all__ = [
    "MetricInputs",
    "days_to_reach",
    "duration_from_history",
    "enrolment",
    "materialise",
    "metric_inputs",
    "units_by_day",
    "units_on_day",
]


@dataclass(frozen=True)
class MetricInputs:
    """A metric's baseline (control value), per-unit sd (of the linearised ratio for a ratio) and CUPED rho."""

    baseline: float
    sd: float
    rho: float | None
    n: int


def materialise(data: Any) -> Any:
    """Read a path once (every engine call would read it again); other inputs are passed on as they are."""
    return read_table(data) if isinstance(data, str | Path) else data


def _columns_of(data: Any) -> list[str] | None:
    cols = getattr(data, "columns", None)
    return None if cols is None else [str(c) for c in cols]


def check_columns(data: Any, metrics: Sequence[Metric], owner: str) -> None:
    """ColumnError naming every metric whose columns the table lacks, and the table's columns."""
    have = _columns_of(data)
    if have is None:
        return
    lacking = []
    for m in metrics:
        miss = [c for c in m.columns if c not in have]
        if miss:
            lacking.append(f"metric {m.label!r} needs {', '.join(repr(c) for c in miss)}")
    if lacking:
        raise ColumnError(
            f"{owner}: the history lacks columns: {'; '.join(lacking)}. The history's columns are: "
            f"{', '.join(have)}. Rename the columns or fix the protocol's metrics."
        )


def winsor_bounds(data: Any, metrics: Sequence[Metric]) -> dict[str, tuple[float, float]]:
    """Clip bounds of winsorised metrics: the quantiles of the whole table, as the analysis takes them."""
    clip: dict[str, tuple[float, float]] = {}
    for m in metrics:
        w = getattr(m, "winsorize", None)
        if w is None:
            continue
        for col in m.columns:
            lo, hi = (float(v) for v in quantiles(data, col, w))
            if col in clip and clip[col] != (lo, hi):
                raise ParameterError(f"column {col!r} is winsorised at two different levels by two metrics.")
            clip[col] = (lo, hi)
    return clip


def metric_inputs(
    data: Any, metrics: Sequence[Metric], *, unit: str | None = None, missing: str = "raise", owner: str = "design"
) -> tuple[dict[str, MetricInputs], int]:
    """Baseline, sd and CUPED correlation of every metric, from one engine pass over ``data``.

    Returns the inputs by metric label and the number of rows dropped for missing values (``missing="drop"``:
    rows incomplete in any used column are left out of every metric, as in the analysis).
    """
    check_columns(data, metrics, owner)
    if unit is not None and unit in (_columns_of(data) or []):
        dup = count_duplicates(data, unit)
        if dup:
            raise DataError(
                f"{owner}: column {unit!r} of the history has {dup} duplicate unit ids; variances need one row per "
                "unit. Aggregate the history per unit first (sum over its days), and pass a table of visits as "
                "traffic= for the unique-units curve."
            )
    columns: list[str] = []
    pairs: list[tuple[str, str]] = []
    for m in metrics:
        columns += [c for c in m.columns if c not in columns]
        pairs += metric_pairs(m)
    request = MomentsRequest(columns=tuple(columns), pairs=tuple(pairs), clip=winsor_bounds(data, metrics))
    moments = compute_moments(data, request)
    bad = moments.missing[0] + moments.infinite[0]
    if bad.any() and missing == "raise":
        parts = [f"{c!r}: {int(b)}" for c, b in zip(columns, bad, strict=True) if b]
        raise DataError(
            f"{owner}: the history has NaN/inf values ({', '.join(parts)} rows). Pass missing='drop' to leave the "
            "incomplete rows out (the analysis must then drop them too)."
        )
    n = int(moments.n[0])
    if n < 2:
        raise DataError(f"{owner}: the history has {n} complete rows; estimating a variance needs at least 2.")
    out = {m.label: _inputs(m, moments.summary(0, m.columns), owner) for m in metrics}
    return out, int(moments.rows[0] - moments.n[0])


def _inputs(metric: Metric, s: Any, owner: str) -> MetricInputs:
    if isinstance(metric, Ratio):
        num, den = metric.numerator, metric.denominator
        if s.mean_of(den) == 0:
            raise DataError(f"{owner}: the denominator {den!r} of {metric.label!r} averages 0 in the history.")
        sd = float(ratio_sd(s.mean_of(num), s.mean_of(den), s.var_of(num), s.var_of(den), s.cov_of(num, den)))
        rho = None
        if metric.covariate is not None:
            num_pre, den_pre = metric.covariate
            if s.mean_of(den_pre) == 0:
                raise DataError(f"{owner}: the denominator {den_pre!r} of {metric.label!r} averages 0 in the history.")
            gy, gx = _gradient(s, num, den), _gradient(s, num_pre, den_pre)
            rho = _correlation(gy @ s.cov @ gx, gy @ s.cov @ gy, gx @ s.cov @ gx, metric, owner)
        return MetricInputs(s.mean_of(num) / s.mean_of(den), sd, rho, s.n)
    col = metric.column  # type: ignore[attr-defined]
    mean, var = s.mean_of(col), s.var_of(col)
    if isinstance(metric, Proportion) and not 0.0 < mean < 1.0:
        raise DataError(
            f"{owner}: the proportion {metric.label!r} is {mean:.6g} in the history; a proportion to size a test on "
            "must lie strictly between 0 and 1 (is the column 0/1?)."
        )
    if not var > 0:
        raise DataError(f"{owner}: column {col!r} of {metric.label!r} does not vary in the history (sd 0).")
    rho = None
    cov_col = metric.covariate  # type: ignore[attr-defined]
    if cov_col is not None:
        rho = _correlation(s.cov_of(col, cov_col), var, s.var_of(cov_col), metric, owner)
    return MetricInputs(mean, math.sqrt(var), rho, s.n)


def _gradient(s: Any, num: str, den: str) -> np.ndarray:
    """The gradient of mean(num) / mean(den) with respect to the means of ``s.columns``."""
    g = np.zeros(len(s.columns))
    g[s.index(num)] = 1.0 / s.mean_of(den)
    g[s.index(den)] -= s.mean_of(num) / s.mean_of(den) ** 2
    return g


def _correlation(cov: float, var_y: float, var_x: float, metric: Metric, owner: str) -> float:
    if not var_x > 0:
        raise DataError(
            f"{owner}: the covariate of {metric.label!r} does not vary in the history; CUPED cannot use it."
        )
    rho = float(cov / math.sqrt(var_y * var_x))
    return float(np.clip(rho, -0.999999, 0.999999))


# ---- traffic: distinct units by day --------------------------------------------------------------------------------


def units_by_day(data: Any, *, time: str = "date", unit: str | None = None) -> pd.DataFrame:
    """Cumulative distinct units by day of the history (in memory, with pandas).

    Each unit counts once, on the first day it appears (with ``unit`` given and present; otherwise every row is a
    distinct unit and its ``time`` is its first day). Days without a new unit are kept (with 0 new units), so the
    curve has one row per calendar day (per integer for an integer day column). Returning units make the curve
    concave: a test of ``d`` days enrols the units first seen in ``d`` days, not ``d`` times a day's visitors.

    Returns
    -------
    pandas.DataFrame
        ``day`` (1, 2, ...), ``date`` (the day's value), ``new_units``, ``cumulative_units``.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"user": [1, 2, 1, 3, 2, 1], "date": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-02", "2024-01-03", "2024-01-03"])})
    >>> units_by_day(visits, unit="user")["cumulative_units"].tolist()
    [2, 3, 3]
    """
    frame = as_frame(data)
    if time not in frame.columns:
        raise ColumnError(
            f"column {time!r} not found in the history; columns are: {', '.join(map(str, frame.columns))}"
        )
    if frame[time].isna().any():
        raise DataError(f"column {time!r} has {int(frame[time].isna().sum())} missing values; every row needs a day.")
    if unit is not None and unit in frame.columns:
        first = frame.groupby(unit, sort=False)[time].min()
    else:
        first = frame[time]
    last = frame[time].max()  # the curve runs to the history's last day
    if first.dtype == object:  # datetime.date values (DATE columns read by some engines)
        with contextlib.suppress(TypeError, ValueError):
            first, last = pd.to_datetime(first), pd.Timestamp(last)
    if pd.api.types.is_datetime64_any_dtype(first):
        days = pd.DatetimeIndex(first).normalize()
        full: pd.Index = pd.date_range(days.min(), pd.Timestamp(last).normalize(), freq="D")
        counts = pd.Series(1, index=days).groupby(level=0).sum().reindex(full, fill_value=0)
    elif pd.api.types.is_integer_dtype(first):
        full = pd.Index(np.arange(int(first.min()), int(last) + 1))
        counts = first.value_counts().reindex(full, fill_value=0)
    else:
        raise ColumnError(
            f"column {time!r} must hold dates or integer day numbers; found dtype {first.dtype}. Convert it, e.g. "
            "pd.to_datetime(df[col])."
        )
    new = counts.to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {"day": np.arange(1, len(new) + 1), "date": counts.index, "new_units": new, "cumulative_units": np.cumsum(new)}
    )


def _growth(cumulative: np.ndarray) -> float:
    """Elasticity b of ``C(d) ~ d^b`` over the second half of the history (1 for a single day)."""
    d = len(cumulative)
    half = max(1, d // 2)
    if d == half or cumulative[half - 1] <= 0:
        return 1.0
    return float(math.log(cumulative[-1] / cumulative[half - 1]) / math.log(d / half))


def units_on_day(days: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Distinct units enrolled by each of ``days`` (fractional days allowed): the curve, then a power law beyond it.

    Within the history the curve is interpolated linearly between days (0 units at day 0). Beyond its last day
    ``D``, ``C(d) = C(D) (d / D)^b`` with ``b`` the curve's growth elasticity over the second half of the history
    (``b = 1`` is linear growth; returning units give ``b < 1``).
    """
    c = np.asarray(cumulative, dtype=float)
    d = np.asarray(days, dtype=float)
    last = len(c)
    inside = np.interp(d, np.arange(0, last + 1), np.concatenate([[0.0], c]))
    b = _growth(c)
    beyond = c[-1] * (np.maximum(d, last) / last) ** b
    return np.where(d <= last, inside, beyond)


def days_to_reach(total: float, cumulative: np.ndarray) -> tuple[int | None, bool]:
    """The first whole day by which ``total`` distinct units have entered, and whether it is extrapolated.

    ``None`` when the history's curve has stopped growing (no new units in its second half) and never reaches it.
    """
    c = np.asarray(cumulative, dtype=float)
    hit = np.flatnonzero(c >= total)
    if len(hit):
        return int(hit[0]) + 1, False
    b = _growth(c)
    if not b > 1e-9:
        return None, True
    d = len(c) * (total / c[-1]) ** (1.0 / b)
    return math.ceil(d - 1e-9), True


def enrolment(curve: pd.DataFrame, days: int | None) -> pd.DataFrame:
    """Distinct units enrolled by each day of the test: the history's curve, then its extrapolation."""
    span = len(curve)
    day = np.arange(1, max(span, days or 0) + 1, dtype=float)
    units = units_on_day(day, curve["cumulative_units"].to_numpy())
    return pd.DataFrame({"day": day.astype(int), "units": units, "extrapolated": day > span})


def duration_from_history(
    traffic: Any, history: Any, *, unit: str | None, time: str, total: int, notes: list[str]
) -> tuple[int | None, str, pd.DataFrame | None]:
    """Days to enrol ``total`` units from the distinct-units curve of ``traffic`` (or of ``history``).

    Returns the days (None when there is no dated table or the curve never gets there), the source (``"history"``
    or ``"none"``) and the curve; the caveats are appended to ``notes``.
    """
    source = traffic if traffic is not None else history
    if source is None:
        return None, "none", None
    data = source
    cols = getattr(data, "columns", None)
    if cols is None or time not in cols:
        if traffic is not None:
            units_by_day(data, time=time)  # raises the ColumnError naming the columns
        notes.append(f"No daily_units and no {time!r} column in the history: the duration is not planned.")
        return None, "none", None
    curve = units_by_day(data, time=time, unit=unit)
    days, extrapolated = days_to_reach(total, curve["cumulative_units"].to_numpy())
    span = len(curve)
    if days is None:
        notes.append(
            f"The history's {span}-day curve of distinct units stopped growing below the {total:,} units needed: "
            "the test cannot enrol them at this traffic."
        )
    elif extrapolated:
        notes.append(
            f"{days} days extrapolates the history's {span}-day distinct-units curve (a power law fitted to its "
            "second half); a longer history would make it firmer."
        )
    return days, "history", curve
