"""Permits application layer."""
