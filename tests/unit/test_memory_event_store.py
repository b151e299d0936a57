"""The in-memory event store keeps the same contract as the PostgreSQL one."""

from __future__ import annotations

import pytest

from lmis_shared.eventstore import EventStore, InMemoryEventStore
from tests.eventstore_contract import EventStoreContract


@pytest.fixture
def store() -> EventStore:
    return InMemoryEventStore()


class TestInMemoryEventStore(EventStoreContract):
    pass
