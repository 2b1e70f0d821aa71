"""The protocol designer: power, sample size, MDE, duration, assignment, A/A simulation and the protocol file."""

from __future__ import annotations

from abkit.protocols.aa import AAResult, simulate_aa
from abkit.protocols.assignment import AssignmentCheck, assign, check_assignment, split_ranges
from abkit.protocols.design import DesignResult, design
from abkit.protocols.hashing import murmur3_32
from abkit.protocols.plancheck import plan_checks
from abkit.protocols.protocol import Protocol
from abkit.protocols.sizing import mde, power, ratio_sd, sample_size

__all__ = [
    "AAResult",
    "AssignmentCheck",
    "DesignResult",
    "Protocol",
    "assign",
    "check_assignment",
    "design",
    "mde",
    "murmur3_32",
    "plan_checks",
    "power",
    "ratio_sd",
    "sample_size",
    "simulate_aa",
    "split_ranges",
]
