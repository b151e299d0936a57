"""lmis_permits."""
