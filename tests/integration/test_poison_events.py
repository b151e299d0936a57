"""An event that always fails to apply (not a decoding error, not an outage) cannot stop a
projection: on the real broker and PostgreSQL, the processor isolates it by bisecting its
batch, dead-letters it with the reason, counts it in `lmis_dead_letters_total{reason=
"apply_failed"}`, and applies every other event exactly once. Stream versions are bigints,
bounded; a newer version of a known type that no upcaster here reads is parked, not skipped
(tests/integration/test_stream_versions.py follows it until its upcaster comes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from uuid import UUID

import asyncpg
import pytest

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared.cloudevents import header_map
from lmis_shared.events import RecordedEvent
from lmis_shared.outages import is_unreachable
from lmis_shared.processing import Connection, Decoded, make_app, projection_agent
from lmis_shared.processing.poison import ATTEMPTS
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.processors import (
    Record,
    eventually,
    publish,
    serving,
)
from tests.integration.reporting_schema import indicator_tables
from tests.integration.test_pipeline_metrics import sample
from tests.integration.test_processing import (
    _dead_letters,
    counts,
    counts_reach,
    read_all,
    record,
    registrations,
    straight_count,
)

pytestmark = pytest.mark.integration


class Unappliable(ValueError):
    """What a bug in a projection's code raises on one event, every time."""


class WithABug(IndicatorProjection):
    """The indicators, with a bug that one event (by id) always meets."""

    poison: frozenset[UUID] = frozenset()
    tries = 0

    async def apply(self, conn: Connection, events: Sequence[Decoded]) -> None:
        if any(d.event.metadata.event_id in self.poison for d in events):
            type(self).tries += 1
            raise Unappliable
        await super().apply(conn, events)


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    async with indicator_tables(pg_pool, fresh_schema) as name:
        yield name


async def test_a_poison_event_is_dead_lettered_and_every_other_event_counted_once(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str,
    schema: str, common: CommonSettings, registry_topic: str,
) -> None:  # fmt: skip
    topic = registry_topic
    events = registrations(40, seed=11)
    poison = events[17]
    good = [e for e in events if e is not poison]
    await publish_all(kafka_bootstrap, topic, events)
    WithABug.poison = frozenset({poison.metadata.event_id})
    before = sample("lmis_dead_letters_total", topic=topic, reason="apply_failed") or 0.0

    app = make_app(unique("lmis-poison-test"), common)
    projection_agent(app, topic, WithABug(pg_pool, schema), batch_size=50)
    async with serving(app) as worker:
        await counts_reach(pg_pool, schema, straight_count(good), worker)
        dead = await eventually(
            lambda: _dead_letters(kafka_bootstrap, f"{topic}.dlq", 1), "the dead letter"
        )

    assert await counts(pg_pool, schema) == straight_count(good)  # nothing lost, none twice
    assert len(dead) == 1
    letter = header_map(dead[0].headers)
    assert letter["ce_id"] == str(poison.metadata.event_id)
    assert letter["dlq_reason"] == f"applying failed {ATTEMPTS} times: Unappliable"
    assert sample("lmis_dead_letters_total", topic=topic, reason="apply_failed") == before + 1
    assert WithABug.tries >= ATTEMPTS
    positions = await pg_pool.fetchval(f"SELECT count(*) FROM {schema}.projection_positions")
    assert positions == len(good)
    assert len(read_all(kafka_bootstrap, topic, 500)) == len(events)


async def publish_all(bootstrap: str, topic: str, events: Sequence[RecordedEvent]) -> None:
    await asyncio.to_thread(publish, bootstrap, topic, [record(e) for e in events])


def test_an_outage_is_not_poison_and_a_bug_is() -> None:
    class AdminShutdown(Exception):
        sqlstate = "57P01"

    class TooManyConnections(Exception):
        sqlstate = "53300"

    class UniqueViolation(Exception):
        sqlstate = "23505"

    assert is_unreachable(ConnectionRefusedError())
    assert is_unreachable(AdminShutdown())
    assert is_unreachable(TooManyConnections())
    # a query on a connection its server is closing (after 57P01's FATAL)
    assert is_unreachable(asyncpg.InternalClientError("cannot switch to state 12"))
    assert not is_unreachable(UniqueViolation())
    assert not is_unreachable(Unappliable())


def with_header(event: RecordedEvent, name: str, value: str) -> Record:
    key, payload, headers = record(event)
    return key, payload, [(n, value.encode() if n == name else v) for n, v in headers]


async def test_big_versions_are_bigints_impossible_ones_dead_letters_newer_types_parked(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str,
    schema: str, common: CommonSettings, registry_topic: str,
) -> None:  # fmt: skip
    topic = registry_topic
    big, impossible, newer, plain = registrations(4, seed=13)
    above_int32 = str(2**31 + 5)  # a bigint version: parked (a gap), not retried for ever
    newer_type = newer.event_type.removesuffix(".v1") + ".v9"  # no upcaster deployed here
    records = [
        with_header(big, "ce_streamversion", above_int32),
        with_header(impossible, "ce_streamversion", str(2**63)),
        with_header(newer, "ce_type", newer_type),
        record(plain),
    ]
    before = sample("lmis_dead_letters_total", topic=topic, reason="invalid_envelope") or 0.0
    await asyncio.to_thread(publish, kafka_bootstrap, topic, records)

    app = make_app(unique("lmis-versions-test"), common)
    projection_agent(app, topic, IndicatorProjection(pg_pool, schema), batch_size=50)
    async with serving(app) as worker:
        await counts_reach(pg_pool, schema, straight_count([plain]), worker)
        dead = await eventually(
            lambda: _dead_letters(kafka_bootstrap, f"{topic}.dlq", 1), "a dead letter"
        )

    assert await counts(pg_pool, schema) == straight_count([plain])
    parked = await pg_pool.fetch(
        f"SELECT stream_id, version, reason FROM {schema}.parked_events ORDER BY version"
    )
    assert [(r["stream_id"], r["version"], r["reason"]) for r in parked] == [
        (newer.metadata.stream_id, 1, "unknown_version"),
        (big.metadata.stream_id, 2**31 + 5, "gap"),
    ]
    reasons = [header_map(m.headers)["dlq_reason"] for m in dead]
    assert reasons == [
        "not a valid LMIS CloudEvent: header ce_streamversion must be a positive integer"
    ]
    assert [m.value for m in dead] == [records[1][1]]  # kept whole, to replay
    assert sample("lmis_dead_letters_total", topic=topic, reason="invalid_envelope") == before + 1
