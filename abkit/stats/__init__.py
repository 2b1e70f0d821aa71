"""Live A/B inference: tests, CUPED, SRM, multiple testing and the analysis of whole experiments."""

from __future__ import annotations

from abkit.engines.moments import Summary
from abkit.stats.always_valid import AlwaysValid, AlwaysValidResult, always_valid, mixture_tau
from abkit.stats.cuped import cuped
from abkit.stats.decision import Decision
from abkit.stats.experiment import ExperimentResult, analyze
from abkit.stats.inference import Comparison
from abkit.stats.metrics import Guardrail, Mean, Metric, Proportion, Ratio
from abkit.stats.monitor import Monitoring, monitor
from abkit.stats.monitoring import MonitorResult, monitor_looks
from abkit.stats.multiplicity import adjust_pvalues
from abkit.stats.proportion import ztest_proportions
from abkit.stats.ratio import ratio_test
from abkit.stats.sequential import GroupSequential
from abkit.stats.srm import SRMResult, srm
from abkit.stats.ttest import ttest

__all__ = [
    "AlwaysValid",
    "AlwaysValidResult",
    "Comparison",
    "Decision",
    "ExperimentResult",
    "GroupSequential",
    "Guardrail",
    "Mean",
    "Metric",
    "MonitorResult",
    "Monitoring",
    "Proportion",
    "Ratio",
    "SRMResult",
    "Summary",
    "adjust_pvalues",
    "always_valid",
    "analyze",
    "cuped",
    "mixture_tau",
    "monitor",
    "monitor_looks",
    "ratio_test",
    "srm",
    "ttest",
    "ztest_proportions",
]
