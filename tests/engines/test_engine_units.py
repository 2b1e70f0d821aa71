"""Events aggregated to units and time keys, in memory, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abkit.engines import MomentsRequest, compute_moments
from abkit.errors import ColumnError, DataError, ParameterError

EVENTS = pd.DataFrame({
    "user": [1, 1, 2, 3, 3, 3],
    "variant": ["a", "a", "b", "a", "a", "a"],
    "ts": pd.to_datetime(["2024-01-02 10:00", "2024-01-01 23:00", "2024-01-01 01:00", "2024-01-03 05:00",
                          "2024-01-03 06:00", "2024-01-04 00:00"]),
    "clicks": [1.0, 2.0, 4.0, 1.0, 1.0, 1.0],
})  # fmt: skip


def test_aggregate_units_sums_per_unit_at_first_day():
    req = MomentsRequest(columns=("clicks",), group="variant", by=("ts",), time_grain="day", unit="user",
                         aggregate_units=True)  # fmt: skip
    m = compute_moments(EVENTS, req)
    # unit 1: 3 clicks, first event 2024-01-01 (a); unit 2: 4 clicks, 2024-01-01 (b); unit 3: 3 clicks, 2024-01-03 (a)
    assert m.keys.to_dict("list") == {
        "variant": ["a", "a", "b"],
        "ts": [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-01")],
    }
    np.testing.assert_array_equal(m.n, [1, 1, 1])
    np.testing.assert_allclose(m.shift + m.sums[:, 0] / m.n, [3.0, 3.0, 4.0])
    cum = m.cumulative("ts")
    assert cum.n.tolist() == [1, 2, 1]
    np.testing.assert_allclose(cum.summary(1).mean_of("clicks"), 3.0)


def test_aggregate_units_missing_event_makes_unit_missing():
    ev = EVENTS.assign(clicks=[1.0, np.nan, 4.0, 1.0, np.inf, 1.0])
    m = compute_moments(ev, MomentsRequest(columns=("clicks",), group="variant", unit="user", aggregate_units=True))
    assert m.rows.tolist() == [2, 1] and m.n.tolist() == [0, 1]
    assert m.missing[:, 0].tolist() == [1, 0] and m.infinite[:, 0].tolist() == [1, 0]


def test_time_grain_hour_and_timezones():
    aware = EVENTS.assign(ts=EVENTS["ts"].dt.tz_localize("Europe/Paris"))
    m = compute_moments(aware, MomentsRequest(columns=("clicks",), by=("ts",), time_grain="hour"))
    assert m.keys["ts"].iloc[0] == pd.Timestamp("2024-01-01 00:00")  # 01:00 Paris is midnight UTC
    assert str(m.keys["ts"].dtype) == "datetime64[ns]"


def test_units_bad_input():
    with pytest.raises(DataError, match="1 units of column 'user' appear in more than one arm"):
        req = MomentsRequest(columns=("clicks",), group="variant", unit="user", aggregate_units=True)
        compute_moments(EVENTS.assign(variant=["a", "b", "b", "a", "a", "a"]), req)
    with pytest.raises(DataError, match="column 'user' has 1 rows without a unit id"):
        compute_moments(EVENTS.assign(user=[1, None, 2, 3, 3, 3]),
                        MomentsRequest(columns=("clicks",), unit="user", aggregate_units=True))  # fmt: skip
    with pytest.raises(ParameterError, match="needs the unit id column"):
        MomentsRequest(columns=("clicks",), aggregate_units=True)
    with pytest.raises(ParameterError, match="'time_grain'"):
        MomentsRequest(columns=("clicks",), by=("ts",), time_grain="week")
    with pytest.raises(ParameterError, match="time_grain='day' needs a date or timestamp column"):
        compute_moments(EVENTS, MomentsRequest(columns=("clicks",), by=("variant",), time_grain="day"))
    with pytest.raises(ColumnError, match="column 'nope' not found"):
        compute_moments(EVENTS, MomentsRequest(columns=("clicks",), by=("nope",)))
