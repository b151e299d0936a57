"""Registry application layer."""
