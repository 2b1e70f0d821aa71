"""Resolving sources: DataFrames, paths and globs by suffix, DuckDB relations, Spark frames; column checks."""

from __future__ import annotations

import sys

import duckdb
import numpy as np
import pandas as pd
import pytest

from abkit.errors import ColumnError, DataError, ParameterError
from abkit.io import as_frame, check_columns, column_types, is_spark_frame, open_source, read_table


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "user": [1, 2, 3], "variant": ["a", "b", "a"], "y": [1.0, np.nan, 3.0], "flag": [True, False, True],
        "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02"]),
    })  # fmt: skip


def test_open_source_kinds(frame, tmp_path):
    frame.to_parquet(tmp_path / "a.parquet")
    frame.to_csv(tmp_path / "b.csv", index=False)
    frame.to_csv(tmp_path / "c.tsv", index=False, sep="\t")
    assert open_source(frame).kind == "pandas"
    assert (s := open_source(tmp_path / "a.parquet")).kind == "file" and s.format == "parquet"
    assert open_source(str(tmp_path / "b.csv")).format == "csv"
    assert open_source(str(tmp_path / "c.tsv")).format == "tsv"
    assert open_source(duckdb.sql("SELECT 1 AS x")).kind == "duckdb"
    assert len(open_source(str(tmp_path / "*.parquet")).data) == 1
    parts = tmp_path / "parts"
    parts.mkdir()
    frame.to_parquet(parts / "p1.parquet")
    frame.to_parquet(parts / "p2.parquet")
    assert len(read_table(parts)) == 2 * len(frame)  # a directory of Parquet files
    with pytest.raises(DataError, match="mixes file types"):
        open_source(tmp_path)


def test_read_table_every_format_same_frame(frame, tmp_path):
    frame.to_parquet(tmp_path / "a.parquet")
    frame.to_csv(tmp_path / "b.csv", index=False)
    frame.to_csv(tmp_path / "c.tsv", index=False, sep="\t")
    for name in ("a.parquet", "b.csv", "c.tsv"):
        got = read_table(tmp_path / name)
        assert list(got.columns) == list(frame.columns)
        np.testing.assert_array_equal(got["y"].to_numpy(dtype=float), frame["y"].to_numpy())
    pd.testing.assert_frame_equal(as_frame(duckdb.sql("SELECT 1 AS x")), pd.DataFrame({"x": np.int32([1])}))


def test_open_source_bad_paths(tmp_path):
    with pytest.raises(DataError, match=r"file not found: '.*missing\.parquet'"):
        open_source(str(tmp_path / "missing.parquet"))
    with pytest.raises(DataError, match=r"the pattern '.*nothing-\*\.csv' matches no file"):
        open_source(str(tmp_path / "nothing-*.csv"))
    (tmp_path / "data.xlsx").write_text("x")
    with pytest.raises(ParameterError, match=r"cannot read '.*data\.xlsx': unknown suffix '\.xlsx'"):
        open_source(str(tmp_path / "data.xlsx"))
    with pytest.raises(ParameterError, match="data must be a pandas DataFrame, a path"):
        open_source([1, 2, 3])


def test_column_types_every_kind(frame, tmp_path):
    expected = {"user": "numeric", "variant": "string", "y": "numeric", "flag": "bool", "day": "temporal"}
    assert column_types(open_source(frame)) == expected
    frame.to_parquet(tmp_path / "a.parquet")
    assert column_types(open_source(tmp_path / "a.parquet")) == expected
    objects = frame.assign(day=frame["day"].dt.date, variant=frame["variant"].astype(object))
    assert column_types(open_source(objects)) == expected


def test_check_columns_errors(frame, tmp_path):
    frame.to_parquet(tmp_path / "a.parquet")
    for data, label in ((frame, "the DataFrame"), (str(tmp_path / "a.parquet"), "a.parquet")):
        src = open_source(data)
        with pytest.raises(ColumnError, match=rf"column 'revenue' not found in .*{label}; columns are: user, variant"):
            check_columns(src, numeric=["revenue"])
        with pytest.raises(ColumnError, match=r"column 'variant' of .* must be numeric \(or boolean\); found type"):
            check_columns(src, numeric=["variant"])
        check_columns(src, numeric=["y", "flag"], keys=["variant", "day"])


class _FakeSparkFrame:
    pass


_FakeSparkFrame.__module__ = "pyspark.sql.classic.dataframe"
_FakeSparkFrame.__name__ = "DataFrame"


def test_spark_frame_without_pyspark_is_a_clear_error(monkeypatch):
    fake = _FakeSparkFrame()
    assert is_spark_frame(fake)
    assert not is_spark_frame(pd.DataFrame())
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark now fails
    with pytest.raises(ParameterError, match=r"Spark DataFrame .* pyspark cannot be imported.*abkit\[spark\]"):
        open_source(fake)


def test_as_frame_refuses_to_collect_spark(monkeypatch):
    pytest.importorskip("pyspark")
    with pytest.raises(ParameterError, match="is not collected into memory"):
        as_frame(_FakeSparkFrame())
