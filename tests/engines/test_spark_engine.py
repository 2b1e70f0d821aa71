"""The Spark engine gives the in-memory engine's moments (one local session for the whole run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abkit as ab
from abkit.engines import MomentsRequest, compute_moments, count_duplicates, quantiles
from abkit.engines.expr import col
from abkit.errors import ColumnError, DataError
from tests.engines.tables import assert_same_moments, make_table, write_parquet

pytestmark = pytest.mark.spark

COLS = ("revenue", "revenue_pre", "orders", "sessions")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_table(n=1500)


@pytest.fixture(scope="module")
def frame(spark, table, tmp_path_factory):
    """The table as a Spark frame read from Parquet, with NULLs besides NaN and inf."""
    path = tmp_path_factory.mktemp("spark") / "t.parquet"
    write_parquet(table, path, nulls={"revenue": [61, 62], "sessions": [70]})
    return spark.read.parquet(str(path))


@pytest.fixture(scope="module")
def expected_table(table) -> pd.DataFrame:
    t = table.copy()
    t.loc[[61, 62], "revenue"] = np.nan
    t.loc[70, "sessions"] = np.nan
    return t


def test_spark_moments_with_null_nan_inf_match_memory(frame, expected_table):
    req = MomentsRequest(
        columns=(*COLS, "rps"), group="variant", derived={"rps": col("revenue") / col("sessions")},
        clip={"orders": (0.0, 6.0)}, extremes=True,
    )  # fmt: skip
    m = compute_moments(frame, req)
    assert_same_moments(compute_moments(expected_table, req), m)
    assert m.missing[:, 0].sum() == 5 and m.missing[:, 3].sum() == 1 and m.infinite[:, 1].sum() == 1


def test_spark_moments_per_day_buckets_and_events(spark, frame, expected_table):
    daily = MomentsRequest(columns=COLS, group="variant", by=("date",), time_grain="day", buckets=32, unit="user")
    m = compute_moments(frame, daily)
    assert_same_moments(compute_moments(expected_table, daily), m)
    assert str(m.keys["date"].dtype) == "datetime64[ns]"
    events = frame.unionByName(frame)
    req = MomentsRequest(columns=COLS, group="variant", unit="user", aggregate_units=True, by=("date",),
                         time_grain="hour")  # fmt: skip
    both = pd.concat([expected_table, expected_table], ignore_index=True)
    assert_same_moments(compute_moments(both, req), compute_moments(events, req))
    strings = spark.createDataFrame(pd.DataFrame({"user": ["a", "b", "c", "a"], "variant": ["x", "x", "y", "y"],
                                                  "y": [1.0, 2.0, 3.0, 4.0]}))  # fmt: skip
    with pytest.raises(DataError, match="1 units of column 'user' appear in more than one arm"):
        compute_moments(strings, MomentsRequest(columns=("y",), group="variant", unit="user", aggregate_units=True))
    sb = MomentsRequest(columns=("y",), group="variant", buckets=7, unit="user", seed=3)
    assert_same_moments(compute_moments(strings.toPandas(), sb), compute_moments(strings, sb))


def test_spark_analyze_quantiles_duplicates_match_memory(spark, table):
    clean = make_table(n=1500, dirty=False)
    sdf = spark.createDataFrame(clean.assign(date=clean["date"].astype(str)))
    metrics = [ab.Mean("revenue", winsorize=(0.01, 0.99)), ab.Mean("revenue", covariate="revenue_pre", name="cuped"),
               ab.Proportion("converted"), ab.Ratio("orders", "sessions", name="ops")]  # fmt: skip
    pd.testing.assert_frame_equal(ab.analyze(sdf, metrics, unit="user").table, ab.analyze(clean, metrics).table,
                                  rtol=1e-9)  # fmt: skip
    np.testing.assert_allclose(quantiles(sdf, "revenue", [0.1, 0.5]), quantiles(clean, "revenue", [0.1, 0.5]))
    dup = spark.createDataFrame(pd.DataFrame({"u": [1.0, 2.0, 2.0, None, None]}))
    assert count_duplicates(dup, "u") == 2


def test_spark_errors_name_the_problem(frame):
    with pytest.raises(ColumnError, match="column 'nope' not found in the Spark DataFrame; columns are: user"):
        compute_moments(frame, MomentsRequest(columns=("nope",)))
    with pytest.raises(ColumnError, match=r"column 'variant' of the Spark DataFrame must be numeric.*string"):
        compute_moments(frame, MomentsRequest(columns=("variant",)))
