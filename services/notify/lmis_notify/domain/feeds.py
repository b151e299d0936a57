"""The feed aggregate: one stream per agency feed, whose events record each definition of its
purpose, legal basis and contents (the catalogue's history, audited: who changed what, when).

    decide(state | None, DefineFeed) -> [FeedDefined] or [] (the same definition again)
    evolve(state | None, FeedDefined, stream_id) -> Feed

A feed's stream id is `feed_id(name)`, a function of its name, so seeding the shipped
catalogue twice, or an admin and the seed at once, meet on the same stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from lmis_shared.commands import Aggregate, VersionedState
from lmis_shared.contracts.feeds import FeedDefined, FeedDefinition
from lmis_shared.errors import NotFound
from lmis_shared.events import EventPayload

STREAM_TYPE = "feed"
_NAMESPACE = UUID("6f1b7d0e-2c55-4f0a-9a53-1e4a4c2f8d11")


def feed_id(name: str) -> UUID:
    return uuid5(_NAMESPACE, f"feed:{name}")


class FeedNotFound(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__("feed", name)


@dataclass(frozen=True)
class DefineFeed:
    definition: FeedDefinition
    catalogue_version: int


@dataclass(frozen=True)
class Feed(VersionedState):
    id: UUID
    definition: FeedDefinition
    catalogue_version: int
    version: int


def decide(state: Feed | None, command: DefineFeed) -> list[EventPayload]:
    if state is not None and state.definition == command.definition:
        return []
    return [FeedDefined(definition=command.definition, catalogue_version=command.catalogue_version)]


def evolve(state: Feed | None, event: EventPayload, stream_id: UUID) -> Feed:
    if not isinstance(event, FeedDefined):
        raise ValueError(f"{event.event_type} is no event of a feed")
    return Feed(stream_id, event.definition, event.catalogue_version, version=0)


def _not_found(stream_id: UUID) -> FeedNotFound:
    return FeedNotFound(str(stream_id))


AGGREGATE: Aggregate[Feed] = Aggregate(STREAM_TYPE, evolve, _not_found)
