"""The DuckDB engine: moments of files (CSV/TSV/Parquet, globs), DuckDB relations or DataFrames in one SQL query.

Files are scanned by DuckDB on a private connection with ``memory_limit`` :data:`MEMORY_LIMIT` (environment variable
``ABKIT_DUCKDB_MEMORY_LIMIT``) and one thread per core, so memory does not grow with the data: a 50M-row Parquet file
is analysed with a peak RSS well under 1 GB. A DuckDB relation is queried on its own connection, with its settings.
Sums are plain SUMs of shifted values: with several threads their last digits vary from run to run (about 1e-13
relative). ``duck_moments(..., exact=True)`` uses DuckDB's exact ``fsum`` instead, reproducible to the last digit,
at a cost of about 30% of the query time on 50M rows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from abkit.engines.moments import Moments, MomentsRequest
from abkit.engines.sql import (
    assemble,
    can_be_optimistic,
    finite_sql,
    moments_sql,
    optimistic_ok,
    pilot_sql,
    quote_for,
    shift_from_head,
)
from abkit.errors import ColumnError
from abkit.io import Source, duckdb_relation, type_class, validate_columns

__all__ = ["MEMORY_LIMIT", "connect", "duck_count_duplicates", "duck_moments", "duck_quantiles"]

MEMORY_LIMIT = os.environ.get("ABKIT_DUCKDB_MEMORY_LIMIT", "512MB")
_VIEW = "__abkit_src"
_INTS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")


# DuckDB 2.0 folds isnan(x) (and x <> x) to false from Parquet statistics written by pyarrow, which leave NaN out of
# min/max: NaN would go uncounted. Statistics propagation is therefore off for abkit's queries.
_OPTIMIZER = "statistics_propagation"


def connect() -> Any:
    """A private DuckDB connection with abkit's memory limit and one thread per core."""
    import duckdb

    config: dict[str, Any] = {
        "memory_limit": MEMORY_LIMIT,
        "threads": os.cpu_count() or 1,
        "disabled_optimizers": _OPTIMIZER,
    }
    return duckdb.connect(config=config)


class _Table:
    """A source opened on a connection: the relation, its column types, and queries over it."""

    def __init__(self, source: Source) -> None:
        self.own = source.kind != "duckdb"
        self.con = connect() if self.own else None
        self.rel = duckdb_relation(source, self.con)
        self.label = source.label
        self.raw = {c: str(t) for c, t in zip(self.rel.columns, self.rel.types, strict=True)}
        self.types = {c: type_class(t) for c, t in self.raw.items()}
        self.saved = None
        if not self.own:  # a user's relation: switch the optimizer off on its connection for our queries only
            self.saved = str(self.query("SELECT current_setting('disabled_optimizers')").fetchall()[0][0])
            off = ",".join(x for x in (self.saved, _OPTIMIZER) if x)
            self.query(f"SET disabled_optimizers = '{off}'")

    def check(self, *, numeric: Sequence[str] = (), keys: Sequence[str] = ()) -> None:
        validate_columns(self.types, self.raw.__getitem__, numeric=numeric, keys=keys, label=self.label)

    def query(self, sql: str) -> Any:
        return self.rel.query(_VIEW, sql)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
        elif self.saved is not None:
            self.query(f"SET disabled_optimizers = '{self.saved}'")

    def __enter__(self) -> _Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unit_kind(raw: str, column: str, label: str) -> str:
    """``"int"`` or ``"string"`` for the bucket hash; ColumnError for other id types."""
    t = raw.upper()
    if t in _INTS:
        return "int"
    if t.startswith("VARCHAR"):
        return "string"
    raise ColumnError(
        f"the unit column {column!r} of {label} must hold integer or string ids to be hashed into buckets; "
        f"found type {raw}."
    )


def duck_moments(source: Source, request: MomentsRequest, *, exact: bool = False) -> Moments:
    """Moments of a file, a relation or a DataFrame through DuckDB, in one aggregate query (and a pilot LIMIT)."""
    with _Table(source) as t:
        keys = [k for k in request.keys if k != "_bucket"] + ([request.unit] if request.unit else [])
        t.check(numeric=request.source_columns(), keys=keys)
        kind = unit_kind(t.raw[request.unit], request.unit, t.label) if request.buckets and request.unit else None
        src = quote_for("duckdb")(_VIEW)
        head = _frame_values(t.query(pilot_sql(request, src, t.types, "duckdb")).df(), len(request.columns))

        def finite(j: int) -> np.ndarray:
            df = t.query(pilot_sql(request, src, t.types, "duckdb", finite=j)).df()
            return _frame_values(df, len(request.columns))[:, j]

        shift = shift_from_head(head, finite)
        result = None
        if can_be_optimistic(request):
            # the common case, data without NULL/NaN/inf: plain sums and one count per column prove it in one pass
            sql, key_cols = moments_sql(request, src, t.types, shift, dialect="duckdb", unit_kind=kind, exact=exact,
                                        optimistic=True)  # fmt: skip
            fast = t.query(sql).df()
            if optimistic_ok({c: fast[c].to_numpy() for c in fast.columns}, request):
                result = fast
        if result is None:  # missing or infinite values somewhere: the full query counts them per column and group
            sql, key_cols = moments_sql(request, src, t.types, shift, dialect="duckdb", unit_kind=kind, exact=exact)
            result = t.query(sql).df()
    return assemble({c: result[c].to_numpy() for c in result.columns}, request, shift, key_cols, t.types)


def _frame_values(df: Any, k: int) -> np.ndarray:
    if len(df) == 0:
        return np.zeros((0, k))
    return np.column_stack([df[f"__e{j}"].to_numpy(dtype=np.float64, na_value=np.nan) for j in range(k)])


def duck_quantiles(source: Source, column: str, probs: Sequence[float]) -> np.ndarray:
    """``quantile_cont`` (linear interpolation, R's type 7) of the finite values of ``column``."""
    with _Table(source) as t:
        t.check(numeric=[column])
        x = f"CAST({quote_for('duckdb')(column)} AS DOUBLE)"
        plist = ", ".join(repr(float(p)) for p in probs)
        sql = f"SELECT quantile_cont({x}, [{plist}]) FROM {_VIEW} WHERE {finite_sql(x, 'duckdb')}"
        (value,) = t.query(sql).fetchall()[0]
    if value is None:
        return np.full(len(probs), np.nan)
    return np.asarray(value, dtype=np.float64)


def duck_count_duplicates(source: Source, column: str) -> int:
    """Rows whose ``column`` value appeared in an earlier row (missing ids count as one value, as in pandas)."""
    with _Table(source) as t:
        t.check(keys=[column])
        c = quote_for("duckdb")(column)
        sql = f"SELECT COUNT(*) - COUNT(DISTINCT {c}) - CASE WHEN COUNT({c}) < COUNT(*) THEN 1 ELSE 0 END FROM {_VIEW}"
        return int(t.query(sql).fetchall()[0][0])
