"""Notify application layer."""
