"""Sufficient statistics: the one structure every engine returns and every statistic reads.

For each group (an arm, or an arm and a day, or an arm and a bootstrap bucket) an engine returns, over the rows that
are complete in every requested column: the count, shifted sums ``sum(x - c)`` and shifted cross-products
``sum((x - c_x)(y - c_y))`` (``c`` a pilot value per column, to avoid catastrophic cancellation), minimum and maximum;
and over all rows: the count of missing (NaN/NULL) and of infinite values per column. Missing values are never left to
an engine's SUM semantics: incomplete rows are excluded from the sums and counted, and the caller decides whether that
is an error or a reported drop.

Moments are additive: groups can be summed (arms over days, buckets into arms) and accumulated (cumulative days).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines.expr import Expr
from abkit.errors import DataError, ParameterError

__all__ = ["Moments", "MomentsRequest", "Summary", "normalize_keys"]


@dataclass(frozen=True)
class MomentsRequest:
    """What to aggregate.

    Parameters
    ----------
    columns : tuple of str
        Numeric columns whose sums and cross-products are needed.
    group : str, optional
        The arm (variant) column; None aggregates all rows into one group.
    by : tuple of str
        Further grouping keys (a day column, ...).
    pairs : tuple of (str, str), optional
        The cross-products needed; None means every pair. Engines may compute more than asked.
    clip : dict, optional
        Column -> (low, high) bounds applied before aggregating (winsorisation with bounds fixed in advance).
    buckets : int, optional
        When set, also group by a bootstrap bucket ``bucket_of(unit)`` in ``[0, buckets)``; see
        :mod:`abkit.engines.buckets`.
    unit : str, optional
        The unit id column used for buckets.
    seed : int
        Seed of the bucket hash.
    derived : dict, optional
        Column name -> :class:`abkit.engines.expr.Expr` for requested columns computed from others (importance
        weights, capped products...). Each engine evaluates them in its own pass.
    extremes : bool
        Also compute per-group minimum and maximum (costs a second look at each block in memory).
    time_grain : {"day", "hour"}, optional
        Truncate every date/timestamp key of ``by`` to the day or the hour before grouping. Temporal keys come back
        as pandas Timestamps (``datetime64[ns]``) in every engine, truncated or not.
    aggregate_units : bool
        The rows are events: first sum every source column per (``unit``, arm, non-temporal ``by`` keys), taking the
        earliest value of each temporal ``by`` key (the day of the unit's first event), then compute moments over
        units. A unit's sum is missing (NaN) when any of its events is. A unit seen in two arms is a DataError.
    """

    columns: tuple[str, ...]
    group: str | None = None
    by: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] | None = None
    clip: dict[str, tuple[float, float]] = field(default_factory=dict)
    buckets: int | None = None
    unit: str | None = None
    seed: int = 0
    extremes: bool = False
    derived: dict[str, Expr] = field(default_factory=dict)
    time_grain: str | None = None
    aggregate_units: bool = False

    def __post_init__(self) -> None:
        if self.time_grain not in (None, "day", "hour"):
            raise ParameterError(
                f"The 'time_grain' parameter of MomentsRequest must be 'day', 'hour' or None. Got {self.time_grain!r}."
            )
        if (self.aggregate_units or self.buckets) and not self.unit:
            what = "aggregate_units=True" if self.aggregate_units else "buckets"
            raise ParameterError(f"MomentsRequest with {what} needs the unit id column: unit='user_id'.")

    def source_columns(self) -> list[str]:
        """The data columns read: requested columns that are not derived, then those the expressions use."""
        out = [c for c in self.columns if c not in self.derived]
        for c in self.columns:
            if c in self.derived:
                out += sorted(x for x in self.derived[c].columns() if x not in out)
        return out

    @property
    def keys(self) -> tuple[str, ...]:
        """Names of the grouping keys, in order (``"_bucket"`` for the bootstrap bucket)."""
        keys = ((self.group,) if self.group is not None else ()) + tuple(self.by)
        return keys + (("_bucket",) if self.buckets else ())

    def pair_index(self) -> list[tuple[int, int]]:
        """Index pairs (i <= j) of the cross-products to compute."""
        pos = {c: i for i, c in enumerate(self.columns)}
        if self.pairs is None:
            k = len(self.columns)
            return [(i, j) for i in range(k) for j in range(i, k)]
        out = set()
        for a, b in self.pairs:
            i, j = pos[a], pos[b]
            out.add((min(i, j), max(i, j)))
        for i in range(len(self.columns)):
            out.add((i, i))
        return sorted(out)


@dataclass(frozen=True)
class Summary:
    """Moments of one group, as means and a covariance matrix (``ddof=1``).

    Examples
    --------
    >>> import numpy as np
    >>> s = Summary.from_arrays({"y": np.array([1.0, 2.0, 3.0])})
    >>> s.n, s.mean_of("y"), s.var_of("y")
    (3, 2.0, 1.0)
    """

    n: int
    columns: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray
    shift: np.ndarray | None = None

    def is_zero_mean(self, column: str) -> bool:
        """Whether the mean of ``column`` is zero up to the rounding of shifted sums (all values zero)."""
        i = self.index(column)
        scale = 1.0 if self.shift is None else max(1.0, abs(float(self.shift[i])))
        return bool(abs(float(self.mean[i])) <= 64 * np.finfo(float).eps * scale)

    def index(self, column: str) -> int:
        return self.columns.index(column)

    def mean_of(self, column: str) -> float:
        return float(self.mean[self.index(column)])

    def var_of(self, column: str) -> float:
        i = self.index(column)
        return float(self.cov[i, i])

    def cov_of(self, a: str, b: str) -> float:
        return float(self.cov[self.index(a), self.index(b)])

    @classmethod
    def pool(cls, *summaries: Summary) -> Summary:
        """The summary of the union of several groups (same columns): the marginal means and covariance."""
        first = summaries[0]
        n = sum(s.n for s in summaries)
        mean = sum(s.n * s.mean for s in summaries) / n
        scatter = sum((s.n - 1) * s.cov + s.n * np.outer(s.mean - mean, s.mean - mean) for s in summaries)
        return cls(
            n=int(n), columns=first.columns, mean=np.asarray(mean), cov=np.asarray(scatter) / (n - 1), shift=first.shift
        )

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Summary:
        """Summarise equal-length arrays of one group (row-level helper for the standalone functions)."""
        cols = tuple(arrays)
        data = np.vstack([np.asarray(arrays[c], dtype=float) for c in cols])
        n = data.shape[1]
        mean = data.mean(axis=1)
        cov = np.atleast_2d(np.cov(data, ddof=1)) if n > 1 else np.full((len(cols), len(cols)), np.nan)
        return cls(n=int(n), columns=cols, mean=mean, cov=cov)


@dataclass(frozen=True)
class Moments:
    """Per-group sufficient statistics returned by every engine.

    Attributes
    ----------
    keys : pandas.DataFrame
        One row per group, one column per grouping key (see :attr:`MomentsRequest.keys`).
    columns : tuple of str
    shift : ndarray (k,)
        Pilot value subtracted from each column before summing.
    rows : ndarray (G,)
        All rows of the group, complete or not.
    n : ndarray (G,)
        Rows complete in every requested column (the rows the sums are over).
    sums : ndarray (G, k)
        ``sum(x - shift)`` over complete rows.
    cross : ndarray (G, k, k)
        ``sum((x_i - shift_i)(x_j - shift_j))`` over complete rows, symmetric; ``nan`` for pairs not computed.
    missing, infinite : ndarray (G, k)
        Rows with NaN/NULL, and with +-inf, in each column (over all rows).
    minimum, maximum : ndarray (G, k)
        Over complete rows (``nan`` for an empty group, or when the engine did not compute them).
    """

    keys: pd.DataFrame
    columns: tuple[str, ...]
    shift: np.ndarray
    rows: np.ndarray
    n: np.ndarray
    sums: np.ndarray
    cross: np.ndarray
    missing: np.ndarray
    infinite: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    def __len__(self) -> int:
        return len(self.n)

    # ------------------------------------------------------------------ combining groups
    def reduce(self, keys: Sequence[str]) -> Moments:
        """Sum the groups over every key not in ``keys`` (e.g. buckets into arms, days into arms)."""
        keys = list(keys)
        if keys:
            codes, uniques = _codes(self.keys, keys)
        else:
            codes, uniques = np.zeros(len(self), dtype=np.intp), pd.DataFrame(index=[0])
        g = len(uniques)
        return Moments(
            keys=uniques.reset_index(drop=True),
            columns=self.columns,
            shift=self.shift,
            rows=_group_sum(codes, self.rows, g),
            n=_group_sum(codes, self.n, g),
            sums=_group_sum(codes, self.sums, g),
            cross=_group_sum(codes, self.cross, g),
            missing=_group_sum(codes, self.missing, g),
            infinite=_group_sum(codes, self.infinite, g),
            minimum=_group_ext(codes, self.minimum, g, np.fmin),
            maximum=_group_ext(codes, self.maximum, g, np.fmax),
        )

    def select(self, mask: np.ndarray) -> Moments:
        """The groups where ``mask`` is true (or at the integer positions ``mask``, in that order)."""
        mask = np.asarray(mask)
        return Moments(
            keys=self.keys.iloc[mask].reset_index(drop=True),
            columns=self.columns,
            shift=self.shift,
            rows=self.rows[mask],
            n=self.n[mask],
            sums=self.sums[mask],
            cross=self.cross[mask],
            missing=self.missing[mask],
            infinite=self.infinite[mask],
            minimum=self.minimum[mask],
            maximum=self.maximum[mask],
        )

    def cumulative(self, over: str) -> Moments:
        """Running totals along key ``over`` (sorted), within each combination of the other keys."""
        others = [k for k in self.keys.columns if k != over]
        order = np.lexsort([self.keys[over].to_numpy()] + [self.keys[k].to_numpy() for k in reversed(others)])
        m = self.select(order)
        if others:
            codes, _ = _codes(m.keys, others)
        else:
            codes = np.zeros(len(m), dtype=np.intp)

        def run(a: np.ndarray) -> np.ndarray:
            out = np.empty_like(a)
            for c in np.unique(codes):
                idx = np.flatnonzero(codes == c)
                out[idx] = np.cumsum(a[idx], axis=0)
            return out

        def run_ext(a: np.ndarray, fn: np.ufunc) -> np.ndarray:
            out = np.empty_like(a)
            for c in np.unique(codes):
                idx = np.flatnonzero(codes == c)
                out[idx] = fn.accumulate(a[idx], axis=0)
            return out

        return Moments(
            keys=m.keys,
            columns=m.columns,
            shift=m.shift,
            rows=run(m.rows),
            n=run(m.n),
            sums=run(m.sums),
            cross=run(m.cross),
            missing=run(m.missing),
            infinite=run(m.infinite),
            minimum=run_ext(m.minimum, np.fmin),
            maximum=run_ext(m.maximum, np.fmax),
        )

    # ------------------------------------------------------------------ reading groups
    def find(self, **key: object) -> int:
        """Index of the group whose keys equal ``key``; DataError if absent."""
        mask = np.ones(len(self), dtype=bool)
        for k, v in key.items():
            mask &= (self.keys[k] == v).to_numpy()
        idx = np.flatnonzero(mask)
        if len(idx) != 1:
            raise DataError(f"no group with {key} in the data; groups are: {self.keys.to_dict(orient='records')}")
        return int(idx[0])

    def summary(self, i: int, columns: Sequence[str] | None = None) -> Summary:
        """Means and covariance matrix (ddof=1) of group ``i`` over ``columns`` (default: all)."""
        cols = tuple(columns) if columns is not None else self.columns
        idx = [self.columns.index(c) for c in cols]
        n = float(self.n[i])
        s = self.sums[i, idx]
        c = self.cross[i][np.ix_(idx, idx)]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self.shift[idx] + s / n
            cov = (c - np.outer(s, s) / n) / (n - 1)
        return Summary(n=int(self.n[i]), columns=cols, mean=mean, cov=cov, shift=self.shift[idx])


def normalize_keys(table: pd.DataFrame) -> pd.DataFrame:
    """The key table every engine returns: integers as int64, booleans as bool, dates and timestamps as
    ``datetime64[ns]`` (timezone-aware ones in UTC, made naive), strings as pandas infers them, ``_bucket`` int64."""
    out: dict[str, Any] = {}
    for k in table.columns:
        s = table[k]
        kind = pd.api.types.infer_dtype(s, skipna=True)
        if pd.api.types.is_datetime64_any_dtype(s.dtype) or kind in ("date", "datetime", "datetime64"):
            t = pd.to_datetime(s, utc=_is_tz(s))
            if t.dt.tz is not None:
                t = t.dt.tz_convert("UTC").dt.tz_localize(None)
            out[k] = t.to_numpy(dtype="datetime64[ns]")
        elif pd.api.types.is_bool_dtype(s.dtype) or kind == "boolean":
            out[k] = s.to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(s.dtype) or kind == "integer":
            out[k] = s.to_numpy(dtype=np.int64)
        elif pd.api.types.is_float_dtype(s.dtype) or kind == "floating":
            out[k] = s.to_numpy(dtype=np.float64)
        else:
            out[k] = s.to_numpy(dtype=object).tolist()
    return pd.DataFrame(out, index=pd.RangeIndex(len(table))) if out else pd.DataFrame(index=table.index)


def _is_tz(s: pd.Series) -> bool:
    if getattr(s.dtype, "tz", None) is not None:
        return True
    return s.dtype == object and any(getattr(v, "tzinfo", None) is not None for v in s.head(1000))


def _codes(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    sub = frame[keys]
    uniques = sub.drop_duplicates().sort_values(keys, kind="stable").reset_index(drop=True)
    merged = sub.merge(uniques.reset_index(), on=keys, how="left")
    return merged["index"].to_numpy(dtype=np.intp), uniques


def _group_sum(codes: np.ndarray, a: np.ndarray, g: int) -> np.ndarray:
    out = np.zeros((g, *a.shape[1:]), dtype=a.dtype)
    np.add.at(out, codes, a)
    return out


def _group_ext(codes: np.ndarray, a: np.ndarray, g: int, fn: np.ufunc) -> np.ndarray:
    out = np.full((g, *a.shape[1:]), np.nan)
    fn.at(out, codes, a)
    return out
