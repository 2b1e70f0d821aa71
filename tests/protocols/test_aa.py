"""ab.simulate_aa: the same p-values as ab.analyze on the same assignment; exact arm counts; Clopper-Pearson as R;
on null history the false-positive rate is alpha and p-values are uniform; a broken metric is caught."""

from __future__ import annotations

import dataclasses
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import abkit as ab
from abkit.errors import ColumnError, DataError, ParameterError
from abkit.protocols.aa import AAResult, aa_assignment, clopper_pearson, simulate_aa
from abkit.protocols.progress import ProgressBar
from abkit.protocols.protocol import Protocol

TWO = {"control": 0.5, "treatment": 0.5}


def _history(n: int = 4_000, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    activity = rng.gamma(1.5, 1.0, n)
    x = activity * 10 + rng.normal(0, 3, n)
    displays = 1 + rng.poisson(6 * activity)
    return pd.DataFrame(
        {
            "user_id": np.arange(n),
            "revenue": 0.8 * x + rng.exponential(4.0, n),
            "revenue_pre": x,
            "converted": (rng.random(n) < 0.2).astype(np.int64),
            "clicks": rng.binomial(displays, rng.beta(2, 30, n)).astype(float),
            "displays": displays.astype(float),
            "latency_ms": rng.lognormal(np.log(180), 0.25, n),
        }
    )


def _protocol(**kw) -> Protocol:
    base = {
        "name": "aa", "variant": "variant", "control": "control", "arms": TWO,
        "primary": [ab.Mean("revenue", covariate="revenue_pre"), ab.Ratio("clicks", "displays", name="ctr")],
        "secondary": [ab.Proportion("converted")],
        "guardrails": [ab.Guardrail(ab.Mean("latency_ms", higher_is_better=False), margin=0.02)],
    }  # fmt: skip
    return Protocol(**(base | kw))


# ---- the real analysis -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("arms", [TWO, {"control": 0.4, "b": 0.35, "c": 0.25}])
def test_simulate_aa_pvalues_equal_analyze_on_the_same_assignment(arms):
    h = _history()
    p = _protocol(arms=arms, alternative="two-sided", correction="holm")
    res = simulate_aa(h, p, n_sim=3, rng=11)
    names = list(arms)
    codes = aa_assignment(len(h), arms, 3, rng=11)
    for s in range(3):
        frame = h.assign(variant=np.array(names, dtype=object)[codes[s]])
        full = ab.analyze(frame, protocol=p).table
        guard = ab.analyze(frame, [ab.Mean("latency_ms")], variant="variant", control="control").table
        expected = pd.concat([full[full["role"] != "guardrail"], guard])["pvalue"].to_numpy()
        np.testing.assert_allclose(res._pvalues[s], expected, rtol=1e-9, atol=1e-14)
    assert res.table["variant"].tolist() == [a for _ in range(4) for a in names[1:]]


def test_simulate_aa_one_sided_alternative_matches_analyze():
    h = _history(1_000)
    p = _protocol(alternative="less", guardrails=())
    res = simulate_aa(h, p, n_sim=2, rng=4)
    codes = aa_assignment(len(h), TWO, 2, rng=4)
    for s in range(2):
        frame = h.assign(variant=np.where(codes[s] == 1, "treatment", "control"))
        np.testing.assert_allclose(res._pvalues[s], ab.analyze(frame, protocol=p).table["pvalue"], rtol=1e-9)


def test_simulate_aa_keeps_the_rows_of_a_unit_together():
    """Rows of one unit share an arm: equal to analysing the history with the unit's arm on every row."""
    h = _history(600)
    visits = pd.concat([h, h.iloc[::2]], ignore_index=True)  # every second unit logged twice
    p = _protocol(unit="user_id", guardrails=(), secondary=())
    res = simulate_aa(visits, p, n_sim=2, rng=8)
    assert res.units == 600 and res.rows == 900
    assert any("900 rows for 600 units" in n for n in res.notes)
    codes = aa_assignment(600, TWO, 2, rng=8)
    order = np.sort(visits["user_id"].unique())
    for s in range(2):
        arm = pd.Series(np.where(codes[s] == 1, "treatment", "control"), index=order)
        frame = visits.assign(variant=arm.loc[visits["user_id"]].to_numpy())
        table = ab.analyze(frame, protocol=dataclasses.replace(p, unit=None)).table
        np.testing.assert_allclose(res._pvalues[s], table["pvalue"], rtol=1e-9)


# ---- assignment and intervals --------------------------------------------------------------------------------


def test_aa_assignment_has_exact_counts_and_does_not_depend_on_batches():
    split = {"a": 0.5, "b": 0.3, "c": 0.2}
    codes = aa_assignment(1001, split, 6, rng=3)
    counts = np.stack([np.bincount(row, minlength=3) for row in codes])
    assert (counts == [501, 300, 200]).all()  # 500.5, 300.3, 200.2: the leftover unit goes to the largest fraction
    np.testing.assert_array_equal(codes[2:5], aa_assignment(1001, split, 3, rng=3, start=2))
    assert not (codes[0] == codes[1]).all()
    two = aa_assignment(1000, TWO, 4, rng=3)
    assert (two.sum(axis=1) == 500).all()
    np.testing.assert_array_equal(two[1:], aa_assignment(1000, TWO, 3, rng=3, start=1))


def test_aa_assignment_is_uniform_over_units():
    codes = aa_assignment(50, TWO, 4000, rng=0)
    share = codes.mean(axis=0)  # each unit's share of simulations in treatment: Binomial(4000, 0.5) / 4000
    z = (share - 0.5) / math.sqrt(0.25 / 4000)
    assert stats.chisquare(np.histogram(stats.norm.cdf(z), bins=5, range=(0, 1))[0]).pvalue > 1e-3
    assert np.abs(z).max() < 4.5


@pytest.mark.parametrize(
    ("k", "n", "level", "low", "high"),
    [
        (0, 20, 0.95, 0.0, 0.168433470983085),  # R: binom.test(0, 20)$conf.int
        (5, 100, 0.95, 0.0164318791820522, 0.1128349111054627),  # R: binom.test(5, 100)$conf.int
        (50, 1000, 0.95, 0.0373353976046618, 0.0653904879154936),  # R: binom.test(50, 1000)$conf.int
        (20, 20, 0.95, 0.831566529016915, 1.0),  # R: binom.test(20, 20)$conf.int
        (137, 2000, 0.95, 0.0578184764030008, 0.0804664155439169),  # R: binom.test(137, 2000)$conf.int
        (50, 1000, 0.99, 0.0339266627102203, 0.0705043752014581),  # R: binom.test(50, 1000, conf.level=.99)
    ],
)
def test_clopper_pearson_equals_r_binom_test(k, n, level, low, high):
    lo, hi = clopper_pearson(k, n, level)
    assert float(lo) == pytest.approx(low, rel=1e-10, abs=1e-15) and float(hi) == pytest.approx(high, rel=1e-10)


# ---- false-positive rates ------------------------------------------------------------------------------------


def _binomial_band(p: float, n: int, tail: float = 1e-4) -> tuple[float, float]:
    return stats.binom.ppf(tail, n, p) / n, stats.binom.isf(tail, n, p) / n


@pytest.mark.slow
def test_simulate_aa_on_null_history_holds_alpha_and_gives_uniform_pvalues():
    h = _history(20_000, seed=9)
    p = _protocol(guardrails=())
    res = simulate_aa(h, p, n_sim=4000, rng=2024)
    lo, hi = _binomial_band(0.05, 4000)
    t = res.table
    assert t["n_sim"].eq(4000).all()
    for _, row in t.iterrows():
        assert lo <= row["fpr"] <= hi, row.to_dict()
        assert row["ci_low"] <= 0.05 <= row["ci_high"] or row["status"] != "ok"
        counts = res.histogram[res.histogram["metric"] == row["metric"]]["count"].to_numpy()
        assert counts.sum() == 4000
        if row["metric"] == "converted":  # 0/1: the p-values take about 90 values, too lumpy for 20 bins
            assert math.isnan(row["uniformity_pvalue"])
            continue
        assert row["uniformity_pvalue"] > 1e-4, row.to_dict()
        assert stats.chisquare(counts).pvalue == pytest.approx(row["uniformity_pvalue"])
    assert any("Discrete p-values (converted" in n for n in res.notes)
    # two primary metrics with Holm: the family-wise rate stays at or below alpha (they are correlated here)
    assert res.family_size == 2 and _binomial_band(0.05, 4000)[0] - 0.02 <= res.family_fpr <= hi


def test_simulate_aa_detects_a_metric_whose_rows_are_not_independent():
    """Each unit logged 5 times: the analysis sees 5x the units, so its standard error is sqrt(5) too small and a
    5% test rejects with probability 2 (1 - Phi(1.96 / sqrt(5))) = 0.381."""
    h = _history(2_000, seed=3)[["user_id", "revenue"]]
    dup = pd.concat([h] * 5, ignore_index=True)
    p = Protocol(name="dup", variant="variant", control="control", arms=TWO, primary=[ab.Mean("revenue")],
                 unit="user_id")  # fmt: skip
    res = simulate_aa(dup, p, n_sim=600, rng=5)
    expected = 2 * stats.norm.sf(stats.norm.isf(0.025) / math.sqrt(5))
    lo, hi = _binomial_band(expected, 600)
    row = res.table.iloc[0]
    assert lo <= row["fpr"] <= hi and row["status"] == "inflated"
    assert res.family_fpr == row["fpr"]
    clean = simulate_aa(h, p, n_sim=600, rng=5).table.iloc[0]
    assert clean["status"] == "ok"


def test_simulate_aa_status_and_intervals():
    h = _history(1_000)
    res = simulate_aa(h, _protocol(guardrails=()), n_sim=300, rng=1)
    t = res.table
    low, high = clopper_pearson(t["false_positives"], t["n_sim"], 0.95)
    np.testing.assert_allclose(t["ci_low"], low)
    np.testing.assert_allclose(t["ci_high"], high)
    assert (t["fpr"] == t["false_positives"] / 300).all()
    assert set(t["status"]) <= {"ok", "inflated", "conservative"}
    assert res.family_ci_low <= res.family_fpr <= res.family_ci_high


# ---- reproducibility, output, progress, bad input ---------------------------------------------------------------


def test_simulate_aa_is_reproducible_and_serialisable():
    h = _history(800)
    p = _protocol()
    a, b = simulate_aa(h, p, n_sim=50, rng=7), simulate_aa(h, p, n_sim=50, rng=7)
    np.testing.assert_array_equal(a._pvalues, b._pvalues)
    assert not np.array_equal(a._pvalues, simulate_aa(h, p, n_sim=50, rng=8)._pvalues)
    assert isinstance(a, AAResult) and a.pvalues.shape == (50, 4)
    assert list(a.pvalues.columns) == ["revenue (CUPED)", "ctr", "converted", "latency_ms"]
    payload = json.loads(a.to_json())
    assert payload["kind"] == "AAResult" and len(payload["histogram"]) == 4 * 20
    assert "family-wise" in str(a) and "revenue (CUPED)" in str(a)
    assert "<script" not in a._repr_html_()


def test_progress_bar_writes_only_when_asked(capsys):
    simulate_aa(_history(300), _protocol(), n_sim=5, rng=0, progress=False)
    assert capsys.readouterr().err == ""
    simulate_aa(_history(300), _protocol(), n_sim=5, rng=0)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    simulate_aa(_history(300), _protocol(), n_sim=5, rng=0, progress=True)
    err = capsys.readouterr().err
    assert err.startswith("\rsimulate_aa [") and err.endswith("5/5\n")
    stream = io.StringIO()
    bar = ProgressBar(10, "simulate_aa", enabled=True, stream=stream, width=10)
    bar.update(5)
    bar.close()
    assert stream.getvalue() == "\rsimulate_aa [#####.....] 5/10\n"


def test_simulate_aa_bad_inputs():
    h = _history(300)
    p = _protocol()
    with pytest.raises(ParameterError, match="'n_sim' parameter of simulate_aa must be an int >= 1"):
        simulate_aa(h, p, n_sim=0)
    with pytest.raises(ParameterError, match=r"must be an ab\.Protocol"):
        simulate_aa(h, "experiment.toml")
    with pytest.raises(ColumnError, match="metric 'ctr' needs 'clicks'"):
        simulate_aa(h.drop(columns=["clicks"]), p)
    bad = h.copy()
    bad.loc[:4, "revenue"] = np.nan
    with pytest.raises(DataError, match=r"NaN/inf values \('revenue': 5 rows\)"):
        simulate_aa(bad, p, n_sim=2)
    res = simulate_aa(bad, p, n_sim=2, missing="drop")
    assert any("5 rows with missing values" in n for n in res.notes)
    with pytest.raises(DataError, match="each arm needs at least 2"):
        simulate_aa(h.head(3), p, n_sim=2)


def test_simulate_aa_reads_a_csv_history_like_the_frame(tmp_path):
    h = _history(500)
    path = tmp_path / "history.csv"
    h.to_csv(path, index=False)
    p = _protocol(unit="user_id")
    np.testing.assert_allclose(simulate_aa(str(path), p, n_sim=5)._pvalues, simulate_aa(h, p, n_sim=5)._pvalues,
                               rtol=1e-9)  # fmt: skip
