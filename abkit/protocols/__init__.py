"""abkit.protocols."""
