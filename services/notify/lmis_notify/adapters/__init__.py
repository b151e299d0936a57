"""Notify adapters layer."""
