"""A tiny progress bar on stderr for long loops (no dependency): ``label [#####.....] 500/1000``."""

from __future__ import annotations

import sys
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """One line, redrawn in place; callers enable it only when stderr is a terminal (or when asked).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(4, "work", enabled=True, stream=out, width=8)
    >>> bar.update(2); bar.close()
    >>> out.getvalue()
    '\\rwork [####....] 2/4\\n'
    """

    def __init__(self, total: int, label: str, *, enabled: bool, stream: TextIO | None = None, width: int = 30) -> None:
        self.total, self.label, self.enabled, self.width = total, label, enabled, width
        self.stream = stream if stream is not None else sys.stderr

    def update(self, done: int) -> None:
        """Show ``done`` of ``total``."""
        if not self.enabled:
            return
        filled = int(self.width * done / self.total)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        """End the line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
