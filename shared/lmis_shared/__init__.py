"""lmis_shared."""
