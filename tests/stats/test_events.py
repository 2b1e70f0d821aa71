"""analyze(events=True): one row per event, summed per unit by the engine, gives the unit-level analysis."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abkit as ab


def _events(units: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 4, len(units))
    ev = units.loc[units.index.repeat(k)].reset_index(drop=True)
    share = np.concatenate([np.full(n, 1.0 / n) for n in k])
    for c in ("clicks", "displays", "revenue", "revenue_pre"):
        ev[c] = ev[c] * share  # each unit's totals spread over its events
    return ev.sample(frac=1.0, random_state=1).reset_index(drop=True)


@pytest.mark.parametrize("source", ["pandas", "parquet"])
def test_events_equal_the_unit_level_analysis(source: str, tmp_path) -> None:
    units = ab.datasets.make_experiment(4000, seed=2)
    events = _events(units)
    data = events
    if source == "parquet":
        data = tmp_path / "events.parquet"
        events.to_parquet(data, index=False)
    metrics = [ab.Mean("revenue", covariate="revenue_pre"), ab.Ratio("clicks", "displays")]
    ref = ab.analyze(units, metrics, unit="user_id").table
    got = ab.analyze(data, metrics, unit="user_id", events=True).table
    assert list(got["n_control"]) == list(ref["n_control"])
    np.testing.assert_allclose(got["effect"], ref["effect"], rtol=1e-9)
    np.testing.assert_allclose(got["pvalue"], ref["pvalue"], rtol=1e-9)


def test_events_need_a_unit_and_duplicates_point_to_events() -> None:
    events = _events(ab.datasets.make_experiment(500, seed=3))
    with pytest.raises(ab.ParameterError, match="needs unit="):
        ab.analyze(events, [ab.Mean("revenue")], events=True)
    with pytest.raises(ab.DataError, match="events=True"):
        ab.analyze(events, [ab.Mean("revenue")], unit="user_id")


def test_events_unit_in_two_arms_is_an_error() -> None:
    events = _events(ab.datasets.make_experiment(500, seed=4))
    first = events["user_id"].iloc[0]
    rows = events.index[events["user_id"] == first]
    events = pd.concat([events, events.loc[rows[:1]].assign(variant="treatment" if
                        events.loc[rows[0], "variant"] == "control" else "control")], ignore_index=True)  # fmt: skip
    with pytest.raises(ab.DataError, match="arm"):
        ab.analyze(events, [ab.Mean("revenue")], unit="user_id", events=True)
