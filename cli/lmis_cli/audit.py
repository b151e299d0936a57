"""`lmis audit verify [service]`: walk the access record's hash chain of each service that keeps
one (a schema with an `access_log` table: the services that hold personal data) and say, per
service, OK with the number of entries and the head hash, or the id of the first entry the
chain does not hold. Exits 1 when any chain is broken."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from lmis_cli.services import SERVICES, settings_of

audit_app = typer.Typer(help="The access record: who read whose personal data.")


@audit_app.command("verify")
def verify(
    service: Annotated[
        str | None, typer.Argument(help=" | ".join(SERVICES) + " (default: every one)")
    ] = None,
) -> None:
    """Check the access record's hash chain; the first broken entry's id, or OK."""
    if service is not None and service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    names = [service] if service else list(SERVICES)
    raise typer.Exit(asyncio.run(_verify(names, explicit=service is not None)))


async def _verify(names: list[str], *, explicit: bool) -> int:
    from lmis_shared.access.postgres import PostgresAccessLog, has_access_log
    from lmis_shared.eventstore.postgres import create_pool
    from lmis_shared.settings import CommonSettings

    pool = await create_pool(CommonSettings().database_url)
    broken = False
    try:
        for name in names:
            schema = settings_of(name).schema_name
            if not await has_access_log(pool, schema):
                if explicit:
                    typer.echo(f"{name}: keeps no access record", err=True)
                    return 2
                continue
            verdict = await PostgresAccessLog(pool, schema).verify()
            if verdict.broken_at is not None:
                broken = True
                typer.echo(
                    f"{name}: BROKEN at entry {verdict.broken_at}"
                    f" ({verdict.entries} entries before it hold)"
                )
            else:
                head = verdict.head.hex() if verdict.head else "-"
                typer.echo(f"{name}: OK, {verdict.entries} entries, head {head}")
    finally:
        await pool.close()
    return 1 if broken else 0
