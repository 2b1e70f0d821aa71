"""abkit: A/B testing and offline evaluation for teams that ship recommendation and ad models.

The names users type: metric definitions (``ab.Mean``, ``ab.Proportion``, ``ab.Ratio``, ``ab.Guardrail``), the
analysis (``ab.analyze``), and the submodules ``ab.stats``, ``ab.datasets``.
"""

from __future__ import annotations

from abkit import datasets, metrics, protocols, stats
from abkit.errors import AbkitError, ColumnError, DataError, DegenerateDataWarning, ParameterError, ProtocolError
from abkit.protocols import (
    AAResult,
    DesignResult,
    Protocol,
    assign,
    check_assignment,
    design,
    mde,
    plan_checks,
    power,
    sample_size,
    simulate_aa,
)
from abkit.stats import (
    Comparison,
    Decision,
    ExperimentResult,
    Guardrail,
    Mean,
    Proportion,
    Ratio,
    Summary,
    analyze,
)
from abkit.stats.monitor import Monitoring, monitor
from abkit.stats.sequential import GroupSequential

__version__ = "0.1.0"

__all__ = [
    "AAResult",
    "AbkitError",
    "ColumnError",
    "Comparison",
    "DataError",
    "Decision",
    "DegenerateDataWarning",
    "DesignResult",
    "ExperimentResult",
    "GroupSequential",
    "Guardrail",
    "Mean",
    "Monitoring",
    "ParameterError",
    "Proportion",
    "Protocol",
    "ProtocolError",
    "Ratio",
    "Summary",
    "__version__",
    "analyze",
    "assign",
    "check_assignment",
    "datasets",
    "design",
    "mde",
    "metrics",
    "monitor",
    "plan_checks",
    "power",
    "protocols",
    "sample_size",
    "simulate_aa",
    "stats",
]
