"""SQL migrations of the worker files' own tables (`open_files`, `worker_list`)."""

from lmis_shared.migrations import load_migrations

MIGRATIONS = load_migrations("lmis_registry.adapters.migrations", "workers")
