"""evaluate: lifts and comparisons with paired intervals, diagnostics, cap sensitivity, bad input, rendering."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from offline_data import small_logs

import abkit.metrics as am
from abkit.errors import ColumnError, DataError, ParameterError

Z = 1.959963984540054  # qnorm(0.975)


def se(psi: np.ndarray) -> float:
    return float(np.std(psi, ddof=1) / math.sqrt(len(psi)))


def test_evaluate_lift_uses_paired_influence() -> None:
    df = small_logs()
    r = df["reward"].to_numpy()
    w = (df["target_propensity"] / df["propensity"]).to_numpy()
    value = np.sum(w * r) / np.sum(w)
    psi_value = (w * r - value * w) / w.mean()
    row = am.evaluate(df, estimators=["snips"], cap_grid=None).table.iloc[0]
    assert row["logged"] == pytest.approx(r.mean(), rel=1e-14)
    assert row["lift"] == pytest.approx(value - r.mean(), rel=1e-12)
    assert row["lift_se"] == pytest.approx(se(psi_value - r), rel=1e-12)
    assert row["lift_ci_high"] == pytest.approx(value - r.mean() + Z * se(psi_value - r), rel=1e-12)
    rel = value / r.mean() - 1.0
    psi_rel = psi_value / r.mean() - value * r / r.mean() ** 2
    assert row["rel_lift"] == pytest.approx(rel, rel=1e-12)
    assert row["rel_lift_se"] == pytest.approx(se(psi_rel), rel=1e-12)
    expected_call = "positive" if row["lift_ci_low"] > 0 else "negative" if row["lift_ci_high"] < 0 else "neutral"
    assert row["call"] == expected_call


def test_evaluate_several_candidates_and_comparisons() -> None:
    df = small_logs()
    df["tp_b"] = np.clip(df["propensity"] * 1.3, 0, 1)
    off = am.evaluate(df, estimators=["ips"], candidates={"a": "target_propensity", "b": "tp_b"}, cap_grid=None)
    assert list(off.table["candidate"]) == ["a", "b"]
    r = df["reward"].to_numpy()
    xa = (df["target_propensity"] / df["propensity"]).to_numpy() * r
    xb = (df["tp_b"] / df["propensity"]).to_numpy() * r
    cmp = off.comparisons.iloc[0]
    assert (cmp["control"], cmp["treatment"]) == ("a", "b")
    assert cmp["effect"] == pytest.approx(xb.mean() - xa.mean(), rel=1e-12)
    assert cmp["effect_se"] == pytest.approx(se(xb - xa), rel=1e-12)
    assert cmp["call"] in ("positive", "neutral", "negative")
    assert set(off.diagnostics["candidate"]) == {"a", "b"}
    assert "candidates compared" in str(off)


def test_evaluate_candidates_as_list_and_dict_with_v_hat() -> None:
    df = small_logs()
    df["v_b"] = df["v_hat"] * 0.9
    spec = {
        "a": {"target_propensity": "target_propensity", "v_hat": "v_hat"},
        "b": {"target_propensity": "target_propensity", "v_hat": "v_b"},
    }
    off = am.evaluate(df, estimators=["dm"], candidates=spec, cap_grid=None)
    assert off.value("dm", "b") == pytest.approx(df["v_b"].mean(), rel=1e-13)
    with pytest.raises(ParameterError, match="'v_hat' column"):
        am.evaluate(df, estimators=["dm"], candidates=["target_propensity"], cap_grid=None)


def test_evaluate_diagnostics_match_formulas() -> None:
    df = small_logs()
    cap = 3.0
    r = df["reward"].to_numpy()
    w = (df["target_propensity"] / df["propensity"]).to_numpy()
    d = am.evaluate(df, estimators=["capped_ips"], cap=cap, cap_grid=None).diagnostics.iloc[0]
    assert d["ess"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), rel=1e-12)
    assert d["mean_weight"] == pytest.approx(w.mean(), rel=1e-13)
    assert d["mean_weight_ci_low"] == pytest.approx(w.mean() - Z * se(w), rel=1e-12)
    assert d["max_weight"] == pytest.approx(w.max(), rel=1e-13)
    assert d["share_capped"] == pytest.approx((w > cap).mean(), rel=1e-13)
    assert d["mass_capped"] == pytest.approx(1 - np.minimum(w, cap).sum() / w.sum(), rel=1e-12)
    assert d["bias_bound"] == pytest.approx(np.abs(r).max() * np.maximum(w - cap, 0).mean(), rel=1e-12)
    assert d["q90_weight"] == pytest.approx(np.quantile(w, 0.9), rel=1e-13)


def test_evaluate_capped_bias_bound_with_reward_max() -> None:
    df = small_logs()
    w = (df["target_propensity"] / df["propensity"]).to_numpy()
    row = am.evaluate(df, estimators=["capped_ips", "ncis"], cap=2.0, reward_max=50.0, cap_grid=None).table
    assert row["bias_bound"].iloc[0] == pytest.approx(50.0 * np.maximum(w - 2.0, 0).mean(), rel=1e-12)
    assert np.isnan(row["bias_bound"].iloc[1])  # no worst-case bound for the normalised estimator


def test_evaluate_reward_bound_rejects_negative_rewards() -> None:
    df = small_logs()
    df.loc[3, "reward"] = -2.0
    with pytest.raises(DataError, match=r"must lie in \[0, reward_max=50\].*found rewards in \[-2"):
        am.evaluate(df, estimators=["capped_ips"], cap=2.0, reward_max=50.0, cap_grid=None)


def test_evaluate_cap_sensitivity_grid() -> None:
    df = small_logs()
    r = df["reward"].to_numpy()
    w = (df["target_propensity"] / df["propensity"]).to_numpy()
    off = am.evaluate(df, estimators=["ips"], cap=2.0)
    sens = off.cap_sensitivity
    assert sens["cap"].iloc[0] == 1.0 and 2.0 in set(sens["cap"])
    assert sens["cap"].iloc[-1] == pytest.approx(w.max(), rel=1e-3)
    row = sens[sens["cap"] == 2.0].iloc[0]
    x = np.minimum(w, 2.0) * r
    assert row["capped_ips"] == pytest.approx(x.mean(), rel=1e-12)
    assert row["capped_ips_ci_high"] == pytest.approx(x.mean() + Z * se(x), rel=1e-12)
    assert row["ncis"] == pytest.approx(x.sum() / np.minimum(w, 2.0).sum(), rel=1e-12)
    assert row["share_capped"] == pytest.approx((w > 2.0).mean())
    explicit = am.evaluate(df, estimators=["ips"], cap_grid=[1.5, 4.0]).cap_sensitivity
    assert list(explicit["cap"]) == [1.5, 4.0]


def test_evaluate_default_estimators() -> None:
    df = small_logs()
    assert list(am.evaluate(df, cap_grid=None).table["estimator"]) == ["ips", "snips", "dr"]
    names = list(
        am.evaluate(df[["reward", "propensity", "target_propensity"]], cap=5, cap_grid=None).table["estimator"]
    )
    assert names == ["ips", "snips", "capped_ips", "ncis"]


def test_evaluate_result_renders() -> None:
    df = small_logs()
    off = am.evaluate(df, estimators=["ips", "ncis"], cap=2.0, candidates={"<b>x</b>": "target_propensity"})
    payload = json.loads(off.to_json())
    assert payload["schema_version"] == 1 and payload["kind"] == "OfflineResult"
    assert payload["table"][0]["candidate"] == "<b>x</b>"
    assert payload["diagnostics"][0]["q50_weight"] is not None
    html = off._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert "ncis" in str(off)


@pytest.mark.parametrize("cap", [-1, 0, float("nan"), "10", True])
def test_evaluate_bad_cap_message(cap: object) -> None:
    with pytest.raises(
        ParameterError, match=r"^The 'cap' parameter of evaluate must be a float > 0\. Got .* instead\.$"
    ):
        am.evaluate(small_logs(), estimators=["capped_ips"], cap=cap)  # type: ignore[arg-type]


def test_evaluate_bad_cap_message_exact() -> None:
    with pytest.raises(ParameterError) as e:
        am.evaluate(small_logs(), cap=-1)
    assert str(e.value) == "The 'cap' parameter of evaluate must be a float > 0. Got -1 instead."


def test_evaluate_capped_estimator_without_cap() -> None:
    with pytest.raises(ParameterError, match="'cap' parameter of evaluate must be a float > 0 for estimator 'ncis'"):
        am.evaluate(small_logs(), estimators=["ncis"])


def test_evaluate_missing_column_lists_existing_ones() -> None:
    df = small_logs().drop(columns=["propensity"])
    with pytest.raises(
        ColumnError, match=r"column 'propensity' not found.*columns are: reward, target_propensity.*'propensity' column"
    ):
        am.evaluate(df, estimators=["ips"])


def test_evaluate_renamed_columns() -> None:
    df = small_logs().rename(columns={"reward": "clicks", "propensity": "pscore"})
    off = am.evaluate(df, estimators=["ips"], columns={"reward": "clicks", "propensity": "pscore"}, cap_grid=None)
    assert off.value("ips") == pytest.approx(am.evaluate(small_logs(), estimators=["ips"], cap_grid=None).value("ips"))
    with pytest.raises(ParameterError, match="unknown roles"):
        am.evaluate(df, columns={"rewards": "clicks"})


def test_evaluate_missing_values_counted_per_column() -> None:
    df = small_logs()
    df.loc[[1, 2, 3], "propensity"] = np.nan
    df.loc[5, "reward"] = np.nan
    with pytest.raises(DataError, match=r"missing values \('reward': 1 row, 'propensity': 3 rows of 400\)"):
        am.evaluate(df, estimators=["ips"])


def test_evaluate_infinite_values_counted() -> None:
    df = small_logs()
    df.loc[[1, 2], "reward"] = np.inf
    with pytest.raises(DataError, match=r"infinite values \('reward': 2 rows\)"):
        am.evaluate(df, estimators=["ips"])


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.2])
def test_evaluate_propensity_outside_unit_interval(bad: float) -> None:
    df = small_logs()
    df.loc[[0, 7], "propensity"] = bad
    with pytest.raises(
        DataError, match=r"column 'propensity' \(propensity\) must hold probabilities in \(0, 1\]; 2 rows"
    ):
        am.evaluate(df, estimators=["snips"])


def test_evaluate_target_propensity_outside_unit_interval() -> None:
    df = small_logs()
    df.loc[4, "target_propensity"] = 1.5
    msg = r"column 'target_propensity' \(target_propensity of 'candidate'\) must hold probabilities in \[0, 1\]; "
    msg += r"1 row is outside \(min"
    with pytest.raises(DataError, match=msg):
        am.evaluate(df, estimators=["ips"])


def test_evaluate_bad_parameters() -> None:
    df = small_logs()
    with pytest.raises(ParameterError, match="confidence_level"):
        am.evaluate(df, confidence_level=1.5)
    with pytest.raises(ParameterError, match="duplicates"):
        am.evaluate(df, estimators=["ips", "ips"])
    with pytest.raises(ParameterError, match="non-empty list"):
        am.evaluate(df, estimators=[])
    assert list(am.evaluate(df, estimators="ips, snips", cap_grid=None).table["estimator"]) == ["ips", "snips"]
    with pytest.raises(ParameterError, match="unit"):
        am.evaluate(df, estimators=["ips"], bootstrap=100)
    with pytest.raises(ParameterError, match="cap_grid"):
        am.evaluate(df, estimators=["ips"], cap_grid="all")


def test_evaluate_weight_mean_far_from_one_adds_note() -> None:
    df = small_logs(n=2000)
    df["target_propensity"] = np.clip(df["propensity"] * 0.5, 0, 1)  # the candidate's mass is half missing
    off = am.evaluate(df, estimators=["ips"], cap_grid=None)
    assert not off.diagnostics["support_ok"].iloc[0]
    assert any("mean importance weight" in n for n in off.notes)


def test_evaluate_works_on_files(tmp_path: object) -> None:
    df = small_logs()
    path = f"{tmp_path}/logs.csv"
    df.to_csv(path, index=False)
    a = am.evaluate(df, estimators=["ips", "ncis"], cap=2.0, cap_grid=None).table
    b = am.evaluate(path, estimators=["ips", "ncis"], cap=2.0, cap_grid=None).table
    pd.testing.assert_series_equal(a["value"], b["value"], rtol=1e-12)
