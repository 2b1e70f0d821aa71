"""Engines: sufficient statistics (moments) in one pass, in memory (numpy), over files (DuckDB) or on Spark.

Every function here takes ``data`` as given by the user (a pandas DataFrame, a CSV/TSV/Parquet path, a DuckDB
relation or a Spark DataFrame) and dispatches to the engine that owns it. Statistics code calls only these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from abkit.engines.moments import Moments, MomentsRequest, Summary

__all__ = ["Moments", "MomentsRequest", "Summary", "compute_moments", "count_duplicates", "quantiles"]


def compute_moments(data: Any, request: MomentsRequest) -> Moments:
    """Moments of ``data`` as asked by ``request``, in one pass."""
    from abkit.engines.memory import frame_moments
    from abkit.io import as_frame

    return frame_moments(as_frame(data), request)


def quantiles(data: Any, column: str, probs: Sequence[float]) -> np.ndarray:
    """Quantiles (linear interpolation, as numpy's default and R's type 7) of a numeric column, NaN ignored."""
    from abkit.engines.memory import column_values
    from abkit.io import as_frame

    values = column_values(as_frame(data), column)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return np.full(len(probs), np.nan)
    return np.quantile(values, list(probs))


def count_duplicates(data: Any, column: str) -> int:
    """Rows whose ``column`` value appeared in an earlier row."""
    from abkit.engines.memory import _missing_column
    from abkit.io import as_frame

    frame = as_frame(data)
    if column not in frame.columns:
        raise _missing_column(frame, column)
    return int(frame[column].duplicated().sum())
