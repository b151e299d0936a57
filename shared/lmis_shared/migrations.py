"""A tiny migration runner: ordered SQL files per schema, each applied once.

A migration is a named SQL script. `apply_migrations` applies those not yet recorded in
`<schema>.schema_migrations`, in the order given, all in one transaction with `search_path`
set to the schema, so scripts name their tables unqualified. A transaction-scoped advisory
lock per schema makes concurrent runs (two replicas starting at once) take turns: the second
finds everything applied and does nothing.

Names carry a namespace (`eventstore/0001_events.sql`) so the event store's scripts and a
service's own scripts live side by side in one schema. An applied script whose text changed
is refused: migrations are append-only, like the events.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files

import asyncpg

_LOCK_CLASS = 0x4C4D4953  # "LMIS": keeps our advisory locks apart from anyone else's
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def quoted_schema(schema: str) -> str:
    """The schema as a quoted SQL identifier; only plain lower-case names are accepted."""
    if not _SCHEMA_NAME.fullmatch(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return f'"{schema}"'


def load_migrations(package: str, namespace: str) -> list[Migration]:
    """The `*.sql` files of a package directory, in file-name order (`0001_…`, `0002_…`)."""
    scripts = sorted(
        (f for f in files(package).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    )
    return [Migration(f"{namespace}/{f.name}", f.read_text(encoding="utf-8")) for f in scripts]


async def apply_migrations(
    pool: asyncpg.Pool, schema: str, migrations: Sequence[Migration]
) -> list[str]:
    """Create `schema` if needed and apply what is missing; returns the names applied now."""
    q = quoted_schema(schema)
    async with pool.acquire() as conn, conn.transaction():
        # the lock comes first: `create schema if not exists` itself races otherwise
        await conn.execute("select pg_advisory_xact_lock($1, hashtext($2))", _LOCK_CLASS, schema)
        await conn.execute(f"create schema if not exists {q}")
        await conn.execute(
            f"create table if not exists {q}.schema_migrations ("
            " name text primary key, checksum text not null,"
            " applied_at timestamptz not null default now())"
        )
        # {q} is a validated identifier, never caller text: string SQL is safe here
        rows = await conn.fetch(f"select name, checksum from {q}.schema_migrations")  # noqa: S608
        applied = {r["name"]: r["checksum"] for r in rows}
        await conn.execute(f"set local search_path to {q}, public")
        done: list[str] = []
        for migration in migrations:
            if migration.name in applied:
                if applied[migration.name] != migration.checksum:
                    raise MigrationError(f"{migration.name} changed after it was applied")
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                f"insert into {q}.schema_migrations (name, checksum) values ($1, $2)",  # noqa: S608
                migration.name,
                migration.checksum,
            )
            applied[migration.name] = migration.checksum
            done.append(migration.name)
        return done
