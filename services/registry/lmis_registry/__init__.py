"""lmis_registry."""
