"""Fixtures the unit tests share (a module may define its own of the same name instead)."""

from __future__ import annotations

import pytest

from lmis_shared.eventstore import InMemoryEventStore


@pytest.fixture
def store() -> InMemoryEventStore:
    """An empty event store in memory, the test's own."""
    return InMemoryEventStore()
