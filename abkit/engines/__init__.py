"""abkit.engines."""
