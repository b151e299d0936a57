"""The read model's rows, written from an aggregate's state after its events.

One upsert per state, run in the transaction that appended the events (`PermitsReadModel`),
or by `rebuild` from the whole event store: either way the row is a function of the stream, so
both give the same rows.

`rebuild` runs beside the commands: it folds the store in memory, then writes the rows in
short transactions of `CHUNK` states each, never over a newer version a command wrote
meanwhile, and deletes the rows of streams that have no events at the end. No table lock for
its whole run (commands would wait), no long writing transaction (it would hold
`pg_snapshot_xmin`, and every relay of the cluster, back).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from lmis_permits.adapters import open_passports
from lmis_permits.domain import demands, employers
from lmis_permits.domain import foreign_workers as fw
from lmis_shared.commands import Aggregate
from lmis_shared.eventstore.postgres import Connection, PostgresEventStore
from lmis_shared.privacy.personal import Opener, PersonalData
from lmis_shared.sql import in_schema
from lmis_shared.text import search_key

_UPSERT_DEMAND = """
insert into {s}.demands (
    id, employer_tax_code, position, job_title, number_of_foreigners, period_start, period_end,
    status, approved_number, decision_number, decision_date, version, commune_code,
    province_code, submitted_on, decided_on
) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
on conflict (id) do update set
    status = excluded.status, approved_number = excluded.approved_number,
    decision_number = excluded.decision_number, decision_date = excluded.decision_date,
    version = excluded.version, decided_on = excluded.decided_on
"""

_UPSERT_EMPLOYER = """
insert into {s}.employers (
    id, version, tax_code, name, search_name, address, commune_code, province_code,
    industrial_zone, search_zone, sector, search_sector, registered_on
) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
on conflict (id) do update set
    version = excluded.version, name = excluded.name, search_name = excluded.search_name,
    address = excluded.address, commune_code = excluded.commune_code,
    province_code = excluded.province_code, industrial_zone = excluded.industrial_zone,
    search_zone = excluded.search_zone, sector = excluded.sector,
    search_sector = excluded.search_sector
"""

_UPSERT_WORKER = """
insert into {s}.foreign_workers (
    id, version, status, full_name, nationality, employer_tax_code, position, commune_code,
    province_code, engaged_on, ended_on, authorisation, valid_from, valid_until, permit_number
) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
on conflict (id) do update set
    version = excluded.version, status = excluded.status, full_name = excluded.full_name,
    ended_on = excluded.ended_on,
    authorisation = excluded.authorisation, valid_from = excluded.valid_from,
    valid_until = excluded.valid_until, permit_number = excluded.permit_number
"""

CHUNK = 500
"""States written per transaction by `rebuild`."""
_ORPHANS = (
    "delete from {s}.{t} r where not exists (select 1 from {s}.events e where e.stream_id = r.id)"
)

State = employers.Employer | demands.Demand | fw.ForeignWorkerFile
AGGREGATES: dict[str, Aggregate[Any]] = {
    a.stream_type: a for a in (employers.AGGREGATE, demands.AGGREGATE, fw.AGGREGATE)
}


async def project(conn: Connection, schema: str, state: State, *, rebuilt: bool = False) -> None:
    """Upsert the state's row; `rebuilt`: never over a newer version (a rebuild's write)."""
    match state:
        case demands.Demand():
            table, statement, row = "demands", _UPSERT_DEMAND, _demand_row(state)
        case fw.ForeignWorkerFile():
            table, statement, row = "foreign_workers", _UPSERT_WORKER, _worker_row(state)
        case employers.Employer():
            table, statement, row = "employers", _UPSERT_EMPLOYER, _employer_row(state)
    if rebuilt:
        statement += f" where {{s}}.{table}.version <= excluded.version"
    await conn.execute(in_schema(statement, schema), *row)


async def rebuild(
    pool: asyncpg.Pool,
    schema: str,
    personal: PersonalData | None = None,
    batch_size: int = 1000,
    *,
    lookup_secret: bytes | None = None,
) -> int:
    """Write the read model again from the event store, beside the commands (see the module's
    docstring); returns the files (demands and foreign workers) written.

    Streams are folded in the global order of their first event, so rows missing from the
    read model are numbered in the order the files were registered.
    """
    store = PostgresEventStore(pool, schema)
    async with pool.acquire() as conn:
        opener = await Opener.of(conn, personal)
    states: dict[UUID, State] = {}
    after = None
    while batch := await store.read_all(after, batch_size):
        for recorded in batch:
            meta = recorded.metadata
            aggregate = AGGREGATES[meta.stream_type]
            state = states.get(meta.stream_id)
            states[meta.stream_id] = aggregate.fold_more(
                state, meta.stream_id, [opener.recorded(recorded)]
            )
        after = batch[-1].position
    ordered = list(states.values())
    for start in range(0, len(ordered), CHUNK):
        async with pool.acquire() as conn, conn.transaction():
            for state in ordered[start : start + CHUNK]:
                await project(conn, schema, state, rebuilt=True)
    for table in ("demands", "foreign_workers", "employers"):
        await pool.execute(in_schema(_ORPHANS.replace("{t}", table), schema))
    if lookup_secret is not None:  # the passport claims, in one short transaction
        async with pool.acquire() as conn, conn.transaction():
            await open_passports.refill(conn, schema, lookup_secret, states.items())
    return sum(not isinstance(s, employers.Employer) for s in states.values())


def _demand_row(state: demands.Demand) -> tuple[object, ...]:
    return (
        state.id,
        state.employer_tax_code,
        state.position.value,
        state.job_title,
        state.number_of_foreigners,
        state.period_start,
        state.period_end,
        state.status.value,
        state.approved_number,
        state.decision_number,
        state.decision_date,
        state.version,
        state.commune_code,
        state.province_code,
        state.submitted_on,
        state.decided_on,
    )


def _employer_row(state: employers.Employer) -> tuple[object, ...]:
    zone = state.industrial_zone
    return (
        state.id,
        state.version,
        state.tax_code,
        state.name,
        " " + search_key(state.name),
        state.address,
        state.commune_code,
        state.province_code,
        zone,
        " " + search_key(zone) if zone else None,
        state.sector,
        search_key(state.sector),
        state.registered_on,
    )


def _worker_row(state: fw.ForeignWorkerFile) -> tuple[object, ...]:
    facts = state.permit_facts()
    permit = state.permit
    return (
        state.id,
        state.version,
        state.status.value,
        None if state.erasure else state.person.full_name,
        state.nationality,
        state.employer_tax_code,
        state.position.value,
        state.commune_code,
        state.province_code,
        state.engaged_on,
        state.employment_end.ended_on if state.employment_end else None,
        facts.kind.value,
        facts.valid_from,
        facts.valid_until,
        permit.permit_number if permit else None,
    )
