"""Which columns an analysis reads: the metrics' columns, their winsorised aliases and the 0/1 range checks.

One request serves every metric of an analysis in one pass. A winsorised metric reads its own alias column, the
source column clipped at quantiles of the pooled arms, so another metric reading the same source column sees it
unclipped; clipping leaves NaN and inf alone, so they are still counted. A Proportion adds an indicator of values
outside [0, 1]: with none, ``mean(x^2) == mean(x)`` holds only for 0/1 values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from abkit.engines import MomentsRequest, quantiles
from abkit.engines.expr import Expr, col
from abkit.engines.moments import Moments
from abkit.errors import DataError
from abkit.stats.metrics import Metric, Proportion, Ratio

__all__ = ["ColumnPlan", "outside_column", "plan_columns"]


def outside_column(column: str) -> str:
    """Name of the indicator column counting values of ``column`` outside [0, 1]."""
    return f"{column}@outside[0,1]"


def _alias(column: str, w: tuple[float, float]) -> str:
    return f"{column}@winsorized[{w[0]:g},{w[1]:g}]"


def _rename(metric: Metric, mapping: dict[str, str]) -> Metric:
    """The metric reading ``mapping[c]`` instead of each column ``c``, with the same label."""
    if isinstance(metric, Ratio):
        cov = None if metric.covariate is None else (mapping[metric.covariate[0]], mapping[metric.covariate[1]])
        return dataclasses.replace(
            metric,
            numerator=mapping[metric.numerator],
            denominator=mapping[metric.denominator],
            covariate=cov,
            name=metric.label,
        )
    cov1 = None if metric.covariate is None else mapping[metric.covariate]  # type: ignore[attr-defined]
    return dataclasses.replace(metric, column=mapping[metric.column], covariate=cov1, name=metric.label)  # type: ignore[attr-defined, call-arg]


@dataclasses.dataclass(frozen=True)
class ColumnPlan:
    """The moments request of an analysis, the metrics as they read it, and each column's source column."""

    request: MomentsRequest
    metrics: tuple[Metric, ...]
    origin: dict[str, str]

    def check_missing(self, moments: Moments, arms: Sequence[str], *, missing: str = "raise") -> int:
        """Rows with NaN/inf in a read column: a DataError naming each source column with its count per arm
        (``missing="raise"``), else the number of rows the sums left out (``missing="drop"``). ``moments`` has one
        group per arm, in the order of ``arms``."""
        bad = moments.missing + moments.infinite
        if not bad.any():
            return 0
        if missing == "raise":
            parts: list[str] = []
            for j, name in enumerate(moments.columns):
                col = self.origin.get(name, name)
                if bad[:, j].any() and not any(f"column {col!r}" in p for p in parts):
                    per_arm = ", ".join(f"{arms[i]}: {int(bad[i, j])}" for i in range(len(arms)) if bad[i, j])
                    parts.append(f"column {col!r} has NaN/inf values ({per_arm})")
            raise DataError(
                "; ".join(parts) + ". Pass missing='drop' to drop those rows (they are counted and reported)."
            )
        return int((moments.rows - moments.n).sum())


def plan_columns(data: Any, metrics: Sequence[Metric], *, group: str, by: tuple[str, ...] = ()) -> ColumnPlan:
    """One moments request for all ``metrics`` (see the module docstring)."""
    columns: list[str] = []
    pairs: list[tuple[str, str]] = []
    derived: dict[str, Expr] = {}
    origin: dict[str, str] = {}
    out: list[Metric] = []
    for m in metrics:
        am = m
        w = getattr(m, "winsorize", None)
        if w is not None:
            mapping = {}
            for c in m.columns:
                alias = _alias(c, w)
                if alias not in derived:
                    lo, hi = (float(v) for v in quantiles(data, c, w))
                    derived[alias] = col(c).clip(lo, hi)
                mapping[c] = alias
                origin[alias] = c
            am = _rename(m, mapping)
        extra = []
        if isinstance(m, Proportion):
            check = outside_column(am.column)  # type: ignore[attr-defined]
            derived[check] = col(m.column).lt(0.0) + col(m.column).gt(1.0)
            origin[check] = m.column
            extra.append(check)
        for c in (*am.columns, *extra):
            origin.setdefault(c, c)
            if c not in columns:
                columns.append(c)
        cols = am.columns
        pairs += [(a, b) for i, a in enumerate(cols) for b in cols[i:]]
        out.append(am)
    request = MomentsRequest(columns=tuple(columns), group=group, by=by, pairs=tuple(pairs), derived=derived)
    return ColumnPlan(request=request, metrics=tuple(out), origin=origin)
