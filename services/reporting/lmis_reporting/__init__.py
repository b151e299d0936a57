"""lmis_reporting."""
