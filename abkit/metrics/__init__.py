"""Offline evaluation: counterfactual estimators (IPS ... NCIS ... DR), replay, slates, diagnostics, offline A/B
tests, prediction and ranking metrics, and model non-regression comparison.

Every estimator is a function of the moments of a few per-row expressions, computed by the engines in one pass, so
the same code evaluates logs in pandas, in files (DuckDB) and on Spark.
"""

from __future__ import annotations

from abkit.metrics.dr import DM, DR, SNDR, DRos, SwitchDR
from abkit.metrics.estimators import ESTIMATORS, get_estimator
from abkit.metrics.evaluate import OfflineResult, evaluate
from abkit.metrics.ips import IPS, SNIPS, CappedIPS, ZeroCappedIPS
from abkit.metrics.logs import LogColumns, from_dense
from abkit.metrics.ncis import NCIS, PieceNCIS, PointNCIS
from abkit.metrics.prediction import ModelComparison, PredictionMetrics, compare_models, prediction_metrics
from abkit.metrics.ranking import RankingMetrics, ranking_metrics
from abkit.metrics.replay import Replay
from abkit.metrics.slates import evaluate_slates
from abkit.metrics.synthetic import make_bandit_logs
from abkit.metrics.terms import Estimator

__all__ = [
    "DM",
    "DR",
    "ESTIMATORS",
    "IPS",
    "NCIS",
    "SNDR",
    "SNIPS",
    "CappedIPS",
    "DRos",
    "Estimator",
    "LogColumns",
    "ModelComparison",
    "OfflineResult",
    "PieceNCIS",
    "PointNCIS",
    "PredictionMetrics",
    "RankingMetrics",
    "Replay",
    "SwitchDR",
    "ZeroCappedIPS",
    "compare_models",
    "evaluate",
    "evaluate_slates",
    "from_dense",
    "get_estimator",
    "make_bandit_logs",
    "prediction_metrics",
    "ranking_metrics",
]
