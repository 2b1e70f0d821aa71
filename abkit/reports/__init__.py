"""Self-contained HTML reports (Jinja2 templates, inline SVG charts) and notebook views."""

from __future__ import annotations

from abkit.reports.experiment import experiment_context, experiment_fragment, experiment_report
from abkit.reports.render import Column, render_fragment, render_page, tone, write_page

__all__ = [
    "Column",
    "experiment_context",
    "experiment_fragment",
    "experiment_report",
    "render_fragment",
    "render_page",
    "tone",
    "write_page",
]
