"""`lmis privacy ...`: operating the protection of personal data (`lmis_shared.privacy`).

    lmis privacy due                          closed files past their retention, for review
    lmis privacy erase --due --actor A --basis B [--reference R]
                                              erase them, each through its service's own
                                              erase command (an event names A and B)
    lmis privacy rotate-master-key            re-wrap every data key under the current
                                              master key (events are not touched)
    lmis privacy migrate                      seal, once, personal fields written in clear
    lmis privacy new-master-key               print a fresh master key secret

Every service whose settings are `PersonalDataSettings` is covered; none is named here. These
commands work on the database directly, with the service's master key: run them where the
services' secrets are (a Job in Kubernetes), never from a workstation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

import typer

from lmis_cli.services import SERVICES, load, settings_of

privacy_app = typer.Typer(help="Personal data: retention, erasure, keys", no_args_is_help=True)

T = TypeVar("T")


def _personal_services() -> dict[str, Any]:
    from lmis_shared.settings import PersonalDataSettings

    found = {name: settings_of(name) for name in SERVICES}
    return {n: s for n, s in found.items() if isinstance(s, PersonalDataSettings)}


def _with_pool(work: Callable[[Any, Any], Awaitable[T]]) -> T:
    from lmis_cli.pools import close_after_signals
    from lmis_shared.eventstore.postgres import create_pool
    from lmis_shared.settings import CommonSettings

    async def run() -> T:
        common = CommonSettings()
        pool = await create_pool(common.database_url)
        try:
            return await work(pool, common)
        finally:
            await close_after_signals(pool)

    return asyncio.run(run())


async def _due(pool: Any, now: datetime) -> list[tuple[str, Any]]:
    from lmis_shared.privacy.retention import due_for_erasure, retention_cutoff

    found: list[tuple[str, Any]] = []
    for name, settings in _personal_services().items():
        cutoff = retention_cutoff(now, settings.retention_years)
        found += [(name, d) for d in await due_for_erasure(pool, settings.schema_name, cutoff)]
    return found


@privacy_app.command()
def due() -> None:
    """List the closed files whose retention period has passed (nothing is changed)."""

    async def work(pool: Any, common: Any) -> list[tuple[str, Any]]:
        return await _due(pool, datetime.now(UTC))

    listed = _with_pool(work)
    for service, d in listed:
        typer.echo(f"{service}\t{d.stream_type}\t{d.subject_id}\tclosed {d.closed_at:%Y-%m-%d}")
    typer.echo(f"{len(listed)} files due for erasure")


@privacy_app.command()
def erase(
    actor: Annotated[str, typer.Option(help="who erases (an officer id): recorded")],
    basis: Annotated[str, typer.Option(help="the legal basis: recorded")],
    due_files: Annotated[
        bool, typer.Option("--due", help="erase every file `lmis privacy due` lists")
    ] = False,
    reference: Annotated[str | None, typer.Option(help="the decision's reference")] = None,
) -> None:
    """Erase the personal data of the files due (`--due`), as `--actor`, for `--basis`."""
    from lmis_shared.privacy.erasure import EraseRequest

    if not due_files:
        raise typer.BadParameter("say --due (single files are erased through the API)")
    if not actor.strip() or not basis.strip():
        raise typer.BadParameter("--actor and --basis must not be empty")
    request = EraseRequest(
        legal_basis=basis, request_reference=reference or f"retention {date.today().isoformat()}"
    )

    async def work(pool: Any, common: Any) -> int:
        listed = await _due(pool, datetime.now(UTC))
        settings = _personal_services()
        for service, d in listed:
            erase_one = load(SERVICES[service].erase or "")
            await erase_one(pool, settings[service], common, d.subject_id, request, actor)
        return len(listed)

    typer.echo(f"erased {_with_pool(work)} files")


@privacy_app.command("rotate-master-key")
def rotate_master_key() -> None:
    """Re-wrap every live data key under the current master key (keep the old key in
    `..._PREVIOUS_MASTER_KEY_FILES` while this runs)."""
    from lmis_shared.privacy.postgres import personal_data

    async def work(pool: Any, common: Any) -> list[str]:
        done = []
        for name, settings in _personal_services().items():
            personal = personal_data(settings, common)
            async with pool.acquire() as conn, conn.transaction():
                done.append(f"{name}: {await personal.rotate(conn)} data keys re-wrapped")
        return done

    for line in _with_pool(work):
        typer.echo(line)


@privacy_app.command()
def migrate() -> None:
    """Seal the personal fields an existing store holds in clear (once; safe to rerun)."""
    from lmis_shared.privacy.migrate import seal_clear_events
    from lmis_shared.privacy.postgres import personal_data

    async def work(pool: Any, common: Any) -> list[str]:
        done = []
        for name, settings in _personal_services().items():
            personal = personal_data(settings, common)
            report = await seal_clear_events(pool, settings.schema_name, personal)
            done.append(f"{name}: {report.events} events of {report.streams} streams sealed")
        return done

    for line in _with_pool(work):
        typer.echo(line)


@privacy_app.command("new-master-key")
def new_master_key() -> None:
    """Print a fresh master key secret (for `LMIS_<SERVICE>_MASTER_KEY`)."""
    from lmis_shared.privacy.keys import new_master_key_text

    typer.echo(new_master_key_text())
