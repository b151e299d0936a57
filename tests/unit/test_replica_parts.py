"""A rebuild split by stream (`replica_parts.py`) leaves the rows one replica leaves: a part
replayed in another process, exported and absorbed, then later events of its streams applied
here (they are taken out of the part), give the same `stream_facts`, history and counts, and
the rows of the keys the later events touched are the same too (what a staged swap rewrites).

The events are the random histories of the "as of" tests: every stream type, several versions
a day, streams that move commune, records that arrive late.
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterable, Sequence
from uuid import UUID

import pytest

from lmis_reporting.adapters.replica import IndicatorReplica
from lmis_shared.events import RecordedEvent
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.staging import Row
from tests.integration.as_of_history import history


def replayed(e: RecordedEvent) -> Replayed:
    m = e.metadata
    row = {"recorded_at": m.recorded_at}
    return Replayed(m.stream_id, m.stream_type, m.stream_version, m.event_type, e.payload(), row)  # type: ignore[arg-type]


def _plain(rows: Iterable[Row]) -> list[tuple[object, ...]]:
    """Rows comparable whatever class of uuid they hold."""
    return sorted(tuple(str(v) if isinstance(v, UUID) else v for v in row) for row in rows)  # type: ignore[type-var]


def apply(replica: IndicatorReplica, events: Sequence[Replayed]) -> None:
    for start in range(0, len(events), 50):
        asyncio.run(replica.apply(events[start : start + 50]))


def split(events: Sequence[Replayed]) -> tuple[list[Replayed], list[Replayed]]:
    """The replay below the bound (every stream but its last event, one in three whole), and
    the events that came meanwhile."""
    last = {e.stream_id: e.version for e in events}
    first = [e for e in events if e.version < last[e.stream_id] or e.stream_id.int % 3]
    return first, [e for e in events if e not in first]


def mine(e: Replayed) -> bool:
    """Whether the event's stream is in the first of two parts (this process's)."""
    return e.stream_id.bytes[0] < 128


def replicas(first: Sequence[Replayed]) -> tuple[IndicatorReplica, IndicatorReplica]:
    """`first` replayed by one replica, and split in two parts, the second exported and
    absorbed by the first (`replay_parts.py`)."""
    whole = IndicatorReplica()
    apply(whole, first)
    here, there = IndicatorReplica(), IndicatorReplica()
    apply(here, [e for e in first if mine(e)])
    apply(there, [e for e in first if not mine(e)])
    here.prepare()
    here.absorb(pickle.loads(pickle.dumps(there.export())))  # noqa: S301 (its own bytes)
    return whole, here


@pytest.mark.parametrize("seed", [1, 2])
def test_a_part_absorbed_and_carried_on_here_leaves_what_one_replica_leaves(seed: int) -> None:
    first, later = split([replayed(e) for stored in history(seed).values() for e in stored])
    assert later
    assert len({mine(e) for e in later}) == 2  # streams of both parts

    whole, here = replicas(first)
    for table in whole.tables:  # the swap rewrites what the later events touch
        whole.touched(table)
        here.touched(table)
    apply(whole, later)
    apply(here, later)

    for table in whole.tables:
        touched = whole.touched(table)
        assert touched == here.touched(table), table.name
        assert _plain(here.rows(table, touched)) == _plain(whole.rows(table, touched))
        assert _plain(here.rows(table)) == _plain(whole.rows(table)), table.name
