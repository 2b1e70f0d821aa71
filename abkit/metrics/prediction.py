"""Prediction metrics with intervals (log loss, normalised entropy, AUC, calibration) and model non-regression.

Log loss, normalised entropy and calibration are functions of means of per-row expressions, computed by the engines
(so they run on files and Spark); the AUC is a rank statistic and reads the two columns as arrays (the row-level
exception). Intervals: CLT or the delta method for the moment-based metrics, DeLong's variance for the AUC; paired
differences between two models on the same rows use the joint moments and DeLong's paired covariance.

Definitions follow scikit-learn: ``log_loss`` clips predictions to ``[eps, 1 - eps]`` with float64's ``eps``;
``roc_auc_score`` counts ties as one half. Normalised entropy is the log loss divided by the entropy of the mean
label (He et al. 2014); calibration is mean prediction over mean label (1 is calibrated).

References
----------
He, Pan, Jin, et al. (2014). Practical lessons from predicting clicks on ads at Facebook. ADKDD.
DeLong, DeLong, Clarke-Pearson (1988). Comparing the areas under two or more correlated receiver operating
characteristic curves: a nonparametric approach. Biometrics 44(3).
Sun, Xu (2014). Fast implementation of DeLong's algorithm for comparing the areas under correlated receiver
operating characteristic curves. IEEE Signal Processing Letters 21(11).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from abkit.engines import MomentsRequest
from abkit.engines.expr import Expr, col
from abkit.errors import DataError, DegenerateDataWarning, ParameterError
from abkit.metrics.delta import Dual, GroupMeans, safe_log
from abkit.metrics.lift import z_value
from abkit.metrics.logs import run_moments
from abkit.results import Result
from abkit.stats.inference import check_confidence_level

__all__ = ["ModelComparison", "PredictionMetrics", "auc_delong", "compare_models", "prediction_metrics"]

EPS = float(np.finfo(np.float64).eps)


def log_loss_expr(label: Expr, pred: Expr) -> Expr:
    """Per-row log loss with scikit-learn's clipping."""
    p = pred.maximum(EPS).minimum(1.0 - EPS)
    return -(label * p.log() + (1.0 - label) * (1.0 - p).log())


def entropy(y: Any) -> Any:
    """Entropy (nats) of a Bernoulli mean (a Dual or an array)."""
    return -(y * safe_log(y) + (1.0 - y) * safe_log(1.0 - y))


def midranks(x: np.ndarray) -> np.ndarray:
    return st.rankdata(x, method="average")


def delong_components(label: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AUCs (k,) and DeLong's structural components V10 (k, positives) and V01 (k, negatives) of k score columns."""
    pos, neg = label == 1, label == 0
    m, n = int(pos.sum()), int(neg.sum())
    aucs, v10, v01 = [], [], []
    for s in np.atleast_2d(scores):
        r_all = midranks(s)
        r_pos, r_neg = midranks(s[pos]), midranks(s[neg])
        aucs.append((r_all[pos].sum() - m * (m + 1) / 2.0) / (m * n))
        v10.append((r_all[pos] - r_pos) / n)  # share of negatives below each positive (ties 1/2)
        v01.append(1.0 - (r_all[neg] - r_neg) / m)  # share of positives above each negative
    return np.array(aucs), np.array(v10), np.array(v01)


def delong_covariance(v10: np.ndarray, v01: np.ndarray) -> np.ndarray:
    """DeLong's covariance matrix of the AUCs from their structural components."""
    s10 = np.atleast_2d(np.cov(v10, ddof=1))
    s01 = np.atleast_2d(np.cov(v01, ddof=1))
    return s10 / v10.shape[1] + s01 / v01.shape[1]


def auc_delong(label: Any, score: Any, *, confidence_level: float = 0.95) -> tuple[float, float, float, float]:
    """AUC (Mann-Whitney, ties counted one half), its DeLong standard error and normal interval (clipped to [0, 1]).

    Examples
    --------
    >>> auc, se, lo, hi = auc_delong([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    >>> round(auc, 4)
    0.8889
    """
    y = np.asarray(label, dtype=float)
    s = np.asarray(score, dtype=float)
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataError("AUC needs 0/1 labels.")
    if y.min() == y.max():
        warnings.warn("AUC: the labels are all of one class; the AUC is nan.", DegenerateDataWarning, stacklevel=2)
        return (math.nan,) * 4
    aucs, v10, v01 = delong_components(y, s)
    se = math.sqrt(delong_covariance(v10, v01)[0, 0])
    z = z_value(check_confidence_level(confidence_level, "auc_delong"))
    return float(aucs[0]), se, max(0.0, aucs[0] - z * se), min(1.0, aucs[0] + z * se)


def check_predictions(data: Any, label: str, predictions: Sequence[str], owner: str) -> GroupMeans:
    """Moments of the label and predictions; errors for missing values, non-binary labels, predictions outside [0,1]."""
    y = col(label)
    derived: dict[str, Expr] = {"__nonbinary": y.gt(0.0) * y.lt(1.0) + y.lt(0.0) + y.gt(1.0)}
    request = MomentsRequest(columns=(label, *predictions, "__nonbinary"), derived=derived, pairs=(), extremes=True)
    roles = {"label": label, **{f"prediction {p!r}": p for p in predictions}}
    m = run_moments(data, request, roles).reduce([])
    names = [label, *predictions]
    bad = {
        c: int(m.missing[0, j] + m.infinite[0, j]) for j, c in enumerate(names) if m.missing[0, j] + m.infinite[0, j]
    }
    if bad:
        raise DataError(f"{owner}: missing or infinite values in {bad}; drop those rows first.")
    gm = GroupMeans.from_moments(m)
    if gm.mean[0, -1] > 0:
        k = round(float(gm.mean[0, -1] * gm.n[0]))
        raise DataError(f"{owner}: column {label!r} (label) must be 0 or 1; {k} rows are not.")
    for j, p in enumerate(predictions, start=1):
        lo, hi = gm.minimum[0, j], gm.maximum[0, j]
        if lo < 0 or hi > 1:
            raise DataError(f"{owner}: column {p!r} must hold probabilities in [0, 1]; found [{lo:g}, {hi:g}].")
    return gm


def moment_metrics(data: Any, label: str, predictions: Sequence[str], *, bins: int = 0) -> GroupMeans:
    """Means and covariances of the label, predictions, per-row log losses and reliability-bin indicators."""
    y = col(label)
    derived: dict[str, Expr] = {}
    for p in predictions:
        derived[f"ll:{p}"] = log_loss_expr(y, col(p))
        for b in range(bins):
            lo, hi = b / bins, (b + 1) / bins
            ind = col(p).ge(lo) * (col(p).le(hi) if b == bins - 1 else col(p).lt(hi))
            derived[f"bin{b}:{p}"], derived[f"bin{b}y:{p}"] = ind, ind * y
            derived[f"bin{b}p:{p}"] = ind * col(p)
    request = MomentsRequest(columns=(label, *predictions, *derived), derived=derived)
    return GroupMeans.from_moments(run_moments(data, request).reduce([]))


def metric_duals(gm: GroupMeans, label: str, pred: str) -> dict[str, Dual]:
    d = gm.duals()
    return {
        "log_loss": d[f"ll:{pred}"],
        "normalised_entropy": d[f"ll:{pred}"] / entropy(d[label]),
        "calibration": d[pred] / d[label],
    }


@dataclass(frozen=True, eq=False)
class PredictionMetrics(Result):
    """Metrics of one model's predictions: ``table`` (metric, value, se, ci_low, ci_high) and ``reliability``."""

    table: pd.DataFrame
    reliability: pd.DataFrame
    n: int
    confidence_level: float


def _frame(data: Any, columns: Sequence[str]) -> pd.DataFrame:
    from abkit.io import as_frame

    return as_frame(data)[list(columns)]


def prediction_metrics(
    data: Any, *, label: str, prediction: str, confidence_level: float = 0.95, bins: int = 10
) -> PredictionMetrics:
    """Log loss, normalised entropy, AUC and calibration of ``prediction`` against a 0/1 ``label``, with intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [0, 0, 1, 1, 0, 1], "p": [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]})
    >>> res = prediction_metrics(df, label="y", prediction="p", bins=2)
    >>> res.table.set_index("metric")["value"].round(4).to_dict()
    {'log_loss': 0.3696, 'normalised_entropy': 0.5332, 'auc': 0.8889, 'calibration': 0.9167}
    """
    owner = "prediction_metrics"
    cl = check_confidence_level(confidence_level, owner)
    if not isinstance(bins, int) or bins < 1:
        raise ParameterError(f"The 'bins' parameter of {owner} must be an int >= 1. Got {bins!r} instead.")
    check_predictions(data, label, [prediction], owner)
    gm = moment_metrics(data, label, [prediction], bins=bins)
    z = z_value(cl)
    rows = []
    for name, d in metric_duals(gm, label, prediction).items():
        se = float(np.sqrt(gm.variance(d))[0])
        rows.append({"metric": name, "value": float(d.value[0]), "se": se})
    frame = _frame(data, [label, prediction])
    auc, auc_se, _, _ = auc_delong(frame[label].to_numpy(float), frame[prediction].to_numpy(float), confidence_level=cl)
    rows.insert(2, {"metric": "auc", "value": auc, "se": auc_se})
    table = pd.DataFrame(rows)
    table["ci_low"] = table["value"] - z * table["se"]
    table["ci_high"] = table["value"] + z * table["se"]
    table["method"] = ["CLT", "delta method", "DeLong", "delta method"]
    return PredictionMetrics(table, _reliability(gm, label, prediction, bins, z), int(gm.n[0]), cl)


def _reliability(gm: GroupMeans, label: str, pred: str, bins: int, z: float) -> pd.DataFrame:
    d = gm.duals()
    out = []
    for b in range(bins):
        count = d[f"bin{b}:{pred}"]
        k = round(float(count.value[0] * gm.n[0]))
        rec: dict[str, Any] = {"bin": b, "low": b / bins, "high": (b + 1) / bins, "n": k}
        if k == 0:
            rec.update(mean_prediction=np.nan, observed=np.nan, observed_ci_low=np.nan, observed_ci_high=np.nan)
        else:
            obs = d[f"bin{b}y:{pred}"] / count
            se = float(np.sqrt(gm.variance(obs))[0])
            rec["mean_prediction"] = float((d[f"bin{b}p:{pred}"] / count).value[0])
            rec.update(observed=float(obs.value[0]), observed_ci_low=float(obs.value[0]) - z * se,
                       observed_ci_high=float(obs.value[0]) + z * se)  # fmt: skip
        out.append(rec)
    return pd.DataFrame(out)


LOWER_IS_BETTER = {"log_loss": True, "normalised_entropy": True, "auc": False, "calibration_error": True}


def _absolute(d: Dual) -> Dual:
    sign = np.sign(d.value)
    return Dual(np.abs(d.value), d.grad * sign[:, None])


@dataclass(frozen=True, eq=False)
class ModelComparison(Result):
    """Paired comparison of a candidate model with the baseline on the same rows.

    ``table`` has one row per metric: ``baseline``, ``candidate``, ``difference`` (candidate - baseline) with ``se``,
    ``ci_low``, ``ci_high``; ``tolerance`` (the worsening accepted); ``verdict``: "regressed" when the interval shows
    the candidate worse than the baseline by more than the tolerance, "improved" when it shows it better, "ok"
    otherwise; ``non_inferior``: the interval rules out a worsening larger than the tolerance.
    """

    table: pd.DataFrame
    n: int
    confidence_level: float

    @property
    def regressed(self) -> list[str]:
        """The metrics whose verdict is "regressed"."""
        return list(self.table.loc[self.table["verdict"] == "regressed", "metric"])

    @property
    def passed(self) -> bool:
        """True when no metric regressed."""
        return not self.regressed


def compare_models(
    data: Any,
    *,
    label: str,
    baseline: str,
    candidate: str,
    tolerances: dict[str, float] | None = None,
    confidence_level: float = 0.95,
) -> ModelComparison:
    """Non-regression comparison of two models' predictions on the same rows, metric by metric.

    Parameters
    ----------
    data : DataFrame or path
        One row per evaluated example: the 0/1 ``label`` and the two models' predicted probabilities.
    label, baseline, candidate : str
        Column names (data in (control, treatment) order: the production model first).
    tolerances : dict metric -> float >= 0, optional
        The worsening accepted per metric (absolute, in the metric's unit), among "log_loss",
        "normalised_entropy", "auc", "calibration_error" (``|mean prediction / mean label - 1|``). Default 0.
    confidence_level : float

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> y = rng.random(5000) < 0.3
    >>> old = np.clip(0.3 + 0.2 * (y - 0.3) + rng.normal(0, 0.1, 5000), 0.01, 0.99)
    >>> df = pd.DataFrame({"y": y.astype(int), "old": old})
    >>> df["new"] = np.clip(df["old"] + 0.1 * (y - 0.3), 0.01, 0.99)
    >>> res = compare_models(df, label="y", baseline="old", candidate="new")
    >>> res.table.set_index("metric")["verdict"].to_dict()
    {'log_loss': 'improved', 'normalised_entropy': 'improved', 'auc': 'improved', 'calibration_error': 'ok'}
    """
    owner = "compare_models"
    cl = check_confidence_level(confidence_level, owner)
    tol = {k: 0.0 for k in LOWER_IS_BETTER}
    for k, v in (tolerances or {}).items():
        if k not in tol:
            raise ParameterError(
                f"The 'tolerances' parameter of {owner} has an unknown metric {k!r}; metrics are: {', '.join(tol)}."
            )
        if not isinstance(v, int | float) or isinstance(v, bool) or not v >= 0:
            raise ParameterError(f"The 'tolerances' parameter of {owner} must map to floats >= 0. Got {k}={v!r}.")
        tol[k] = float(v)
    if baseline == candidate:
        raise ParameterError(f"{owner}: baseline and candidate are the same column {baseline!r}.")
    check_predictions(data, label, [baseline, candidate], owner)
    gm = moment_metrics(data, label, [baseline, candidate])
    z = z_value(cl)
    db, dc = metric_duals(gm, label, baseline), metric_duals(gm, label, candidate)
    for d in (db, dc):
        d["calibration_error"] = _absolute(d.pop("calibration") - 1.0)
    rows: list[tuple[str, float, float, float]] = []
    for name in ("log_loss", "normalised_entropy", "calibration_error"):
        delta = dc[name] - db[name]
        rows.append((name, float(db[name].value[0]), float(dc[name].value[0]), float(np.sqrt(gm.variance(delta))[0])))
    frame = _frame(data, [label, baseline, candidate])
    y = frame[label].to_numpy(float)
    aucs, v10, v01 = delong_components(
        y, np.vstack([frame[baseline].to_numpy(float), frame[candidate].to_numpy(float)])
    )
    cov = delong_covariance(v10, v01)
    rows.insert(2, ("auc", float(aucs[0]), float(aucs[1]), math.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0))))
    out = []
    for name, b, c, se in rows:
        diff = c - b
        lo, hi = diff - z * se, diff + z * se
        worse_lo, worse_hi = (lo, hi) if LOWER_IS_BETTER[name] else (-hi, -lo)
        verdict = "regressed" if worse_lo > tol[name] else "improved" if worse_hi < 0 else "ok"
        out.append({"metric": name, "baseline": b, "candidate": c, "difference": diff, "se": se, "ci_low": lo,
                    "ci_high": hi, "higher_is_better": not LOWER_IS_BETTER[name], "tolerance": tol[name],
                    "verdict": verdict, "non_inferior": bool(worse_hi < tol[name])})  # fmt: skip
    return ModelComparison(pd.DataFrame(out), int(gm.n[0]), cl)
