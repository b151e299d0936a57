"""The one command path every service runs its commands through:

    load -> authorise -> replay an applied Idempotency-Key -> If-Match -> decide -> evolve
         -> append (with the read-model writes, one transaction) -> translate refusals

A use case builds a `Command` (what is asked, and closures for the parts that are the
aggregate's or the use case's: `authorise`, `decide`, `respond`) and hands it to
`CommandPath.run`. Everything else is here, once.

Idempotency: a command that carries an idempotency key stores its response in the same
transaction as its events; a repeat (or a racing twin) gets that first response back and
appends nothing; a key reused for a different request is refused (`IdempotencyKeyReused`).
A key is the caller's own and the command's own (`bound_key`), and it expires after
`idempotency_ttl` (24 hours by default): then the key is new again.
A repeat gets its first answer even if the stream has moved on since, so the replay comes
before If-Match.

Versions: a stale If-Match is a 412 (`PreconditionFailed`: the client read an old version);
losing the race to another writer between load and append is a 409 (`ConcurrencyConflict`).
A command that decides nothing (the state already is what was asked) appends nothing and
answers 200 with the current state.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic
from uuid import UUID

from lmis_shared import errors
from lmis_shared.clock import Clock
from lmis_shared.commands.aggregate import Aggregate, S
from lmis_shared.commands.context import (
    CommandContext,
    CommandResult,
    check_if_match,
    replayed,
    request_fingerprint,
)
from lmis_shared.commands.streams import Change, Streams
from lmis_shared.events import EventPayload, NewEvent, RecordedEvent
from lmis_shared.eventstore.api import IdempotencyRecord
from lmis_shared.eventstore.errors import DuplicateCommand, WrongExpectedVersion


def _no_check(state: Any) -> None:
    return None


IDEMPOTENCY_TTL = timedelta(hours=24)
"""How long a key's first answer is replayed, unless the service says otherwise
(`CommonSettings.idempotency_ttl_hours`)."""


Authorise = Callable[[S], None]
"""Raises `lmis_shared.errors.Forbidden` when the caller may not have the state."""


@dataclass(frozen=True)
class Command(Generic[S]):
    """One request to change one stream.

    `name`, `target` and `request` identify what was asked (the idempotency fingerprint);
    `target` defaults to the stream id, except for a command that starts a stream under a
    fresh random id (that id is not part of what was asked); a stream with a natural key
    (an upsert) names it, so a retry matches whether or not the stream existed;
    `creates` is True for a command that starts the stream (201, no If-Match, the stream
    must not exist yet: a second create is a 409 from the store);
    `authorise(state)` raises Forbidden (state is None when `creates`); on an existing
    stream, `Unseen` (the caller may not even read it) answers the aggregate's not-found;
    `decide(state)` returns the events (an empty list: nothing to change);
    `respond(state_after)` is the response body.
    """

    name: str
    stream_id: UUID
    request: Mapping[str, Any]
    decide: Callable[[S | None], Sequence[EventPayload]]
    respond: Callable[[S], dict[str, Any]]
    authorise: Callable[[S | None], None] = field(default=_no_check)
    creates: bool = False
    target: str | None = None

    def fingerprint(self) -> str:
        target = self.target or (None if self.creates else str(self.stream_id))
        return request_fingerprint(self.name, target, dict(self.request))


class CommandPath(Generic[S]):
    """Runs commands on the streams of one aggregate."""

    def __init__(
        self,
        aggregate: Aggregate[S],
        streams: Streams[S],
        clock: Clock,
        source: str,
        *,
        idempotency_ttl: timedelta = IDEMPOTENCY_TTL,
    ) -> None:
        self.aggregate = aggregate
        self.streams = streams
        self._clock = clock
        self._source = source
        self._idempotency_ttl = idempotency_ttl

    async def load(self, stream_id: UUID, authorise: Authorise[S] = _no_check) -> S:
        """The stream's current state, if `authorise(state)` lets the caller have it; the
        aggregate's not-found error when there is none or the caller may not see it."""
        state = self.aggregate.fold_recorded(stream_id, await self.streams.read(stream_id))
        self._authorise(stream_id, authorise, state)
        return state

    async def history(
        self, stream_id: UUID, authorise: Authorise[S] = _no_check
    ) -> tuple[S, list[RecordedEvent]]:
        """The stream's state and its recorded events (authorised as `load` is)."""
        recorded = await self.streams.read(stream_id)
        state = self.aggregate.fold_recorded(stream_id, recorded)
        self._authorise(stream_id, authorise, state)
        return state, recorded

    def _authorise(self, stream_id: UUID, authorise: Authorise[S], state: S) -> None:
        """No oracle: an object the caller may not see answers exactly as a missing one."""
        try:
            authorise(state)
        except errors.Unseen:
            raise self.aggregate.not_found(stream_id) from None

    async def run(
        self, command: Command[S], ctx: CommandContext, *, at: datetime | None = None
    ) -> CommandResult:
        """Run `command`; its events are recorded at `at` (default: the clock's now)."""
        before = None if command.creates else await self.load(command.stream_id)
        if before is None:
            command.authorise(before)
        else:
            self._authorise(command.stream_id, command.authorise, before)
        fingerprint = command.fingerprint()
        now = at or self._clock.now()
        key = self._bound_key(command, ctx)
        if key and (stored := await self.streams.find_response(key, now - self._idempotency_ttl)):
            return replayed(stored, fingerprint)
        if before is not None:
            check_if_match(ctx, before.version)
        decided = list(command.decide(before))
        if not decided:
            assert before is not None, "a command that starts a stream must decide an event"
            return CommandResult(200, command.respond(before))
        after = self.aggregate.fold_more(before, command.stream_id, decided)
        status_code = 201 if command.creates else 200
        body = command.respond(after)
        change = Change(
            stream_id=command.stream_id,
            stream_type=self.aggregate.stream_type,
            expected_version=0 if before is None else before.version,
            events=[NewEvent(event_id=uuid.uuid4(), payload=e) for e in decided],
            context=ctx.append_context(self._source, now),
            idempotency=IdempotencyRecord(key, fingerprint, status_code, body) if key else None,
            before=before,
            after=after,
        )
        try:
            await self.streams.save(change)
        except DuplicateCommand as twin:  # a concurrent request with the same key won
            return replayed(twin.stored, fingerprint)
        except WrongExpectedVersion as race:  # another writer appended first
            raise errors.ConcurrencyConflict(race.expected_version, race.actual_version) from None
        return CommandResult(status_code, body)

    def _bound_key(self, command: Command[S], ctx: CommandContext) -> str | None:
        if not ctx.idempotency_key:
            return None
        route = f"{self.aggregate.stream_type}.{command.name}"
        return bound_key(ctx.principal.subject, route, ctx.idempotency_key)


def bound_key(caller: str, route: str, key: str) -> str:
    """The stored form of a client's Idempotency-Key: bound to who sent it and to which
    command, so one caller's key neither replays nor blocks another caller's or command's."""
    return json.dumps([caller, route, key], ensure_ascii=False, separators=(",", ":"))


def new_stream_id() -> UUID:
    """The id of a stream a command starts (random; aggregates with natural keys derive it)."""
    return uuid.uuid4()
