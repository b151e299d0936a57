"""Registry adapters layer."""
