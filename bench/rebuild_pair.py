"""One first build of the reporting projection from a kept store, for a before/after pair.

`bench/rebuild.py` measures this branch against its own peers; comparing two versions of the
code needs both run on the same store, back to back, on a machine whose load moves. This
keeps an embedded PostgreSQL and its store of `--events` worker registrations in `--data`
(filled once, `pipeline.fill_store`), rebuilds into a fresh schema and prints one JSON line:
what `bench/rebuild.py` measures of a first build (wall seconds, phases, CPU seconds of this
process, of the parts' processes and of PostgreSQL); `--processes 2` splits the replay as
`lmis rebuild reporting` does on two cores (default 1: one process). Run it with each
checkout's interpreter in turn (the code imported is that checkout's):

    for i in 1 2; do
      (cd /work/main && .venv/bin/python /path/to/this/bench/rebuild_pair.py --label before)
      .venv/bin/python bench/rebuild_pair.py --label after
    done

`bench/results/rebuild_before_after.json` holds such pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from lmis_cli.embedded import EmbeddedPostgres, running
from lmis_shared.eventstore.postgres import PostgresEventStore, create_pool
from pipeline import fill_store
from rebuild import reporting


async def measure(
    server: EmbeddedPostgres, events: int, label: str, processes: int = 1
) -> dict[str, object]:
    source = f"pair_source_{events}"
    pool = await create_pool(server.dsn, min_size=2, max_size=6)
    try:
        if await pool.fetchval("SELECT to_regclass($1)", f"{source}.events") is None:
            await PostgresEventStore.migrate(pool, source)
            await fill_store(PostgresEventStore(pool, source), events, seed=3)
            await pool.execute(f"VACUUM ANALYZE {source}.events")
        schema = f"pair_{os.getpid()}"
        figures = {"label": label, **await reporting(pool, server, schema, processes, source)}
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        return figures
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    default_data = Path(tempfile.gettempdir()) / "lmis-rebuild-pair"  # kept between runs
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--port", type=int, default=55432)
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--processes", type=int, default=1, help="split the replay (as `lmis rebuild`)"
    )
    args = parser.parse_args()
    server = EmbeddedPostgres(args.data / "pg", args.port)
    with running(server):
        print(json.dumps(asyncio.run(measure(server, args.events, args.label, args.processes))))


if __name__ == "__main__":
    main()
