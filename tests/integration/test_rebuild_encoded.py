"""A split rebuild's rows encoded for COPY in the parts (`replica_parts.py`,
`positions_encoded.py`) fill the real tables exactly as the rows of one replica copied by
asyncpg do: facts, history (versions known until a later one, or NULL), counts and
positions, after later events took some streams out of the parts. The histories are the
random ones of the "as of" tests, with streams whose texts hold quotes, backslashes, tabs,
line ends, a `\\N` and Vietnamese (values the text form of COPY would have to escape)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.adapters.replica import IndicatorReplica
from lmis_shared.events import RecordedEvent
from lmis_shared.processing.positions_encoded import EncodedPositions
from lmis_shared.processing.replay import Replayed
from lmis_shared.processing.replay_parts import Progress
from lmis_shared.processing.staging import Encoding, Stage
from tests.conftest import unique
from tests.integration.as_of_history import FIRST, history, recorded_stream
from tests.unit import test_indicator_rules as example
from tests.unit.test_replica_parts import apply, mine, replayed, replicas, split

pytestmark = pytest.mark.integration

NAME = IndicatorProjection.name

TEXTS = (
    'Thái "Đen"',
    "a\\b\\\\c",
    "tab\there",
    "line\nend\r",
    "\\N",
    "Mường; 'x', {y}",
    "Nùng\u0301 ư̛",
    "",
)
"""Values the text form of COPY escapes or reads specially, and Vietnamese."""


def odd_streams(rnd: random.Random) -> list[RecordedEvent]:
    """Worker files with odd ethnicities and communes, some moved later (two versions)."""
    out = []
    for _ in range(60):
        day = FIRST + timedelta(days=rnd.randint(0, 90))
        made = [(example.registered(rnd.choice(TEXTS), day, ethnicity=rnd.choice(TEXTS)), day)]
        if rnd.random() < 0.4:
            later = day + timedelta(days=rnd.randint(0, 30))
            made.append((example.moved(rnd.choice(TEXTS)), later))
        out += recorded_stream(rnd, made)
    return out


async def load(
    pool: asyncpg.Pool,
    replica: IndicatorReplica,
    versions: dict[UUID, int],
    positions: Encoding | None,
) -> dict[str, list[Any]]:
    """The replica copied into fresh live tables (a first build), and what they hold."""
    schema = unique("t_enc")
    await IndicatorProjection(pool, schema).migrate()
    try:
        async with pool.acquire() as conn, conn.transaction():
            stage = Stage(conn, schema, replica.tables)
            await stage.load_live(replica, versions, NAME, positions)
        names = [t.name for t in replica.tables] + ["projection_positions"]
        return {
            n: sorted(map(tuple, await pool.fetch(f"SELECT * FROM {schema}.{n}"))) for n in names
        }
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")


def last_versions(events: Sequence[Replayed]) -> dict[UUID, int]:
    return {e.stream_id: e.version for e in events}


def replayed_both_ways(seed: int) -> tuple[IndicatorReplica, IndicatorReplica, Progress, int]:
    """The history replayed by one replica, and split in two parts carried on in the first
    (later events take some streams back), with the positions as `replay_split` leaves
    them; and the versions the whole replay ends with."""
    rnd = random.Random(seed)
    stored = [e for domain in history(seed).values() for e in domain] + odd_streams(rnd)
    first, later = split([replayed(e) for e in stored])
    assert len({mine(e) for e in later}) == 2  # streams of both parts taken back
    whole, here = replicas(first)
    apply(whole, later)
    progress = Progress({}, last_versions(first))
    progress.encoded = [
        EncodedPositions.of(NAME, last_versions([e for e in first if mine(e)])),
        EncodedPositions.of(NAME, last_versions([e for e in first if not mine(e)])),
    ]
    apply(here, progress.kept(later, last_versions(later)))
    return whole, here, progress, len(last_versions([*first, *later]))


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_encoded_rows_fill_the_tables_as_the_rows_do(
    pg_pool: asyncpg.Pool, seed: int
) -> None:
    whole, here, progress, streams = await asyncio.to_thread(replayed_both_ways, seed)
    assert all(here.encoded(t) is not None for t in here.tables if "facts" in t.name)
    assert len(progress.versions) == streams

    expected = await load(pg_pool, whole, progress.versions, None)
    encoded = await load(pg_pool, here, progress.versions, progress.positions_encoded(NAME))
    assert encoded == expected
    facts = expected["stream_facts"]
    assert {f for *_, f in facts if any(t and t in f for t in TEXTS)}, "odd texts stored"
    assert any(r[2] is None for r in expected["stream_facts_history"])
    assert any(r[2] is not None for r in expected["stream_facts_history"])
