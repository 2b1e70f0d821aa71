"""Live A/B inference: tests, CUPED, SRM, multiple testing and the analysis of whole experiments."""

from __future__ import annotations

from abkit.engines.moments import Summary
from abkit.stats.cuped import cuped
from abkit.stats.decision import Decision
from abkit.stats.experiment import ExperimentResult, analyze
from abkit.stats.inference import Comparison
from abkit.stats.metrics import Guardrail, Mean, Metric, Proportion, Ratio
from abkit.stats.multiplicity import adjust_pvalues
from abkit.stats.proportion import ztest_proportions
from abkit.stats.ratio import ratio_test
from abkit.stats.srm import SRMResult, srm
from abkit.stats.ttest import ttest

__all__ = [
    "Comparison",
    "Decision",
    "ExperimentResult",
    "Guardrail",
    "Mean",
    "Metric",
    "Proportion",
    "Ratio",
    "SRMResult",
    "Summary",
    "adjust_pvalues",
    "analyze",
    "cuped",
    "ratio_test",
    "srm",
    "ttest",
    "ztest_proportions",
]
