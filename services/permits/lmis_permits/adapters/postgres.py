"""The permits read model on PostgreSQL: what changes with each command in the append's
transaction (`PermitsReadModel`, handed to `lmis_shared.commands.postgres.PostgresStreams`),
and the read model's queries (`PostgresPermitsReads`).
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import asyncpg

from lmis_permits.adapters import open_passports, projection
from lmis_permits.application.ports import DemandRow, WorkerQuery, WorkerRow
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import Authorisation, PermitFacts, PermitStatus
from lmis_shared.access.postgres import ACCESS_MIGRATIONS
from lmis_shared.commands import Change, RowsAfterAppend
from lmis_shared.contracts.permits import PositionType
from lmis_shared.eventstore.postgres import Connection, PostgresEventStore
from lmis_shared.migrations import apply_migrations, load_migrations
from lmis_shared.privacy import postgres as privacy
from lmis_shared.rows import from_row
from lmis_shared.sql import in_schema

S = TypeVar("S", bound=projection.State)

MIGRATIONS = load_migrations("lmis_permits.adapters.migrations", "permits")

# Keeps the headcount locks apart from other advisory locks ("PMIT").
_HEADCOUNT_LOCK_CLASS = 0x504D4954

_HEADCOUNT = """
select
    (select coalesce(sum(approved_number), 0)::int from {s}.demands
        where employer_tax_code = $1 and position = $2 and status = 'approved'
          and period_start <= $3 and period_end >= $3) as approved,
    (select count(*)::int from {s}.foreign_workers
        where employer_tax_code = $1 and position = $2
          and engaged_on <= $3 and (ended_on is null or ended_on >= $3)) as engaged
"""

# Each status as a condition on the stored facts; {t} is today, {w} the `expiring` horizon.
# The same rules as domain/permit_status.py, which tests/integration/test_permits_api.py
# checks row by row across a walked clock.
_STATUS_CONDITIONS: dict[PermitStatus, str] = {
    PermitStatus.revoked: "authorisation = 'revoked'",
    PermitStatus.none: "(authorisation = 'none'"
    " or (authorisation in ('permit', 'exempt') and valid_from > {t}))",
    PermitStatus.expired: "(authorisation in ('permit', 'exempt') and valid_until < {t})",
    PermitStatus.exempt: "(authorisation = 'exempt' and valid_from <= {t} and valid_until >= {t})",
    PermitStatus.expiring: "(authorisation = 'permit' and valid_from <= {t}"
    " and valid_until >= {t} and valid_until <= {t} + {w})",
    PermitStatus.valid: "(authorisation = 'permit' and valid_from <= {t}"
    " and valid_until > {t} + {w})",
}

_WORKER_COLUMNS = (
    "seq, id, version, status, full_name, nationality, employer_tax_code, position,"
    " commune_code, province_code, engaged_on, ended_on, authorisation, valid_from,"
    " valid_until, permit_number"
)


async def migrate(pool: asyncpg.Pool, schema: str) -> None:
    """The event store's tables, the data keys', then the read model's and the access
    record's (`lmis_shared.access`), in the service's schema."""
    await PostgresEventStore.migrate(pool, schema)
    await privacy.migrate(pool, schema)
    await apply_migrations(pool, schema, [*MIGRATIONS, *ACCESS_MIGRATIONS])


class PermitsReadModel(RowsAfterAppend[S]):
    """The changed stream's row (`projection.project`) written after the append, in its
    transaction; for a new foreign worker file, the headcount re-checked there too; with a
    `lookup_secret`, the file's passport claim (`open_passports`: one open file per passport
    and nationality)."""

    def __init__(self, schema: str, lookup_secret: bytes | None = None) -> None:
        super().__init__(schema)
        self._secret = lookup_secret

    async def apply(self, connection: Connection, change: Change[S]) -> None:
        await projection.project(connection, self._schema, change.after)
        if self._secret is not None:
            await open_passports.sync(
                connection,
                self._schema,
                self._secret,
                change.stream_id,
                change.before,
                change.after,
            )
        if change.before is None and isinstance(change.after, fw.ForeignWorkerFile):
            await self._check_headcount(connection, change.after)

    async def _check_headcount(self, conn: Connection, file: fw.ForeignWorkerFile) -> None:
        # Serialise registrations per employer and position until commit; the count that
        # follows is a new statement, so it sees every registration committed before ours
        # (the decision counted before the append, and may have counted a place since taken).
        key = f"{file.employer_tax_code}/{file.position.value}"
        await conn.execute(
            "select pg_advisory_xact_lock($1, hashtext($2))", _HEADCOUNT_LOCK_CLASS, key
        )
        counted = await _headcount(
            conn, self._schema, file.employer_tax_code, file.position, file.engaged_on
        )
        counted.check_within()


async def _headcount(
    conn: Connection | asyncpg.Pool,
    schema: str,
    employer_tax_code: str,
    position: PositionType,
    on: date,
) -> Headcount:
    row = await conn.fetchrow(in_schema(_HEADCOUNT, schema), employer_tax_code, position.value, on)
    assert row is not None
    return Headcount(position, row["approved"], row["engaged"])


class PostgresPermitsReads:
    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def headcount(
        self, employer_tax_code: str, position: PositionType, on: date
    ) -> Headcount:
        return await _headcount(self._pool, self._schema, employer_tax_code, position, on)

    async def demands_of(self, employer_tax_code: str) -> list[DemandRow]:
        rows = await self._pool.fetch(
            in_schema(
                "select * from {s}.demands where employer_tax_code = $1 order by period_start, id",
                self._schema,
            ),
            employer_tax_code,
        )
        return [from_row(DemandRow, r, position=PositionType(r["position"])) for r in rows]

    async def permits_of(self, employer_tax_code: str) -> list[PermitFacts]:
        rows = await self._pool.fetch(
            in_schema(
                "select authorisation, valid_from, valid_until from {s}.foreign_workers"
                " where employer_tax_code = $1 and ended_on is null",
                self._schema,
            ),
            employer_tax_code,
        )
        return [_facts(r) for r in rows]

    async def foreign_workers(self, query: WorkerQuery, today: date) -> list[WorkerRow]:
        where, args = _conditions(query, today)
        args.append(query.limit)
        statement = (
            f"select {_WORKER_COLUMNS} from {{s}}.foreign_workers"  # noqa: S608 - fixed text
            f" where {' and '.join(where) or 'true'} order by seq limit ${len(args)}"
        )
        rows = await self._pool.fetch(in_schema(statement, self._schema), *args)
        return [_worker(r) for r in rows]


def _conditions(query: WorkerQuery, today: date) -> tuple[list[str], list[object]]:
    """SQL conditions with numbered parameters: only fixed text is spliced, values are bound."""
    where: list[str] = []
    args: list[object] = []

    def bind(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if query.unit_code is not None:
        column = "province_code" if len(query.unit_code) == 2 else "commune_code"
        where.append(f"{column} = {bind(query.unit_code)}")
    for column, value in (
        ("nationality", query.nationality),
        ("employer_tax_code", query.employer_tax_code),
        ("position", query.position.value if query.position else None),
    ):
        if value is not None:
            where.append(f"{column} = {bind(value)}")
    if query.employed is not None:
        where.append("ended_on is null" if query.employed else "ended_on is not null")
    if query.permit_status is not None:
        condition = _STATUS_CONDITIONS[query.permit_status]
        # bind only what the condition uses: PostgreSQL cannot type an unused parameter
        t = bind(today) if "{t}" in condition else ""
        w = bind(query.within_days or 0) + "::int" if "{w}" in condition else ""
        where.append(condition.format(t=t, w=w))
    if query.after is not None:
        where.append(f"seq > {bind(query.after)}")
    return where, args


def _facts(row: asyncpg.Record) -> PermitFacts:
    return PermitFacts(Authorisation(row["authorisation"]), row["valid_from"], row["valid_until"])


def _worker(row: asyncpg.Record) -> WorkerRow:
    return from_row(
        WorkerRow,
        row,
        position_key=row["seq"],
        position=PositionType(row["position"]),
        facts=_facts(row),
    )
