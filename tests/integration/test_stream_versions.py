"""Stream versions checked by a processor on the real broker and PostgreSQL: a forged jump is
parked and the stream's real events still apply; a gap parks until the missing event comes,
then both apply; a newer version no upcaster here reads parks until one is deployed, and the
processor applies it at its next start (`lmis_shared.processing.versions`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared import upcasting
from lmis_shared.events import RecordedEvent
from lmis_shared.processing import make_app, projection_agent
from lmis_shared.settings import CommonSettings
from lmis_shared.upcasting import upcaster
from tests.conftest import unique
from tests.integration.processors import Record, eventually, publish, serving
from tests.integration.reporting_schema import indicator_tables
from tests.integration.test_pipeline_metrics import sample
from tests.integration.test_poison_events import with_header
from tests.integration.test_processing import counts, counts_reach, record, registrations
from tests.integration.test_processing import straight_count as count_of

pytestmark = pytest.mark.integration

PROJECTION = IndicatorProjection.name


@pytest.fixture(autouse=True)
def metrics_on() -> None:
    """The process's metrics set up before the processor starts (or its gauge goes nowhere);
    other tests of this process may have set the gauge for their projections: only this
    test's projection is read."""
    sample("lmis_parked_events", projection=PROJECTION)


@pytest.fixture
async def schema(pg_pool: asyncpg.Pool, fresh_schema: str) -> AsyncIterator[str]:
    async with indicator_tables(pg_pool, fresh_schema) as name:
        yield name


def on_stream(events: Sequence[RecordedEvent], stream: UUID) -> list[RecordedEvent]:
    """`events` as versions 1, 2, ... of one stream."""
    return [
        e.model_copy(
            update={
                "metadata": e.metadata.model_copy(update={"stream_id": stream, "stream_version": n})
            }
        )
        for n, e in enumerate(events, start=1)
    ]


def same_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The test's upcaster: its newer version has the fields of the current one."""
    return data


async def send(bootstrap: str, topic: str, records: Sequence[Record]) -> None:
    await asyncio.to_thread(publish, bootstrap, topic, list(records))


async def parked(pool: asyncpg.Pool, schema: str) -> list[tuple[int, str]]:
    rows = await pool.fetch(
        f"SELECT version, reason FROM {schema}.parked_events ORDER BY stream_id, version"
    )
    return [(r["version"], r["reason"]) for r in rows]


async def parked_reach(pool: asyncpg.Pool, schema: str, n: int, worker: Any) -> None:
    async def probe() -> bool | None:
        return True if len(await parked(pool, schema)) >= n else None

    await eventually(probe, f"{n} events parked", worker=worker)


async def test_a_forged_version_is_parked_and_the_streams_real_events_still_apply(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str,
    schema: str, common: CommonSettings, registry_topic: str,
) -> None:  # fmt: skip
    first, second, third = on_stream(registrations(3, seed=21), uuid4())
    twin = first.metadata.model_copy(update={"event_id": uuid4()})
    forged = registrations(1, seed=22)[0].model_copy(update={"metadata": twin})
    records = [
        record(first),
        with_header(forged, "ce_streamversion", "2000000000"),
        record(second),
        record(third),
    ]
    await send(kafka_bootstrap, registry_topic, records)

    app = make_app(unique("lmis-versions-test"), common)
    projection_agent(app, registry_topic, IndicatorProjection(pg_pool, schema), batch_size=50)
    async with serving(app) as worker:
        await counts_reach(pg_pool, schema, count_of([first, second, third]), worker)
        await parked_reach(pg_pool, schema, 1, worker)

    assert await counts(pg_pool, schema) == count_of([first, second, third])
    assert await parked(pg_pool, schema) == [(2_000_000_000, "gap")]
    assert sample("lmis_parked_events", projection=PROJECTION) == 1


async def test_a_gap_parks_until_the_missing_event_comes_then_both_apply_in_order(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str,
    schema: str, common: CommonSettings, registry_topic: str,
) -> None:  # fmt: skip
    first, missing, after = on_stream(registrations(3, seed=23), uuid4())
    await send(kafka_bootstrap, registry_topic, [record(first), record(after)])

    app = make_app(unique("lmis-versions-test"), common)
    projection_agent(app, registry_topic, IndicatorProjection(pg_pool, schema), batch_size=50)
    async with serving(app) as worker:
        await counts_reach(pg_pool, schema, count_of([first]), worker)
        await parked_reach(pg_pool, schema, 1, worker)
        assert await counts(pg_pool, schema) == count_of([first])  # `after` waits

        await send(kafka_bootstrap, registry_topic, [record(missing)])
        await counts_reach(pg_pool, schema, count_of([first, missing, after]), worker)

    assert await counts(pg_pool, schema) == count_of([first, missing, after])
    assert await parked(pg_pool, schema) == []
    position = await pg_pool.fetchval(
        f"SELECT version FROM {schema}.projection_positions WHERE stream_id = $1",
        first.metadata.stream_id,
    )
    assert position == 3
    assert sample("lmis_parked_events", projection=PROJECTION) == 0


async def test_a_newer_version_parks_until_its_upcaster_is_deployed_then_applies_at_start(
    pg_pool: asyncpg.Pool, kafka_bootstrap: str, schema: str, common: CommonSettings,
    registry_topic: str, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    first, newer, after = on_stream(registrations(3, seed=24), uuid4())
    current = first.event_type
    newer_type = current.removesuffix(".v1") + ".v9"  # written by a producer ahead of us
    records = [record(first), with_header(newer, "ce_type", newer_type), record(after)]
    await send(kafka_bootstrap, registry_topic, records)

    group = unique("lmis-versions-test")
    app = make_app(group, common)
    projection_agent(app, registry_topic, IndicatorProjection(pg_pool, schema), batch_size=50)
    async with serving(app) as worker:
        await counts_reach(pg_pool, schema, count_of([first]), worker)
        await parked_reach(pg_pool, schema, 2, worker)
    assert await parked(pg_pool, schema) == [(2, "unknown_version"), (3, "gap")]
    assert await counts(pg_pool, schema) == count_of([first])

    # the upgrade: this code now reads the newer version (the records are all committed,
    # so only the start of the processor can apply them)
    monkeypatch.setattr(upcasting, "_UPCASTERS", dict(upcasting._UPCASTERS))
    upcaster(from_type=newer_type, to_type=current)(same_fields)
    upgraded = make_app(group, common)
    projection_agent(upgraded, registry_topic, IndicatorProjection(pg_pool, schema), batch_size=50)
    async with serving(upgraded) as worker:
        await counts_reach(pg_pool, schema, count_of([first, newer, after]), worker)

    assert await counts(pg_pool, schema) == count_of([first, newer, after])
    assert await parked(pg_pool, schema) == []
