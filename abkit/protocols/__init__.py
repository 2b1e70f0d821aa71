"""The protocol designer: power, sample size, MDE, duration, assignment, A/A simulation and the protocol file."""

from __future__ import annotations

from abkit.protocols.assignment import AssignmentCheck, assign, check_assignment, split_ranges
from abkit.protocols.hashing import murmur3_32
from abkit.protocols.protocol import Protocol
from abkit.protocols.sizing import mde, power, ratio_sd, sample_size

__all__ = [
    "AssignmentCheck",
    "Protocol",
    "assign",
    "check_assignment",
    "mde",
    "murmur3_32",
    "power",
    "ratio_sd",
    "sample_size",
    "split_ranges",
]
