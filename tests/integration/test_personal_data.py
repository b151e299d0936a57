"""Personal data protected by design (issue 10), end to end on the real PostgreSQL and broker.

A small demo plan goes through the registry's and the permits service's real HTTP apps, and
their relays publish it to topics of this module's own. Then:
* no known personal value (citizen IDs, passport numbers, residence card numbers, phones,
  names, as the plan sent them) is found in any table of either service's schema (the two
  list read models keep only the names their search needs) nor in any record of the topics,
  read with a plain Kafka client;
* erasing a worker and a foreign worker makes their values unrecoverable from the stores,
  the topics and the read models, while their files and histories still answer (personal
  fields null, `erased`), the indicator counts rebuilt by reporting from the stores, and the
  alerts notify raises from a rebuilt deadline projection, stay the same, and a rebuild of
  the services' read models gives the same rows.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from kafka import KafkaConsumer

from lmis_cli.demo import Plan, Sizes, generate_plan, load_plan
from lmis_notify.adapters.alert_book import PostgresAlertBooks
from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.sweeper import Sweeper
from lmis_notify.bootstrap import migrate as migrate_notify
from lmis_notify.domain.rules import RuleSettings
from lmis_permits.bootstrap import rebuild as rebuild_permits
from lmis_permits.settings import PermitsSettings
from lmis_registry.adapters.text_search import search_key
from lmis_registry.bootstrap import rebuild as rebuild_registry
from lmis_registry.settings import RegistrySettings
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_shared.clock import FixedClock
from lmis_shared.cloudevents import from_kafka
from lmis_shared.privacy.postgres import personal_data
from lmis_shared.processing import all_events_in
from lmis_shared.relay import build_relay
from lmis_shared.relay import migrate as migrate_relay
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.apps import bearer
from tests.integration.permits_api import demo_services
from tests.integration.processors import broker_settings
from tests.integration.worker_api import NOW
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration

TODAY = FixedClock(NOW).today()
SIZES = Sizes(workers=16, employers=2, foreign_workers=8)
PERSONAL_KEYS = ("full_name", "citizen_id", "passport_number", "phone", "card_number")
NAME_COLUMNS = {"worker_list": ("full_name", "search_name"), "foreign_workers": ("full_name",)}
"""The list read models keep names for their search (purged on erasure): left out of the
first scan, scanned after an erasure."""
ERASE = {"legal_basis": "Luật 91/2025/QH15, Điều 14", "request_reference": "YC-2026-0042"}


@dataclass
class World:
    common: CommonSettings
    pool: asyncpg.Pool
    stores: dict[str, str]
    clients: dict[str, httpx.AsyncClient]
    plan: Plan
    private_key: Path

    async def publish(self) -> None:
        for domain, schema in self.stores.items():
            relay = build_relay(
                self.pool, schema, bootstrap=self.common.kafka_bootstrap, topic=self.topic(domain)
            )
            try:
                while await relay.publish_pending():
                    pass
            finally:
                await relay.close()

    def topic(self, domain: str) -> str:
        return self.common.topic(domain)

    async def table_texts(self, *, names_too: bool) -> list[str]:
        """Every row of every table of both schemas, as JSON text."""
        texts: list[str] = []
        for schema in self.stores.values():
            tables = await self.pool.fetch(
                "select table_name from information_schema.tables"
                " where table_schema = $1 and table_type = 'BASE TABLE'",
                schema,
            )
            for t in (r["table_name"] for r in tables):
                left_out = "".join(f" - '{c}'" for c in NAME_COLUMNS.get(t, ()))
                row = "to_jsonb(t)" + ("" if names_too else left_out)
                sql = f'select ({row})::text from "{schema}"."{t}" t'
                texts += [r[0] for r in await self.pool.fetch(sql)]
        return texts

    def records(self) -> list[tuple[bytes | None, bytes | None, list[tuple[str, bytes]]]]:
        """Every record of the module's topics, read from the start with a plain client."""
        consumer = KafkaConsumer(
            *[self.topic(d) for d in self.stores],
            bootstrap_servers=self.common.kafka_bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=3000,
        )
        try:
            return [(m.key, m.value, list(m.headers or [])) for m in consumer]
        finally:
            consumer.close()

    def record_texts(self) -> list[str]:
        return [
            " ".join(
                [(k or b"").decode(errors="replace"), (v or b"").decode(errors="replace")]
                + [f"{n}={h.decode(errors='replace')}" for n, h in hs]
            )
            for k, v, hs in self.records()
        ]

    def admin(self) -> dict[str, str]:
        return bearer(self.private_key, "admin", "12", subject="dpo-1")


def personal_values(plan: Plan, kinds: Iterable[str] = ("worker", "foreign_worker")) -> set[str]:
    return {v for e in plan.entities if e.kind in kinds for v in values_of(e.steps)}


def values_of(steps: Iterable[Any]) -> set[str]:
    return {
        str(step.body[k]) for step in steps for k in PERSONAL_KEYS if step.body.get(k) is not None
    }


def found(values: set[str], texts: list[str]) -> set[str]:
    return {v for v in values if any(v in t for t in texts)}


@pytest.fixture(scope="module")
async def world(
    database_url: str, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    data_dir = tmp_path_factory.mktemp("personal")
    stores = {"registry": unique("t_pd_reg"), "permits": unique("t_pd_per")}
    common = broker_settings(kafka_bootstrap, database_url, unique("pd"), data_dir)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=10)
    try:
        async with demo_services(data_dir, database_url, stores, pool) as clients:
            plan = generate_plan(12, SIZES, 7, TODAY)
            report = await load_plan(plan, clients)
            assert report.refused == {}
            for schema in stores.values():
                await migrate_relay(pool, schema)
            world = World(common, pool, stores, clients, plan, data_dir / "keys" / "jwt.key")
            await world.publish()
            yield world
        for schema in stores.values():
            await pool.execute(f'drop schema "{schema}" cascade')
    finally:
        await pool.close()


async def test_no_personal_value_is_in_any_table_or_on_any_topic(world: World) -> None:
    values = personal_values(world.plan)
    assert len(values) > 3 * (SIZES.workers + SIZES.foreign_workers) // 2  # names, IDs...

    assert found(values, await world.table_texts(names_too=False)) == set()
    records = world.record_texts()
    assert len(records) > SIZES.workers  # the relays did publish
    assert found(values, records) == set()


async def test_an_erased_person_is_unrecoverable_and_the_counts_stay(world: World) -> None:
    worker = await _find(world, "registry", "worker_list", "/v1/workers", "citizen_id")
    foreigner = await _find(
        world, "permits", "foreign_workers", "/v1/foreign-workers", "passport_number"
    )
    counts_before = await _reporting_rebuild(world)
    alerts_before = await _alerts_rebuild(world)
    assert alerts_before, "the demo plan raises alerts: the comparison below means something"
    lists_before = await _list_rows(world)

    await _erase(world, "registry", f"/v1/workers/{worker.id}")
    await _erase(world, "permits", f"/v1/foreign-workers/{foreigner.id}")

    # the files and their histories still answer, personal fields erased
    for p in (worker, foreigner):
        file = (await world.clients[p.service].get(p.path, headers=world.admin())).json()
        assert file["erased"] is True
        assert (file["full_name"], file[p.identifier]) == (None, None)
        history = await world.clients[p.service].get(f"{p.path}/history", headers=world.admin())
        body = history.json()
        first = (body if isinstance(body, list) else body["events"])[0]
        assert first["erased"] == ["person"]
        assert first["data"]["person"] is None

    # nothing of them anywhere: stores, read models (names included), topics
    await world.publish()
    gone = worker.values | foreigner.values | {search_key(worker.name).strip()}
    assert found(gone, await world.table_texts(names_too=True)) == set()
    assert found(gone, world.record_texts()) == set()
    personal = personal_data(RegistrySettings(schema_name=world.stores["registry"]), world.common)
    published = [from_kafka(*r) for r in world.records()]
    mine = [e for e in published if e.metadata.stream_id == worker.id]
    opened = await personal.open(world.pool, mine)
    assert opened[0].erased == ("person",)  # the copy on the topic no longer opens

    # counts rebuilt from the stores, and the services' read models rebuilt, are unchanged
    counts_after, facts_after = await _reporting_rebuild(world)
    assert counts_after == counts_before[0]
    # the erased worker leaves the returnees' pool (no one to contact): only `skills` may go
    assert _without_skills(facts_after, worker.id) == _without_skills(counts_before[1], worker.id)
    assert await _alerts_rebuild(world) == alerts_before
    after_erasure = await _list_rows(world)
    await rebuild_registry(
        world.pool, RegistrySettings(schema_name=world.stores["registry"]), world.common
    )
    await rebuild_permits(
        world.pool, PermitsSettings(schema_name=world.stores["permits"]), world.common
    )
    assert await _list_rows(world) == after_erasure
    changed = {k for k in lists_before if lists_before[k] != after_erasure[k]}
    assert changed == {worker.id, foreigner.id}


async def test_erasing_needs_an_admin_a_legal_basis_and_a_request_reference(
    world: World,
) -> None:
    worker = await _find(world, "registry", "worker_list", "/v1/workers", "citizen_id")
    client = world.clients["registry"]
    path = f"/v1/workers/{worker.id}/erase"
    missing = await client.post(path, json={"legal_basis": "x"}, headers=world.admin())
    assert_invalid(missing, "body.request_reference")
    officer = bearer(world.private_key, "province_officer", "12")
    refused = await client.post(path, json=ERASE, headers=officer)
    assert refused.status_code == 403
    file = (await client.get(f"/v1/workers/{worker.id}", headers=world.admin())).json()
    assert file["erased"] is False


# -- helpers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    service: str
    id: Any
    path: str
    identifier: str
    name: str
    values: set[str]


async def _find(world: World, service: str, table: str, route: str, identifier: str) -> Person:
    """A person of the plan not erased yet, whose values (as the plan sent them) are theirs
    alone."""
    schema = world.stores[service]
    kind = "worker" if service == "registry" else "foreign_worker"
    rows = await world.pool.fetch(
        f"select {'worker_id' if table == 'worker_list' else 'id'} as id, full_name"
        f' from "{schema}".{table} where full_name is not null order by 1'
    )
    client = world.clients[service]
    for row in rows:
        file = (await client.get(f"{route}/{row['id']}", headers=world.admin())).json()
        for entity in world.plan.of_kind(kind):
            body = entity.steps[0].body
            if body.get(identifier) == file[identifier] and body["full_name"] == row["full_name"]:
                values = values_of(entity.steps)
                others = {
                    v for e in world.plan.entities if e is not entity for v in values_of(e.steps)
                }
                folded = {search_key(v) for v in others}
                if values & others or search_key(body["full_name"]) in folded:
                    break  # a name two people share stays with the other one
                return Person(
                    service, row["id"], f"{route}/{row['id']}", identifier, row["full_name"], values
                )
    raise AssertionError(f"no {kind} of the plan found")


async def _erase(world: World, service: str, path: str) -> None:
    headers = world.admin() | {"Idempotency-Key": unique("erase")}
    client = world.clients[service]
    first = await client.post(f"{path}/erase", json=ERASE, headers=headers)
    assert first.status_code == 200, first.text
    again = await client.post(f"{path}/erase", json=ERASE, headers=headers)
    assert again.json() == first.json()


async def _reporting_rebuild(world: World) -> tuple[list[Any], list[Any]]:
    """Reporting's indicator counts and facts, rebuilt from the two stores."""
    schema = unique("t_pd_rep")
    projection = IndicatorProjection(world.pool, schema)
    await projection.migrate()
    await projection.rebuild(all_events_in(world.pool, world.stores.values()))
    counts = await world.pool.fetch(
        f'select indicator, unit_code, period, dimension, dim_value, value from "{schema}".'
        "indicator_counts where value <> 0 order by 1, 2, 3, 4, 5"
    )
    facts = await world.pool.fetch(
        f'select stream_id, facts::text from "{schema}".stream_facts order by 1'
    )
    await world.pool.execute(f'drop schema "{schema}" cascade')
    return [tuple(r) for r in counts], [tuple(r) for r in facts]


def _without_skills(facts: list[Any], erased: Any) -> list[Any]:
    """The facts rows, the erased worker's `skills` left out."""
    rows = []
    for stream_id, text in facts:
        if stream_id == erased:
            text = json.dumps({k: v for k, v in json.loads(text).items() if k != "skills"})
        rows.append((stream_id, text))
    return rows


async def _alerts_rebuild(world: World) -> list[tuple[Any, ...]]:
    """The alerts notify raises, a year after the plan's day, from a deadline projection
    rebuilt from the two stores (the erased events among them)."""
    schema = unique("t_pd_ntf")
    await migrate_notify(world.pool, schema)
    rules = RuleSettings()
    clock = FixedClock(NOW + timedelta(days=365))
    projection = DeadlineProjection(world.pool, schema, Deadlines(rules, clock))
    await projection.rebuild(all_events_in(world.pool, world.stores.values()))
    await Sweeper(PostgresAlertBooks(world.pool, schema), clock, rules, []).sweep()
    alerts = await world.pool.fetch(
        f'select rule, subject_id, status from "{schema}".alerts order by 1, 2, 3'
    )
    await world.pool.execute(f'drop schema "{schema}" cascade')
    return [tuple(r) for r in alerts]


async def _list_rows(world: World) -> dict[Any, Any]:
    registry, permits = world.stores["registry"], world.stores["permits"]
    rows = await world.pool.fetch(
        f'select worker_id as id, to_jsonb(t)::text as row from "{registry}".worker_list t'
    )
    rows += await world.pool.fetch(
        f"select id, (to_jsonb(t) - 'seq')::text as row from \"{permits}\".foreign_workers t"
    )
    return {r["id"]: r["row"] for r in rows}
