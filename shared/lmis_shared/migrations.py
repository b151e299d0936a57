"""A tiny migration runner: ordered SQL files per schema, each applied once.

A migration is a named SQL script. `apply_migrations` applies those not yet recorded in
`<schema>.schema_migrations`, in the order given, all in one transaction with `search_path`
set to the schema, so scripts name their tables unqualified. A transaction-scoped advisory
lock per schema makes concurrent runs (two replicas starting at once) take turns: the second
finds everything applied and does nothing.

Names carry a namespace (`eventstore/0001_events.sql`) so the event store's scripts and a
service's own scripts live side by side in one schema. An applied script whose text changed
is refused: migrations are append-only, like the events.

`checking()` turns the same calls into a read-only question (`lmis migrate --check`): inside
it `apply_migrations` applies and locks nothing and stops with `MigrationsPending` at the first
script the schema lacks, so the services' own `migrate` functions, run unchanged, say whether
the database is at the version this code expects. A step that is not a script (a data load)
asks `pending_when_checking` before it changes anything.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib.resources import files

import asyncpg

_LOCK_CLASS = 0x4C4D4953  # "LMIS": keeps our advisory locks apart from anyone else's
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


_checking: ContextVar[bool] = ContextVar("lmis_migrations_checking", default=False)


class MigrationError(RuntimeError):
    pass


class MigrationsPending(MigrationError):
    """Under `checking()`: the schema lacks what this code would apply."""

    def __init__(self, schema: str, pending: Sequence[str]) -> None:
        super().__init__(f"schema {schema} lacks {', '.join(pending)}")
        self.schema = schema
        self.pending = list(pending)


@contextmanager
def checking() -> Iterator[None]:
    """Within it, migrations are checked, never applied (see the module's docstring)."""
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)


def pending_when_checking(schema: str, pending: Sequence[str]) -> None:
    """A step that is not a script is about to change `schema` (`pending` says what): under
    `checking()` that means the schema is not up to date; otherwise the step goes ahead."""
    if _checking.get():
        raise MigrationsPending(schema, pending)


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
    if _checking.get():
        if pending := await _pending(pool, q, migrations):
            raise MigrationsPending(schema, pending)
        return []
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


async def _pending(pool: asyncpg.Pool, q: str, migrations: Sequence[Migration]) -> list[str]:
    """Read-only: the names of `migrations` not recorded in the schema `q` (quoted); an
    applied one whose text changed is refused, as when applying."""
    async with pool.acquire() as conn:
        if await conn.fetchval("select to_regclass($1)", f"{q}.schema_migrations") is None:
            return [m.name for m in migrations]
        rows = await conn.fetch(f"select name, checksum from {q}.schema_migrations")  # noqa: S608
    applied = {r["name"]: r["checksum"] for r in rows}
    for migration in migrations:
        if applied.get(migration.name, migration.checksum) != migration.checksum:
            raise MigrationError(f"{migration.name} changed after it was applied")
    return [m.name for m in migrations if m.name not in applied]
