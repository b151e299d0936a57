"""The access record's cost: one hash-chained entry (`append_access`: table lock, read the
head, sha256, insert, in one statement) against a plain insert of the same row with no chain,
by one writer and by several at once, on the real embedded PostgreSQL; and how fast
`lmis audit verify` walks the chain.

    .venv/bin/python bench/access_log.py [--entries N] [--writers W]
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from harness import Figures, run_from_command_line
from lmis_cli.embedded import EmbeddedPostgres
from lmis_shared.access.postgres import ACCESS_MIGRATIONS, PostgresAccessLog
from lmis_shared.access.record import AccessEntry
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.migrations import apply_migrations

RESULTS = Path(__file__).parent / "results" / "access_log.json"
ENTRY = AccessEntry(
    recorded_at=datetime(2026, 11, 23, 3, 0, tzinfo=UTC),
    actor="officer-1",
    role="commune_officer",
    unit="03637",
    action="read",
    subjects=(str(uuid.uuid4()),),
    fields=("person", "contact", "residence", "training", "contract", "abroad"),
    purpose="xác minh hồ sơ",
    correlation_id=uuid.uuid4(),
    trace_id="ab" * 16,
)
PLAIN = (
    "insert into {s}.plain_log (recorded_at, actor, role, unit, action, subjects, fields,"
    " purpose, correlation_id, trace_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
)


async def _writers(writers: int, per_writer: int, write: object) -> float:
    """Entries a second with `writers` tasks each writing `per_writer` entries."""
    assert callable(write)

    async def one() -> None:
        for _ in range(per_writer):
            await write()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(writers)))
    return writers * per_writer / (time.perf_counter() - started)


async def measure(server: EmbeddedPostgres, entries: int, writers: int) -> Figures:
    pool = await create_pool(server.dsn, max_size=writers + 2)
    try:
        await apply_migrations(pool, "bench", ACCESS_MIGRATIONS)
        await pool.execute(
            "create table bench.plain_log (id bigint generated always as identity primary key,"
            " recorded_at timestamptz, actor text, role text, unit text, action text,"
            " subjects text[], fields text[], purpose text, correlation_id uuid, trace_id text)"
        )
        log = PostgresAccessLog(pool, "bench")
        plain = PLAIN.replace("{s}", "bench")

        async def chained() -> None:
            await log.append(replace(ENTRY, recorded_at=datetime.now(UTC)))

        async def unchained() -> None:
            e = ENTRY
            await pool.execute(
                plain, datetime.now(UTC), e.actor, e.role, e.unit, e.action,
                list(e.subjects), list(e.fields), e.purpose, e.correlation_id, e.trace_id,
            )  # fmt: skip

        figures: Figures = {}
        for name, write in (("plain_insert", unchained), ("chained_append", chained)):
            figures[name] = {
                "one_writer_per_s": round(await _writers(1, entries, write)),
                f"{writers}_writers_per_s": round(
                    await _writers(writers, entries // writers, write)
                ),
            }
        started = time.perf_counter()
        verdict = await log.verify()
        assert verdict.broken_at is None
        figures["verify_entries_per_s"] = round(verdict.entries / (time.perf_counter() - started))
        figures["entries_verified"] = verdict.entries
        return figures
    finally:
        await pool.close()


def main() -> None:
    run_from_command_line(
        __doc__,
        {"entries": 4000, "writers": 8},
        lambda server, args: measure(server, args.entries, args.writers),
        RESULTS,
        with_machine=True,
    )


if __name__ == "__main__":
    main()
