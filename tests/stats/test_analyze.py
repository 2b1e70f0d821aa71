"""``ab.analyze`` (abkit/stats/experiment.py): the table contract, agreement with the standalone functions on the same
arm subsets, several arms and their multiplicity adjustment, invariances, missing values and every bad input.

Guardrails, SRM and the decision are in test_decision.py.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import abkit as ab
from abkit.errors import ColumnError, DataError, DegenerateDataWarning, ParameterError
from abkit.stats import adjust_pvalues, cuped, ratio_test, ttest, ztest_proportions

CONTRACT = [
    "metric", "variant", "n_control", "n_treatment", "control", "treatment", "effect", "ci_low", "ci_high",
    "rel_effect", "rel_ci_low", "rel_ci_high", "pvalue", "pvalue_adj", "significant", "method",
]  # fmt: skip
NUMERIC = ["control", "treatment", "effect", "ci_low", "ci_high", "rel_effect", "rel_ci_low", "rel_ci_high", "pvalue",
           "pvalue_adj"]  # fmt: skip
RTOL = 1e-9

METRICS = [
    ab.Mean("revenue"),
    ab.Proportion("converted"),
    ab.Ratio("clicks", "displays", name="ctr"),
    ab.Mean("revenue", covariate="revenue_pre"),
]


@pytest.fixture(scope="module")
def three_arms() -> pd.DataFrame:
    return ab.datasets.make_experiment(
        6000, arms={"control": 1 / 3, "a": 1 / 3, "b": 1 / 3}, lift={"revenue": 0.1, "ctr": 0.05}, seed=11
    )


@pytest.fixture(scope="module")
def two_arms() -> pd.DataFrame:
    return ab.datasets.make_experiment(4000, seed=12)


def _arrays(df: pd.DataFrame, arm: str, *cols: str) -> list[np.ndarray]:
    sub = df[df["variant"] == arm]
    return [sub[c].to_numpy(dtype=float) for c in cols]


def _assert_tables_close(a: pd.DataFrame, b: pd.DataFrame, rtol: float = RTOL) -> None:
    assert list(a["metric"]) == list(b["metric"]) and list(a["variant"]) == list(b["variant"])
    assert list(a["n_control"]) == list(b["n_control"]) and list(a["n_treatment"]) == list(b["n_treatment"])
    np.testing.assert_allclose(a[NUMERIC].to_numpy(float), b[NUMERIC].to_numpy(float), rtol=rtol, atol=1e-14)
    assert list(a["significant"]) == list(b["significant"])


# ---------------------------------------------------------------------------------------------- the table
def test_analyze_table_has_contract_columns_in_order(two_arms: pd.DataFrame) -> None:
    t = ab.analyze(two_arms, METRICS).table
    assert list(t.columns[: len(CONTRACT)]) == CONTRACT
    assert list(t["metric"]) == ["revenue", "converted", "ctr", "revenue (CUPED)"]
    assert set(t["variant"]) == {"treatment"}
    assert t["significant"].dtype == bool
    n = two_arms["variant"].value_counts()
    assert (t["n_control"] == n["control"]).all() and (t["n_treatment"] == n["treatment"]).all()


def test_analyze_values_equal_standalone_functions_per_arm(three_arms: pd.DataFrame) -> None:
    t = ab.analyze(three_arms, METRICS, correction=None).table.set_index(["metric", "variant"])
    for arm in ("a", "b"):
        yc, xc, cc, dc, conv_c = _arrays(three_arms, "control", "revenue", "revenue_pre", "clicks", "displays",
                                         "converted")  # fmt: skip
        yt, xt, ct, dt, conv_t = _arrays(three_arms, arm, "revenue", "revenue_pre", "clicks", "displays", "converted")
        refs = {
            "revenue": ttest(yc, yt),
            "converted": ztest_proportions(int(conv_c.sum()), len(conv_c), int(conv_t.sum()), len(conv_t)),
            "ctr": ratio_test(cc, dc, ct, dt),
            "revenue (CUPED)": cuped(yc, xc, yt, xt),
        }
        for metric, ref in refs.items():
            row = t.loc[(metric, arm)]
            assert row["method"] == ref.method
            assert (row["n_control"], row["n_treatment"]) == (ref.n_control, ref.n_treatment)
            for col in ("control", "treatment", "effect", "ci_low", "ci_high", "rel_effect", "rel_ci_low",
                        "rel_ci_high", "pvalue", "se", "df"):  # fmt: skip
                assert row[col] == pytest.approx(getattr(ref, col), rel=RTOL), (metric, arm, col)
            assert row["pvalue_adj"] == row["pvalue"]


@pytest.mark.parametrize("correction", ["holm", "bonferroni", "hochberg", "BH", "BY"])
def test_analyze_adjusts_over_primary_metrics_times_arms(three_arms: pd.DataFrame, correction: str) -> None:
    res = ab.analyze(three_arms, METRICS[:3], secondary=[METRICS[3]], correction=correction)
    t = res.table
    prim, sec = t[t["role"] == "primary"], t[t["role"] == "secondary"]
    assert len(prim) == 6 and len(sec) == 2
    np.testing.assert_allclose(prim["pvalue_adj"], adjust_pvalues(prim["pvalue"], method=correction), rtol=1e-12)
    np.testing.assert_allclose(sec["pvalue_adj"], adjust_pvalues(sec["pvalue"], method=correction), rtol=1e-12)
    assert (t["significant"] == (t["pvalue_adj"] < 0.05)).all()
    assert (t["pvalue_adj"] >= t["pvalue"] - 1e-15).all()


def test_analyze_holm_matters_with_three_arms(three_arms: pd.DataFrame) -> None:
    raw = ab.analyze(three_arms, METRICS[:3], correction=None).table
    holm = ab.analyze(three_arms, METRICS[:3], correction="holm").table
    np.testing.assert_allclose(raw["pvalue"], holm["pvalue"], rtol=1e-14)
    assert (holm["pvalue_adj"] > raw["pvalue_adj"]).any()


def test_analyze_swapping_arm_labels_flips_signs(two_arms: pd.DataFrame) -> None:
    swapped = two_arms.assign(variant=two_arms["variant"].map({"control": "treatment", "treatment": "control"}))
    a = ab.analyze(two_arms, METRICS).table
    b = ab.analyze(swapped, METRICS).table
    np.testing.assert_allclose(b["effect"], -a["effect"], rtol=1e-9)
    np.testing.assert_allclose(b["ci_low"], -a["ci_high"], rtol=1e-9)
    np.testing.assert_allclose(b["pvalue"], a["pvalue"], rtol=1e-9)
    np.testing.assert_allclose(b["control"], a["treatment"].where(a["metric"] != "revenue (CUPED)", b["control"]))


def test_analyze_row_order_does_not_change_results(three_arms: pd.DataFrame) -> None:
    shuffled = three_arms.sample(frac=1.0, random_state=5).reset_index(drop=True)
    _assert_tables_close(ab.analyze(three_arms, METRICS).table, ab.analyze(shuffled, METRICS).table)


def test_analyze_categorical_and_string_variants_agree(three_arms: pd.DataFrame) -> None:
    cat = three_arms.assign(variant=pd.Categorical(three_arms["variant"], categories=["b", "control", "a", "unused"]))
    obj = three_arms.assign(variant=three_arms["variant"].astype(object))
    ref = ab.analyze(three_arms, METRICS).table.sort_values(["metric", "variant"], ignore_index=True)
    for other in (cat, obj):
        res = ab.analyze(other, METRICS)
        assert sorted(res.arms["arm"]) == ["a", "b", "control"]
        _assert_tables_close(ref, res.table.sort_values(["metric", "variant"], ignore_index=True))


def test_analyze_integer_variant_labels() -> None:
    df = ab.datasets.make_experiment(2000, seed=13)
    ints = df.assign(variant=(df["variant"] == "treatment").astype(int))
    a = ab.analyze(df, METRICS[:1]).table
    b = ab.analyze(ints, METRICS[:1], control=0).table
    assert b["variant"].iloc[0] == "1"
    assert b["pvalue"].iloc[0] == pytest.approx(a["pvalue"].iloc[0], rel=1e-12)


def test_analyze_is_reproducible(two_arms: pd.DataFrame) -> None:
    a, b = ab.analyze(two_arms, METRICS), ab.analyze(two_arms, METRICS)
    assert a.to_json() == b.to_json()


# ---------------------------------------------------------------------------------------------- missing values
def test_analyze_nan_raises_with_counts_per_arm(two_arms: pd.DataFrame) -> None:
    df = two_arms.copy()
    ctrl = np.flatnonzero(df["variant"] == "control")[:3]
    trt = np.flatnonzero(df["variant"] == "treatment")[:2]
    df.loc[ctrl[:2], "revenue_pre"] = np.nan
    df.loc[ctrl[2], "revenue_pre"] = np.inf
    df.loc[trt, "clicks"] = np.nan
    with pytest.raises(DataError) as err:
        ab.analyze(df, METRICS)
    msg = str(err.value)
    assert "column 'revenue_pre' has NaN/inf values (control: 3)" in msg
    assert "column 'clicks' has NaN/inf values (treatment: 2)" in msg
    assert "missing='drop'" in msg


def test_analyze_missing_drop_reports_and_matches_complete_rows() -> None:
    df = ab.datasets.make_experiment(5000, missing_rate=0.05, seed=14).astype({"clicks": float})
    df.loc[df.index[:7], "clicks"] = np.inf
    res = ab.analyze(df, METRICS, missing="drop")
    bad = ~np.isfinite(df[["revenue", "converted", "clicks", "displays", "revenue_pre"]].to_numpy(float)).all(axis=1)
    per_arm = pd.Series(bad).groupby(df["variant"].to_numpy()).sum()
    arms = res.arms.set_index("arm")
    assert (arms["dropped"] == per_arm.reindex(arms.index)).all()
    assert res.dropped == int(bad.sum()) > 0
    assert (arms["rows"] == df["variant"].value_counts().reindex(arms.index)).all()
    complete = ab.analyze(df[~bad], METRICS).table
    _assert_tables_close(res.table, complete)
    # the SRM check counts every row, dropped or not
    assert res.srm.counts == tuple(int(df["variant"].eq(a).sum()) for a in res.srm.arms)
    assert "dropped rows (missing values): " + str(res.dropped) in str(res)
    assert json.loads(res.to_json())["dropped"] == res.dropped


# ---------------------------------------------------------------------------------------------- bad input
def _small(n: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user": np.arange(2 * n),
            "variant": np.repeat(["control", "treatment"], n),
            "y": rng.normal(size=2 * n),
            "num": rng.poisson(2, 2 * n).astype(float),
            "den": 1.0 + rng.poisson(5, 2 * n),
            "c": rng.integers(0, 2, 2 * n),
            "label": ["x"] * (2 * n),
        }
    )


def test_analyze_missing_column_lists_columns() -> None:
    with pytest.raises(ColumnError, match=r"column 'revenue' not found in the data; columns are: user, variant, y"):
        ab.analyze(_small(), [ab.Mean("revenue")])
    with pytest.raises(ColumnError, match="column 'arm' not found"):
        ab.analyze(_small(), [ab.Mean("y")], variant="arm")


def test_analyze_non_numeric_column() -> None:
    with pytest.raises(ColumnError, match="column 'label' must be numeric"):
        ab.analyze(_small(), [ab.Mean("label")])


def test_analyze_fewer_than_two_arms() -> None:
    df = _small()
    with pytest.raises(DataError, match="has 1 arm"):
        ab.analyze(df[df["variant"] == "control"], [ab.Mean("y")])


def test_analyze_control_absent() -> None:
    with pytest.raises(DataError, match="control arm 'ctrl' not found in column 'variant'; arms are: control, treat"):
        ab.analyze(_small(), [ab.Mean("y")], control="ctrl")


def test_analyze_arm_with_fewer_than_two_units() -> None:
    df = _small()
    df = pd.concat([df, df.iloc[[0]].assign(variant="lonely")], ignore_index=True)
    with pytest.raises(DataError, match="arm 'lonely' has 1 complete units"):
        ab.analyze(df, [ab.Mean("y")])
    # an arm left with one complete row after dropping missing values
    df2 = _small()
    df2.loc[1:19, "y"] = np.nan
    with pytest.raises(DataError, match="arm 'control' has 1 complete units"):
        ab.analyze(df2, [ab.Mean("y")], missing="drop")


def test_analyze_denominators_summing_to_zero() -> None:
    df = _small().assign(den=0.0)
    with pytest.raises(DataError, match="denominator 'den' sums to zero"):
        ab.analyze(df, [ab.Ratio("num", "den")])


def test_analyze_split_not_summing_to_one() -> None:
    with pytest.raises(ParameterError, match=r"'expected_split' shares must sum to 1\. Got 0\.9"):
        ab.analyze(_small(), [ab.Mean("y")], expected_split={"control": 0.5, "treatment": 0.4})


def test_analyze_unknown_variants_vs_expected_split() -> None:
    df = _small()
    df.loc[:2, "variant"] = "rogue"
    with pytest.raises(DataError, match=r"variants not in the planned split: \{'rogue': 3\}"):
        ab.analyze(df, [ab.Mean("y")], expected_split={"control": 0.5, "treatment": 0.5})


def test_analyze_planned_arm_absent_from_data_is_reported() -> None:
    split = {"control": 0.4, "treatment": 0.4, "b": 0.2}
    try:
        res = ab.analyze(_small(200), [ab.Mean("y")], expected_split=split)
    except DataError as e:
        assert "'b'" in str(e)
    else:
        assert res.decision == "invalid"


def test_analyze_duplicate_unit_ids() -> None:
    df = _small()
    df.loc[5, "user"] = 3
    df.loc[25, "user"] = 3
    with pytest.raises(DataError, match="column 'user' has 2 duplicate unit ids"):
        ab.analyze(df, [ab.Mean("y")], unit="user")
    ab.analyze(_small(), [ab.Mean("y")], unit="user")  # unique ids pass


@pytest.mark.parametrize("values", [[0, 1, 2], [0.0, 0.5, 1.0], [-1, 0, 1]])
def test_analyze_non_binary_proportion(values: list[float]) -> None:
    df = _small()
    df["c"] = np.resize(values, len(df))
    with pytest.raises(DataError, match="column 'c' of Proportion must hold 0/1 values"):
        ab.analyze(df, [ab.Proportion("c")])


def test_analyze_non_binary_proportion_that_balances_moments() -> None:
    df = pd.DataFrame({"variant": np.repeat(["control", "treatment"], 4), "c": [-0.5, 0.5, 0.5, 0.5] * 2})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        with pytest.raises(DataError, match="0/1"):
            ab.analyze(df, [ab.Proportion("c")])


def test_analyze_boolean_proportion_column() -> None:
    df = _small(200)
    a = ab.analyze(df, [ab.Proportion("c")]).table
    b = ab.analyze(df.assign(c=df["c"].astype(bool)), [ab.Proportion("c")]).table
    _assert_tables_close(a, b, rtol=1e-14)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"alpha": 1.5}, ParameterError, "'alpha' parameter of analyze must be a float in \\(0, 1\\). Got 1.5"),
        ({"correction": "sidak"}, ParameterError, "'correction' parameter of analyze"),
        ({"alternative": "larger"}, ParameterError, "'alternative' parameter of analyze"),
        ({"missing": "ignore"}, ParameterError, "'missing' parameter of analyze"),
        ({"confidence_level": 1.0}, ParameterError, "'confidence_level' parameter of analyze"),
        ({"metrics": []}, ParameterError, "at least one metric"),
        ({"metrics": ["y"]}, ParameterError, "'metrics' parameter of analyze must hold"),
        ({"metrics": [ab.Mean("y"), ab.Mean("y")]}, ParameterError, "metric names must be unique"),
    ],
)
def test_analyze_bad_parameters(kwargs: dict, error: type, match: str) -> None:
    kw = {"metrics": [ab.Mean("y")], **kwargs}
    with pytest.raises(error, match=match):
        ab.analyze(_small(), **kw)


def test_analyze_zero_variance_warns_and_is_nan() -> None:
    df = _small().assign(flat=3.0)
    with pytest.warns(DegenerateDataWarning, match="'flat', arm 'treatment': the standard error is 0.0"):
        res = ab.analyze(df, [ab.Mean("flat"), ab.Mean("y")])
    row = res.table.iloc[0]
    assert row["effect"] == 0.0
    for col in ("pvalue", "pvalue_adj", "ci_low", "ci_high", "rel_ci_low"):
        assert math.isnan(row[col]), col
    assert not row["significant"]
    assert res.decision == "inconclusive"
    assert any("could not estimate flat" in r for r in res.decision.reasons)
    # Holm counts the nan test in the family (n = 2): the other p-value is doubled
    assert res.table.iloc[1]["pvalue_adj"] == pytest.approx(min(1.0, 2 * res.table.iloc[1]["pvalue"]))


def test_analyze_all_zero_proportion_warns() -> None:
    df = _small().assign(c=0)
    with pytest.warns(DegenerateDataWarning):
        res = ab.analyze(df, [ab.Proportion("c")])
    assert math.isnan(res.table.iloc[0]["pvalue"])


# ---------------------------------------------------------------------------------------------- winsorisation
def test_analyze_winsorize_clips_at_pooled_quantiles(two_arms: pd.DataFrame) -> None:
    lo, hi = np.quantile(two_arms["revenue"], [0.0, 0.99])
    clipped = two_arms.assign(revenue=two_arms["revenue"].clip(lo, hi))
    a = ab.analyze(two_arms, [ab.Mean("revenue", winsorize=(0.0, 0.99))]).table
    b = ab.analyze(clipped, [ab.Mean("revenue")]).table
    _assert_tables_close(a, b)


def test_analyze_winsorize_applies_only_to_its_metric(two_arms: pd.DataFrame) -> None:
    res = ab.analyze(two_arms, [ab.Mean("revenue", winsorize=(0.0, 0.95), name="w"), ab.Mean("revenue", name="raw")])
    yc, yt = (_arrays(two_arms, a, "revenue")[0] for a in ("control", "treatment"))
    assert res.table.iloc[1]["effect"] == pytest.approx(ttest(yc, yt).effect, rel=RTOL)


def test_analyze_winsorize_still_rejects_inf(two_arms: pd.DataFrame) -> None:
    df = two_arms.copy()
    df.loc[df.index[0], "revenue"] = np.inf
    with pytest.raises(DataError, match="NaN/inf"):
        ab.analyze(df, [ab.Mean("revenue", winsorize=(0.0, 0.99))])
