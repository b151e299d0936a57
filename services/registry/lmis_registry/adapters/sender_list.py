"""The register's read model `sending_organisations`: written with each append, read by
`GET /v1/sending-organisations` and by the contract check's licence lookup."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from lmis_registry.application.sender_ports import SenderPage, SenderSearch, SenderSummary
from lmis_registry.domain import senders
from lmis_shared import listing
from lmis_shared.commands import Change, RowsAfterAppend
from lmis_shared.contracts.registry import SendingOrganisationKind
from lmis_shared.contracts.registry_senders import LicenceStatus
from lmis_shared.eventstore.postgres import Connection
from lmis_shared.listing import Where
from lmis_shared.sql import in_schema, versioned_upsert

COLUMNS = (
    "organisation_id",
    "version",
    "kind",
    "name",
    "licence_number",
    "licence_status",
    "licensed_on",
    "licence_valid_until",
    "markets",
    "complaints",
    "last_complaint_on",
)
_UPSERT = versioned_upsert("sending_organisations", COLUMNS)
SORTS = {"name": "name"}


def row_of(s: senders.SendingOrganisation) -> tuple[Any, ...]:
    return (
        s.id,
        s.version,
        s.kind.value,
        s.name,
        s.licence_number,
        s.licence_status.value,
        s.licensed_on,
        s.licence_valid_until,
        list(s.markets),
        s.complaints,
        s.last_complaint_on,
    )


async def upsert(
    conn: Connection, schema: str, states: Sequence[senders.SendingOrganisation]
) -> None:
    if states:
        await conn.executemany(in_schema(_UPSERT, schema), [row_of(s) for s in states])


class SenderReadModel(RowsAfterAppend[Any]):
    """`ReadModel[SendingOrganisation]`: the organisation's row, in the append's transaction.
    A second organisation with the same licence number breaks the unique index: the append
    rolls back (409)."""

    async def apply(self, connection: Connection, change: Change[Any]) -> None:
        try:
            await upsert(connection, self._schema, [change.after])
        except asyncpg.UniqueViolationError:
            raise senders.LicenceTaken() from None


class PostgresSenderList:
    """Implements `SenderDirectory`."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def id_of_licence(self, licence_number: str) -> UUID | None:
        sql = "select organisation_id from {s}.sending_organisations where licence_number = $1"
        found: UUID | None = await self._pool.fetchval(in_schema(sql, self._schema), licence_number)
        return found

    async def search(self, query: SenderSearch) -> SenderPage:
        order = listing.parse_sort(None, SORTS, "name")
        last = None
        if query.cursor is not None:
            last, _ = listing.read_page_cursor(query.cursor, order, str)
        w = Where()
        if query.kind is not None:
            w.add("kind = ?", query.kind.value)
        if query.statuses:
            w.add("licence_status = any(?::text[])", [s.value for s in query.statuses])
        if query.market is not None:
            w.add("? = any(markets)", query.market)
        if query.licence_number is not None:
            w.add("licence_number = ?", query.licence_number)
        if query.text:
            w.add("name ilike ?", "%" + query.text.replace("%", r"\%").replace("_", r"\_") + "%")
        w.after(order, "organisation_id", last)
        rows, cursor = await listing.fetch_page(
            self._pool,
            self._schema,
            "sending_organisations",
            "*",
            w,
            order,
            "organisation_id",
            query.limit,
        )
        return SenderPage([_summary(r) for r in rows], cursor)


def _summary(row: asyncpg.Record) -> SenderSummary:
    return SenderSummary(
        id=row["organisation_id"],
        version=row["version"],
        kind=SendingOrganisationKind(row["kind"]),
        name=row["name"],
        licence_number=row["licence_number"],
        licence_status=LicenceStatus(row["licence_status"]),
        licensed_on=row["licensed_on"],
        licence_valid_until=row["licence_valid_until"],
        markets=tuple(row["markets"]),
        complaints=row["complaints"],
    )
