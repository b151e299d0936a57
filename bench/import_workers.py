"""Bulk import of worker files: 100,000 generated rows through the import path into the real
embedded PostgreSQL, against the single-command path (what each `POST /v1/workers` does,
without HTTP) for 1,000 rows as the peer.

The import is measured end to end from the file's bytes: reading the CSV, validating each row
with the API's command model, deciding, and saving in batches (events, open-file claims and
list rows in one transaction per batch). Then the same file again (everything skipped), the
bulk path on 1,000 rows beside the peer's 1,000, and, for information, reading the same rows
from an XLSX workbook (openpyxl is the slow part of an XLSX import).

    .venv/bin/python bench/import_workers.py [--rows N] [--batch-size B] [--no-xlsx]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import openpyxl

from harness import on_embedded_postgres, write_figures
from lmis_cli.embedded import EmbeddedPostgres
from lmis_registry.adapters.bulk_files import PostgresBulkFiles
from lmis_registry.application.import_template import WORKER_TEMPLATE
from lmis_registry.application.imports import WorkerImports
from lmis_registry.bootstrap import bootstrap, migrate
from lmis_registry.domain.workers import RegisterWorker
from lmis_registry.settings import RegistrySettings
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import CommandContext
from lmis_shared.eventstore.postgres import create_pool
from lmis_shared.imports import read_table
from lmis_shared.reference.citizen_id import century_sex_digit
from lmis_shared.reference.units import commune_code_str, province_of
from lmis_shared.settings import CommonSettings

RESULTS = Path(__file__).parent / "results" / "import_workers.json"
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SECRET = b"bench-lookup-key-bench-lookup-key"
PEER_ROWS = 1000
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


async def fresh(pool: asyncpg.Pool, schema: str) -> None:
    await migrate(pool, schema)


async def bulk(pool: asyncpg.Pool, schema: str, data: bytes, batch_size: int) -> dict[str, Any]:
    imports = WorkerImports(
        PostgresBulkFiles(pool, schema, SECRET),
        FixedClock(NOW),
        Authorizer(),
        batch_size=batch_size,
    )
    updates: list[int] = []
    start = time.perf_counter()
    table = read_table(data, WORKER_TEMPLATE)
    read = time.perf_counter()
    summary = await imports.run(table, context(), updates.append)
    done = time.perf_counter()
    return {
        "rows": summary.rows,
        "imported": summary.imported,
        "skipped": summary.skipped,
        "rejected": summary.rejected,
        "read_seconds": round(read - start, 2),
        "import_seconds": round(done - read, 2),
        "total_seconds": round(done - start, 2),
        "rows_per_s": round(summary.rows / (done - start), 1),
        "progress_updates": len(updates),
    }


async def single(pool: asyncpg.Pool, schema: str, rows: list[list[str]]) -> dict[str, Any]:
    """The peer: one `register` use case per row, as `POST /v1/workers` runs it."""
    settings = RegistrySettings(schema_name=schema, lookup_key=SECRET.decode())
    registry = bootstrap(pool, settings, CommonSettings(), clock=FixedClock(NOW))
    table = read_table(as_csv(rows), WORKER_TEMPLATE)
    from lmis_shared.imports import build_command

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


async def counts(pool: asyncpg.Pool, schema: str) -> dict[str, int]:
    return {
        table: await pool.fetchval(f'select count(*) from "{schema}".{table}')  # noqa: S608
        for table in ("events", "open_files", "worker_list")
    }


async def measure(server: EmbeddedPostgres, n: int, batch_size: int, xlsx: bool) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    pool = await create_pool(server.dsn, max_size=4)
    rows = generated_rows(n, seed=2026)
    data = as_csv(rows)
    await fresh(pool, "bulk")
    first = await bulk(pool, "bulk", data, batch_size)
    stored = await counts(pool, "bulk")
    again = await bulk(pool, "bulk", data, batch_size)
    peer_rows = generated_rows(PEER_ROWS, seed=7, first=n)
    await fresh(pool, "peer_bulk")
    bulk_small = await bulk(pool, "peer_bulk", as_csv(peer_rows), batch_size)
    await fresh(pool, "peer_single")
    peer = await single(pool, "peer_single", peer_rows)
    await pool.close()
    result: dict[str, Any] = {
        "rows": n,
        "batch_size": batch_size,
        "csv_bytes": len(data),
        "import": first,
        "stored": stored,
        "reimport_same_file": again,
        "bulk_1000_rows": bulk_small,
        "peer_single_command_1000_rows": peer,
        "bulk_vs_single_ratio": round(bulk_small["rows_per_s"] / peer["rows_per_s"], 1),
    }
    if xlsx:
        book = as_xlsx(rows)
        start = time.perf_counter()
        read_table(book, WORKER_TEMPLATE)
        result["xlsx_read_only"] = {
            "bytes": len(book),
            "seconds": round(time.perf_counter() - start, 2),
        }
    result["notes"] = {
        "import": "CSV bytes → read → validate with RegisterWorker → decide → "
        "save in batches (append_events for the batch, open_files claims, worker_list COPY, "
        "one transaction per batch), into the embedded PostgreSQL with default durability",
        "peer": "WorkerFiles.register per row on PostgreSQL: what POST /v1/workers runs, "
        "minus HTTP; one transaction per row",
        "xlsx_read_only": "read_table on the same rows as an XLSX workbook (openpyxl, read-only "
        "mode): add it to read_seconds for an XLSX import",
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
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX reading figure")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = on_embedded_postgres(
        lambda server: measure(server, args.rows, args.batch_size, not args.no_xlsx)
    )
    write_figures(args.out, result)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
