"""abkit.reports."""
