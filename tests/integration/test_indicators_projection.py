"""The indicator projection on the real PostgreSQL: exact under redelivery and rebuild.

A seeded mix of streams (worker files through their lifecycle, with moves between communes;
loans with repayments; foreign workers with permits) is applied in small batches, then every
event again in other batches. The counts must equal a straight count computed here, from the
events' JSON, by a few lines that share nothing with the projection's rules; and a rebuild
from the event store, in one big batch, must give the very same rows, facts included.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared.contracts import registry as r
from lmis_shared.events import EventMetadata, EventPayload, NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.processing import Decoded, all_events, validate_payload
from tests.conftest import unique
from tests.integration.reporting_schema import indicator_tables
from tests.unit import test_indicator_rules as example

pytestmark = pytest.mark.integration

COMMUNES = ("03637", "03640", "03643", "00070")
COUNTRIES = ("KR", "JP", "TW", "LA", "MY", "DE")
Key = tuple[str, str, date]

# -- a seeded scenario ------------------------------------------------------------------------


def day(rnd: random.Random, year: int) -> date:
    return date(year, rnd.randint(1, 12), rnd.randint(1, 28))


def worker_stream(rnd: random.Random) -> list[EventPayload]:
    events: list[EventPayload] = [
        example.registered(rnd.choice(COMMUNES), day(rnd, 2025), rnd.choice(list(r.Sex)))
    ]
    if rnd.random() < 0.2:
        events.append(example.moved(rnd.choice(COMMUNES)))
    if rnd.random() < 0.5:
        events += [
            example.enrolled(day(rnd, 2026)),
            example.result(day(rnd, 2026), passed=rnd.random() < 0.6),
        ]
    if rnd.random() < 0.8:
        events += [
            example.contract(rnd.choice(COUNTRIES), day(rnd, 2026)),
            example.departed(day(rnd, 2027)),
        ]
        ending = rnd.random()
        if ending < 0.3:
            events.append(example.returned(day(rnd, 2029)))
        elif ending < 0.45:
            events += [example.absconded(day(rnd, 2028)), example.overstayed(day(rnd, 2029))]
    return events


def loan_stream(rnd: random.Random) -> list[EventPayload]:
    events: list[EventPayload] = [example.loan_applied(rnd.choice(COMMUNES), day(rnd, 2026))]
    if rnd.random() < 0.8:
        events += [example.loan_approved(day(rnd, 2026)), example.loan_disbursed(date(2026, 12, 1))]
        events += [
            example.repaid(date(2027, 1, n + 1), 1_000_000) for n in range(rnd.randint(0, 3))
        ]
        if rnd.random() < 0.3:
            events.append(example.loan_settled(date(2027, 6, 1)))
    return events


def foreign_worker_stream(rnd: random.Random) -> list[EventPayload]:
    start = day(rnd, 2026)
    events: list[EventPayload] = [
        example.foreign_worker(
            rnd.choice(COMMUNES), rnd.choice(("KR", "CN", "JP")), engaged_on=start
        )
    ]
    if rnd.random() < 0.3:
        return [*events, example.exemption(start, start.replace(year=2027))]
    events.append(example.permit_issued(start, start.replace(year=2028)))
    later = rnd.random()
    if later < 0.3:
        events.append(
            example.permit_extended(start.replace(year=2028), date(2030, 1, 1), date(2027, 12, 1))
        )
    elif later < 0.5:
        events += [
            example.permit_revoked(date(2027, 3, 1)),
            example.employment_ended(date(2027, 3, 1)),
        ]
    return events


def recorded(stream: UUID, version: int, payload: EventPayload) -> RecordedEvent:
    return RecordedEvent(
        metadata=EventMetadata(
            event_id=uuid4(),
            event_type=payload.event_type,
            stream_id=stream,
            stream_type=payload.stream_type,
            stream_version=version,
            recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
            actor="officer-1",
            correlation_id=uuid4(),
            source="/lmis/test",
        ),
        data=payload.model_dump(mode="json"),
    )


def scenario(seed: int) -> list[RecordedEvent]:
    """Every stream's events in version order, the streams interleaved at random."""
    rnd = random.Random(seed)
    makers = [worker_stream] * 40 + [loan_stream] * 12 + [foreign_worker_stream] * 12
    streams = [
        [recorded(stream, n + 1, e) for n, e in enumerate(make(rnd))]
        for stream, make in ((uuid4(), m) for m in makers)
    ]
    return interleaved(rnd, streams)


def interleaved(rnd: random.Random, streams: list[list[RecordedEvent]]) -> list[RecordedEvent]:
    """The events of `streams`, each stream's in its order, the streams taken at random."""
    pending = [list(s) for s in streams if s]
    out: list[RecordedEvent] = []
    while pending:
        stream = rnd.choice(pending)
        out.append(stream.pop(0))
        if not stream:
            pending.remove(stream)
    return out


# -- the straight count -----------------------------------------------------------------------

# event type suffix -> (indicator, date field), for events counted as they are
_PLAIN = {
    "worker.registered": ("workers_registered", "registered_on"),
    "worker.enrolled_in_training": ("enrolled_in_training", "enrolled_on"),
    "worker.contract_signed": ("contracts_signed", "signed_on"),
    "worker.departed": ("departed", "departure_date"),
    "worker.returned": ("returned", "return_date"),
    "worker.absconded": ("absconded", "absconded_on"),
    "worker.overstayed": ("overstayed", "overstaying_since"),
    "loan.applied": ("loan_applications", "applied_on"),
    "loan.approved": ("loan_approvals", "approved_on"),
    "foreign_worker.permit_issued": ("permits_issued", "issue_date"),
    "foreign_worker.permit_extended": ("permits_extended", "extended_on"),
    "foreign_worker.permit_revoked": ("permits_revoked", "revoked_on"),
    "foreign_worker.exemption_certified": ("exemptions_certified", "valid_from"),
}


def straight_count(events: Sequence[RecordedEvent]) -> Counter[Key]:
    """Totals per indicator, commune and month: each event once, in the commune its stream
    named last before it (registration, move, loan application, foreign worker's file)."""
    seen = {e.metadata.event_id: e for e in events}.values()
    ordered = sorted(seen, key=lambda e: (str(e.metadata.stream_id), e.metadata.stream_version))
    commune: dict[UUID, str] = {}
    purpose: dict[UUID, str] = {}
    counts: Counter[Key] = Counter()
    for e in ordered:
        stream, data = e.metadata.stream_id, e.data
        if data.get("commune_code"):
            commune[stream] = data["commune_code"]
        purpose.setdefault(stream, data.get("purpose", ""))
        for indicator, field, amount in _counted(_kind(e.event_type), data, purpose[stream]):
            month = date.fromisoformat(data[field]).replace(day=1)
            counts[(indicator, commune[stream], month)] += amount
    return counts


def _counted(kind: str, data: dict[str, Any], purpose: str) -> list[tuple[str, str, int]]:
    if kind == "worker.departed":  # a departure is a job created too (the Đồng Tháp plan)
        return [(*_PLAIN[kind], 1), ("jobs_created", "departure_date", 1)]
    if kind in _PLAIN:
        return [(*_PLAIN[kind], 1)]
    if kind == "loan.disbursed":
        jobs = [("jobs_created", "disbursed_on", 1), ("jobs_created_at_home", "disbursed_on", 1)]
        vnd = [("loans_disbursed_vnd", "disbursed_on", data["amount_vnd"])]
        return vnd + (jobs if purpose == "job_creation" else [])
    if kind != "worker.training_result_recorded":
        return []
    eps, passed = data["exam"] == "eps_topik", data["passed"]
    found = [("trained", "completed_on", 1)] if passed else []
    found += [("trained_for_eps", "completed_on", 1)] if eps else []
    return found + ([("eps_topik_passed", "completed_on", 1)] if eps and passed else [])


def _kind(event_type: str) -> str:
    return ".".join(event_type.split(".")[2:4])


# -- PostgreSQL -------------------------------------------------------------------------------


async def totals(pool: asyncpg.Pool, schema: str) -> Counter[Key]:
    rows = await pool.fetch(
        f"SELECT indicator, unit_code, period, value FROM {schema}.indicator_counts"
        " WHERE dimension = ''"
    )
    return Counter({(r["indicator"], r["unit_code"], r["period"]): r["value"] for r in rows})


async def tables(pool: asyncpg.Pool, schema: str) -> tuple[list[Any], list[Any]]:
    """Every row the projection wrote, in a stable order."""
    counts = await pool.fetch(f"SELECT * FROM {schema}.indicator_counts ORDER BY 1, 2, 3, 4, 5")
    facts = await pool.fetch(f"SELECT * FROM {schema}.stream_facts ORDER BY stream_id")
    return [tuple(r) for r in counts], [tuple(r) for r in facts]


async def append(store: PostgresEventStore, events: Sequence[RecordedEvent]) -> None:
    """The events into `store`, each at its stream's version."""
    for e in events:
        new = NewEvent(event_id=e.metadata.event_id, payload=validate_payload(e))
        context = AppendContext(
            "officer-1", uuid4(), None, None, "/lmis/test", e.metadata.recorded_at
        )
        await store.append(
            e.metadata.stream_id,
            e.metadata.stream_type,
            e.metadata.stream_version - 1,
            [new],
            context,
        )


def decoded(events: Sequence[RecordedEvent]) -> list[Decoded]:
    return [Decoded(e, validate_payload(e)) for e in events]


async def in_batches(
    projection: IndicatorProjection, events: Sequence[RecordedEvent], size: int
) -> None:
    for start in range(0, len(events), size):
        await projection.process(decoded(events[start : start + size]))


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    async with indicator_tables(pg_pool, fresh_schema) as name:
        yield name


# -- the tests --------------------------------------------------------------------------------


async def test_every_event_delivered_twice_counts_once_and_equals_a_straight_count(
    pg_pool: asyncpg.Pool, schema: str
) -> None:
    events = scenario(seed=5)
    projection = IndicatorProjection(pg_pool, schema)

    await in_batches(projection, events, 7)
    once = await tables(pg_pool, schema)
    # again: some copies inside one batch next to their first delivery, the rest later
    doubled = [copy for e in events[:40] for copy in (e, e)] + events[40:]
    await in_batches(projection, doubled, 13)

    expected = straight_count(events)
    assert {key[0] for key in expected} >= {"departed", "permits_issued", "loans_disbursed_vnd"}
    assert await totals(pg_pool, schema) == expected
    assert await tables(pg_pool, schema) == once


async def test_a_rebuild_from_the_event_store_gives_identical_tables(
    pg_pool: asyncpg.Pool, schema: str
) -> None:
    events = scenario(seed=9)
    projection = IndicatorProjection(pg_pool, schema)
    await in_batches(projection, events, 5)
    live = await tables(pg_pool, schema)
    store_schema = unique("t_store")
    await PostgresEventStore.migrate(pg_pool, store_schema)
    try:
        store = PostgresEventStore(pg_pool, store_schema)
        await append(store, events)
        # drift the live tables: the rebuild must not keep anything of them
        await pg_pool.execute(f"UPDATE {schema}.indicator_counts SET value = value + 1")
        await pg_pool.execute(f"DELETE FROM {schema}.stream_facts WHERE commune_code = '03637'")

        applied = await projection.rebuild(all_events(store, page=100))
    finally:
        await pg_pool.execute(f"DROP SCHEMA {store_schema} CASCADE")

    assert applied == len(events)
    assert await tables(pg_pool, schema) == live
    assert await totals(pg_pool, schema) == straight_count(events)


async def test_a_departure_in_the_same_batch_as_its_registration_counts_in_its_commune(
    pg_pool: asyncpg.Pool, schema: str
) -> None:
    stream = uuid4()
    events = [
        recorded(stream, n + 1, e)
        for n, e in enumerate(
            [
                example.registered("03640"),
                example.contract("JP"),
                example.departed(date(2027, 1, 9)),
                example.moved("00070"),
                example.returned(date(2029, 1, 2)),
            ]
        )
    ]

    await IndicatorProjection(pg_pool, schema).process(decoded(events))

    found = await totals(pg_pool, schema)
    assert found[("departed", "03640", date(2027, 1, 1))] == 1
    assert found[("returned", "00070", date(2029, 1, 1))] == 1
    by_destination = await pg_pool.fetchval(
        f"SELECT value FROM {schema}.indicator_counts"
        " WHERE indicator = 'departed' AND dimension = 'destination_country' AND dim_value = 'JP'"
    )
    assert by_destination == 1
