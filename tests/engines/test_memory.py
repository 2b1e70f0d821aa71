"""The in-memory moments engine (abkit/engines/memory.py) and the Moments structure (abkit/engines/moments.py).

Every moment is compared with numpy/pandas computed directly on the rows of each group. Both accumulation paths are
exercised: few groups (<= 8: one Gram matrix per block) and many groups (weighted bincount).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abkit.engines import MomentsRequest, Summary, compute_moments
from abkit.engines.expr import col
from abkit.engines.memory import BLOCK_ROWS, column_values, frame_moments
from abkit.errors import ColumnError, DataError

COLS = ("y", "x", "z")


def _frame(n: int = 3000, groups: int = 3, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.lognormal(1.0, 1.0, n) + g
    return pd.DataFrame(
        {
            "arm": np.array([f"arm{i:02d}" for i in range(groups)])[g],
            "day": rng.integers(0, 4, n),
            "y": 2.0 * x + rng.normal(0, 3, n),
            "x": x,
            "z": rng.poisson(3, n).astype(float),
        }
    )


def _assert_cov_close(actual: np.ndarray, desired: np.ndarray, rtol: float = 1e-12) -> None:
    # relative to the scale of the matrix: a near-zero covariance carries the absolute error of its neighbours
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=rtol * np.abs(desired).max())


def _check_against_numpy(m, df: pd.DataFrame, keys: list[str], rtol: float = 1e-12) -> None:
    assert len(m) == df.groupby(keys).ngroups
    for i in range(len(m)):
        mask = np.ones(len(df), dtype=bool)
        for k in keys:
            mask &= (df[k] == m.keys[k].iloc[i]).to_numpy()
        sub = df.loc[mask, list(COLS)].to_numpy(float)
        s = m.summary(i)
        assert s.n == len(sub) == m.n[i] == m.rows[i]
        np.testing.assert_allclose(s.mean, sub.mean(axis=0), rtol=rtol)
        _assert_cov_close(s.cov, np.cov(sub, rowvar=False, ddof=1), rtol=rtol)


@pytest.mark.parametrize("groups", [2, 3, 8])
def test_moments_few_groups_equal_numpy(groups: int) -> None:
    df = _frame(groups=groups)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))
    assert list(m.keys["arm"]) == sorted(df["arm"].unique())
    _check_against_numpy(m, df, ["arm"])


@pytest.mark.parametrize("groups", [9, 40])
def test_moments_many_groups_equal_numpy(groups: int) -> None:
    df = _frame(n=6000, groups=groups, seed=1)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))
    _check_against_numpy(m, df, ["arm"])


def test_moments_by_keys_equal_pandas_groupby() -> None:
    df = _frame(groups=3, seed=2)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm", by=("day",)))
    assert list(m.keys.columns) == ["arm", "day"]
    _check_against_numpy(m, df, ["arm", "day"])
    ref = df.groupby(["arm", "day"])["y"].agg(["count", "mean"]).reset_index()
    np.testing.assert_array_equal(m.n, ref["count"])
    np.testing.assert_allclose(m.sums[:, 0] / m.n + m.shift[0], ref["mean"], rtol=1e-12)


def test_moments_gram_path_equals_bincount_path_after_reduce() -> None:
    df = _frame(groups=4, seed=3)
    few = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))  # 4 groups: Gram
    many = frame_moments(df, MomentsRequest(columns=COLS, group="arm", by=("day",)))  # 16 groups: bincount
    assert len(many) > 8
    red = many.reduce(["arm"])
    assert list(red.keys["arm"]) == list(few.keys["arm"])
    for i in range(len(few)):
        a, b = few.summary(i), red.summary(i)
        assert a.n == b.n
        np.testing.assert_allclose(a.mean, b.mean, rtol=1e-12)
        _assert_cov_close(a.cov, b.cov, rtol=1e-11)


def test_moments_gram_path_last_group_precise_despite_outlier_in_other_group() -> None:
    rng = np.random.default_rng(0)
    n = 5000
    y = rng.normal(0, 1, 2 * n)
    y[4500] = 1e8  # a whale in group 0, after the pilot window
    df = pd.DataFrame({"arm": np.repeat(["a", "b"], n), "y": y})
    m = frame_moments(df, MomentsRequest(columns=("y",), group="arm"))
    assert m.summary(1).var_of("y") == pytest.approx(np.var(y[n:], ddof=1), rel=1e-9)


@pytest.mark.parametrize("groups", [2, 12])
def test_moments_precision_large_mean_small_sd(groups: int) -> None:
    rng = np.random.default_rng(4)
    n = 200_000
    g = rng.integers(0, groups, n)
    y = 1e6 + 3.0 * rng.standard_normal(n)
    df = pd.DataFrame({"arm": g, "y": y})
    m = frame_moments(df, MomentsRequest(columns=("y",), group="arm"))
    for i in range(groups):
        v = y[g == i]
        ref = np.var(v - 1e6, ddof=1)  # exact enough: the shift by 1e6 is exact in binary for these values
        assert m.summary(i).var_of("y") == pytest.approx(ref, rel=1e-9)
        assert m.summary(i).mean_of("y") == pytest.approx(v.mean(), rel=1e-15)


def test_moments_span_several_blocks() -> None:
    df = _frame(n=2 * BLOCK_ROWS + 12345, groups=3, seed=5)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))
    _check_against_numpy(m, df, ["arm"], rtol=1e-10)


def test_moments_nan_and_inf_counted_per_column_and_arm_and_excluded() -> None:
    df = _frame(n=2000, groups=2, seed=6)
    is_a = (df["arm"] == "arm00").to_numpy()
    ia, ib = np.flatnonzero(is_a), np.flatnonzero(~is_a)
    df.loc[ia[:5], "y"] = np.nan
    df.loc[ia[3:7], "x"] = np.inf  # rows 3 and 4 are bad in both columns
    df.loc[ib[:2], "z"] = -np.inf
    df.loc[ib[2:5], "z"] = np.nan
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))
    np.testing.assert_array_equal(m.missing, [[5, 0, 0], [0, 0, 3]])
    np.testing.assert_array_equal(m.infinite, [[0, 4, 0], [0, 0, 2]])
    np.testing.assert_array_equal(m.rows, [is_a.sum(), (~is_a).sum()])
    np.testing.assert_array_equal(m.n, [is_a.sum() - 7, (~is_a).sum() - 5])
    complete = df[np.isfinite(df[list(COLS)].to_numpy()).all(axis=1)]
    for i, arm in enumerate(["arm00", "arm01"]):
        sub = complete.loc[complete["arm"] == arm, list(COLS)].to_numpy(float)
        s = m.summary(i)
        assert s.n == len(sub)
        np.testing.assert_allclose(s.mean, sub.mean(axis=0), rtol=1e-12)
        _assert_cov_close(s.cov, np.cov(sub, rowvar=False))


def test_moments_nan_in_pilot_window() -> None:
    df = _frame(n=10_000, groups=2, seed=7)
    df.loc[:5000, "y"] = np.nan
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))
    assert np.isfinite(m.shift).all()
    complete = df.dropna()
    for i, arm in enumerate(m.keys["arm"]):
        sub = complete.loc[complete["arm"] == arm, list(COLS)].to_numpy(float)
        _assert_cov_close(m.summary(i).cov, np.cov(sub, rowvar=False), rtol=1e-11)


def test_moments_clip_bounds_and_extremes() -> None:
    df = _frame(n=3000, groups=3, seed=8)
    bounds = {"x": (1.0, 8.0), "y": (-2.0, 20.0)}
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm", clip=bounds, extremes=True))
    clipped = df.assign(x=df["x"].clip(1.0, 8.0), y=df["y"].clip(-2.0, 20.0))
    _check_against_numpy(m, clipped, ["arm"])
    for i, arm in enumerate(m.keys["arm"]):
        sub = clipped.loc[clipped["arm"] == arm, list(COLS)]
        np.testing.assert_allclose(m.minimum[i], sub.min().to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(m.maximum[i], sub.max().to_numpy(), rtol=1e-12)
    assert (m.maximum[:, 1] <= 8.0).all() and (m.minimum[:, 1] >= 1.0).all()


def test_moments_inf_is_counted_even_with_clip_bounds() -> None:
    df = pd.DataFrame({"arm": ["a"] * 5 + ["b"] * 5, "y": [1.0, 2.0, np.inf, 4.0, 5.0, 1.0, 2.0, 3.0, 4.0, 5.0]})
    m = frame_moments(df, MomentsRequest(columns=("y",), group="arm", clip={"y": (0.0, 4.5)}))
    np.testing.assert_array_equal(m.infinite.ravel(), [1, 0])
    np.testing.assert_array_equal(m.n, [4, 5])


def test_moments_pairs_subset() -> None:
    df = _frame(seed=9)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm", pairs=(("y", "x"),)))
    assert np.isnan(m.cross[:, 0, 2]).all() and np.isnan(m.cross[:, 1, 2]).all()
    full = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))
    for i in range(len(m)):
        s, f = m.summary(i, ["y", "x"]), full.summary(i, ["y", "x"])
        np.testing.assert_allclose(s.cov, f.cov, rtol=1e-12)
        assert m.summary(i).var_of("z") == pytest.approx(full.summary(i).var_of("z"), rel=1e-12)


def test_moments_no_group_is_one_group() -> None:
    df = _frame(seed=10)
    m = frame_moments(df, MomentsRequest(columns=COLS))
    assert len(m) == 1
    np.testing.assert_allclose(m.summary(0).cov, np.cov(df[list(COLS)].to_numpy(), rowvar=False), rtol=1e-12)


def test_moments_derived_column_equals_numpy() -> None:
    df = _frame(seed=11)
    req = MomentsRequest(columns=("y", "ratio"), group="arm", derived={"ratio": col("y") / col("x")})
    m = frame_moments(df, req)
    for i, arm in enumerate(m.keys["arm"]):
        sub = df[df["arm"] == arm]
        np.testing.assert_allclose(m.summary(i).mean_of("ratio"), (sub["y"] / sub["x"]).mean(), rtol=1e-12)


def test_compute_moments_dispatches_pandas() -> None:
    df = _frame(seed=12)
    a = compute_moments(df, MomentsRequest(columns=COLS, group="arm"))
    b = frame_moments(df, MomentsRequest(columns=COLS, group="arm"))
    np.testing.assert_array_equal(a.sums, b.sums)


# ---------------------------------------------------------------------------------------------- Moments methods
def test_moments_reduce_over_days_equals_direct() -> None:
    df = _frame(n=4000, groups=3, seed=13)
    by_day = frame_moments(df, MomentsRequest(columns=COLS, group="arm", by=("day",), extremes=True))
    direct = frame_moments(df, MomentsRequest(columns=COLS, group="arm", extremes=True))
    red = by_day.reduce(["arm"])
    np.testing.assert_array_equal(red.n, direct.n)
    np.testing.assert_array_equal(red.rows, direct.rows)
    np.testing.assert_allclose(red.sums, direct.sums, rtol=1e-11, atol=1e-9)
    for i in range(len(red)):
        _assert_cov_close(red.summary(i).cov, direct.summary(i).cov, rtol=1e-11)
    total = by_day.reduce([])
    assert len(total) == 1 and total.n[0] == len(df)


def test_moments_reduce_keeps_extremes() -> None:
    df = _frame(n=4000, groups=2, seed=13)
    by_day = frame_moments(df, MomentsRequest(columns=COLS, group="arm", by=("day",), extremes=True))  # 8 groups
    red = by_day.reduce(["arm"])
    for i, arm in enumerate(red.keys["arm"]):
        sub = df.loc[df["arm"] == arm, list(COLS)]
        np.testing.assert_allclose(red.minimum[i], sub.min().to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(red.maximum[i], sub.max().to_numpy(), rtol=1e-12)


def test_moments_extremes_with_many_groups() -> None:
    df = _frame(n=4000, groups=12, seed=13)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm", extremes=True))
    for i, arm in enumerate(m.keys["arm"]):
        sub = df.loc[df["arm"] == arm, list(COLS)]
        np.testing.assert_allclose(m.minimum[i], sub.min().to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(m.maximum[i], sub.max().to_numpy(), rtol=1e-12)


def test_moments_select_and_find() -> None:
    df = _frame(seed=14)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm", by=("day",)))
    i = m.find(arm="arm01", day=2)
    assert m.keys.iloc[i].tolist() == ["arm01", 2]
    sel = m.select((m.keys["arm"] == "arm01").to_numpy())
    assert len(sel) == 4 and set(sel.keys["arm"]) == {"arm01"}
    with pytest.raises(DataError, match="no group with"):
        m.find(arm="nope")


def test_moments_cumulative_running_totals() -> None:
    df = _frame(n=3000, groups=2, seed=15)
    m = frame_moments(df, MomentsRequest(columns=COLS, group="arm", by=("day",)))
    cum = m.cumulative("day")
    for i in range(len(cum)):
        arm, day = cum.keys["arm"].iloc[i], cum.keys["day"].iloc[i]
        sub = df[(df["arm"] == arm) & (df["day"] <= day)]
        assert cum.n[i] == len(sub)
        _assert_cov_close(cum.summary(i).cov, np.cov(sub[list(COLS)].to_numpy(), rowvar=False), rtol=1e-11)


def test_summary_pool_equals_concatenation() -> None:
    rng = np.random.default_rng(16)
    a, b = rng.normal(0, 1, (50, 2)), rng.normal(3, 2, (70, 2))
    sa = Summary.from_arrays({"u": a[:, 0], "v": a[:, 1]})
    sb = Summary.from_arrays({"u": b[:, 0], "v": b[:, 1]})
    p = Summary.pool(sa, sb)
    both = np.vstack([a, b])
    assert p.n == 120
    np.testing.assert_allclose(p.mean, both.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(p.cov, np.cov(both, rowvar=False), rtol=1e-12)


# ---------------------------------------------------------------------------------------------- columns and keys
def test_column_values_types() -> None:
    df = pd.DataFrame(
        {
            "f": [1.0, 2.0],
            "b": [True, False],
            "i": pd.array([1, None], dtype="Int64"),
            "s": ["a", "b"],
        }
    )
    assert np.shares_memory(column_values(df, "f"), df["f"].to_numpy())  # float64 is not copied
    np.testing.assert_array_equal(column_values(df, "b"), [1.0, 0.0])
    out = column_values(df, "i")
    assert out[0] == 1.0 and np.isnan(out[1])
    with pytest.raises(ColumnError, match="column 's' must be numeric"):
        column_values(df, "s")
    with pytest.raises(ColumnError, match="column 'q' not found in the data; columns are: f, b, i, s"):
        column_values(df, "q")


def test_nullable_na_counted_as_missing() -> None:
    df = pd.DataFrame({"arm": ["a", "a", "b", "b", "b"], "y": pd.array([1, None, 2, 3, None], dtype="Int64")})
    m = frame_moments(df, MomentsRequest(columns=("y",), group="arm"))
    np.testing.assert_array_equal(m.missing.ravel(), [1, 1])
    np.testing.assert_array_equal(m.n, [1, 2])


def test_missing_group_key_raises() -> None:
    df = pd.DataFrame({"arm": ["a", None, "b"], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="column 'arm' has 1 missing values"):
        frame_moments(df, MomentsRequest(columns=("y",), group="arm"))
