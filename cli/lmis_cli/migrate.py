"""`lmis migrate`: bring every service's schema to this code's version and give each service's
role its own schema; or, with `--check`, say whether the schemas are there, changing nothing.

The check runs the very calls a migration makes (`_migrate_service`) under
`lmis_shared.migrations.checking()`, read-only, so it cannot expect other migrations than
`lmis migrate` applies. Every LMIS pod runs `lmis migrate --check --wait <service>` as an init
container (deploy/), with its own role, so a new image serves only once the migrate Job has
brought the database to it and granted the role its schema.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import asyncpg
import typer

from lmis_cli.services import SERVICES, load, settings_of
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.migrations import MigrationError, checking, grant_schema
from lmis_shared.relay import migrate as relay_checkpoints
from lmis_shared.settings import CommonSettings

_UNREACHABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
CHECK_INTERVAL = 2.0  # seconds between two checks while waiting


async def _migrate_service(pool: asyncpg.Pool, name: str) -> None:
    schema = settings_of(name).schema_name
    await load(SERVICES[name].migrate)(pool, schema)
    if SERVICES[name].publishes_events:  # the relay's, which cannot create tables
        await relay_checkpoints(pool, schema)


def migrate_command() -> None:
    """`lmis migrate`: every schema as the schemas' owner, then each service's role its own
    schema. Embedded mode has no such roles (one superuser); outside it a missing role fails
    the run, after the schemas, so that a Kubernetes Job retries until the roles exist."""
    common = CommonSettings()
    missing: list[str] = []

    async def run() -> None:
        pool = await create_pool(common.database_dsn())
        try:
            for name in SERVICES:
                await _migrate_service(pool, name)
                typer.echo(f"migrated {name}")
            # after every schema exists: a role may read another service's events
            for name in SERVICES:
                settings = settings_of(name)
                role, sources = settings.database_role, settings.event_sources()
                keys = settings.key_sources()
                if await grant_schema(
                    pool, settings.schema_name, role, event_sources=sources, key_sources=keys
                ):
                    typer.echo(f"granted {name} to {role}")
                else:
                    missing.append(role)
        finally:
            await pool.close()

    asyncio.run(run())
    if missing and common.mode != "embedded":
        typer.echo(
            f"no role {', '.join(missing)} in the database: create the services' roles "
            "(deploy/README.md, Secrets to create), then run `lmis migrate` again",
            err=True,
        )
        raise typer.Exit(1)


async def unmigrated(database_dsn: str, names: Sequence[str]) -> list[str]:
    """Why the schemas of `names` are not at this code's version; empty when they are."""
    try:
        pool = await create_pool(database_dsn, min_size=1, max_size=1)
    except _UNREACHABLE as error:
        return [f"database unreachable: {type(error).__name__}: {error}"]
    problems = []
    try:
        with checking():
            for name in names:
                try:
                    await _migrate_service(pool, name)
                except MigrationError as error:
                    problems.append(f"{name}: {error}")
                except _UNREACHABLE as error:  # e.g. the role not granted its schema yet
                    problems.append(f"{name}: {type(error).__name__}: {error}")
    finally:
        await pool.close()
    return problems


def wait_until_migrated(database_dsn: str, names: Sequence[str], wait: float) -> list[str]:
    """Check, and check again every `CHECK_INTERVAL` until the schemas are at this code's
    version or `wait` seconds have passed; returns the last check's problems."""
    deadline = time.monotonic() + wait
    while True:
        problems = asyncio.run(unmigrated(database_dsn, names))
        if not problems or time.monotonic() + CHECK_INTERVAL > deadline:
            return problems
        time.sleep(CHECK_INTERVAL)


def check_command(services: Sequence[str], wait: float) -> None:
    """`lmis migrate --check`: exit 0 once the schemas are up to date, 1 saying why not."""
    problems = wait_until_migrated(CommonSettings().database_dsn(), services, wait)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"up to date: {', '.join(services)}")
