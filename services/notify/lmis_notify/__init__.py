"""lmis_notify."""
