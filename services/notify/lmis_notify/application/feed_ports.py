"""The ports of the agency feeds: the processor's transaction (`FeedBook`), the reads of the
API (`FeedReads`), and the seam for personal fields (`PersonalFields`).

`PersonalFields` is where decryption plugs in (issue 10's envelopes, `lmis_shared.privacy`):
the fan-out hands it only the fields a feed's purpose allows, already reduced, so a key is
asked for only when a purpose needs that person's field. Until a decryptor with a key grant is
given, `ClearPersonalFields` passes clear values through and WITHHOLDS any sealed one (an
envelope is dropped from the record, never forwarded as ciphertext nor guessed at).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lmis_notify.domain.feed_routing import SubjectUnits
from lmis_shared.contracts.feeds import FeedDefinition
from lmis_shared.events import EventMetadata

SEALED_MARK = "$enc"  # lmis_shared.privacy.envelope.MARK (issue 10)


@dataclass(frozen=True)
class FeedRecord:
    """One record of one feed: the source event's metadata, the reduced data."""

    feed: str
    unit: str | None
    metadata: EventMetadata
    data: dict[str, Any]


@dataclass(frozen=True)
class StoredFeedRecord:
    position: tuple[int, int]
    record: FeedRecord


@dataclass(frozen=True)
class FeedState:
    definition: FeedDefinition
    catalogue_version: int
    version: int
    defined_at: datetime
    defined_by: str


class PersonalFields(Protocol):
    async def reveal(self, metadata: EventMetadata, data: Mapping[str, Any]) -> dict[str, Any]:
        """`data` (only allowed fields) with sealed personal values opened for the feed, or
        left out when they cannot be (no key grant, the person erased)."""
        ...


class ClearPersonalFields:
    """Clear values as they are; sealed values withheld (the seam for issue 10's decryptor)."""

    async def reveal(self, metadata: EventMetadata, data: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if not _sealed(v)}


def _sealed(value: Any) -> bool:
    return isinstance(value, dict) and SEALED_MARK in value


class FeedBook(Protocol):
    """The feed processor's view inside one transaction (the projection's)."""

    async def definitions(self) -> list[FeedDefinition]: ...

    async def subjects(self, ids: Sequence[UUID]) -> dict[UUID, SubjectUnits]: ...

    async def save_subjects(self, subjects: Mapping[UUID, SubjectUnits]) -> None: ...

    async def add(self, records: Sequence[FeedRecord]) -> None:
        """Into the feed outbox (the feed relay publishes it, the pull API pages it)."""
        ...

    async def record_access(self, feed: FeedDefinition, records: Sequence[FeedRecord]) -> None:
        """One access-record entry: the agency received these subjects' data, for its purpose."""
        ...


class FeedReads(Protocol):
    async def catalogue(self) -> list[FeedState]: ...

    async def page(
        self, feed: str, unit: str | None, after: tuple[int, int] | None, limit: int
    ) -> list[StoredFeedRecord]:
        """Records of `feed` after `after` in publication order (of `unit` only, if given)."""
        ...
