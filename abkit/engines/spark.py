"""The Spark engine: the same aggregate query as DuckDB's (:mod:`abkit.engines.sql`) through Spark SQL.

The frame is registered as a temporary view (dropped afterwards); a pilot ``LIMIT 4096`` query gives the shifts and
one GROUP BY query gives every moment; the result (one row per group) is collected to the driver. Spark's SUM is
deterministic for a given partitioning; across partitionings results differ in the last digits only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np

from abkit.engines.moments import Moments, MomentsRequest
from abkit.engines.sql import assemble, finite_sql, moments_sql, pilot_sql, quote_for, shift_from_head
from abkit.errors import ColumnError
from abkit.io import Source, type_class, validate_columns

__all__ = ["spark_count_duplicates", "spark_moments", "spark_quantiles"]

_INTS = ("tinyint", "smallint", "int", "bigint")


class _View:
    """A Spark frame registered as a uniquely named temporary view, with its column types."""

    def __init__(self, source: Source) -> None:
        self.df = source.data
        self.spark = self.df.sparkSession
        self.name = f"abkit_{uuid.uuid4().hex}"
        self.label = source.label
        self.raw = {f.name: f.dataType.simpleString() for f in self.df.schema.fields}
        self.types = {c: type_class(t) for c, t in self.raw.items()}
        self.df.createOrReplaceTempView(self.name)

    def check(self, *, numeric: Sequence[str] = (), keys: Sequence[str] = ()) -> None:
        validate_columns(self.types, self.raw.__getitem__, numeric=numeric, keys=keys, label=self.label)

    def collect(self, sql: str) -> dict[str, list[Any]]:
        frame = self.spark.sql(sql)
        names, rows = frame.columns, frame.collect()
        return {c: [r[i] for r in rows] for i, c in enumerate(names)}

    def __enter__(self) -> _View:
        return self

    def __exit__(self, *exc: object) -> None:
        self.spark.catalog.dropTempView(self.name)


def _unit_kind(raw: str, column: str, label: str) -> str:
    if raw in _INTS:
        return "int"
    if raw == "string" or raw.startswith("varchar"):
        return "string"
    raise ColumnError(
        f"the unit column {column!r} of {label} must hold integer or string ids to be hashed into buckets; "
        f"found type {raw}."
    )


def _values(result: dict[str, list[Any]], k: int) -> np.ndarray:
    cols = [np.array([np.nan if v is None else v for v in result.get(f"__e{j}", [])], dtype=float) for j in range(k)]
    return np.column_stack(cols) if cols and len(cols[0]) else np.zeros((0, k))


def spark_moments(source: Source, request: MomentsRequest) -> Moments:
    """Moments of a Spark DataFrame, in one Spark SQL aggregate query (and a pilot LIMIT)."""
    with _View(source) as v:
        keys = [k for k in request.keys if k != "_bucket"] + ([request.unit] if request.unit else [])
        v.check(numeric=request.source_columns(), keys=keys)
        kind = _unit_kind(v.raw[request.unit], request.unit, v.label) if request.buckets and request.unit else None
        src = quote_for("spark")(v.name)
        k = len(request.columns)
        head = _values(v.collect(pilot_sql(request, src, v.types, "spark")), k)

        def finite(j: int) -> np.ndarray:
            return _values(v.collect(pilot_sql(request, src, v.types, "spark", finite=j)), k)[:, j]

        shift = shift_from_head(head, finite)
        sql, key_cols = moments_sql(request, src, v.types, shift, dialect="spark", unit_kind=kind)
        result = v.collect(sql)
    return assemble(result, request, shift, key_cols, v.types)


def spark_quantiles(source: Source, column: str, probs: Sequence[float]) -> np.ndarray:
    """Exact ``percentile`` (linear interpolation, R's type 7) of the finite values of ``column``."""
    with _View(source) as v:
        v.check(numeric=[column])
        x = f"CAST({quote_for('spark')(column)} AS DOUBLE)"
        plist = ", ".join(repr(float(p)) for p in probs)
        sql = (
            f"SELECT percentile({x}, array({plist})) AS q FROM {quote_for('spark')(v.name)} "
            f"WHERE {finite_sql(x, 'spark')}"
        )
        value = v.collect(sql)["q"][0]
    if value is None:
        return np.full(len(probs), np.nan)
    return np.asarray(value, dtype=np.float64)


def spark_count_duplicates(source: Source, column: str) -> int:
    """Rows whose ``column`` value appeared in an earlier row (missing ids count as one value, as in pandas)."""
    with _View(source) as v:
        v.check(keys=[column])
        c = quote_for("spark")(column)
        sql = (
            f"SELECT COUNT(*) - COUNT(DISTINCT {c}) - CASE WHEN COUNT({c}) < COUNT(*) THEN 1 ELSE 0 END AS d "
            f"FROM {quote_for('spark')(v.name)}"
        )
        return int(v.collect(sql)["d"][0])
