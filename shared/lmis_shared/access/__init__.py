"""The access record: who read, listed, exported or imported whose personal data, in an
append-only, hash-chained table of each service that holds personal data.

    record.py     the entry, its canonical text, the chain and its check (pure)
    postgres.py   the `access_log` table, its migration, append, pages and the chain's walk
    web.py        the routes' `Access` dependency and the admin's `GET /v1/audit/access`
"""
