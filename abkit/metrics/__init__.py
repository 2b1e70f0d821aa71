"""abkit.metrics."""
