"""The ports of the agency feeds: the processor's transaction (`FeedBook`), the reads of the
API (`FeedReads`), and the seam for personal fields (`PersonalFields`).

`PersonalFields` is where decryption plugs in (`lmis_shared.privacy`'s envelopes): the fan-out
hands it only the fields a feed's purpose allows, already reduced, so a key is asked for only
when a purpose needs that person's field. The processor's is the key grant
(`adapters/key_grant.py`): sealed values opened, an erased person's fields `null` and named in
the record's `erased` list. Without one (the API's wiring, unit tests) `ClearPersonalFields`
passes clear values through and WITHHOLDS any sealed one (an envelope is dropped from the
record, never forwarded as ciphertext nor guessed at).
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


ERASED = "erased"
"""The key of a feed record's list of personal fields that are `null` because the person was
erased (their data key destroyed), as in a file's history."""

Reduced = tuple[EventMetadata, Mapping[str, Any]]
"""A source event's metadata and its data reduced to one feed's allowed fields."""


class PersonalFields(Protocol):
    async def reveal(self, records: Sequence[Reduced]) -> list[dict[str, Any]]:
        """Each record's data (only allowed fields) with sealed personal values opened for
        the feed (`null` and listed under `erased` for an erased person), or left out when
        they cannot be (no key grant). One call per batch: the keys are read once."""
        ...


class ClearPersonalFields:
    """Clear values as they are; sealed values withheld (no key grant)."""

    async def reveal(self, records: Sequence[Reduced]) -> list[dict[str, Any]]:
        return [withheld(data) for _, data in records]


def withheld(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` without its sealed values."""
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

    async def forget(self, subject: UUID) -> None:
        """`subject` was erased: the personal fields its records in the outbox hold become
        `null`, named under `erased` (notify's copy forgets them with the key)."""
        ...


class FeedReads(Protocol):
    async def catalogue(self) -> list[FeedState]: ...

    async def page(
        self, feed: str, unit: str | None, after: tuple[int, int] | None, limit: int
    ) -> list[StoredFeedRecord]:
        """Records of `feed` after `after` in publication order (of `unit` only, if given)."""
        ...
