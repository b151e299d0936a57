"""The embedded servers are real: PostgreSQL answers SQL, the broker round-trips a record."""

from __future__ import annotations

import asyncpg
from kafka import KafkaConsumer, KafkaProducer


async def test_postgres_has_the_extensions_vietnamese_search_needs(pg_pool: asyncpg.Pool) -> None:
    names = {
        r["name"]
        for r in await pg_pool.fetch(
            "select name from pg_available_extensions where name in ('unaccent', 'pg_trgm')"
        )
    }
    assert names == {"unaccent", "pg_trgm"}


def test_broker_round_trips_a_record_with_headers(kafka_bootstrap: str, fresh_topic: str) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True, acks="all")
    producer.send(fresh_topic, key=b"k", value=b"v", headers=[("ce_id", b"1")]).get(timeout=10)
    producer.close()
    consumer = KafkaConsumer(
        fresh_topic,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    records = list(consumer)
    consumer.close()
    assert [(r.key, r.value, r.headers) for r in records] == [(b"k", b"v", [("ce_id", b"1")])]
