"""`lmis migrate --check`: whether every service's schema is at this code's version, without
changing anything.

The check runs each service's own `migrate` function under `lmis_shared.migrations.checking()`:
the same calls, read-only, so it cannot list different migrations than `lmis migrate` applies.
Every LMIS pod runs `lmis migrate --check --wait` as an init container (deploy/), so a new
image serves only once the migrate Job has brought the database to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import asyncpg
import typer

from lmis_cli.services import SERVICES, load, settings_of
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.migrations import MigrationError, checking
from lmis_shared.settings import CommonSettings

_UNREACHABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
CHECK_INTERVAL = 2.0  # seconds between two checks while waiting


async def unmigrated(database_url: str, names: Sequence[str]) -> list[str]:
    """Why the schemas of `names` are not at this code's version; empty when they are."""
    try:
        pool = await create_pool(database_url, min_size=1, max_size=1)
    except _UNREACHABLE as error:
        return [f"database unreachable: {type(error).__name__}: {error}"]
    problems = []
    try:
        with checking():
            for name in names:
                try:
                    await load(SERVICES[name].migrate)(pool, settings_of(name).schema_name)
                except MigrationError as error:
                    problems.append(f"{name}: {error}")
                except _UNREACHABLE as error:  # e.g. no right to read the schema
                    problems.append(f"{name}: {type(error).__name__}: {error}")
    finally:
        await pool.close()
    return problems


def wait_until_migrated(database_url: str, names: Sequence[str], wait: float) -> list[str]:
    """Check, and check again every `CHECK_INTERVAL` until the schemas are at this code's
    version or `wait` seconds have passed; returns the last check's problems."""
    deadline = time.monotonic() + wait
    while True:
        problems = asyncio.run(unmigrated(database_url, names))
        if not problems or time.monotonic() + CHECK_INTERVAL > deadline:
            return problems
        time.sleep(CHECK_INTERVAL)


def check_command(services: Sequence[str], wait: float) -> None:
    """`lmis migrate --check`: exit 0 once the schemas are up to date, 1 saying why not."""
    problems = wait_until_migrated(CommonSettings().database_url, services, wait)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"up to date: {', '.join(services)}")
