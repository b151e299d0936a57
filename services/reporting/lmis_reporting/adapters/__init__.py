"""The reporting service's adapters: PostgreSQL tables of units and indicator counts."""
