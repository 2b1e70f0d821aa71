"""The in-memory engine: moments of a pandas DataFrame in one blocked pass with numpy.

Rows are processed in blocks of :data:`BLOCK_ROWS`. Each block's requested columns are written once, shifted and
clipped, into a small (k x block) float64 buffer; no full-length column is copied. With few groups (arms) each group's
sums and all its cross-products come from one matrix product of the buffer with itself; with many groups (days x arms,
bootstrap buckets) each needed sum and product is a weighted ``bincount``, whose cost does not grow with the number of
groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from abkit.engines.expr import Expr
from abkit.engines.moments import Moments, MomentsRequest, normalize_keys
from abkit.errors import ColumnError, DataError

__all__ = ["BLOCK_ROWS", "column_values", "frame_moments", "group_codes"]

BLOCK_ROWS = 1 << 18
_FEW_GROUPS = 8


def _missing_column(frame: pd.DataFrame, column: str) -> ColumnError:
    cols = ", ".join(map(str, frame.columns))
    return ColumnError(f"column {column!r} not found in the data; columns are: {cols}")


def column_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as a numpy array, without a copy when its storage is numpy (float, int or bool).

    The engine casts block by block into its float64 buffer, so integer and boolean columns are not converted whole;
    nullable (extension) types are converted to float64 with NA as NaN. A non-numeric column raises ColumnError.
    """
    if column not in frame.columns:
        raise _missing_column(frame, column)
    s = frame[column]
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
            return s.to_numpy(copy=False)
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    raise ColumnError(
        f"column {column!r} must be numeric (or boolean); found dtype {dtype}. "
        "Convert it first, e.g. pd.to_numeric(df[col])."
    )


def group_codes(frame: pd.DataFrame, keys: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer codes (0..G-1) of the combinations of key columns present in the data, and the key table."""
    if not keys:
        return np.zeros(len(frame), dtype=np.int8), pd.DataFrame(index=[0])
    if len(keys) == 1:
        return _single_key_codes(frame, keys[0])
    codes = np.zeros(len(frame), dtype=np.int64)
    uniques: list[np.ndarray] = []
    for key in keys:
        if key not in frame.columns:
            raise _missing_column(frame, key)
        c, u = pd.factorize(frame[key], sort=True)
        if (c < 0).any():
            raise DataError(f"column {key!r} has {int((c < 0).sum())} missing values; every row needs a {key!r}.")
        codes = codes * len(u) + c
        uniques.append(np.asarray(u))
    if len(keys) == 1:
        return codes, pd.DataFrame({keys[0]: uniques[0]})
    codes, present = pd.factorize(codes, sort=True)
    sizes = [len(u) for u in uniques]
    parts = np.unravel_index(present, sizes) if len(sizes) > 1 else (present,)
    table = pd.DataFrame({k: u[p] for k, u, p in zip(keys, uniques, parts, strict=True)})
    return codes.astype(np.int64), table


def _single_key_codes(frame: pd.DataFrame, key: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Codes of one key (the arm column) in the smallest integer type, groups in sorted order, no full-length int64
    kept: categoricals use their codes, other columns are factorised in order of appearance and remapped."""
    if key not in frame.columns:
        raise _missing_column(frame, key)
    s = frame[key]
    if isinstance(s.dtype, pd.CategoricalDtype):
        raw = s.cat.codes.to_numpy()
        labels = np.asarray(s.cat.categories)
    else:
        raw, uniq = pd.factorize(s, sort=False)
        labels = np.asarray(uniq)
    if (raw < 0).any():
        raise DataError(f"column {key!r} has {int((raw < 0).sum())} missing values; every row needs a {key!r}.")
    present = np.flatnonzero(np.bincount(raw, minlength=len(labels)))
    order = present[np.argsort(labels[present], kind="stable")]  # present groups, sorted by label
    lookup = np.full(len(labels), -1, dtype=np.int64)
    lookup[order] = np.arange(len(order))
    dtype = np.int8 if len(order) <= 127 else np.int32 if len(order) < 2**31 else np.int64
    codes = lookup.astype(dtype)[raw]
    return codes, pd.DataFrame({key: labels[order]})


def frame_moments(frame: pd.DataFrame, request: MomentsRequest) -> Moments:
    """Moments of ``frame`` as asked by ``request``, in one pass."""
    if request.by or request.aggregate_units or request.time_grain:
        from abkit.engines.units import prepare_frame

        frame, request = prepare_frame(frame, request)
    source = {c: column_values(frame, c) for c in request.source_columns()}
    values: list[np.ndarray | Expr] = [request.derived.get(c) or source[c] for c in request.columns]
    keys = tuple(k for k in request.keys if k != "_bucket")
    codes, table = group_codes(frame, keys)
    if request.buckets:
        from abkit.engines.buckets import bucket_codes

        if request.unit is None or request.unit not in frame.columns:
            raise _missing_column(frame, str(request.unit))
        b = bucket_codes(frame[request.unit], buckets=request.buckets, seed=request.seed)
        nb = request.buckets
        codes = codes.astype(np.int64) * nb + b  # dense in [0, groups * buckets); int8 arm codes would overflow
        full = table.iloc[np.repeat(np.arange(len(table)), nb)].reset_index(drop=True)
        full["_bucket"] = np.tile(np.arange(nb, dtype=np.int64), len(table))
        moments = _accumulate(values, source, codes, len(full), full, request)
        return moments.select(moments.rows > 0)  # buckets no unit fell in are not groups
    return _accumulate(values, source, codes, len(table), table, request)


def _pilot(values: list[np.ndarray | Expr], source: dict[str, np.ndarray]) -> np.ndarray:
    shift = np.zeros(len(values))
    for j, v in enumerate(values):
        if isinstance(v, Expr):
            v = np.asarray(v.evaluate({c: a[:65536] for c, a in source.items()}), dtype=float)
            v = np.broadcast_to(v, (min(65536, len(next(iter(source.values()), []))),)) if v.ndim == 0 else v
        head = v[:4096]
        head = head[np.isfinite(head)]
        if len(head) == 0:
            finite = v[np.isfinite(v)]
            head = finite[:4096]
        shift[j] = float(np.mean(head)) if len(head) else 0.0
    return shift


def _accumulate(
    values: list[np.ndarray | Expr],
    source: dict[str, np.ndarray],
    codes: np.ndarray,
    g: int,
    table: pd.DataFrame,
    request: MomentsRequest,
) -> Moments:
    k = len(values)
    nrows = len(codes)
    shift = _pilot(values, source)
    clip = [request.clip.get(c) for c in request.columns]
    pairs = request.pair_index()
    rows = np.bincount(codes, minlength=g).astype(np.int64)
    # gram[:, 0, 0] = n, gram[:, 0, 1:] = shifted sums, gram[:, 1:, 1:] = shifted cross-products
    gram = np.zeros((g, k + 1, k + 1))
    missing = np.zeros((g, k), dtype=np.int64)
    infinite = np.zeros((g, k), dtype=np.int64)
    minimum = np.full((g, k), np.nan)
    maximum = np.full((g, k), np.nan)
    few = g <= _FEW_GROUPS
    small = codes.astype(np.int8) if few else codes
    width = min(BLOCK_ROWS, max(nrows, 1))
    buf = np.empty((k + 1, width))
    masked = np.empty((k + 1, width)) if few and g > 1 else None
    for start in range(0, nrows, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, nrows)
        m = stop - start
        a = buf[:, :m]
        a[0] = 1.0
        block = None
        for j, v in enumerate(values):
            if isinstance(v, Expr):
                if block is None:
                    block = {c: arr[start:stop] for c, arr in source.items()}
                np.subtract(v.evaluate(block), shift[j], out=a[j + 1])
            else:
                np.subtract(v[start:stop], shift[j], out=a[j + 1])
        c = small[start:stop]
        finite = np.isfinite(a[1:])  # before clipping: an inf must be counted, not clipped to a bound
        incomplete = None
        if not finite.all():
            nan = np.isnan(a[1:])
            for j in range(k):
                if nan[j].any():
                    missing[:, j] += np.bincount(c, weights=nan[j], minlength=g).astype(np.int64)
                inf = ~finite[j] & ~nan[j]
                if inf.any():
                    infinite[:, j] += np.bincount(c, weights=inf, minlength=g).astype(np.int64)
            incomplete = ~finite.all(axis=0)
        for j, bounds in enumerate(clip):
            if bounds is not None:
                np.clip(a[j + 1], bounds[0] - shift[j], bounds[1] - shift[j], out=a[j + 1])
        if incomplete is not None:
            a[:, incomplete] = 0.0  # incomplete rows add nothing, not even to n
        if few:
            if g == 1:
                gram[0] += a @ a.T
                if request.extremes:
                    _extremes(a, minimum[0], maximum[0])
                continue
            assert masked is not None
            t = masked[:, :m]
            for grp in range(g):
                sel = c == grp
                # each group's own products (zeros elsewhere): no cancellation between groups
                np.multiply(a, sel, out=t)
                gram[grp] += t @ a.T
                if request.extremes:
                    _extremes(a[:, sel], minimum[grp], maximum[grp])
        else:
            for j in range(k + 1):
                gram[:, 0, j] += np.bincount(c, weights=a[j], minlength=g)
            for i, j in pairs:
                s = np.bincount(c, weights=a[i + 1] * a[j + 1], minlength=g)
                gram[:, i + 1, j + 1] += s
                if i != j:
                    gram[:, j + 1, i + 1] += s
            if request.extremes:
                _group_extremes(a, c, minimum, maximum)
    cross = gram[:, 1:, 1:].copy()
    asked = np.zeros((k, k), dtype=bool)
    for i, j in pairs:
        asked[i, j] = asked[j, i] = True
    cross[:, ~asked] = np.nan
    return Moments(
        keys=normalize_keys(table.reset_index(drop=True)),
        columns=tuple(request.columns),
        shift=shift,
        rows=rows,
        n=np.rint(gram[:, 0, 0]).astype(np.int64),
        sums=gram[:, 0, 1:].copy(),
        cross=cross,
        missing=missing,
        infinite=infinite,
        minimum=minimum + shift,
        maximum=maximum + shift,
    )


def _group_extremes(a: np.ndarray, c: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    """Per-group minimum and maximum over complete rows, by sorting the block's codes (many groups)."""
    order = np.argsort(c, kind="stable")
    codes = c[order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    vals = a[1:, order]
    vals = np.where(a[0, order] == 1.0, vals, np.nan)  # incomplete rows were zeroed: leave them out
    groups = codes[starts]
    low[groups] = np.fmin(low[groups], np.fmin.reduceat(vals, starts, axis=1).T)
    high[groups] = np.fmax(high[groups], np.fmax.reduceat(vals, starts, axis=1).T)


def _extremes(ag: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    keep = ag[0] == 1.0  # complete rows
    vals = ag[1:, keep] if not keep.all() else ag[1:]
    if vals.shape[1]:
        np.fmin(low, vals.min(axis=1), out=low)
        np.fmax(high, vals.max(axis=1), out=high)
