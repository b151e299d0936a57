"""Notify domain layer."""
