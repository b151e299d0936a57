"""The port of the per-person data keys, and its in-memory fake.

`connection` is the caller's (an asyncpg connection in the append's transaction for
`PostgresKeyStore`, ignored by the fake), so a key is created with the first event sealed
with it and destroyed with the erasure event, or neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class KeyRecord:
    subject_id: UUID
    wrapped: bytes | None
    """None once erased: the key is destroyed, what it sealed is unreadable."""
    master_key_id: str | None
    created_at: datetime
    erased_at: datetime | None = None
    erased_by: str | None = None
    erased_why: str | None = None


class KeyStore(Protocol):
    async def fetch(self, connection: Any, subjects: Sequence[UUID]) -> dict[UUID, KeyRecord]:
        """The records of those of `subjects` that have one."""
        ...

    async def create(self, connection: Any, records: Sequence[KeyRecord]) -> dict[UUID, KeyRecord]:
        """Store each of `records` unless its subject has one already (a racing twin's);
        answers the records stored, by subject."""
        ...

    async def erase(self, connection: Any, subject: UUID, at: datetime, by: str, why: str) -> None:
        """Destroy the subject's key (a subject without one gets an erased record)."""
        ...

    async def live(self, connection: Any) -> list[KeyRecord]:
        """Every record whose key is not destroyed."""
        ...

    async def rewrap(
        self, connection: Any, subject: UUID, wrapped: bytes, master_key_id: str
    ) -> None: ...


class InMemoryKeyStore:
    def __init__(self) -> None:
        self.records: dict[UUID, KeyRecord] = {}

    async def fetch(self, connection: Any, subjects: Sequence[UUID]) -> dict[UUID, KeyRecord]:
        return {s: self.records[s] for s in subjects if s in self.records}

    async def create(self, connection: Any, records: Sequence[KeyRecord]) -> dict[UUID, KeyRecord]:
        return {r.subject_id: self.records.setdefault(r.subject_id, r) for r in records}

    async def erase(self, connection: Any, subject: UUID, at: datetime, by: str, why: str) -> None:
        before = self.records.get(subject) or KeyRecord(subject, None, None, at)
        self.records[subject] = replace(
            before, wrapped=None, master_key_id=None, erased_at=at, erased_by=by, erased_why=why
        )

    async def live(self, connection: Any) -> list[KeyRecord]:
        return [r for r in self.records.values() if r.wrapped is not None]

    async def rewrap(
        self, connection: Any, subject: UUID, wrapped: bytes, master_key_id: str
    ) -> None:
        self.records[subject] = replace(
            self.records[subject], wrapped=wrapped, master_key_id=master_key_id
        )
