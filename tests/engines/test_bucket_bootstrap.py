"""Bucket hash identical in numpy, DuckDB and Spark; replicates reweight bucket moments; bootstrap SE checks."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from abkit.engines import MomentsRequest, compute_moments
from abkit.engines.buckets import (
    bootstrap_replicates,
    bootstrap_se,
    bootstrap_weights,
    bucket_codes,
    bucket_sql_layers,
)
from abkit.errors import ColumnError, DataError, ParameterError
from abkit.stats.compare import compare_arms
from abkit.stats.metrics import Mean, Ratio

EDGE_IDS = np.array([0, 1, -1, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**40 + 3, -(2**62), 2**63 - 1, -(2**63)], np.int64)


def _sql_buckets(run, column: str, kind: str, dialect: str, source: str, *, buckets: int, seed: int) -> np.ndarray:
    q = f"SELECT {column} AS __u, __i FROM {source}"
    layers = bucket_sql_layers("__u", kind, buckets=buckets, seed=seed, dialect=dialect)
    for i, e in enumerate(layers):
        q = f"SELECT *, {e} AS _h{i} FROM ({q}) AS t{i}"
    rows = run(f"SELECT __i, _h{len(layers) - 1} FROM ({q}) AS r ORDER BY __i")
    return np.array([r[1] for r in rows], dtype=np.int64)


def _ids() -> pd.DataFrame:
    ids = np.concatenate([EDGE_IDS, np.random.default_rng(0).integers(-(2**63), 2**63 - 1, 200)])
    return pd.DataFrame({"__i": np.arange(len(ids)), "u": ids, "s": [f"user-{v}-é" for v in ids]})


def test_bucket_codes_sql_duckdb_matches_numpy():
    df = _ids()
    con = duckdb.connect()
    con.register("ids", df)
    for column, kind in (("u", "int"), ("s", "string")):
        for buckets, seed in ((1000, 0), (997, 2**32 - 1), (2, 12345)):
            sql = _sql_buckets(lambda q: con.sql(q).fetchall(), column, kind, "duckdb", "ids",
                               buckets=buckets, seed=seed)  # fmt: skip
            np.testing.assert_array_equal(sql, bucket_codes(df[column], buckets=buckets, seed=seed))


@pytest.mark.spark
def test_bucket_codes_sql_spark_matches_numpy(spark):
    df = _ids()
    spark.createDataFrame(df).createOrReplaceTempView("ids")
    for column, kind in (("u", "int"), ("s", "string")):
        sql = _sql_buckets(lambda q: spark.sql(q).collect(), column, kind, "spark", "ids", buckets=997, seed=77)
        np.testing.assert_array_equal(sql, bucket_codes(df[column], buckets=997, seed=77))


def test_bucket_codes_reference_values():
    # fixed by the documented definition; a change here breaks reproducibility across versions
    assert bucket_codes(np.array([1, 2, 3]), buckets=1000, seed=7).tolist() == [126, 184, 372]
    assert bucket_codes(pd.Series(["a", "b"]), buckets=1000, seed=0).tolist() == [
        int(__import__("hashlib").md5(b"0:a").hexdigest()[:8], 16) % 1000,
        int(__import__("hashlib").md5(b"0:b").hexdigest()[:8], 16) % 1000,
    ]


def test_bucket_codes_uniform_and_independent_of_arm():
    from scipy import stats

    ids = np.arange(1_000_000, dtype=np.int64) * 2 + 10**9  # even ids: a weak hash would show it
    arm = (np.arange(len(ids)) % 2).astype(bool)
    b = bucket_codes(ids, buckets=1000, seed=5)
    counts = np.bincount(b, minlength=1000)
    assert stats.chisquare(counts).pvalue > 1e-4
    table = np.vstack([np.bincount(b[arm], minlength=1000), np.bincount(b[~arm], minlength=1000)])
    assert stats.chi2_contingency(table).pvalue > 1e-4
    other = bucket_codes(ids, buckets=1000, seed=6)
    assert abs(np.corrcoef(b, other)[0, 1]) < 0.01


def test_bucket_codes_bad_input():
    with pytest.raises(ColumnError, match="integer or string ids"):
        bucket_codes(np.array([1.5, 2.0]))
    with pytest.raises(DataError, match="1 missing ids"):
        bucket_codes(pd.Series([1, None, 3], dtype="Int64"))
    with pytest.raises(ParameterError, match="'seed' parameter"):
        bucket_codes(np.array([1]), seed=-1)
    with pytest.raises(ParameterError, match="'buckets' parameter"):
        bucket_codes(np.array([1]), buckets=1)


def _data(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 2.0, n)
    return pd.DataFrame({"user": np.arange(n), "variant": np.where(rng.random(n) < 0.5, "a", "b"),
                         "y": x + rng.normal(0, 1, n), "x": x, "d": 1 + rng.poisson(2, n)})  # fmt: skip


def test_bootstrap_replicates_sum_bucket_moments_with_weights():
    m = compute_moments(_data(), MomentsRequest(columns=("y", "x"), group="variant", buckets=50, unit="user"))
    w = bootstrap_weights(50, 3, rng=1)
    reps = list(bootstrap_replicates(m, 3, rng=1))
    assert len(reps) == 3 and list(reps[0].keys.columns) == ["variant"]
    for r, wr in zip(reps, w, strict=True):
        for arm in range(2):
            sel = (m.keys["variant"] == ["a", "b"][arm]).to_numpy()
            wb = wr[m.keys["_bucket"].to_numpy()[sel]]
            assert r.n[arm] == int(wb @ m.n[sel])
            np.testing.assert_allclose(r.sums[arm], wb @ m.sums[sel])
    np.testing.assert_array_equal(bootstrap_weights(50, 4, rng=0, kind="multinomial").sum(axis=1), 50)
    ones = next(bootstrap_replicates(m, 1, rng=np.random.default_rng(0), kind="multinomial"))
    assert ones.n.dtype == np.int64 and ones.rows.sum() > 0
    with pytest.raises(ParameterError, match="'_bucket' key"):
        next(bootstrap_replicates(m.reduce(["variant"]), 2))
    with pytest.raises(ParameterError, match="'kind'"):
        next(bootstrap_replicates(m, 2, kind="jackknife"))


def test_bootstrap_same_seed_same_replicates_in_memory_and_duckdb():
    df = _data()
    req = MomentsRequest(columns=("y", "x"), group="variant", buckets=100, unit="user", seed=9)
    a, b = compute_moments(df, req), compute_moments(df, req, engine="duckdb")
    stat = lambda m: compare_arms(Mean("y", covariate="x"), m, 0, 1).effect  # noqa: E731
    np.testing.assert_allclose(bootstrap_se(a, stat, 200, rng=4), bootstrap_se(b, stat, 200, rng=4), rtol=1e-9)


def test_bootstrap_se_close_to_delta_method():
    df = _data(20_000, seed=3)
    m = compute_moments(df, MomentsRequest(columns=("y", "x", "d"), group="variant", buckets=1000, unit="user"))
    plain = m.reduce(["variant"])
    for metric in (Mean("y"), Ratio("y", "d"), Mean("y", covariate="x")):
        delta = compare_arms(metric, plain, 0, 1).se
        se = bootstrap_se(m, lambda r, metric=metric: compare_arms(metric, r, 0, 1).effect, 1000, rng=2)
        assert abs(se / delta - 1) < 0.12, (metric, se, delta)
