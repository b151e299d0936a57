"""Permits entrypoints layer."""
