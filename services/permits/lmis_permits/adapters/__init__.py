"""Permits adapters layer."""
