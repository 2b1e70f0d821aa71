"""Test tables and comparisons shared by the engine tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_table(n: int = 3000, *, seed: int = 0, dirty: bool = True) -> pd.DataFrame:
    """Units of a two-arm test over five days, with NaN, missing (None) and infinite values when ``dirty``."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(["control", "treatment"], n)
    pre = rng.gamma(2.0, 50.0, n) + 1e4  # a large mean: shifted sums matter
    sessions = 1.0 + rng.poisson(3.0, n)
    orders = rng.binomial(sessions.astype(np.int64), 0.2).astype(float)
    revenue = 0.7 * pre + 5 * orders + rng.normal(0, 10, n) + 3.0 * (arm == "treatment")
    df = pd.DataFrame(
        {
            "user": rng.permutation(n).astype(np.int64) * 7919 + 13,
            "variant": arm,
            "date": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 5 * 24 * 60, n), unit="min"),
            "revenue": revenue,
            "revenue_pre": pre,
            "orders": orders,
            "sessions": sessions,
            "converted": (orders > 0).astype(np.int64),
        }
    )
    if dirty:
        df.loc[[5, 17, 40], "revenue"] = np.nan
        df.loc[[8], "revenue_pre"] = np.inf
        df.loc[[23], "orders"] = -np.inf
        df["revenue"] = df["revenue"].astype(object).where(df.index != 61, None).astype(float)
    return df


def write_parquet(df: pd.DataFrame, path, *, nulls: dict[str, list[int]] | None = None) -> None:
    """Write ``df`` to Parquet keeping NaN as NaN, with true NULLs at ``nulls`` (column -> row positions)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for c in df.columns:
        values = df[c].to_numpy()
        if c in (nulls or {}):
            mask = np.zeros(len(df), dtype=bool)
            mask[nulls[c]] = True
            arrays[c] = pa.array(values, mask=mask, from_pandas=False)
        elif values.dtype == object:
            arrays[c] = pa.array(values.tolist())
        else:
            arrays[c] = pa.array(values, from_pandas=False)
    pq.write_table(pa.table(arrays), str(path))


def assert_same_moments(a, b, *, rtol: float = 1e-9) -> None:
    """Same keys, counts and shifts; means and covariances of every group equal to ``rtol`` (engines sum in
    different orders, so the last digits may differ; 1e-9 relative is the documented tolerance)."""
    pd.testing.assert_frame_equal(a.keys, b.keys)
    assert a.columns == b.columns
    for name in ("rows", "n", "missing", "infinite"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for i in range(len(a)):
        if a.n[i] < 2:
            continue
        sa, sb = a.summary(i), b.summary(i)
        np.testing.assert_allclose(sa.mean, sb.mean, rtol=rtol, err_msg=f"mean of group {i}")
        # covariances to rtol of the scale sqrt(var_i var_j), so that a zero variance is compared with 0 +- 1e-12
        d = np.sqrt(np.abs(np.diag(sa.cov)))
        scale = np.nan_to_num(np.outer(d, d), nan=np.inf) * rtol + 1e-12
        both = np.isfinite(sa.cov) & np.isfinite(sb.cov)
        np.testing.assert_array_equal(np.isfinite(sa.cov), np.isfinite(sb.cov), err_msg=f"cov of group {i}")
        assert (np.abs(sa.cov - sb.cov)[both] <= scale[both]).all(), f"cov of group {i}: {sa.cov} != {sb.cov}"
    np.testing.assert_allclose(a.minimum, b.minimum, rtol=rtol, equal_nan=True)
    np.testing.assert_allclose(a.maximum, b.maximum, rtol=rtol, equal_nan=True)
