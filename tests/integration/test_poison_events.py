"""An event that always fails to apply (not a decoding error, not an outage) cannot stop a
projection: on the real broker and PostgreSQL, the processor isolates it by bisecting its
batch, dead-letters it with the reason, counts it in `lmis_dead_letters_total{reason=
"apply_failed"}`, and applies every other event exactly once. Stream versions are bigints,
bounded; a newer version of a known type that no upcaster here reads is parked on the
dead-letter topic, not skipped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared.cloudevents import header_map
from lmis_shared.events import RecordedEvent
from lmis_shared.outages import is_unreachable
from lmis_shared.processing import Connection, Decoded, make_app, projection_agent
from lmis_shared.processing.poison import ATTEMPTS
from tests.conftest import unique
from tests.integration.processors import (
    Record,
    broker_settings,
    create_topic,
    eventually,
    publish,
    serving,
)
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
    await IndicatorProjection(pg_pool, fresh_schema).migrate()
    yield fresh_schema
    await pg_pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")


async def test_a_poison_event_is_dead_lettered_and_every_other_event_counted_once(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schema: str, tmp_path: Path,
) -> None:  # fmt: skip
    common = broker_settings(kafka_bootstrap, database_url, fresh_topic, tmp_path)
    topic = common.topic("registry")
    create_topic(kafka_bootstrap, topic, 1)
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
    assert not is_unreachable(UniqueViolation())
    assert not is_unreachable(Unappliable())


def with_header(event: RecordedEvent, name: str, value: str) -> Record:
    key, payload, headers = record(event)
    return key, payload, [(n, value.encode() if n == name else v) for n, v in headers]


async def test_big_versions_apply_impossible_ones_and_unknown_newer_types_are_set_aside(
    pg_pool: asyncpg.Pool, database_url: str, kafka_bootstrap: str, fresh_topic: str,
    schema: str, tmp_path: Path,
) -> None:  # fmt: skip
    common = broker_settings(kafka_bootstrap, database_url, fresh_topic, tmp_path)
    topic = common.topic("registry")
    create_topic(kafka_bootstrap, topic, 1)
    big, impossible, newer, plain = registrations(4, seed=13)
    above_int32 = str(2**31 + 5)  # a bigint version: stored, not retried for ever
    newer_type = newer.event_type.removesuffix(".v1") + ".v9"  # no upcaster deployed here
    records = [
        with_header(big, "ce_streamversion", above_int32),
        with_header(impossible, "ce_streamversion", str(2**63)),
        with_header(newer, "ce_type", newer_type),
        record(plain),
    ]
    before = {
        kind: sample("lmis_dead_letters_total", topic=topic, reason=kind) or 0.0
        for kind in ("invalid_envelope", "unknown_version")
    }
    await asyncio.to_thread(publish, kafka_bootstrap, topic, records)

    app = make_app(unique("lmis-versions-test"), common)
    projection_agent(app, topic, IndicatorProjection(pg_pool, schema), batch_size=50)
    async with serving(app) as worker:
        await counts_reach(pg_pool, schema, straight_count([big, plain]), worker)
        dead = await eventually(
            lambda: _dead_letters(kafka_bootstrap, f"{topic}.dlq", 2), "two dead letters"
        )

    assert await counts(pg_pool, schema) == straight_count([big, plain])
    stored = await pg_pool.fetchval(
        f"SELECT version FROM {schema}.projection_positions WHERE stream_id = $1",
        big.metadata.stream_id,
    )
    assert stored == 2**31 + 5
    reasons = [header_map(m.headers)["dlq_reason"] for m in dead]
    assert reasons[0] == (
        "not a valid LMIS CloudEvent: header ce_streamversion must be a positive integer"
    )
    assert reasons[1].startswith(f"{newer_type} is newer than the versions this processor reads")
    assert [m.value for m in dead] == [records[1][1], records[2][1]]  # kept whole, to replay
    for kind, was in before.items():
        assert sample("lmis_dead_letters_total", topic=topic, reason=kind) == was + 1
