"""The feeds' key grant on the real PostgreSQL and broker: a worker registered through the
registry's real app has its `person` sealed in the registry's store; notify's feed projection,
holding the key grant (the registry's `person_keys` and master key), puts it decrypted into the
feeds whose purpose allows it, exactly the allowed fields, and a plain Kafka client reads it
there; a feed whose purpose does not allow it never carries it, clear or sealed. After the
worker is erased (`POST /v1/workers/{id}/erase`), the fan-out of the erased event makes
notify's outbox forget that worker's fields, and the feeds derived again (`lmis rebuild
notify`'s replay) carry `null` and `erased` for that worker too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from kafka import KafkaConsumer

from lmis_notify.adapters.key_grant import KeyGrant, key_grant
from lmis_notify.bootstrap import Notify, bootstrap, migrate, with_key_grant
from lmis_notify.settings import NotifySettings
from lmis_shared.contracts import registry as r
from lmis_shared.contracts.feeds import feed_topic, load_catalogue
from lmis_shared.processing import Decoded, all_events_in
from lmis_shared.processing.decoding import validate_payload
from tests.conftest import unique
from tests.integration.apps import bearer
from tests.integration.test_agency_feeds import publish_feeds
from tests.integration.worker_api import DEPART, SIGN_CONTRACT, Api
from tests.unit.worker_examples import PERSON

pytestmark = pytest.mark.integration

REGISTERED = r.WorkerRegistered.event_type
PERSONAL = {k: PERSON[k] for k in ("full_name", "citizen_id", "date_of_birth")}
ERASE = {"legal_basis": "Luật 91/2025/QH15, Điều 14", "request_reference": "YC-2026-0042"}


def _read(bootstrap_servers: str, topic: str) -> list[tuple[dict[str, str], dict[str, Any]]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    try:
        return [({k: v.decode() for k, v in m.headers}, json.loads(m.value)) for m in consumer]
    finally:
        consumer.close()


async def test_feeds_carry_the_personal_fields_their_purpose_allows_decrypted(
    api: Api, pg_pool: asyncpg.Pool, kafka_bootstrap: str, fresh_topic: str, tmp_path: Path
) -> None:
    worker = await api.register()
    await api.run(worker, ("sign-contract", SIGN_CONTRACT), ("record-departure", DEPART))
    stored = await pg_pool.fetchval(
        f"select data::text from {api.schema}.events where event_type = $1", REGISTERED
    )
    assert PERSON["citizen_id"] not in stored
    assert '"$enc"' in stored

    common = api.common.model_copy(
        update={"kafka_bootstrap": kafka_bootstrap, "topic_prefix": fresh_topic}
    )
    # embedded mode: the grant unwraps with the producer's own generated local key
    granted = key_grant(pg_pool, ["registry"], common)
    assert granted._producers["registry"].wrapper.key_id == api.personal.wrapper.key_id
    schema = unique("notify_feedkeys")
    await migrate(pg_pool, schema)
    try:
        settings = NotifySettings(schema_name=schema, report_obligations={})
        notify = with_key_grant(
            bootstrap(pg_pool, settings, common),
            pg_pool,
            settings,
            common,
            # the registry of this test lives in its own schema, not in `registry`
            KeyGrant(pg_pool, {"registry": api.personal}),
        )
        # a purpose that does not allow `person`: foreign affairs narrowed to the province
        catalogue = load_catalogue().by_name()
        narrowed = catalogue["foreign_affairs"].model_copy(
            update={
                "event_types": {
                    **catalogue["foreign_affairs"].event_types,
                    REGISTERED: ("province_code",),
                }
            }
        )
        await pg_pool.execute(
            f"update {schema}.feeds set definition = $1::jsonb where name = 'foreign_affairs'",
            narrowed.model_dump_json(),
        )
        await _fan_out(notify, pg_pool, api.schema)
        await publish_feeds(pg_pool, schema, common)

        police = _of(_read(kafka_bootstrap, feed_topic(fresh_topic, "police")), worker)
        [registered] = [d for h, d in police if h["ce_type"] == REGISTERED]
        assert set(registered) == set(catalogue["police"].event_types[REGISTERED])
        assert {k: registered["person"].get(k) for k in PERSONAL} == PERSONAL
        assert all("person" not in d for h, d in police if h["ce_type"] != REGISTERED)

        affairs = _of(_read(kafka_bootstrap, feed_topic(fresh_topic, "foreign_affairs")), worker)
        assert next(h["ce_type"] for h, _ in affairs) == REGISTERED
        for _, data in affairs:  # neither clear nor sealed, in any record of that feed
            assert "person" not in data
            assert not _personal_in(json.dumps(data, ensure_ascii=False))

        # erased: the key destroyed, the feeds derived again (`lmis rebuild notify`)
        admin = bearer(api.private_key, "admin", "12", subject="dpo-1")
        erased = await api.client.post(
            f"/v1/workers/{worker}/erase",
            json=ERASE,
            headers=admin | {"Idempotency-Key": unique("erase")},
        )
        assert erased.status_code == 200, erased.text
        # the processor's live path: the erased event makes notify's copy forget the fields
        news = [e async for e in all_events_in(pg_pool, [api.schema])]
        news = [e for e in news if e.event_type == r.WorkerErased.event_type]
        assert all(
            await notify.feed_projection.process([Decoded(news[0], validate_payload(news[0]))])
        )
        await _assert_forgotten(pg_pool, schema, worker)
        await _fan_out(notify, pg_pool, api.schema)  # and `lmis rebuild notify`'s replay
        await _assert_forgotten(pg_pool, schema, worker)
        await publish_feeds(pg_pool, schema, common)
        again = _of(_read(kafka_bootstrap, feed_topic(fresh_topic, "police")), worker)
        latest = [d for h, d in again if h["ce_type"] == REGISTERED][-1]
        assert latest["person"] is None
        assert latest["erased"] == ["person"]
        assert r.WorkerErased.event_type in {h["ce_type"] for h, _ in again}
    finally:
        await pg_pool.execute(f"DROP SCHEMA {schema} CASCADE")


async def _fan_out(notify: Notify, pool: asyncpg.Pool, store: str) -> None:
    """The feeds from the registry's store, as `lmis rebuild notify` replays it."""
    fanned = await notify.feed_projection.rebuild(all_events_in(pool, [store]))
    assert fanned


async def _assert_forgotten(pool: asyncpg.Pool, schema: str, worker: str) -> None:
    rows = await pool.fetch(
        f"select feed, data from {schema}.feed_outbox where stream_id = $1 and event_type = $2",
        UUID(worker),
        REGISTERED,
    )
    assert "police" in {row["feed"] for row in rows}
    for row in rows:
        data = json.loads(row["data"])
        assert not _personal_in(row["data"]), row["feed"]
        allows = row["feed"] != "foreign_affairs"  # the narrowed purpose (both ship `person`)
        seen = ("person" in data, data.get("person"), data.get("erased"))
        assert seen == ((True, None, ["person"]) if allows else (False, None, None)), row


def _of(
    records: list[tuple[dict[str, str], dict[str, Any]]], worker: str
) -> list[tuple[dict[str, str], dict[str, Any]]]:
    return [(h, d) for h, d in records if h["ce_subject"] == worker]


def _personal_in(text: str) -> bool:
    return '"$enc"' in text or any(str(v) in text for v in PERSONAL.values())
