"""Registry entrypoints layer."""
