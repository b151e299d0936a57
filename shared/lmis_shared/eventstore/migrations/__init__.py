"""SQL migrations of the event store, applied by `lmis_shared.migrations`."""
