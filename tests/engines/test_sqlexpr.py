"""Derived expressions give the same values, missing and infinite counts in SQL as in numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abkit.engines import MomentsRequest, compute_moments
from abkit.engines.expr import col
from abkit.engines.sqlexpr import render
from tests.engines.tables import assert_same_moments, write_parquet

a, b = col("a"), col("b")
EXPRS = {
    "div": a / b, "min": a.minimum(10), "max": a.maximum(b), "gt": a.gt(2), "le": a.le(b), "eq": a.eq(0),
    "log": a.log(), "exp": (a / 10).exp(), "abs": a.abs(), "where": a.gt(2).where(a, b), "neg": -a,
    "affine": a * 2 + 1 - b,
}  # fmt: skip
A = [1.0, np.nan, 30.0, 4.0, 0.0, -2.0, np.inf, 7.0, 2.0, np.nan, 0.0, -np.inf]
B = [1.0, 2.0, 0.0, 1.0, 0.0, 0.0, 3.0, 1.0, np.nan, 0.0, 5.0, 2.0]
NULL_ROWS = [7]  # a is NULL (not NaN) there in the Parquet file


def _request(names=tuple(EXPRS)) -> MomentsRequest:
    return MomentsRequest(columns=names, derived={n: EXPRS[n] for n in names}, pairs=None, extremes=True)


def _frame() -> pd.DataFrame:
    """The table as memory sees it: NULL and NaN are both NaN."""
    return pd.DataFrame({"a": A, "b": B}).assign(a=lambda d: d["a"].where(d.index != NULL_ROWS[0]))


def _check(data) -> None:
    """All expressions at once (counts per column over all rows), then each alone (its own complete rows)."""
    assert_same_moments(compute_moments(_frame(), _request()), compute_moments(data, _request()))
    for name in EXPRS:
        assert_same_moments(compute_moments(_frame(), _request((name,))), compute_moments(data, _request((name,))))


def test_render_duckdb_matches_numpy(tmp_path):
    frame = pd.DataFrame({"a": A, "b": B})
    write_parquet(frame, tmp_path / "e.parquet", nulls={"a": NULL_ROWS})
    _check(str(tmp_path / "e.parquet"))


@pytest.mark.spark
def test_render_spark_matches_numpy(spark, tmp_path):
    write_parquet(pd.DataFrame({"a": A, "b": B}), tmp_path / "e.parquet", nulls={"a": NULL_ROWS})
    _check(spark.read.parquet(str(tmp_path / "e.parquet")))


def test_render_text():
    assert render(a / b, "spark").startswith("(CASE WHEN `b` = 0 THEN CASE WHEN isnan(`a`)")
    assert (
        render(a.minimum(10), "duckdb") == '(CASE WHEN ("a" IS NULL OR isnan("a")) THEN NULL ELSE LEAST("a", 10.0) END)'
    )
