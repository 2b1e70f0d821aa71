"""abkit.stats."""
