"""The protocol designer: power, sample size, MDE, duration, assignment, A/A simulation and the protocol file."""

from __future__ import annotations

from abkit.protocols.sizing import mde, power, ratio_sd, sample_size
from abkit.protocols.protocol import Protocol

__all__ = ["Protocol", "mde", "power", "ratio_sd", "sample_size"]
