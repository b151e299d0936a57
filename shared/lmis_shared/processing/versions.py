"""Stream versions checked before a projection applies anything: a stream's events are applied
one after the other, in version order, never across a hole.

A record's `ce_streamversion` is only a claim. A projection keeps per stream the last version
it has seen (`projection_positions`, applied or passed: an event of a type it does not apply
still takes its place in the stream), and judges each arriving event against it:
  * at or below it: a redelivery or a replay, skipped (Kafka delivers at least once);
  * the next one: applied (or passed), and then whatever was parked right after it;
  * above the next one (a gap: a version never seen, or a forged 2,000,000,000): parked;
  * the next one but a newer version of a type this code handles with no upcaster here
    (`decoding.Unreadable`): parked, and the stream waits behind it.
Parked events are kept whole in `parked_events` with the reason, counted by the gauge
`lmis_parked_events{projection}` and logged (stream id, versions, type: no personal data), never
applied out of order and never dropped. When the missing version arrives, the parked ones
follow it in order in the same transaction; an upgrade that brings the upcaster applies them at
the processor's start (`Projection.resume_parked`). One whose hole never fills (a forged
version) stays for an operator to look at and delete.

Set-based: one query per batch reads the positions and the parked events of the batch's
streams; the plan is made in memory (`plan`, pure, unit-tested); one statement upserts the moved
positions, and only a batch that parks or unparks writes `parked_events`.

An event that the agent dead-letters as poison leaves its version unseen: the stream's later
events park behind it, reported, until the dead letter is fixed and replayed (applying them
without it could count a departure of a worker never registered).

Upgrading a deployment whose positions were written before versions were checked (they held the
last version applied, not the last seen): rebuild the projections (`lmis rebuild`), or let the
embedded broker's refill deliver every event again; either writes the positions afresh.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from lmis_shared.events import RecordedEvent
from lmis_shared.logging import get_logger
from lmis_shared.metrics import meter
from lmis_shared.migrations import Migration
from lmis_shared.processing.decoding import Arrival, Decoded, Unreadable

log = get_logger(__name__)
Connection = asyncpg.Connection | PoolConnectionProxy

PARKED_MIGRATION = Migration(
    "processing/0003_parked_events.sql",
    """
CREATE TABLE parked_events (
    projection text NOT NULL,
    stream_id uuid NOT NULL,
    version bigint NOT NULL CHECK (version > 0),
    reason text NOT NULL CHECK (reason IN ('gap', 'unknown_version')),
    event jsonb NOT NULL,
    parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, stream_id, version)
);
""",
)

PARKED = meter(__name__).create_gauge(
    "lmis.parked_events",
    unit="{event}",
    description="events a projection holds back: a gap before them in their stream, or a"
    " newer version of their type than this code reads",
)

Reason = Literal["gap", "unknown_version"]


@dataclass(frozen=True)
class Parking:
    stream_id: UUID
    version: int
    reason: Reason
    event: RecordedEvent


@dataclass
class Plan:
    """What a batch does, in order: `to_apply` (the parked ones that follow in their place),
    for each arriving event whether it was applied, the positions that moved, what to park and
    what to take out of the parked."""

    to_apply: list[Decoded] = field(default_factory=list)
    applied: list[bool] = field(default_factory=list)
    positions: dict[UUID, int] = field(default_factory=dict)
    park: list[Parking] = field(default_factory=list)
    unpark: list[tuple[UUID, int]] = field(default_factory=list)


def plan(
    arrivals: Sequence[Arrival],
    positions: dict[UUID, int],
    parked: dict[UUID, dict[int, RecordedEvent]],
    readable: Callable[[RecordedEvent], Arrival],
    wake: Sequence[UUID] = (),
) -> Plan:
    """Judge `arrivals` against the streams' `positions` (last version seen) and `parked`
    events (read again through `readable`: the code may read more since); `wake`: streams
    whose parked head is to be tried again with no new arrival."""
    out = Plan()
    last = dict(positions)
    waiting = {stream: dict(events) for stream, events in parked.items()}
    new_parked: set[tuple[UUID, int]] = set()

    def accept(arrival: Arrival) -> None:
        meta = arrival.event.metadata
        last[meta.stream_id] = meta.stream_version
        if isinstance(arrival, Decoded):
            out.to_apply.append(arrival)

    def follow(stream: UUID) -> None:
        """Take the parked events that now come next, as long as this code reads them."""
        queue = waiting.get(stream, {})
        while (following := last.get(stream, 0) + 1) in queue:
            arrival = readable(queue[following])
            if isinstance(arrival, Unreadable):
                return
            del queue[following]
            if (stream, following) in new_parked:
                new_parked.discard((stream, following))
                out.park = [p for p in out.park if (p.stream_id, p.version) != (stream, following)]
            else:
                out.unpark.append((stream, following))
            accept(arrival)

    for stream in wake:
        follow(stream)
    for arrival in arrivals:
        meta = arrival.event.metadata
        stream, version = meta.stream_id, meta.stream_version
        expected = last.get(stream, 0) + 1
        applies = False
        if version < expected or version in waiting.get(stream, {}):
            pass  # seen already: a redelivery, a replay, or a twin of a parked record
        elif version > expected or isinstance(arrival, Unreadable):
            reason: Reason = "gap" if version > expected else "unknown_version"
            out.park.append(Parking(stream, version, reason, arrival.event))
            waiting.setdefault(stream, {})[version] = arrival.event
            new_parked.add((stream, version))
        else:
            accept(arrival)
            applies = isinstance(arrival, Decoded)
            follow(stream)
        out.applied.append(applies)
    out.positions = {s: v for s, v in last.items() if positions.get(s) != v}
    return out


class StreamVersions:
    """The versions and parked events of one projection, in its schema (`q`, quoted)."""

    def __init__(self, q: str, projection: str) -> None:
        self.q = q
        self.projection = projection

    async def read(
        self, conn: Connection, streams: Sequence[UUID]
    ) -> tuple[dict[UUID, int], dict[UUID, dict[int, RecordedEvent]]]:
        """The last version seen and the parked events of `streams`, in one query."""
        rows = await conn.fetch(
            f"SELECT stream_id, version, NULL::jsonb AS event FROM {self.q}.projection_positions"  # noqa: S608
            " WHERE projection = $1 AND stream_id = ANY($2::uuid[])"
            f" UNION ALL SELECT stream_id, version, event FROM {self.q}.parked_events"
            " WHERE projection = $1 AND stream_id = ANY($2::uuid[])",
            self.projection,
            list(streams),
        )
        positions: dict[UUID, int] = {}
        parked: dict[UUID, dict[int, RecordedEvent]] = {}
        for row in rows:
            if row["event"] is None:
                positions[row["stream_id"]] = row["version"]
            else:
                event = RecordedEvent.model_validate(_json(row["event"]))
                parked.setdefault(row["stream_id"], {})[row["version"]] = event
        return positions, parked

    async def waking(self, conn: Connection) -> list[UUID]:
        """Streams whose next version is parked: what an upgrade may now let through."""
        rows = await conn.fetch(
            f"SELECT p.stream_id FROM {self.q}.parked_events p"  # noqa: S608
            f" LEFT JOIN {self.q}.projection_positions s"
            " ON s.projection = p.projection AND s.stream_id = p.stream_id"
            " WHERE p.projection = $1 AND p.version = coalesce(s.version, 0) + 1",
            self.projection,
        )
        return [row["stream_id"] for row in rows]

    async def write(self, conn: Connection, done: Plan) -> None:
        """Record what `done` moved, parked and unparked (in the batch's transaction)."""
        if done.positions:
            await conn.execute(
                f"INSERT INTO {self.q}.projection_positions (projection, stream_id, version)"  # noqa: S608
                " SELECT $1, s, v FROM unnest($2::uuid[], $3::bigint[]) AS t(s, v)"
                " ON CONFLICT (projection, stream_id) DO UPDATE SET version = excluded.version",
                self.projection,
                list(done.positions),
                list(done.positions.values()),
            )
        if done.unpark:
            await conn.execute(
                f"DELETE FROM {self.q}.parked_events WHERE projection = $1"  # noqa: S608
                " AND (stream_id, version) IN"
                " (SELECT * FROM unnest($2::uuid[], $3::bigint[]))",
                self.projection,
                [s for s, _ in done.unpark],
                [v for _, v in done.unpark],
            )
        if done.park:
            await conn.execute(
                f"INSERT INTO {self.q}.parked_events"  # noqa: S608
                " (projection, stream_id, version, reason, event)"
                " SELECT $1, * FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::jsonb[])"
                " ON CONFLICT DO NOTHING",
                self.projection,
                [p.stream_id for p in done.park],
                [p.version for p in done.park],
                [p.reason for p in done.park],
                [p.event.model_dump_json() for p in done.park],
            )
        for p in done.park:
            log.warning(
                "processing.parked",
                projection=self.projection,
                stream_id=str(p.stream_id),
                version=p.version,
                reason=p.reason,
                event_type=p.event.event_type,
            )
        if done.unpark:
            log.info("processing.unparked", projection=self.projection, events=len(done.unpark))

    async def forget(self, conn: Connection) -> None:
        """Drop the positions and parked events, for a rebuild from nothing."""
        for table in ("projection_positions", "parked_events"):
            await conn.execute(
                f"DELETE FROM {self.q}.{table} WHERE projection = $1",  # noqa: S608
                self.projection,
            )

    async def report(self, conn: Connection) -> None:
        """Set `lmis_parked_events{projection}` to what is parked now."""
        count = await conn.fetchval(
            f"SELECT count(*) FROM {self.q}.parked_events WHERE projection = $1",  # noqa: S608
            self.projection,
        )
        PARKED.set(count, {"projection": self.projection})


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value
