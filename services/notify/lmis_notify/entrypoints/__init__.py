"""Notify entrypoints layer."""
