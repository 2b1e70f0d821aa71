"""DuckDB's fast path (plain sums with a count per column) is taken only when nothing is missing or infinite."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abkit.engines import MomentsRequest, compute_moments


def _frame(bad: object | None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"variant": np.repeat(["control", "treatment"], 500), "y": rng.normal(size=1000),
                       "x": rng.normal(size=1000)})  # fmt: skip
    if bad is not None:
        df.loc[7, "y"] = bad
    return df


@pytest.mark.parametrize("bad", [None, np.nan, np.inf, -np.inf, "null"])
def test_duckdb_fast_and_full_paths_agree_with_memory(bad: object) -> None:
    df = _frame(None if bad is None else (pd.NA if bad == "null" else bad))
    if bad == "null":
        df["y"] = df["y"].astype("Float64")
    req = MomentsRequest(columns=("y", "x"), group="variant")
    mem = compute_moments(df, req)
    duck = compute_moments(df, req, engine="duckdb")
    np.testing.assert_array_equal(duck.n, mem.n)
    np.testing.assert_array_equal(duck.missing, mem.missing)
    np.testing.assert_array_equal(duck.infinite, mem.infinite)
    for i in range(2):
        np.testing.assert_allclose(duck.summary(i).cov, mem.summary(i).cov, rtol=1e-9)
    if bad is not None:
        assert duck.n.sum() == 999 and (duck.missing + duck.infinite).sum() == 1
