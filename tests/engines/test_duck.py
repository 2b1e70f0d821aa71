"""The DuckDB engine gives the in-memory engine's moments over DataFrames, Parquet, CSV and relations."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import abkit as ab
from abkit.engines import MomentsRequest, compute_moments, count_duplicates, quantiles
from abkit.engines.expr import col
from abkit.errors import ColumnError, DataError, ParameterError
from tests.engines.tables import assert_same_moments, make_table, write_parquet

COLS = ("revenue", "revenue_pre", "orders", "sessions")
FULL = MomentsRequest(
    columns=(*COLS, "rpo"),
    group="variant",
    derived={"rpo": col("revenue") / col("sessions")},
    clip={"orders": (0.0, 6.0)},
    extremes=True,
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return make_table()


def test_duck_moments_dataframe_match_memory(table):
    assert_same_moments(compute_moments(table, FULL), compute_moments(table, FULL, engine="duckdb"))


def test_duck_moments_parquet_with_null_and_nan_match_memory(table, tmp_path):
    path = tmp_path / "t.parquet"
    write_parquet(table, path, nulls={"revenue": [61, 62], "sessions": [70]})
    expected = table.copy()
    expected.loc[[61, 62], "revenue"] = np.nan
    expected.loc[70, "sessions"] = np.nan
    # the file really holds both NULL and NaN
    nn = duckdb.sql(f"SELECT COUNT(*) - COUNT(revenue), COUNT(CASE WHEN isnan(revenue) THEN 1 END) FROM '{path}'")
    assert nn.fetchall() == [(2, 3)]
    m = compute_moments(str(path), FULL)
    assert_same_moments(compute_moments(expected, FULL), m)
    assert m.missing[:, 0].sum() == 5 and m.missing[:, 3].sum() == 1
    assert m.infinite[:, 1].sum() == 1 and m.infinite[:, 2].sum() == 1  # counted before clipping


def test_duck_moments_csv_and_tsv_match_memory(table, tmp_path):
    table.to_csv(tmp_path / "t.csv", index=False)
    table.to_csv(tmp_path / "t.tsv", index=False, sep="\t")
    expected = compute_moments(table, FULL)
    assert_same_moments(expected, compute_moments(tmp_path / "t.csv", FULL))
    assert_same_moments(expected, compute_moments(str(tmp_path / "t.tsv"), FULL))


def test_duck_moments_glob_and_relation(table, tmp_path):
    for i, part in enumerate(np.array_split(np.arange(len(table)), 3)):
        write_parquet(table.iloc[part], tmp_path / f"part{i}.parquet")
    expected = compute_moments(table, FULL)
    assert_same_moments(expected, compute_moments(str(tmp_path / "part*.parquet"), FULL))
    con = duckdb.connect()
    rel = con.read_parquet(str(tmp_path / "part*.parquet"))
    assert_same_moments(expected, compute_moments(rel, FULL))


def test_duck_moments_exact_sums_are_reproducible(table):
    from abkit.engines.duck import duck_moments
    from abkit.io import open_source

    big = pd.concat([table] * 40, ignore_index=True)
    runs = [duck_moments(open_source(big), FULL, exact=True) for _ in range(3)]
    for r in runs[1:]:
        np.testing.assert_array_equal(r.sums, runs[0].sums)
        np.testing.assert_array_equal(r.cross, runs[0].cross)


def test_duck_moments_shifted_sums_keep_precision():
    rng = np.random.default_rng(5)
    y = 1e6 + rng.normal(0, 3, 200_000)
    df = pd.DataFrame({"g": np.repeat(["a", "b"], 100_000), "y": y})
    m = compute_moments(df, MomentsRequest(columns=("y",), group="g"), engine="duckdb")
    np.testing.assert_allclose(m.summary(0).var_of("y"), np.var(y[:100_000], ddof=1), rtol=1e-10)


def test_duck_moments_per_day_keys_are_timestamps(table):
    req = MomentsRequest(columns=COLS, group="variant", by=("date",), time_grain="day")
    a, b = compute_moments(table, req), compute_moments(table, req, engine="duckdb")
    assert_same_moments(a, b)
    assert str(b.keys["date"].dtype) == "datetime64[ns]"
    assert list(b.keys["date"].unique()) == list(pd.date_range("2024-03-01", periods=5, freq="D"))
    cum = b.cumulative("date")
    last = cum.select((cum.keys["date"] == cum.keys["date"].max()).to_numpy())
    total = b.reduce(["variant"])
    np.testing.assert_array_equal(last.n, total.n)


def test_duck_moments_per_hour_and_date_columns(table):
    hourly = MomentsRequest(columns=("revenue",), group="variant", by=("date",), time_grain="hour")
    assert_same_moments(compute_moments(table, hourly), compute_moments(table, hourly, engine="duckdb"))
    days = table.assign(date=table["date"].dt.date)  # Python dates (object column) -> DATE in DuckDB
    req = MomentsRequest(columns=("revenue",), group="variant", by=("date",))
    a, b = compute_moments(days, req), compute_moments(days, req, engine="duckdb")
    assert_same_moments(a, b)
    assert isinstance(b.keys["date"].iloc[0], pd.Timestamp)


def test_duck_moments_buckets_match_memory(table):
    req = MomentsRequest(columns=COLS, group="variant", buckets=64, unit="user", seed=11)
    a, b = compute_moments(table, req), compute_moments(table, req, engine="duckdb")
    assert_same_moments(a, b)
    s = table.assign(user=table["user"].map(lambda u: f"u-{u}"))
    assert_same_moments(compute_moments(s, req), compute_moments(s, req, engine="duckdb"))


def test_duck_moments_events_aggregate_to_units(table):
    events = pd.concat([table, table.assign(date=table["date"] + pd.Timedelta(days=2))], ignore_index=True)
    req = MomentsRequest(columns=COLS, group="variant", by=("date",), time_grain="day", unit="user",
                         aggregate_units=True)  # fmt: skip
    a, b = compute_moments(events, req), compute_moments(events, req, engine="duckdb")
    assert_same_moments(a, b)
    assert a.rows.sum() == len(table)
    units = compute_moments(table.assign(**{c: 2 * table[c] for c in COLS}), MomentsRequest(columns=COLS))
    np.testing.assert_allclose(a.reduce([]).summary(0).mean, units.summary(0).mean, rtol=1e-12)


def test_duck_moments_unit_in_two_arms_raises(table):
    events = pd.concat([table, table.iloc[:3].assign(variant="treatment"), table.iloc[:3].assign(variant="control")])
    req = MomentsRequest(columns=COLS, group="variant", unit="user", aggregate_units=True)
    for engine in (None, "duckdb"):
        with pytest.raises(DataError, match="3 units of column 'user' appear in more than one arm"):
            compute_moments(events, req, engine=engine)


def test_duck_quantiles_and_duplicates_match_memory(table, tmp_path):
    write_parquet(table, tmp_path / "t.parquet")
    probs = [0.01, 0.5, 0.99]
    np.testing.assert_allclose(quantiles(str(tmp_path / "t.parquet"), "revenue", probs),
                               quantiles(table, "revenue", probs), rtol=1e-12)  # fmt: skip
    dup = pd.concat([table, table.iloc[:4]], ignore_index=True)
    dup.loc[[0, 1], "user"] = np.nan  # two missing ids (one duplicate), rows 2 and 3 repeated (two)
    assert count_duplicates(dup, "user", engine="duckdb") == count_duplicates(dup, "user") == 3


def test_duck_analyze_same_table_as_memory(table, tmp_path):
    clean = make_table(dirty=False)
    write_parquet(clean, tmp_path / "c.parquet")
    clean.to_csv(tmp_path / "c.csv", index=False)
    metrics = [ab.Mean("revenue"), ab.Mean("revenue", covariate="revenue_pre", name="revenue_cuped"),
               ab.Proportion("converted"), ab.Ratio("orders", "sessions", name="orders_per_session")]  # fmt: skip
    expected = ab.analyze(clean, metrics).table
    for data in (tmp_path / "c.parquet", str(tmp_path / "c.csv"), duckdb.connect().from_df(clean)):
        got = ab.analyze(data, metrics).table
        pd.testing.assert_frame_equal(got, expected, rtol=1e-9)


def test_duck_errors_name_the_problem(table, tmp_path):
    write_parquet(table, tmp_path / "t.parquet")
    path = str(tmp_path / "t.parquet")
    with pytest.raises(ColumnError, match=r"column 'nope' not found in .*t.parquet; columns are: user, variant"):
        compute_moments(path, MomentsRequest(columns=("nope",), group="variant"))
    with pytest.raises(ColumnError, match=r"column 'variant' of .* must be numeric .*found type VARCHAR"):
        compute_moments(path, MomentsRequest(columns=("variant",)))
    with pytest.raises(ColumnError, match=r"unit column 'revenue' .* integer or string ids.*DOUBLE"):
        compute_moments(path, MomentsRequest(columns=("orders",), buckets=10, unit="revenue"))
    with pytest.raises(ParameterError, match="time_grain='day' needs a date or timestamp"):
        compute_moments(path, MomentsRequest(columns=("orders",), by=("variant",), time_grain="day"))
    with pytest.raises(ParameterError, match="engine 'spark'"):
        compute_moments(table, MomentsRequest(columns=("orders",)), engine="spark")


def test_duck_counts_nan_in_parquet_without_nulls(tmp_path):
    # pyarrow leaves NaN out of the Parquet min/max statistics; DuckDB's statistics propagation then folds isnan(x)
    # to false. The engine switches it off (on a user's relation only for its own queries).
    frame = pd.DataFrame({"g": ["a", "a", "b", "b"], "y": [1.0, np.nan, 0.0, 2.0]})
    write_parquet(frame, tmp_path / "n.parquet")
    req = MomentsRequest(columns=("y",), group="g")
    assert compute_moments(str(tmp_path / "n.parquet"), req).missing[:, 0].tolist() == [1, 0]
    con = duckdb.connect()
    con.sql("SET disabled_optimizers = 'join_order'")
    assert compute_moments(con.read_parquet(str(tmp_path / "n.parquet")), req).missing[:, 0].tolist() == [1, 0]
    assert con.sql("SELECT current_setting('disabled_optimizers')").fetchall() == [("join_order",)]
