"""NCIS, PieceNCIS and PointNCIS: the toy example of Gilotte et al. (WSDM 2018), groups, normalisers."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import abkit.metrics as am
from abkit.errors import DegenerateDataWarning, ParameterError
from abkit.metrics.ncis import context_groups, log_uniform_cuts, uncapped_fraction

CAP = 4.0


def toy_logs() -> pd.DataFrame:
    """The paper's toy example, with exact proportions (1,000 rows).

    10% registered users (context_value 100): production shows a1/a2/a3 with probabilities 0.2/0.7/0.1 and rewards
    16/8/12 (mean 10); the candidate shows them with 0.15/0.15/0.7 (mean reward 12). With cap 4 the weight of a3
    (7) is capped, the candidate's mass left uncapped is 0.15 + 0.15 + 0.1 * 4 = 0.7, and the reward is uncorrelated
    with the capped fraction under the candidate (12 on both parts). 90% unknown users (context_value 1): both
    policies agree (weight 1), reward 1. True values: candidate 0.1 * 12 + 0.9 * 1 = 2.1, production 1.9.
    """
    rows = [
        (20, 100.0, 0.2, 0.15, 16.0),
        (70, 100.0, 0.7, 0.15, 8.0),
        (10, 100.0, 0.1, 0.7, 12.0),
        (900, 1.0, 0.5, 0.5, 1.0),
    ]
    parts = [
        pd.DataFrame({"context_value": cv, "propensity": p, "target_propensity": t, "reward": r}, index=range(k))
        for k, cv, p, t, r in rows
    ]
    return pd.concat(parts, ignore_index=True)


def test_ncis_toy_example_reproduces_paper() -> None:
    logs = toy_logs()
    off = am.evaluate(logs, estimators=["ips", "capped_ips", "ncis", "piece_ncis"], cap=CAP, cap_grid=None)
    t = off.table.set_index("estimator")
    assert t.loc["ips", "value"] == pytest.approx(2.1, rel=1e-14)  # the true target value
    assert t.loc["ips", "logged"] == pytest.approx(1.9, rel=1e-14)  # production
    assert t.loc["capped_ips", "value"] == pytest.approx(1.74, rel=1e-14)
    assert t.loc["ncis", "value"] == pytest.approx(1740.0 / 970.0, rel=1e-14)
    assert round(t.loc["ncis", "value"], 1) == 1.8  # NCIS predicts a drop ...
    assert t.loc["ncis", "lift"] < 0
    # ... while PieceNCIS over the two groups (log-uniform between 1 and 100: cut at 10) recovers the truth.
    assert t.loc["piece_ncis", "value"] == pytest.approx(2.1, rel=1e-13)
    assert t.loc["piece_ncis", "lift"] > 0


def test_piece_ncis_default_groups_with_two_groups_recovers_truth() -> None:
    off = am.evaluate(toy_logs(), estimators=[am.PieceNCIS(groups=2)], cap=CAP, cap_grid=None)
    assert off.value("piece_ncis(groups=2)") == pytest.approx(2.1, rel=1e-13)


def test_piece_ncis_explicit_cuts_equal_default_groups() -> None:
    a = am.evaluate(toy_logs(), estimators=[am.PieceNCIS(cuts=(10.0,))], cap=CAP, cap_grid=None).table
    assert a["value"].iloc[0] == pytest.approx(2.1, rel=1e-13)


def test_point_ncis_with_true_normalisers_recovers_truth() -> None:
    logs = toy_logs()
    logs["normaliser"] = np.where(logs["context_value"] > 10, 0.7, 1.0)
    off = am.evaluate(logs, estimators=["point_ncis"], cap=CAP, cap_grid=None)
    assert off.value("point_ncis") == pytest.approx(2.1, rel=1e-13)


def test_point_ncis_sampler_estimates_normalisers() -> None:
    logs = toy_logs()
    registered = logs["context_value"].to_numpy() > 10
    actions_p0 = np.array([0.2, 0.7, 0.1])
    actions_p = np.array([0.15, 0.15, 0.7])

    def sampler(frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        draws = rng.choice(3, size=(len(frame), 4000), p=actions_p)
        w = (actions_p / actions_p0)[draws]
        return np.where(registered[:, None], w, 1.0)

    off = am.evaluate(logs, estimators=[am.PointNCIS(sampler=sampler)], cap=CAP, cap_grid=None, rng=5)
    assert off.table["value"].iloc[0] == pytest.approx(2.1, abs=0.02)
    again = am.evaluate(logs, estimators=[am.PointNCIS(sampler=sampler)], cap=CAP, cap_grid=None, rng=5)
    assert again.table["value"].iloc[0] == off.table["value"].iloc[0]


def test_point_ncis_sampler_needs_a_dataframe(tmp_path: object) -> None:
    path = f"{tmp_path}/toy.parquet"
    toy_logs().to_parquet(path)
    with pytest.raises(ParameterError, match="pandas DataFrame"):
        am.evaluate(path, estimators=[am.PointNCIS(sampler=lambda f, g: np.ones((len(f), 2)))], cap=CAP)


def test_uncapped_fraction_max_and_zero_capping() -> None:
    w = np.array([[0.5, 2.0, 8.0, 1.0]])
    assert uncapped_fraction(w, 4.0)[0] == pytest.approx((1 + 1 + 0.5 + 1) / 4)
    assert uncapped_fraction(w, 4.0, "zero")[0] == pytest.approx(3 / 4)
    with pytest.raises(ParameterError, match="rows, samples"):
        uncapped_fraction(np.ones(3), 1.0)


def test_log_uniform_cuts_and_groups_partition_values() -> None:
    cuts = log_uniform_cuts(1.0, 1000.0, 3)
    assert cuts == pytest.approx((10.0, 100.0))
    values = np.array([0.5, 1.0, 9.99, 10.0, 99.0, 100.0, 5000.0])
    from abkit.engines.expr import col

    ind = np.array([g.evaluate({"x": values}) for g in context_groups(col("x"), cuts)])
    assert ind.sum(axis=0).tolist() == [1.0] * len(values)  # every value in exactly one group
    assert ind.argmax(axis=0).tolist() == [0, 0, 0, 1, 1, 2, 2]
    with pytest.raises(ParameterError, match="context_value > 0"):
        log_uniform_cuts(0.0, 10.0, 3)


def test_piece_ncis_nonpositive_context_value_is_rejected() -> None:
    logs = toy_logs()
    logs.loc[0, "context_value"] = -1.0
    with pytest.raises(ParameterError, match="PieceNCIS\\(cuts="):
        am.evaluate(logs, estimators=["piece_ncis"], cap=CAP)


def test_piece_ncis_group_without_uncapped_mass_warns() -> None:
    logs = toy_logs()
    logs["context_value"] = np.where(logs.index < 10, 1000.0, logs["context_value"])
    logs.loc[logs.index < 10, "target_propensity"] = 0.0
    with pytest.warns(DegenerateDataWarning, match="normaliser is undefined"):
        off = am.evaluate(logs, estimators=[am.PieceNCIS(cuts=(10.0, 500.0))], cap=CAP, cap_grid=None)
    assert np.isnan(off.table["value"].iloc[0])


def test_ncis_zero_capping_formula() -> None:
    logs = toy_logs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        off = am.evaluate(logs, estimators=[am.NCIS(capping="zero")], cap=CAP, cap_grid=None)
    # a3's weight 7 exceeds the cap: zero-capping drops those 10 rows from numerator and denominator
    assert off.table["value"].iloc[0] == pytest.approx((240.0 + 120.0 + 900.0) / (15.0 + 15.0 + 900.0), rel=1e-14)
