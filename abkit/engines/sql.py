"""The one aggregate query behind the DuckDB and Spark engines, and the assembly of its result into Moments.

The query reads the source once and groups by arm [, ``by`` keys] [, bootstrap bucket]. Nested SELECTs, innermost
first:

1. the rows: keys (temporal keys truncated with ``date_trunc``), source columns cast to DOUBLE; with
   ``aggregate_units`` a GROUP BY unit that sums each column (NULL when any event is NULL, so SUM never decides),
   takes the earliest temporal key and counts units seen in two arms and rows without an arm;
2. the bucket hash layers of :func:`abkit.engines.buckets.bucket_sql_layers`;
3. the requested values (columns or :class:`~abkit.engines.expr.Expr` rendered with numpy's NaN semantics by
   :func:`~abkit.engines.sqlexpr.render`), shifted by the pilot value;
4. ``ok``, the row is finite in every value before clipping (``isfinite`` in DuckDB, ``ABS(x) < Infinity`` in
   Spark), and the values clipped to their bounds on complete rows and zeroed on the others, as the in-memory engine
   does;

then per group: ``COUNT(*)``, the complete count, shifted sums and cross-products (DuckDB's exact ``FSUM`` when asked),
and explicit counts of NULL-or-NaN and of infinite values per column (packed in one integer sum per column).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from abkit.engines.buckets import bucket_sql_layers
from abkit.engines.moments import Moments, MomentsRequest, normalize_keys
from abkit.engines.sqlexpr import render
from abkit.errors import ColumnError, DataError, ParameterError

__all__ = ["assemble", "finite_sql", "infinite_sql", "moments_sql", "pilot_sql", "quote_for", "shift_from_head"]

INF = "CAST('Infinity' AS DOUBLE)"
_PACK = 1 << 32


def quote_for(dialect: str) -> Callable[[str], str]:
    """The identifier quoting of a dialect."""
    if dialect == "spark":
        return lambda name: "`" + name.replace("`", "``") + "`"
    return lambda name: '"' + name.replace('"', '""') + '"'


def finite_sql(x: str, dialect: str) -> str:
    """SQL for "x is a finite number" (false or NULL for NULL, NaN and +-inf)."""
    # DuckDB may push ABS(x) < inf into a Parquet scan with IEEE semantics, where NaN passes: use isfinite there.
    return f"isfinite({x})" if dialect == "duckdb" else f"(ABS({x}) < {INF})"


def infinite_sql(x: str, dialect: str) -> str:
    """SQL for "x is +inf or -inf"."""
    return f"isinf({x})" if dialect == "duckdb" else f"(ABS({x}) = {INF})"


def _num(x: float) -> str:
    return f"CAST({float(x)!r} AS DOUBLE)"


def _check_request(request: MomentsRequest, types: dict[str, str]) -> list[str]:
    cols = ", ".join(types)
    for c in [*request.source_columns(), *[k for k in request.keys if k != "_bucket"], request.unit]:
        if c is not None and c not in types:
            raise ColumnError(f"column {c!r} not found in the data; columns are: {cols}")
    temporal = [k for k in request.by if types[k] == "temporal"]
    if request.time_grain and not temporal:
        raise ParameterError(
            f"time_grain={request.time_grain!r} needs a date or timestamp column among the 'by' keys "
            f"{list(request.by)}; found none."
        )
    return temporal


def _rows(request: MomentsRequest, source: str, types: dict[str, str], dialect: str) -> str:
    q = quote_for(dialect)
    temporal = _check_request(request, types)
    grain = request.time_grain

    def key(k: str) -> str:
        e = f"date_trunc('{grain}', {q(k)})" if grain and k in temporal else q(k)
        # Spark hands timestamps to Python in the local time zone: fetch them as text in the session time zone
        return f"CAST({e} AS STRING)" if dialect == "spark" and k in temporal else e

    keys = ([request.group] if request.group else []) + list(request.by)
    cols = request.source_columns()
    if not request.aggregate_units:
        sel = [f"{key(k)} AS __k{i}" for i, k in enumerate(keys)]
        sel += [f"{q(str(request.unit))} AS __u"] if request.buckets else []
        sel += [f"CAST({q(c)} AS DOUBLE) AS {q(c)}" for c in cols]
        return f"SELECT {', '.join(sel)} FROM {source}"
    plain = [k for k in request.by if k not in temporal]
    group_by = [q(str(request.unit))] + [q(k) for k in plain]
    sel = [f"{q(str(request.unit))} AS __u", "COUNT(*) AS __events"]
    if request.group:
        g = q(request.group)
        sel += [f"MIN({g}) AS __k0", f"CASE WHEN MIN({g}) <> MAX({g}) THEN 1 ELSE 0 END AS __conflict"]
        sel += [f"COUNT(*) - COUNT({g}) AS __nullarm"]
    for i, k in enumerate(keys):
        if k != request.group:
            sel.append(f"MIN({key(k)}) AS __k{i}" if k in temporal else f"{q(k)} AS __k{i}")
    for c in cols:
        x = f"CAST({q(c)} AS DOUBLE)"
        sel.append(f"CASE WHEN COUNT({x}) < COUNT(*) THEN NULL ELSE SUM({x}) END AS {q(c)}")
    return f"SELECT {', '.join(sel)} FROM {source} GROUP BY {', '.join(group_by)}"


def _values(request: MomentsRequest, inner: str, dialect: str, unit_kind: str | None) -> tuple[str, list[str]]:
    """The requested values ``__e{j}`` over the row layer, the keys ``__k{i}`` and the bucket ``__b``.

    Returns the query and the names of its key columns.
    """
    q = quote_for(dialect)
    nkeys = len(request.keys) - (1 if request.buckets else 0)
    keys = [f"__k{i}" for i in range(nkeys)]
    sel = list(keys) + _extras(request)
    if request.buckets:
        layers = bucket_sql_layers(
            "__u", unit_kind or "int", buckets=request.buckets, seed=request.seed, dialect=dialect
        )  # fmt: skip
        for i, e in enumerate(layers):
            inner = f"SELECT *, {e} AS _h{i} FROM ({inner}) AS __t{i}"
        sel.append(f"_h{len(layers) - 1} AS __b")
        keys.append("__b")
    exprs = [render(request.derived[c], dialect, q) if c in request.derived else q(c) for c in request.columns]
    sel += [f"{e} AS __e{j}" for j, e in enumerate(exprs)]
    return f"SELECT {', '.join(sel)} FROM ({inner}) AS __v", keys


def _extras(request: MomentsRequest) -> list[str]:
    if not request.aggregate_units:
        return []
    return ["__u", "__events"] + (["__conflict", "__nullarm"] if request.group else [])


def pilot_sql(request: MomentsRequest, source: str, types: dict[str, str], dialect: str, *, finite: int = -1) -> str:
    """The values of the first 4096 rows (or, with ``finite=j``, the first 4096 finite values of value ``j``)."""
    plain = MomentsRequest(
        columns=request.columns, group=request.group, by=request.by, derived=request.derived,
        time_grain=request.time_grain, aggregate_units=request.aggregate_units, unit=request.unit,
    )  # fmt: skip
    body, _ = _values(plain, _rows(plain, source, types, dialect), dialect, None)
    cols = ", ".join(f"__e{j}" for j in range(len(request.columns)))
    where = f" WHERE {finite_sql(f'__e{finite}', dialect)}" if finite >= 0 else ""
    return f"SELECT {cols} FROM ({body}) AS __p{where} LIMIT 4096"


def shift_from_head(head: np.ndarray, finite_values: Callable[[int], np.ndarray]) -> np.ndarray:
    """Pilot values as in the in-memory engine: the mean of the finite values among the first 4096 rows, else of the
    first 4096 finite values, else 0."""
    shift = np.zeros(head.shape[1])
    for j in range(head.shape[1]):
        h = head[:, j]
        h = h[np.isfinite(h)]
        if len(h) == 0:
            h = finite_values(j)
            h = h[np.isfinite(h)]
        shift[j] = float(np.mean(h)) if len(h) else 0.0
    return shift


def moments_sql(
    request: MomentsRequest,
    source: str,
    types: dict[str, str],
    shift: np.ndarray,
    *,
    dialect: str,
    unit_kind: str | None = None,
    exact: bool = False,
    optimistic: bool = False,
) -> tuple[str, list[str]]:
    """The aggregate query and the names of its key columns.

    ``optimistic`` writes the fast query of :func:`optimistic_ok`: plain sums of the shifted values with a non-NULL
    count per column and no per-row completeness test. It is only valid when that check passes (no NULL, NaN or inf
    anywhere); otherwise the full query, which counts them, must be run.

    ``unit_kind`` is ``"int"`` or ``"string"``, the type of the unit ids (for the bucket hash); ``exact`` sums with
    DuckDB's ``fsum`` (exact and reproducible; plain SUM differs across runs by about 1e-13 with several threads).
    """
    body, keys = _values(request, _rows(request, source, types, dialect), dialect, unit_kind)
    k = len(request.columns)
    shifted = [f"(__e{j} - {_num(shift[j])}) AS __d{j}" for j in range(k)]
    layer3 = f"SELECT {', '.join(keys + _extras(request) + shifted)} FROM ({body}) AS __c"
    total = "fsum" if exact and dialect == "duckdb" else "SUM"
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    if optimistic:
        if not can_be_optimistic(request):
            raise ValueError("optimistic moments need a request without clip bounds or unit aggregation")
        agg = ["COUNT(*) AS __rows", "COUNT(*) AS __n"]
        agg += [f"{total}(__d{j}) AS __s{j}" for j in range(k)]
        agg += [f"{total}(__d{i} * __d{j}) AS __x{i}_{j}" for i, j in request.pair_index()]
        agg += [f"COUNT(__d{j}) AS __c{j}" for j in range(k)] + [f"CAST(0 AS BIGINT) AS __f{j}" for j in range(k)]
        if request.extremes:
            agg += [f"MIN(__d{j}) AS __lo{j}" for j in range(k)] + [f"MAX(__d{j}) AS __hi{j}" for j in range(k)]
        return f"SELECT {', '.join(keys + agg)} FROM ({layer3}) AS __r{group}", keys
    # complete rows and the missing/infinite counts are judged before clipping (an inf is counted, not clipped)
    ok = " AND ".join(finite_sql(f"__d{j}", dialect) for j in range(k)) or "TRUE"
    layer4 = f"SELECT *, ({ok}) AS __ok FROM ({layer3}) AS __o"
    zs = []
    for j, c in enumerate(request.columns):
        d = f"__d{j}"
        bounds = request.clip.get(c)
        if bounds is not None:
            d = f"LEAST(GREATEST({d}, {_num(bounds[0] - shift[j])}), {_num(bounds[1] - shift[j])})"
        zs.append(f"CASE WHEN __ok THEN {d} ELSE 0.0 END AS __z{j}")
    layer5 = f"SELECT *, {', '.join(zs)} FROM ({layer4}) AS __z" if k else layer4
    agg = ["COUNT(*) AS __rows", "COUNT(CASE WHEN __ok THEN 1 END) AS __n"]
    agg += [f"{total}(__z{j}) AS __s{j}" for j in range(k)]
    agg += [f"{total}(__z{i} * __z{j}) AS __x{i}_{j}" for i, j in request.pair_index()]
    # missing (NULL or NaN) and infinite counts of a column packed in one BIGINT sum: missing + 2^32 * infinite
    # (exact below 2^32 rows per group); complete rows skip the tests
    agg += [
        f"CAST(SUM(CASE WHEN __ok THEN 0 WHEN __d{j} IS NULL OR isnan(__d{j}) THEN 1 "
        f"WHEN {infinite_sql(f'__d{j}', dialect)} THEN {_PACK} ELSE 0 END) AS BIGINT) AS __f{j}"
        for j in range(k)
    ]
    if request.extremes:
        agg += [f"MIN(CASE WHEN __ok THEN __z{j} END) AS __lo{j}" for j in range(k)]
        agg += [f"MAX(CASE WHEN __ok THEN __z{j} END) AS __hi{j}" for j in range(k)]
    if request.aggregate_units:
        agg += ["SUM(CASE WHEN __u IS NULL THEN __events ELSE 0 END) AS __nullunit"]
        if request.group:
            agg += ["SUM(__conflict) AS __conflicts", "SUM(__nullarm) AS __nullarms"]
    return f"SELECT {', '.join(keys + agg)} FROM ({layer5}) AS __r{group}", keys


def can_be_optimistic(request: MomentsRequest) -> bool:
    """Whether the fast query may be tried: no clip bounds (an inf would be clipped, not seen) and no unit
    aggregation (its own checks live in the full query)."""
    return not request.clip and not request.aggregate_units


def optimistic_ok(result: Mapping[str, Sequence[Any]], request: MomentsRequest) -> bool:
    """Whether the fast query's result stands: every column non-NULL on every row and every sum finite.

    A NULL shows as a count below the rows; a NaN or an infinite value makes its column's sum (and products) NaN or
    infinite. Then the full query must count them instead.
    """
    rows = _ints(result["__rows"])
    k = len(request.columns)
    for j in range(k):
        if np.any(_ints(result[f"__c{j}"]) != rows) or not np.all(np.isfinite(_floats(result[f"__s{j}"]))):
            return False
    return all(np.all(np.isfinite(_floats(result[f"__x{i}_{j}"]))) for i, j in request.pair_index())


def _ints(a: Any) -> np.ndarray:
    return np.asarray(pd.to_numeric(pd.Series(a), errors="coerce").fillna(0), dtype=np.int64)


def _floats(a: Any) -> np.ndarray:
    return np.asarray(pd.to_numeric(pd.Series(a, dtype=object), errors="coerce"), dtype=np.float64)


def assemble(
    result: Mapping[str, Sequence[Any]],
    request: MomentsRequest,
    shift: np.ndarray,
    key_columns: list[str],
    types: dict[str, str],
) -> Moments:
    """Moments from the fetched columns of :func:`moments_sql` (any order of groups; sorted here)."""
    names = list(request.keys)
    table = pd.DataFrame({n: list(result[c]) for n, c in zip(names, key_columns, strict=True)})
    for name in request.by:
        if types.get(name) == "temporal" and pd.api.types.is_string_dtype(table[name].dtype):
            table[name] = pd.to_datetime(table[name])
    rows = _ints(result["__rows"])
    for name in names:
        bad = table[name].isna().to_numpy()
        if bad.any():
            what = f"column {request.unit!r} (the unit id)" if name == "_bucket" else f"column {name!r}"
            raise DataError(f"{what} has {int(rows[bad].sum())} missing values; every row needs one.")
    if request.aggregate_units:
        if int(_ints(result["__nullunit"]).sum()):
            raise DataError(f"column {request.unit!r} has {int(_ints(result['__nullunit']).sum())} rows without a "
                            "unit id.")  # fmt: skip
        if request.group and int(_ints(result["__nullarms"]).sum()):
            nulls = int(_ints(result["__nullarms"]).sum())
            raise DataError(
                f"column {request.group!r} has {nulls} missing values; every row needs a {request.group!r}."
            )
        if request.group and int(_ints(result["__conflicts"]).sum()):
            raise DataError(
                f"{int(_ints(result['__conflicts']).sum())} units of column {request.unit!r} appear in more than "
                f"one arm of column {request.group!r}; each unit must stay in one arm (check the assignment or the "
                "join)."
            )
    table = normalize_keys(table) if names else pd.DataFrame(index=[0])
    order = (
        table.sort_values(names, kind="stable").index.to_numpy() if names else np.arange(len(rows))
    )  # fmt: skip
    k = len(request.columns)
    g = len(rows)
    cross = np.full((g, k, k), np.nan)
    for i, j in request.pair_index():
        cross[:, i, j] = cross[:, j, i] = _floats(result[f"__x{i}_{j}"])
    sums = np.column_stack([_floats(result[f"__s{j}"]) for j in range(k)]) if k else np.zeros((g, 0))
    packed = np.column_stack([_ints(result[f"__f{j}"]) for j in range(k)]) if k else np.zeros((g, 0), np.int64)
    miss, inf = packed % _PACK, packed // _PACK
    if request.extremes:
        low = np.column_stack([_floats(result[f"__lo{j}"]) for j in range(k)]) + shift
        high = np.column_stack([_floats(result[f"__hi{j}"]) for j in range(k)]) + shift
    else:
        low = high = np.full((g, k), np.nan)
    n = _ints(result["__n"])
    sums = np.nan_to_num(sums, nan=0.0)  # values are zeroed on incomplete rows: NULL only for a table without rows
    for i, j in request.pair_index():
        cross[:, i, j] = cross[:, j, i] = np.nan_to_num(cross[:, i, j], nan=0.0)
    return Moments(
        keys=table.iloc[order].reset_index(drop=True),
        columns=tuple(request.columns),
        shift=np.asarray(shift, dtype=float),
        rows=rows[order],
        n=n[order],
        sums=sums[order],
        cross=cross[order],
        missing=miss[order],
        infinite=inf[order],
        minimum=low[order],
        maximum=high[order],
    )
