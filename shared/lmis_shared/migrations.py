"""A tiny migration runner: ordered SQL files per schema, each applied once.

A migration is a named SQL script. `apply_migrations` applies those not yet recorded in
`<schema>.schema_migrations`, in the order given, all in one transaction with `search_path`
set to the schema, so scripts name their tables unqualified. A transaction-scoped advisory
lock per schema makes concurrent runs (two replicas starting at once) take turns: the second
finds everything applied and does nothing.

`grant_schema` gives a service's role its schema once the owner has migrated it.

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
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


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
    return _quoted(schema, "schema")


def _quoted(name: str, what: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"invalid {what} name {name!r}")
    return f'"{name}"'


def load_migrations(package: str, namespace: str) -> list[Migration]:
    """The `*.sql` files of a package directory, in file-name order (`0001_…`, `0002_…`)."""
    scripts = sorted(
        (f for f in files(package).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
    )
    return [Migration(f"{namespace}/{f.name}", f.read_text(encoding="utf-8")) for f in scripts]


async def apply_migrations(
    pool: asyncpg.Pool, schema: str, migrations: Sequence[Migration]
) -> list[str]:
    """Create `schema` if needed and apply what is missing; returns the names applied now.

    When everything is applied already, nothing but a read is done: a relay or processor
    that checks its tables at start runs as the service's role, which may not create any."""
    q = quoted_schema(schema)
    if _checking.get():
        if pending := await _pending(pool, q, migrations):
            raise MigrationsPending(schema, pending)
        return []
    if not await _pending(pool, q, migrations):
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


async def grant_schema(
    pool: asyncpg.Pool,
    schema: str,
    role: str,
    *,
    event_sources: Sequence[str] = (),
    key_sources: Sequence[str] = (),
) -> bool:
    """Give `role` (a service's processes) its schema: use, table rows (SELECT, INSERT,
    UPDATE, DELETE, TRUNCATE) and sequences, now and for tables created later by the owner
    running this, never DDL; and SELECT on the `events` table of each schema in
    `event_sources`, the one right outside its own schema (a rebuild replays those stores),
    and SELECT on the `person_keys` of each schema in `key_sources` (a key grant: notify's
    feeds open the producers' sealed fields their purposes allow).
    Events stay append-only whoever writes (the event store's trigger). Run as the owner by
    `lmis migrate`; False, and nothing done, when the role does not exist (embedded mode: one
    superuser)."""
    if not await pool.fetchval("select 1 from pg_roles where rolname = $1", role):
        return False
    q, r = quoted_schema(schema), _quoted(role, "role")
    rows = "select, insert, update, delete, truncate"
    statements = [
        f"grant usage on schema {q} to {r}",
        f"grant {rows} on all tables in schema {q} to {r}",
        f"grant usage, select on all sequences in schema {q} to {r}",
        f"alter default privileges in schema {q} grant {rows} on tables to {r}",
        f"alter default privileges in schema {q} grant usage, select on sequences to {r}",
    ]
    for source in event_sources:
        s = quoted_schema(source)
        statements += [f"grant usage on schema {s} to {r}", f"grant select on {s}.events to {r}"]
    for source in key_sources:
        s = quoted_schema(source)
        statements += [
            f"grant usage on schema {s} to {r}",
            f"grant select on {s}.person_keys to {r}",
        ]
    async with pool.acquire() as conn, conn.transaction():
        for statement in statements:
            await conn.execute(statement)
    return True
