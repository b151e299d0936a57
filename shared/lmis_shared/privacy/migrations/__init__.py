"""SQL migrations of the per-person data keys (`person_keys`), applied by the `migrate` of
each service that keeps personal data, in its own schema."""
