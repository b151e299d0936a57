"""The feed catalogue and the pull API: purposes as data, changed by an audited command.

* `catalogue()`: every feed's purpose, legal basis and contents (no personal data: any
  authenticated caller may read what each agency receives).
* `define(name, definition, ctx)`: an admin sets a feed's definition; the command path appends
  `lmis.notify.feed.defined.v1` on the feed's stream (who, when, what) and the `feeds` row in
  the same transaction. The processor reads the new definition at its next batch; records
  already in the outbox stay as they were until `lmis rebuild notify` derives them again.
* The shipped catalogue (`feed_catalogue.json`, versioned with the code) is written into the
  `feeds` rows by `migrate` for feeds that have none or hold an older catalogue version's (an
  admin's change to the current version is kept); its history is the file's.
* `page(principal, feed, after, limit)`: the feed outbox in publication order. An agency reads
  its own feed (a commune officer its commune's records only), an admin any; another feed is
  403, an unknown one 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lmis_notify.application.feed_ports import FeedReads, FeedState, StoredFeedRecord
from lmis_notify.application.ports import SOURCE
from lmis_notify.domain import feeds
from lmis_notify.domain.feeds import DefineFeed, Feed, FeedNotFound, feed_id
from lmis_shared.auth import Principal, Role
from lmis_shared.clock import Clock
from lmis_shared.commands import Command, CommandContext, CommandPath, CommandResult, Streams
from lmis_shared.contracts.feeds import FeedDefinition
from lmis_shared.errors import Forbidden, InvalidInput
from lmis_shared.events import EventPayload

MAX_PAGE = 500


@dataclass(frozen=True)
class FeedPage:
    feed: FeedDefinition
    items: list[StoredFeedRecord]
    next_after: tuple[int, int] | None


class Feeds:
    def __init__(self, streams: Streams[Feed], reads: FeedReads, clock: Clock) -> None:
        self._path = CommandPath(feeds.AGGREGATE, streams, clock, SOURCE)
        self._reads = reads

    async def catalogue(self) -> list[FeedState]:
        return await self._reads.catalogue()

    async def define(
        self,
        name: str,
        definition: FeedDefinition,
        ctx: CommandContext,
        respond: Callable[[Feed], dict[str, Any]],
    ) -> CommandResult:
        """An admin's definition of feed `name` (new or changed), as an event on its stream."""
        if ctx.principal.role != Role.ADMIN:
            raise Forbidden("only an admin changes a feed's purpose")
        if definition.name != name:
            raise InvalidInput("body.name", "must be the feed named in the path")
        stored = {s.definition.name: s for s in await self._reads.catalogue()}
        current = stored.get(name)
        version = current.catalogue_version if current else 1
        stream_id = feed_id(name)
        command: Command[Feed] = Command(
            "define_feed",
            stream_id,
            definition.model_dump(mode="json"),
            lambda state: _decided(state, DefineFeed(definition, version)),
            respond,
            # a shipped feed has its row but no stream until an admin first defines it
            creates=not await self._path.streams.read(stream_id),
            target=name,
        )
        return await self._path.run(command, ctx)

    async def page(
        self, principal: Principal, name: str, after: tuple[int, int] | None, limit: int
    ) -> FeedPage:
        definition = await self.readable(principal, name)
        limit = max(1, min(limit, MAX_PAGE))
        # a commune officer reads its own commune's records of a per-commune feed only
        unit = principal.scope if principal.role == Role.COMMUNE_OFFICER else None
        found = await self._reads.page(name, unit, after, limit)
        last = found[-1].position if len(found) == limit else None
        return FeedPage(definition, found, last)

    async def readable(self, principal: Principal, name: str) -> FeedDefinition:
        """The feed's definition if `principal` may read the feed (403 another agency's)."""
        by_name = {s.definition.name: s.definition for s in await self._reads.catalogue()}
        definition = by_name.get(name)
        if definition is None:
            raise FeedNotFound(name)
        if principal.role != Role.ADMIN and principal.role.value not in definition.roles:
            raise Forbidden("this feed serves another agency")
        return definition


def _decided(state: Feed | None, command: DefineFeed) -> list[EventPayload]:
    return feeds.decide(state, command)
