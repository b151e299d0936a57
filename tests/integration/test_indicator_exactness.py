"""Every indicator the reporting processor keeps equals a straight count over the event stores,
however Kafka delivers (issue 5, "Exactness is the bar"; architecture property 3).

One realistic history is made once for the module: a demo plan (outbound workers through
their whole lifecycle, loans, employers, foreign workers with permits) sent through the
registry's and the permits service's real HTTP apps, and the alerts notify's deadline
projection and sweeper raise, update and resolve over it (`alert_history.py`). The relays
publish their event stores to fresh topics for each run, and each run keeps its counts in a
schema of its own. Afterwards
every flow row (indicator, commune, month, breakdown) and every stock row on one date must
equal what `exactness.py` counts from the stores by itself: after a normal run, after a run
where every record comes twice, after a run whose processor was SIGKILLed mid-stream and
restarted, and after a rebuild from the stores.

"Finished" is observed, never slept for: every stream's position has reached its last event,
and the consumer group's committed offsets have reached the end of every partition (so the
copies after the last new event were judged too).
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from uuid import UUID

import asyncpg
import pytest
from kafka import KafkaConsumer, TopicPartition

from lmis_cli.demo import Sizes, generate_plan, load_plan
from lmis_reporting.adapters import facts_store
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import rebuild
from lmis_reporting.domain.facts import Facts
from lmis_reporting.domain.indicators import RULES
from lmis_reporting.domain.stocks import STOCK_RULES, evaluate
from lmis_reporting.entrypoints.processor import build_processor
from lmis_reporting.settings import ReportingSettings
from lmis_shared.clock import FixedClock
from lmis_shared.events import RecordedEvent
from lmis_shared.processing import all_events_in
from lmis_shared.relay import build_relay
from lmis_shared.relay import migrate as migrate_relay
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.alert_history import alerts_over
from tests.integration.exactness import FlowKey, StockKey, straight_flows, straight_stocks
from tests.integration.permits_api import demo_services
from tests.integration.processors import broker_settings, eventually, reporting_process, serving
from tests.integration.worker_api import NOW

pytestmark = pytest.mark.integration

K = TypeVar("K", FlowKey, StockKey)
TODAY = FixedClock(NOW).today()
SIZES = Sizes(workers=300, employers=8, foreign_workers=80)
OBLIGATIONS = [("monthly", "03637", "12"), ("yearly_department", "12", "12")]
"""Reports the history's sweeps wait for: a commune's monthly one, the province's yearly one."""
HIGH_INCOME = frozenset({"JP", "KR", "TW", "SG", "AU", "DE", "RO"})
DOMAINS = ("registry", "permits", "notify")
"""The sources the reporting processor reads: notify's store holds the history's alerts."""
PRODUCERS = ("registry", "permits")
"""The services the demo plan is sent to; notify derives its alerts from their events."""


@dataclass(frozen=True)
class History:
    database_url: str
    stores: dict[str, str]
    """Domain -> the schema of its event store."""
    events: list[RecordedEvent]
    data_dir: Path

    @property
    def last_versions(self) -> dict[UUID, int]:
        """Each stream's last version, of whatever type (the processor reads every store of
        the history): where its position must end, as every event holds its stream's
        versions, those the projection does not apply too."""
        return {e.metadata.stream_id: e.metadata.stream_version for e in self.events}


# -- the history, made once -----------------------------------------------------------------


@pytest.fixture(scope="module")
async def history(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[History]:
    data_dir = tmp_path_factory.mktemp("exactness")
    stores = {domain: unique(f"t_{domain}") for domain in DOMAINS}
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=10)
    try:
        async with demo_services(data_dir, database_url, stores, pool) as clients:
            report = await load_plan(generate_plan(12, SIZES, 5, TODAY), clients)
        assert report.refused == {}
        assert report.unavailable == {}
        produced = [[e async for e in all_events_in(pool, [stores[d]])] for d in PRODUCERS]
        await alerts_over(pool, stores["notify"], produced, NOW, OBLIGATIONS)
        for schema in stores.values():
            await migrate_relay(pool, schema)
        events = [e async for e in all_events_in(pool, stores.values())]
        yield History(database_url, stores, events, data_dir)
        for schema in stores.values():
            await pool.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await pool.close()


# -- one run's surroundings -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    common: CommonSettings
    settings: ReportingSettings
    schema: str
    pool: asyncpg.Pool
    history: History

    async def publish(self) -> int:
        """Every stored event, through each store's relay, to this run's topics."""
        published = 0
        for domain, store in self.history.stores.items():
            relay = build_relay(
                self.pool, store, bootstrap=self.common.kafka_bootstrap, topic=self.topic(domain)
            )
            try:
                while sent := await relay.publish_pending():
                    published += sent
            finally:
                await relay.close()
        return published

    async def forget_publishing(self) -> None:
        """Drop the relays' checkpoints for this run's topics: the next publish starts over."""
        for store in self.history.stores.values():
            await self.pool.execute(
                f"DELETE FROM {store}.relay_checkpoints WHERE topic = ANY($1::text[])",
                [self.topic(d) for d in DOMAINS],
            )

    def topic(self, domain: str) -> str:
        return self.common.topic(domain)

    async def positions(self) -> dict[UUID, int]:
        rows = await self.pool.fetch(
            f"SELECT stream_id, version FROM {self.schema}.projection_positions"
        )
        return {r["stream_id"]: r["version"] for r in rows}

    async def finished(self) -> bool | None:
        if await self.positions() != self.history.last_versions:
            return None
        topics = [self.topic(d) for d in DOMAINS]
        done = await asyncio.to_thread(
            _consumed_to_end, self.common.kafka_bootstrap, self.settings.processor_id, topics
        )
        return True if done else None

    async def flows(self) -> Counter[FlowKey]:
        rows = await self.pool.fetch(
            "SELECT indicator, unit_code, period, dimension, dim_value, value"
            f" FROM {self.schema}.indicator_counts WHERE value <> 0"
        )
        return Counter({tuple(r.values())[:5]: r["value"] for r in rows})

    async def stocks(self) -> Counter[StockKey]:
        """The stock rules over the projection's facts on `TODAY`, per commune."""
        rows = await self.pool.fetch(
            "SELECT stream_type, commune_code, facts::text AS facts"
            f" FROM {self.schema}.stream_facts"
        )
        by_commune: dict[str, list[tuple[str | None, Facts]]] = defaultdict(list)
        for r in rows:
            by_commune[r["commune_code"]].append(
                (None, facts_store.parse(r["stream_type"], r["facts"]))
            )
        found: Counter[StockKey] = Counter()
        for commune, facts in by_commune.items():
            for rule in STOCK_RULES:
                found[rule.indicator, commune, "", ""] += evaluate(rule, facts, TODAY).value
                for dimension in rule.dimensions:
                    measured = evaluate(rule, facts, TODAY, dimension, HIGH_INCOME)
                    for value, amount in (measured.breakdown or {}).items():
                        found[rule.indicator, commune, dimension, value] += amount
        return +found


def _consumed_to_end(bootstrap: str, group: str, topics: list[str]) -> bool:
    """Whether `group` has committed every partition of `topics` up to its end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [
            TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
        ]
        ends = consumer.end_offsets(partitions)
        return all((consumer.committed(tp) or 0) >= ends[tp] for tp in partitions)
    finally:
        consumer.close()


@pytest.fixture
async def run(
    history: History, kafka_bootstrap: str, fresh_topic: str, fresh_schema: str
) -> AsyncIterator[Run]:
    pool = await asyncpg.create_pool(history.database_url, min_size=1, max_size=10)
    try:
        await IndicatorProjection(pool, fresh_schema).migrate()
        common = broker_settings(
            kafka_bootstrap, history.database_url, fresh_topic, history.data_dir
        )
        settings = ReportingSettings(
            schema_name=fresh_schema,
            processor_id=unique("lmis-reporting-exact"),
            processor_sources=list(DOMAINS),
            processor_batch_size=100,
        )
        yield Run(common, settings, fresh_schema, pool, history)
        await pool.execute(f"DROP SCHEMA {fresh_schema} CASCADE")
    finally:
        await pool.close()


async def process_in_process(run: Run) -> None:
    """The processor's own wiring (`build_processor`), in this loop, until it has finished."""
    async with serving(build_processor(run.common, run.settings, run.pool)) as worker:
        await eventually(run.finished, "every event processed", within=90, worker=worker)


async def assert_exact(run: Run) -> None:
    events = run.history.events
    flows, stocks = await run.flows(), await run.stocks()
    assert not differences(flows, straight_flows(events))
    assert not differences(stocks, straight_stocks(events, TODAY, HIGH_INCOME))
    assert flows == straight_flows(events)
    assert stocks == straight_stocks(events, TODAY, HIGH_INCOME)


def differences(found: Counter[K], truth: Counter[K]) -> Counter[str]:
    """Rows that differ, counted per indicator and dimension: short enough to read."""
    keys = {k for k in found.keys() | truth.keys() if found[k] != truth[k]}
    return Counter(f"{k[0]} by {k[-2] or 'total'}" for k in keys)


# -- the tests --------------------------------------------------------------------------------


async def test_the_history_moves_every_flow_and_stock_indicator(history: History) -> None:
    flows = straight_flows(history.events)
    stocks = straight_stocks(history.events, TODAY, HIGH_INCOME)

    assert {key[0] for key in flows} == {rule.indicator for rule in RULES}
    assert {key[0] for key in stocks} == {rule.indicator for rule in STOCK_RULES}
    assert len({key[1] for key in flows}) > 1, "more than one commune"


async def test_a_normal_run_equals_a_straight_count(run: Run) -> None:
    assert await run.publish() == len(run.history.events)

    await process_in_process(run)

    await assert_exact(run)


async def test_every_record_delivered_twice_still_equals_a_straight_count(run: Run) -> None:
    await run.publish()
    await run.forget_publishing()
    assert await run.publish() == len(run.history.events)  # the second copy of each

    await process_in_process(run)

    await assert_exact(run)


async def test_a_processor_killed_mid_stream_and_restarted_equals_a_straight_count(
    run: Run,
) -> None:
    await run.publish()
    log = run.history.data_dir / f"{run.settings.processor_id}.log"

    first = reporting_process(run.common, run.settings, log)
    try:
        await eventually(_some_applied(run), "the first events applied", within=60)
        first.send_signal(signal.SIGKILL)
    finally:
        first.kill()
        first.wait(10)
    applied_at_kill = len(await run.positions())
    assert 0 < applied_at_kill < len(run.history.last_versions), "the kill must land mid-stream"

    second = reporting_process(run.common, run.settings, log)
    try:
        await eventually(run.finished, "every event processed after the restart", within=90)
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 30) == 0, log.read_text()[-3000:]
    finally:
        second.kill()

    await assert_exact(run)


def _some_applied(run: Run) -> Callable[[], Awaitable[bool | None]]:
    async def probe() -> bool | None:
        return True if await run.positions() else None

    return probe


async def test_a_rebuild_from_the_event_stores_equals_a_straight_count(run: Run) -> None:
    projection = IndicatorProjection(run.pool, run.schema)
    # something to throw away first: half the history, counted live
    half = run.history.events[: len(run.history.events) // 2]
    await projection.rebuild(half)

    # the service's own rebuild, over this history's stores
    stores = [run.history.stores[d] for d in run.settings.processor_sources]
    settings = run.settings.model_copy(update={"processor_sources": stores})
    summary = await rebuild(run.pool, settings, run.common)

    applied = sum(e.event_type in projection.event_types for e in run.history.events)
    assert summary == f"reporting: {applied} events replayed"
    assert await run.positions() == run.history.last_versions
    await assert_exact(run)
