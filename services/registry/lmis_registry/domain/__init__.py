"""Registry domain layer."""
