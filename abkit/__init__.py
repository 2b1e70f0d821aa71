"""abkit: A/B testing and offline evaluation for teams that ship recommendation and ad models."""

from __future__ import annotations

__version__ = "0.1.0"
