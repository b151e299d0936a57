"""SQL migrations of the alert tables (subjects, deadlines, alerts, report obligations)."""

from lmis_shared.migrations import load_migrations

MIGRATIONS = load_migrations("lmis_notify.adapters.migrations", "alerts")
