"""The feeds' key grant: notify's feed processor opens the producers' sealed personal fields
that a feed's purpose allows (`PersonalFields`).

The grant is two things an operator gives only to this process: SELECT on each producer's
`person_keys` (`lmis migrate`: `NotifySettings.key_sources`) and the producer's master key
(`LMIS_REGISTRY_MASTER_KEY`, `LMIS_PERMITS_MASTER_KEY`). Opening is `lmis_shared.privacy`'s
own (`PersonalData.data_keys` / `open_data`): the same envelope, key unwrapping and associated
data as the producer reading its events back. The fan-out hands over records already reduced
to the feed's fields, so nothing else is ever decrypted. A person whose key is destroyed
(erased) gets `null` in those fields and their names under `erased`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from lmis_notify.application.feed_ports import ERASED, Reduced, withheld
from lmis_notify.settings import PRODUCER_MASTER_KEYS
from lmis_shared.privacy.personal import DataKeys, PersonalData, sealed_subjects
from lmis_shared.privacy.postgres import PostgresKeyStore, master_key
from lmis_shared.settings import CommonSettings


class KeyGrant:
    """Implements `PersonalFields` with the producers' data keys (`producers`: the
    `PersonalData` of each producing domain, over that domain's schema)."""

    def __init__(self, pool: asyncpg.Pool, producers: Mapping[str, PersonalData]) -> None:
        self._pool = pool
        self._producers = producers

    async def reveal(self, records: Sequence[Reduced]) -> list[dict[str, Any]]:
        wanted: dict[str, set[UUID]] = defaultdict(set)
        for meta, data in records:
            wanted[_producer(meta.event_type)] |= sealed_subjects(dict(data))
        keys: dict[str, DataKeys] = {}
        for producer, subjects in wanted.items():  # one read of each producer's keys a batch
            if subjects and producer in self._producers:
                keys[producer] = await self._producers[producer].data_keys(self._pool, subjects)
        return [self._opened(meta.event_type, meta.stream_id, data, keys) for meta, data in records]

    def _opened(
        self, event_type: str, subject: UUID, data: Mapping[str, Any], keys: dict[str, DataKeys]
    ) -> dict[str, Any]:
        producer = _producer(event_type)
        if producer not in keys:  # nothing sealed, or no grant for that producer
            return withheld(data)
        opened, erased = self._producers[producer].open_data(
            keys[producer], event_type, subject, dict(data)
        )
        return {**opened, ERASED: list(erased)} if erased else opened


def _producer(event_type: str) -> str:
    return event_type.split(".")[1]  # lmis.<domain>.<stream>.<fact>.v<n>


def key_grant(pool: asyncpg.Pool, key_sources: Sequence[str], common: CommonSettings) -> KeyGrant:
    """The grant for `key_sources` (producers whose schema is their domain's name): each
    producer's master key from its own settings, refused missing outside embedded mode, the
    producers' generated local key in embedded mode."""
    producers = {
        domain: PersonalData(
            PostgresKeyStore(domain), master_key(PRODUCER_MASTER_KEYS[domain](), common)
        )
        for domain in key_sources
    }
    return KeyGrant(pool, producers)
