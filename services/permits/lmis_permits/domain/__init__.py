"""Permits domain layer."""
