"""lmis_cli."""
