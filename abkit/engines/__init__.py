"""Engines: sufficient statistics (moments) in one pass, in memory (numpy), over files (DuckDB) or on Spark.

Every function here takes ``data`` as given by the user (a pandas DataFrame, a CSV/TSV/Parquet path or glob, a DuckDB
relation or a Spark DataFrame) and dispatches to the engine that owns it: pandas frames to the in-memory engine
(:mod:`abkit.engines.memory`), paths and relations to DuckDB (:mod:`abkit.engines.duck`), Spark frames to Spark
(:mod:`abkit.engines.spark`). ``engine="duckdb"`` runs a pandas frame through DuckDB instead. Statistics code calls
only these.

All engines return the same numbers to about 1e-9 relative (they sum in different orders; DuckDB's exact ``fsum``
and a single Spark partition are reproducible run to run), the same counts of missing and infinite values, and the
same key table (sorted keys; dates and timestamps as ``datetime64[ns]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from abkit.engines.moments import Moments, MomentsRequest, Summary
from abkit.errors import ParameterError

__all__ = ["ENGINES", "Moments", "MomentsRequest", "Summary", "compute_moments", "count_duplicates", "quantiles"]

ENGINES = ("memory", "duckdb", "spark")


def _engine(data: Any, engine: str | None) -> tuple[str, Any]:
    from abkit.io import open_source

    source = open_source(data)
    natural = {"pandas": "memory", "file": "duckdb", "duckdb": "duckdb", "spark": "spark"}[source.kind]
    if engine is None or engine == natural:
        return natural, source
    if engine not in ENGINES:
        raise ParameterError(f"The 'engine' parameter must be one of {', '.join(ENGINES)} or None. Got {engine!r}.")
    if engine == "duckdb" and source.kind == "pandas":
        return "duckdb", source
    raise ParameterError(f"{source.label} cannot run on engine {engine!r}; leave engine=None (it runs on {natural}).")


def compute_moments(data: Any, request: MomentsRequest, *, engine: str | None = None) -> Moments:
    """Moments of ``data`` as asked by ``request``, in one pass.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"variant": ["a", "a", "b"], "y": [1.0, 3.0, 5.0]})
    >>> m = compute_moments(df, MomentsRequest(columns=("y",), group="variant"))
    >>> m.summary(0).mean_of("y"), int(m.n[1])
    (2.0, 1)
    >>> compute_moments(df, MomentsRequest(columns=("y",), group="variant"), engine="duckdb").summary(0).mean_of("y")
    2.0
    """
    kind, source = _engine(data, engine)
    if kind == "memory":
        from abkit.engines.memory import frame_moments

        return frame_moments(source.data, request)
    if kind == "duckdb":
        from abkit.engines.duck import duck_moments

        return duck_moments(source, request)
    from abkit.engines.spark import spark_moments

    return spark_moments(source, request)


def quantiles(data: Any, column: str, probs: Sequence[float], *, engine: str | None = None) -> np.ndarray:
    """Quantiles (linear interpolation, as numpy's default and R's type 7) of a numeric column, NaN/inf ignored."""
    kind, source = _engine(data, engine)
    if kind == "duckdb":
        from abkit.engines.duck import duck_quantiles

        return duck_quantiles(source, column, probs)
    if kind == "spark":
        from abkit.engines.spark import spark_quantiles

        return spark_quantiles(source, column, probs)
    from abkit.engines.memory import column_values

    values = column_values(source.data, column)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return np.full(len(probs), np.nan)
    return np.quantile(values, list(probs))


def count_duplicates(data: Any, column: str, *, engine: str | None = None) -> int:
    """Rows whose ``column`` value appeared in an earlier row (missing ids count as one value)."""
    kind, source = _engine(data, engine)
    if kind == "duckdb":
        from abkit.engines.duck import duck_count_duplicates

        return duck_count_duplicates(source, column)
    if kind == "spark":
        from abkit.engines.spark import spark_count_duplicates

        return spark_count_duplicates(source, column)
    from abkit.engines.memory import _missing_column

    frame = source.data
    if column not in frame.columns:
        raise _missing_column(frame, column)
    return int(frame[column].duplicated().sum())
