"""Bulk import of worker files: 100,000 generated rows posted to the registry's real HTTP
endpoint (`POST /v1/imports/workers`, served by uvicorn on a local port, personal data
sealed, into the embedded PostgreSQL), beside PostgreSQL's own COPY of the same events.

Measured end to end, from the request to the answer: the upload, reading the CSV (then the
same rows as an XLSX workbook), validating each row with the API's command model, deciding,
sealing, and saving in batches (events, data keys, open-file claims and list rows in one
transaction per batch). Then the same CSV again (everything skipped). The peers, in the same
run: COPY of the stored event rows into an empty events table (the floor for writing the
events at all), openpyxl's read-only mode reading the same workbook, and the single-command
path (what each `POST /v1/workers` does, without HTTP) for 1,000 rows.

    .venv/bin/python bench/import_workers.py [--rows N] [--batch-size B] [--no-xlsx]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import random
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import openpyxl
import uvicorn

from harness import on_embedded_postgres, write_figures
from lmis_cli.embedded import EmbeddedPostgres, free_port
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.application.imports import BATCH_SIZE
from lmis_registry.bootstrap import bootstrap, migrate
from lmis_registry.domain.workers import RegisterWorker
from lmis_registry.entrypoints.http import create_app
from lmis_registry.settings import RegistrySettings
from lmis_shared.auth import Principal, Role, ensure_local_keypair, issue_token
from lmis_shared.clock import FixedClock
from lmis_shared.commands import CommandContext
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.eventstore.rows import EVENT_COLUMNS as COPY_COLUMNS
from lmis_shared.imports import XLSX_MEDIA_TYPE, build_command, read_table
from lmis_shared.reference.citizen_id import century_sex_digit
from lmis_shared.reference.units import commune_code_str, province_of
from lmis_shared.settings import CommonSettings
from process_cpu import cpu_per_row
from xlsx_books import with_shared_strings

RESULTS = Path(__file__).parent / "results" / "import_workers.json"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SECRET = b"bench-lookup-key-bench-lookup-key"
PEER_ROWS = 1000
ISSUER = "lmis-bench"
HEADINGS = [c.heading for c in WORKER_TEMPLATE.columns]

LAI_CHAU = "12"
# Lai Châu is mostly Thái, HMông, Kinh, Dao, Hà Nhì, Giáy, Lự, Khơ-mú (codes of the GSO list)
ETHNIC_MIX = (("03", 34), ("08", 24), ("01", 16), ("09", 14), ("35", 3), ("25", 3), ("42", 2))
FAMILY = ("Nguyễn", "Lò", "Tòng", "Lường", "Giàng", "Vàng", "Sùng", "Lý", "Tẩn", "Phàn", "Lê")
MIDDLE = {"male": ("Văn", "A", "Seo", "Đức"), "female": ("Thị", "Thu", "Mỹ", "Ngọc")}
GIVEN = {
    "male": ("An", "Bình", "Dũng", "Páo", "Sử", "Chứ", "Khánh", "Đạt", "Hải", "Lâm"),
    "female": ("Mai", "Xuân", "Hoa", "Dung", "Mỷ", "Lan", "Pàng", "Sua", "Hương"),
}


def lai_chau_communes() -> list[str]:
    from vietnam_provinces.lookup import WARD_MAPPING

    codes = (commune_code_str(int(code)) for code in WARD_MAPPING)
    return sorted(c for c in codes if province_of(c) == LAI_CHAU)


def generated_rows(n: int, seed: int, first: int = 0) -> list[list[str]]:
    """Realistic Lai Châu rows in the template's columns; citizen IDs unique by `first + i`."""
    rng = random.Random(seed)
    communes = lai_chau_communes()
    codes, weights = zip(*ETHNIC_MIX, strict=True)
    rows = []
    for i in range(first, first + n):
        sex = "male" if rng.random() < 0.7 else "female"
        born = date(rng.randint(1980, 2004), rng.randint(1, 12), rng.randint(1, 28))
        ethnicity = rng.choices(codes, weights)[0]
        groups = ["Dân tộc thiểu số"] if ethnicity != "01" else []
        if rng.random() < 0.3:
            groups.append("Hộ nghèo")
        citizen = f"012{century_sex_digit(born, sex)}{born.year % 100:02d}{i:06d}"
        registered = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1000))
        rows.append(
            [
                f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}",
                born.strftime("%d/%m/%Y"),
                "Nam" if sex == "male" else "Nữ",
                ethnicity,
                citizen,
                rng.choice(communes),
                "; ".join(groups),
                registered.strftime("%d/%m/%Y"),
            ]
        )
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(WORKER_TEMPLATE.sheet)
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def context() -> CommandContext:
    return CommandContext(Principal("officer-bench", Role.ADMIN, "12"), uuid.uuid4())


@asynccontextmanager
async def served_registry(
    server: EmbeddedPostgres,
    data_dir: Path,
    schema: str,
    processes: int | None = None,
    register: str = "none",
) -> Any:
    """The registry's app on a local port (uvicorn in this event loop), and a client of it
    with an admin token: the same app `lmis up` serves, personal data sealed."""
    private, public = ensure_local_keypair(data_dir / "keys")
    common = CommonSettings(
        database_url=server.dsn,
        data_dir=data_dir,
        otel_exporter="none",
        jwt_public_key_file=public,
        jwt_issuer=ISSUER,
        jwt_audience=ISSUER,
        import_rate_per_minute=1e9,
        import_burst=10**9,
    )
    settings = RegistrySettings(
        schema_name=schema,
        lookup_key=SECRET.decode(),
        import_processes=processes,
        population_register=register,
    )
    app = create_app(common, settings, clock=FixedClock(NOW))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    uvicorn_server = uvicorn.Server(config)
    serving = asyncio.create_task(uvicorn_server.serve())
    while not uvicorn_server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.02)
    token = issue_token(
        private,
        subject="officer-bench",
        role="admin",
        scope="12",
        issuer=ISSUER,
        audience=ISSUER,
        ttl=timedelta(hours=1),
    )
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600
        ) as client:
            # the first request builds FastAPI's and the tracer's route tables (about a
            # second, once per process): not part of an import
            (await client.get("/v1/imports/workers/template.xlsx")).raise_for_status()
            # and a long-running service's import workers are up (started at its first import)
            if app.state.registry.import_pool is not None:
                await app.state.registry.import_pool.start()
            yield client
    finally:
        uvicorn_server.should_exit = True
        await serving


async def post_file(client: httpx.AsyncClient, data: bytes, media_type: str) -> dict[str, Any]:
    """One import through the API, timed from the request to the answer."""
    start, cpu = time.perf_counter(), time.process_time()
    response = await client.post(
        "/v1/imports/workers", content=data, headers={"Content-Type": media_type}
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    response.raise_for_status()
    body = response.json()
    return {
        "rows": body["rows"],
        "imported": body["imported"],
        "skipped": body["skipped"],
        "rejected": body["rejected"],
        "bytes": len(data),
        "seconds": round(seconds, 2),
        "rows_per_s": round(body["rows"] / seconds, 1),
        # CPU of this process (the API and its client) per row: what the shared machine's
        # load does not inflate as it does the wall-clock figures
        "api_process_cpu_us_per_row": round(cpu * 1e6 / body["rows"], 1),
    }


async def single(pool: asyncpg.Pool, schema: str, rows: list[list[str]]) -> dict[str, Any]:
    """The peer: one `register` use case per row, as `POST /v1/workers` runs it."""
    settings = RegistrySettings(schema_name=schema, lookup_key=SECRET.decode())
    registry = bootstrap(pool, settings, CommonSettings(), clock=FixedClock(NOW))
    table = read_table(as_csv(rows), WORKER_TEMPLATE)
    commands = [build_command(table, row, RegisterWorker) for row in table.rows]
    ctx = context()
    start = time.perf_counter()
    for command in commands:
        await registry.workers.register(command, ctx)
    seconds = time.perf_counter() - start
    return {
        "rows": len(commands),
        "seconds": round(seconds, 2),
        "rows_per_s": round(len(commands) / seconds, 1),
    }


async def copy_peer(pool: asyncpg.Pool, source: str, target: str) -> dict[str, Any]:
    """PostgreSQL's COPY of the events the import stored (sealed data and all) into the empty
    events table of another schema: the floor for writing those rows."""
    await migrate(pool, target)
    records = await pool.fetch(
        f'select {", ".join(COPY_COLUMNS)} from "{source}".events'  # noqa: S608
    )
    rows = [tuple(r) for r in records]
    async with pool.acquire() as conn:
        start = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table(
                "events", schema_name=target, columns=list(COPY_COLUMNS), records=rows
            )
        seconds = time.perf_counter() - start
    return {
        "events": len(rows),
        "seconds": round(seconds, 2),
        "events_per_s": round(len(rows) / seconds, 1),
    }


def xlsx_reading(book: bytes) -> dict[str, Any]:
    """The XLSX reader against openpyxl's read-only mode on the same workbook."""
    start = time.perf_counter()
    rows = len(read_table(book, WORKER_TEMPLATE).rows)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    workbook = openpyxl.load_workbook(io.BytesIO(book), read_only=True, data_only=True)
    sheet = workbook[WORKER_TEMPLATE.sheet]
    sheet.reset_dimensions()
    read = sum(1 for _ in sheet.iter_rows(values_only=True))
    workbook.close()
    peer = time.perf_counter() - start
    return {
        "rows": rows,
        "openpyxl_rows": read,
        "seconds": round(ours, 2),
        "openpyxl_read_only_seconds": round(peer, 2),
        "speedup_vs_openpyxl": round(peer / ours, 1),
    }


async def checkpoint(pool: asyncpg.Pool) -> None:
    """Start a measured import on a settled database: the last import's WAL (2.1 KB a row)
    flushed. Without it, the XLSX imports ran while a checkpoint the CSV imports had set off
    was under way: every page's first change then writes the whole page to the WAL, and
    PostgreSQL took 29-32 µs of CPU a row against 23 (XLSX 5.1-5.2 s against 4.5-4.6)."""
    await pool.execute("CHECKPOINT")


async def counts(pool: asyncpg.Pool, schema: str) -> dict[str, int]:
    return {
        table: await pool.fetchval(f'select count(*) from "{schema}".{table}')  # noqa: S608
        for table in ("events", "person_keys", "open_files", "worker_list")
    }


async def wal_position(pool: asyncpg.Pool) -> int:
    """Where the server's WAL is now (an LSN, a byte position): read again after a run, the
    bytes it wrote."""
    position: int = await pool.fetchval("select pg_current_wal_lsn()")
    return position


async def wal_per_row(pool: asyncpg.Pool, since: int, n: int) -> dict[str, float]:
    """WAL bytes a row written since `since`: what the commits flush, and what the server
    zero-fills new WAL segment files for (a fresh cluster has none to recycle)."""
    return {"wal_bytes_per_row": round((await wal_position(pool) - since) / n, 1)}


async def measure(
    server: EmbeddedPostgres,
    n: int,
    batch_size: int,
    xlsx: bool,
    processes: int | None,
    register_rows: int = 0,
) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    pool = await create_pool(server.dsn, max_size=4)
    rows = generated_rows(n, seed=2026)
    data = as_csv(rows)
    result: dict[str, Any] = {"rows": n, "batch_size": batch_size, "import_processes": processes}
    with tempfile.TemporaryDirectory(prefix="lmis-bench-import-") as tmp:
        await migrate(pool, "bulk")
        async with served_registry(server, Path(tmp), "bulk", processes) as client:
            await checkpoint(pool)
            wal = await wal_position(pool)
            with cpu_per_row(server.data_dir, n) as cpu:
                result["http_csv"] = await post_file(client, data, "text/csv")
            result["http_csv"] |= cpu | await wal_per_row(pool, wal, n)
            await checkpoint(pool)
            with cpu_per_row(server.data_dir, n) as cpu:
                result["http_csv_again"] = await post_file(client, data, "text/csv")
            result["http_csv_again"] |= cpu
        result["stored"] = await counts(pool, "bulk")
        result["copy_peer"] = await copy_peer(pool, "bulk", "copy_peer")
        result["http_csv_vs_copy"] = round(
            result["http_csv"]["rows_per_s"] / result["copy_peer"]["events_per_s"], 3
        )
        if register_rows:  # what `lmis up` runs: the population register asked after the rows
            part = as_csv(rows[:register_rows])
            for schema, register in (("bulk_part", "none"), ("bulk_register", "local")):
                await migrate(pool, schema)
                async with served_registry(
                    server, Path(tmp), schema, processes, register
                ) as client:
                    result[f"http_csv_{register}_register"] = await post_file(
                        client, part, "text/csv"
                    )
        if xlsx:
            book = as_xlsx(rows)
            for name, workbook in (("", book), ("_shared_strings", with_shared_strings(book))):
                await migrate(pool, f"bulk_xlsx{name}")
                async with served_registry(
                    server, Path(tmp), f"bulk_xlsx{name}", processes
                ) as client:
                    await checkpoint(pool)
                    with cpu_per_row(server.data_dir, n) as cpu:
                        result[f"http_xlsx{name}"] = await post_file(
                            client, workbook, XLSX_MEDIA_TYPE
                        )
                    result[f"http_xlsx{name}"] |= cpu
            result["xlsx_reading"] = xlsx_reading(book)
    peer_rows = generated_rows(PEER_ROWS, seed=7, first=n)
    await migrate(pool, "peer_single")
    result["peer_single_command_1000_rows"] = await single(pool, "peer_single", peer_rows)
    result["http_csv_vs_single_command"] = round(
        result["http_csv"]["rows_per_s"] / result["peer_single_command_1000_rows"]["rows_per_s"],
        1,
    )
    await pool.close()
    result["notes"] = {
        "http_csv": "POST /v1/imports/workers with the CSV as the body, timed from the request "
        "to the JSON answer: upload, read, validate with RegisterWorker, decide, seal per person, "
        f"save in batches of {batch_size} rows (events, data keys, open-file claims and "
        "worker_list rows each by COPY, one transaction per batch; stored files and claims "
        "looked for only while a look finds some); uvicorn and the client share one process",
        "checkpoint": "each measured import starts after a CHECKPOINT (the last one's WAL "
        "flushed): one under way meanwhile costs PostgreSQL 6-9 µs of CPU a row more",
        "http_csv_again": "the same file again: every row validated, found, skipped",
        "http_csv_local_register": "the first --with-register rows into an empty schema with "
        "the local population register (what `lmis up` configures): the import then asks it "
        "about every file and records the answers before it answers; http_csv_none_register "
        "is the same rows without it",
        "import_processes": "the registry's import worker processes (None: its default, "
        "the cores, at most 4, niced; 0: rows planned in a thread of the service's process)",
        "copy_peer": "COPY of the stored event rows into an empty events table, one transaction",
        "http_xlsx": "the same rows as an XLSX workbook (inline strings, as openpyxl writes)",
        "http_xlsx_shared_strings": "the same workbook with shared strings, as Excel saves it",
        "xlsx_reading": "read_table on the workbook (streamed expat reader) against openpyxl's "
        "read-only iter_rows(values_only=True) on the same workbook",
        "peer_single": "WorkerFiles.register per row on PostgreSQL (what POST /v1/workers runs, "
        "minus HTTP), one transaction per row, personal data sealed",
    }
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        # the machine is shared: a load above its cores at the start or end marks a slow run
        "load_average_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX import")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--with-register",
        type=int,
        default=0,
        metavar="ROWS",
        help="also import ROWS rows with the local population register (`lmis up`'s) and without",
    )
    parser.add_argument(
        "--import-processes",
        type=int,
        default=None,
        help="the registry's import worker processes (default: its own; 0: none)",
    )
    args = parser.parse_args()
    result = on_embedded_postgres(
        lambda server: measure(
            server,
            args.rows,
            args.batch_size,
            not args.no_xlsx,
            args.import_processes,
            args.with_register,
        )
    )
    write_figures(args.out, result)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
