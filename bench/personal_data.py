"""The cost of sealing personal data on the append path: commands/s with and without.

The command path's save (`PostgresStreams.save`: one transaction, the append and nothing
else) on an embedded PostgreSQL started here, in two schemas migrated alike; the same
commands go to both, rounds alternating, each figure the median round:

  register  a new worker file per command (`WorkerRegistered`): with sealing, the person's
            data key is made (wrapped, inserted) in the transaction, then the person sealed;
  update    a profile update with personal fields on an existing file: the key is read and
            unwrapped, the fields sealed;
  read      a file's events read back (`read_stream`): with sealing, opened with the key.

    .venv/bin/python bench/personal_data.py [--commands N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from harness import on_embedded_postgres, write_figures
from lmis_cli.embedded import EmbeddedPostgres
from lmis_shared.commands import Change
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.contracts import registry as r
from lmis_shared.events import EventPayload, NewEvent
from lmis_shared.eventstore import AppendContext
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from lmis_shared.privacy.keys import LocalMasterKey
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.privacy.postgres import PostgresKeyStore
from lmis_shared.privacy.postgres import migrate as migrate_keys

RESULTS = Path(__file__).parent / "results" / "personal_data.json"


def context() -> AppendContext:
    return AppendContext(
        "officer-bench", uuid.uuid4(), None, None, "/lmis/bench", datetime(2026, 1, 1, tzinfo=UTC)
    )


def registered(i: int) -> r.WorkerRegistered:
    return r.WorkerRegistered(
        person=r.Person(
            full_name="Nguyễn Thị Hồng Nhung",
            date_of_birth=date(1995, 3, 14),
            citizen_id=f"0121950{i % 100000:05d}",
        ),
        sex=r.Sex.female,
        ethnicity="01",
        commune_code="03637",
        province_code="12",
        registered_on=date(2026, 1, 1),
    )


def updated(i: int) -> r.WorkerProfileUpdated:
    return r.WorkerProfileUpdated(
        changed=("person.phone", "person.village"),
        person=r.PersonChanges(phone=f"09{i % 100000000:08d}", village="Bản Hon"),
    )


class Side:
    """One schema's streams, sealed or not, and the files it has made."""

    def __init__(self, streams: PostgresStreams[Any], store: PostgresEventStore) -> None:
        self.streams = streams
        self.store = store
        self.files: dict[uuid.UUID, int] = {}

    async def _save(self, stream: uuid.UUID, expected: int, event: EventPayload) -> None:
        change = Change[Any](
            stream_id=stream,
            stream_type="worker",
            expected_version=expected,
            events=[NewEvent(event_id=uuid.uuid4(), payload=event)],
            context=context(),
            idempotency=None,
            before=None,
            after=None,
        )
        await self.streams.save(change)
        self.files[stream] = expected + 1

    async def register(self, n: int) -> float:
        start = time.perf_counter()
        for i in range(n):
            await self._save(uuid.uuid4(), 0, registered(i))
        return n / (time.perf_counter() - start)

    async def update(self, n: int) -> float:
        targets = list(self.files.items())[:n]
        start = time.perf_counter()
        for i, (stream, version) in enumerate(targets):
            await self._save(stream, version, updated(i))
        return len(targets) / (time.perf_counter() - start)

    async def read(self, n: int) -> float:
        targets = list(self.files)[:n]
        start = time.perf_counter()
        for stream in targets:
            [first, *_] = await self.store.read_stream(stream)
            first.payload()
        return len(targets) / (time.perf_counter() - start)


async def median_rounds(
    rounds: int, runs: dict[str, Callable[[], Awaitable[float]]], seen: dict[str, list[float]]
) -> dict[str, float]:
    for name in runs:
        seen.setdefault(name, [])
    for _ in range(rounds):
        for name, run in runs.items():
            seen[name].append(round(await run(), 1))
    return {name: round(statistics.median(seen[name]), 1) for name in runs}


async def measure(server: EmbeddedPostgres, n: int, rounds: int) -> dict[str, Any]:
    pool = await create_pool(server.dsn, min_size=1, max_size=1)
    personal = PersonalData(PostgresKeyStore("sealed"), LocalMasterKey(os.urandom(32)))
    sides: dict[str, Side] = {}
    for schema, sealing in (("clear", None), ("sealed", personal)):
        await PostgresEventStore.migrate(pool, schema)
        await migrate_keys(pool, schema)
        streams = PostgresStreams[Any](pool, schema, personal=sealing)
        sides[schema] = Side(streams, PostgresEventStore(pool, schema, sealing))
    clear, sealed = sides["clear"], sides["sealed"]
    for side in (clear, sealed):  # warm up: prepared statements, first pages
        await side.register(50)
    seen: dict[str, list[float]] = {}
    stages = {
        "register": lambda s: lambda: s.register(n),
        "update": lambda s: lambda: s.update(n),
        "read": lambda s: lambda: s.read(n),
    }
    figures: dict[str, Any] = {"commands": n, "rounds": rounds}
    for stage, run in stages.items():
        runs = {f"{stage}/clear": run(clear), f"{stage}/sealed": run(sealed)}
        medians = await median_rounds(rounds, runs, seen)
        without, with_ = medians[f"{stage}/clear"], medians[f"{stage}/sealed"]
        figures[f"{stage}_without_sealing_per_s"] = without
        figures[f"{stage}_with_sealing_per_s"] = with_
        figures[f"{stage}_cost_percent"] = round(100 * (1 - with_ / without), 1)
    await pool.close()
    return figures | {
        "notes": {
            "register": "PostgresStreams.save of one WorkerRegistered on a new stream: with "
            "sealing, the data key is made and inserted in the append's transaction",
            "update": "one WorkerProfileUpdated with personal fields on an existing stream: "
            "the key is read and unwrapped in the transaction",
            "read": "read_stream of a file and its first event's payload: opened with the key",
        },
        "rounds_seen": seen,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures = on_embedded_postgres(lambda server: measure(server, args.commands, args.rounds))
    write_figures(RESULTS, figures)
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()
