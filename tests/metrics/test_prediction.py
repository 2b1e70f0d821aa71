"""Prediction metrics against scikit-learn and R (pROC), and the model non-regression comparison."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss, roc_auc_score

from abkit.errors import DataError, DegenerateDataWarning, ParameterError
from abkit.metrics.prediction import auc_delong, compare_models, prediction_metrics

# fmt: off
Y = (0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0,
     1, 0)
S1 = (0.5, 0.5, 0.2, 0.4, 0.6, 0.4, 0.5, 0.4, 0.7, 0.4, 0.7, 0.5, 0.1, 0.3, 0.3, 0.5, 0.3, 0.9, 0.2, 0.5, 0.0, 0.5, 0.4,
      0.5, 0.5, 0.8, 0.3, 0.5, 0.8, 0.3, 0.1, 0.1, 0.4, 0.7, 0.4, 0.7, 0.5, 0.4, 0.7, 0.3)
S2 = (0.44, 0.22, 0.28, 0.27, 0.26, 0.45, 0.26, 0.35, 0.6, 0.44, 0.63, 0.33, 0.27, 0.33, 0.01, 0.21, 0.09, 0.3, 0.43,
      0.17, 0.27, 0.76, 0.28, 0.5, 0.16, 0.46, 0.16, 0.43, 0.67, 0.0, 0.44, 0.4, 0.38, 0.21, 0.36, 0.39, 0.55, 0.35,
      0.82, 0.3)
# fmt: on
# R 4.2.2, pROC 1.18.0, with y, s1, s2 the vectors above:
#   r1 <- roc(y, s1, levels = c(0, 1), direction = "<"); r2 <- roc(y, s2, levels = c(0, 1), direction = "<")
#   sprintf("%.17g", c(auc(r1), var(r1, method = "delong"), auc(r2), var(r2, method = "delong"),
#                      cov(r1, r2, method = "delong")))
R_AUC1, R_VAR1 = 0.93269230769230771, 0.0012729208661161325
R_AUC2, R_VAR2, R_COV = 0.74862637362637363, 0.008029281580634073, 2.3524657928715466e-05
#   sprintf("%.17g", ci.auc(r1, method = "delong"))  ->  lower, auc, upper
R_CI1 = (0.8627646801822354, 1.0)
#   t <- roc.test(r1, r2, method = "delong", paired = TRUE); sprintf("%.17g", t$statistic)
R_Z_PAIRED = 1.913293581881218


def frame() -> pd.DataFrame:
    return pd.DataFrame({"y": Y, "s1": S1, "s2": S2})


def test_auc_delong_matches_pROC() -> None:
    auc, se, lo, hi = auc_delong(Y, S1)
    assert auc == pytest.approx(R_AUC1, rel=1e-14)
    assert se**2 == pytest.approx(R_VAR1, rel=1e-12)
    assert (lo, hi) == pytest.approx(R_CI1, rel=1e-12)
    _, se2, _, _ = auc_delong(Y, S2)
    assert se2**2 == pytest.approx(R_VAR2, rel=1e-12)


def test_compare_models_paired_auc_matches_pROC_roc_test() -> None:
    res = compare_models(frame(), label="y", baseline="s2", candidate="s1")
    row = res.table.set_index("metric").loc["auc"]
    assert row["difference"] == pytest.approx(R_AUC1 - R_AUC2, rel=1e-13)
    assert row["se"] ** 2 == pytest.approx(R_VAR1 + R_VAR2 - 2 * R_COV, rel=1e-12)
    assert row["difference"] / row["se"] == pytest.approx(R_Z_PAIRED, rel=1e-12)


def test_prediction_metrics_match_sklearn_and_formulas() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    y = (rng.random(n) < 0.25).astype(int)
    p = np.round(np.clip(0.25 + 0.3 * (y - 0.25) + rng.normal(0, 0.15, n), 0, 1), 2)  # ties, 0 and 1 included
    df = pd.DataFrame({"y": y, "p": p})
    res = prediction_metrics(df, label="y", prediction="p", bins=5)
    t = res.table.set_index("metric")
    assert t.loc["log_loss", "value"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert t.loc["auc", "value"] == pytest.approx(roc_auc_score(y, p), rel=1e-13)
    eps = np.finfo(float).eps
    pc = np.clip(p, eps, 1 - eps)
    ll = -(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    assert t.loc["log_loss", "se"] == pytest.approx(ll.std(ddof=1) / math.sqrt(n), rel=1e-12)
    ybar = y.mean()
    h = -(ybar * np.log(ybar) + (1 - ybar) * np.log(1 - ybar))
    assert t.loc["normalised_entropy", "value"] == pytest.approx(ll.mean() / h, rel=1e-12)
    psi = ll / h - ll.mean() / h**2 * np.log((1 - ybar) / ybar) * y
    assert t.loc["normalised_entropy", "se"] == pytest.approx(psi.std(ddof=1) / math.sqrt(n), rel=1e-10)
    assert t.loc["calibration", "value"] == pytest.approx(p.mean() / y.mean(), rel=1e-13)
    rel = res.reliability
    edges = np.minimum((p * 5).astype(int), 4)  # bins [0, .2), ..., [.8, 1]
    for b in range(5):
        sel = edges == b
        assert rel.loc[b, "n"] == sel.sum()
        assert rel.loc[b, "observed"] == pytest.approx(y[sel].mean(), rel=1e-12)
        assert rel.loc[b, "mean_prediction"] == pytest.approx(p[sel].mean(), rel=1e-12)


def test_compare_models_paired_log_loss_and_verdicts() -> None:
    rng = np.random.default_rng(2)
    n = 20_000
    y = (rng.random(n) < 0.3).astype(int)
    old = np.clip(0.3 + 0.25 * (y - 0.3) + rng.normal(0, 0.1, n), 0.01, 0.99)
    worse = np.clip(old + rng.normal(0, 0.08, n), 0.01, 0.99)
    df = pd.DataFrame({"y": y, "old": old, "new": worse})
    res = compare_models(df, label="y", baseline="old", candidate="new")
    t = res.table.set_index("metric")
    eps = np.finfo(float).eps
    ll = {c: -(y * np.log(np.clip(df[c], eps, 1 - eps)) + (1 - y) * np.log(1 - np.clip(df[c], eps, 1 - eps)))
          for c in ("old", "new")}  # fmt: skip
    d = ll["new"] - ll["old"]
    assert t.loc["log_loss", "difference"] == pytest.approx(d.mean(), rel=1e-11)
    assert t.loc["log_loss", "se"] == pytest.approx(d.std(ddof=1) / math.sqrt(n), rel=1e-10)
    assert t.loc["log_loss", "verdict"] == "regressed" and t.loc["auc", "verdict"] == "regressed"
    assert not res.passed and "log_loss" in res.regressed
    lenient = compare_models(df, label="y", baseline="old", candidate="new", tolerances={"log_loss": 1.0, "auc": 1.0})
    lt = lenient.table.set_index("metric")
    assert lt.loc["log_loss", "verdict"] == "ok" and lt.loc["log_loss", "non_inferior"]
    swapped = compare_models(df, label="y", baseline="new", candidate="old").table.set_index("metric")
    assert swapped.loc["log_loss", "difference"] == pytest.approx(-t.loc["log_loss", "difference"], rel=1e-12)
    assert swapped.loc["log_loss", "verdict"] == "improved"


def test_prediction_bad_input() -> None:
    df = frame()
    bad = df.assign(y=df["y"] * 2)
    with pytest.raises(DataError, match=f"must be 0 or 1; {sum(Y)} rows"):
        prediction_metrics(bad, label="y", prediction="s1")
    with pytest.raises(DataError, match=r"probabilities in \[0, 1\]"):
        prediction_metrics(df.assign(s1=df["s1"] + 0.5), label="y", prediction="s1")
    with pytest.raises(ParameterError, match="unknown metric 'ndcg'"):
        compare_models(df, label="y", baseline="s1", candidate="s2", tolerances={"ndcg": 0.1})
    with pytest.raises(ParameterError, match="floats >= 0"):
        compare_models(df, label="y", baseline="s1", candidate="s2", tolerances={"auc": -1})
    with pytest.raises(ParameterError, match="same column"):
        compare_models(df, label="y", baseline="s1", candidate="s1")
    with pytest.raises(DataError, match="missing or infinite"):
        prediction_metrics(df.assign(s1=df["s1"].where(df.index > 2)), label="y", prediction="s1")


def test_auc_one_class_warns() -> None:
    with pytest.warns(DegenerateDataWarning, match="one class"):
        auc, *_ = auc_delong([1, 1, 1], [0.2, 0.3, 0.4])
    assert math.isnan(auc)
