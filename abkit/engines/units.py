"""Rows to analysis rows in memory: time keys truncated to a day or an hour, and events aggregated to units.

The SQL engines do the same inside their query (see :mod:`abkit.engines.sql`); the rules are shared:

- a ``by`` key holding dates or timestamps is a *temporal* key; with ``time_grain`` it is truncated to the day or
  hour (timezone-aware values in UTC); keys come back as ``datetime64[ns]``;
- with ``aggregate_units=True`` every source column is summed per (unit, arm, non-temporal ``by`` keys), a temporal
  key takes its earliest value (the day of the unit's first event), a sum is NaN when any event's value is NaN or
  missing (SQL: NULL), and a unit seen in two arms raises a DataError counting such units.

Examples
--------
>>> import pandas as pd
>>> from abkit.engines.moments import MomentsRequest
>>> events = pd.DataFrame({"user": [1, 1, 2], "variant": ["a", "a", "b"], "clicks": [1.0, 2.0, 5.0]})
>>> frame, _ = prepare_frame(events, MomentsRequest(columns=("clicks",), group="variant", unit="user",
...                                                 aggregate_units=True))
>>> frame["clicks"].tolist()
[3.0, 5.0]
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from abkit.engines.moments import MomentsRequest
from abkit.errors import ColumnError, DataError, ParameterError

__all__ = ["aggregate_units", "is_temporal", "prepare_frame", "truncate_time"]

_FREQ = {"day": "D", "hour": "h"}


def _missing(frame: pd.DataFrame, column: str) -> ColumnError:
    return ColumnError(f"column {column!r} not found in the data; columns are: {', '.join(map(str, frame.columns))}")


def is_temporal(s: pd.Series) -> bool:
    """Whether a column holds dates or timestamps (datetime64 dtypes, or Python date/datetime objects)."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return True
    return s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("date", "datetime", "datetime64")


def truncate_time(s: pd.Series, grain: str | None) -> pd.Series:
    """A temporal column as naive ``datetime64[ns]`` (UTC for aware values), floored to the day or hour."""
    aware = getattr(s.dtype, "tz", None) is not None or (
        s.dtype == object and any(getattr(v, "tzinfo", None) is not None for v in s.head(1000))
    )
    t = pd.to_datetime(s, utc=aware)
    if t.dt.tz is not None:
        t = t.dt.tz_convert("UTC").dt.tz_localize(None)
    t = t.astype("datetime64[ns]")
    return t.dt.floor(_FREQ[grain]) if grain else t


def prepare_frame(frame: pd.DataFrame, request: MomentsRequest) -> tuple[pd.DataFrame, MomentsRequest]:
    """Apply ``time_grain`` and ``aggregate_units``; return the frame of analysis rows and the request left to do."""
    for k in (*request.keys, request.unit):
        if k is not None and k != "_bucket" and k not in frame.columns:
            raise _missing(frame, k)
    temporal = [k for k in request.by if is_temporal(frame[k])]
    if request.time_grain and not temporal:
        raise ParameterError(
            f"time_grain={request.time_grain!r} needs a date or timestamp column among the 'by' keys "
            f"{list(request.by)}; found none (convert with pd.to_datetime)."
        )
    if temporal:
        frame = frame.assign(**{k: truncate_time(frame[k], request.time_grain) for k in temporal})
    if request.aggregate_units:
        frame = aggregate_units(frame, request, temporal)
    return frame, dataclasses.replace(request, time_grain=None, aggregate_units=False)


def aggregate_units(frame: pd.DataFrame, request: MomentsRequest, temporal: list[str]) -> pd.DataFrame:
    """One row per (unit, non-temporal ``by`` keys): source columns summed, temporal keys at the first event."""
    from abkit.engines.memory import column_values

    unit = str(request.unit)
    if frame[unit].isna().any():
        raise DataError(f"column {unit!r} has {int(frame[unit].isna().sum())} rows without a unit id.")
    plain = [k for k in request.by if k not in temporal]
    for k in ([request.group] if request.group else []) + plain + temporal:
        n_bad = int(frame[k].isna().sum())
        if n_bad:
            raise DataError(f"column {k!r} has {n_bad} missing values; every row needs a {k!r}.")
    codes = frame.groupby([unit, *plain], sort=False, dropna=False).ngroup().to_numpy()
    n_units = int(codes.max()) + 1 if len(codes) else 0
    first = np.unique(codes, return_index=True)[1]  # first row of each unit
    out = {c: frame[c].to_numpy()[first] for c in (unit, *plain)}
    if request.group:
        arm_codes, arms = pd.factorize(frame[request.group], sort=True)
        span = pd.Series(arm_codes).groupby(codes).agg(["min", "max"])
        conflicts = int((span["min"] != span["max"]).sum())
        if conflicts:
            raise DataError(
                f"{conflicts} units of column {unit!r} appear in more than one arm of column {request.group!r}; "
                "each unit must stay in one arm (check the assignment or the join)."
            )
        out[request.group] = np.asarray(arms)[span["min"].to_numpy()]
    for k in temporal:
        out[k] = pd.Series(frame[k].to_numpy()).groupby(codes).min().to_numpy()
    for c in request.source_columns():
        out[c] = np.bincount(codes, weights=column_values(frame, c), minlength=n_units)
    return pd.DataFrame(out)
