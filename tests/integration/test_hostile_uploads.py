"""Hostile uploads to the registry's API running as its own process (`lmis serve registry`)
on the real PostgreSQL: each gets a clear problem answer, and the process's peak resident
memory (`VmHWM` of /proc/<pid>/status) grows by less than a bound across all of them."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import asyncpg
import httpx
import pytest

from lmis_cli.embedded import free_port
from lmis_registry.bootstrap import migrate
from lmis_shared.imports import XLSX_MEDIA_TYPE
from tests.hostile_files import csv_of_blank_lines, declaring_the_whole_sheet, form, zip_bomb
from tests.integration.apps import ISSUER, bearer, signed_settings
from tests.integration.processors import eventually

pytestmark = pytest.mark.integration

SAMPLE = files("lmis_registry").joinpath("data", "import", "sample_workers.csv")
MAX_BYTES = 64 * 1024 * 1024
MEMORY_BOUND = 96 * 1024 * 1024
"""Before: a 16 MB CSV raised the process by about 900 MB."""
SAMPLE_ROWS = list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))
CSV = {"Content-Type": "text/csv"}


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    private_key: Path

    def auth(self, role: str = "admin", scope: str = "12") -> dict[str, str]:
        return bearer(self.private_key, role, scope)

    def peak_memory(self) -> int:
        """The process's peak resident set so far, in bytes (VmHWM)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    async def raw(self, head: str, body: bytes) -> str:
        """Send `head` and `body` (perhaps fewer bytes than the head's Content-Length) and
        read the status line: answered before the rest of the body was sent."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(head.encode() + b"\r\n" + body)
            await writer.drain()
            return (await reader.readline()).decode()
        finally:
            writer.close()


@pytest.fixture
async def server(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Server]:
    await migrate(pg_pool, fresh_schema)
    common, private = signed_settings(database_url, tmp_path)
    port = free_port()
    env = os.environ | {
        "LMIS_MODE": "embedded",
        "LMIS_DATA_DIR": str(tmp_path),
        "LMIS_DATABASE_URL": database_url,
        "LMIS_OTEL_EXPORTER": "none",
        "LMIS_JWT_PUBLIC_KEY_FILE": str(common.jwt_public_key_file),
        "LMIS_JWT_ISSUER": ISSUER,
        "LMIS_REGISTRY_PORT": str(port),
        "LMIS_REGISTRY_SCHEMA_NAME": fresh_schema,
        "LMIS_IMPORT_MAX_BYTES": str(MAX_BYTES),
        "LMIS_IMPORT_MAX_CONCURRENT": "1",
    }
    log = tmp_path / "registry.log"
    with log.open("ab") as out:
        process = await asyncio.to_thread(
            subprocess.Popen,
            [sys.executable, "-m", "lmis_cli", "serve", "registry"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield Server(process, port, private)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text()[-3000:]


async def test_hostile_uploads_are_answered_and_memory_stays_bounded(server: Server) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}", timeout=120) as c:

        async def listening() -> bool | None:
            assert server.process.poll() is None, "the API exited"
            try:
                return (await c.get("/healthz")).status_code == 200 or None
            except httpx.TransportError:
                return None

        await eventually(listening, "the API to listen", within=60)
        url = "/v1/imports/workers"
        warm = await c.post(url, content=SAMPLE.read_bytes(), headers=server.auth() | CSV)
        assert warm.status_code == 200, warm.text  # every module of an import is loaded
        before = server.peak_memory()

        blank = await c.post(
            url,
            content=csv_of_blank_lines(",".join(SAMPLE_ROWS[0]), 60 << 20),
            headers=server.auth() | CSV,
        )
        assert blank.status_code == 422, blank.text
        assert "blank rows" in blank.json()["detail"]

        whole = declaring_the_whole_sheet(SAMPLE_ROWS[:2])
        answered = await c.post(
            url, content=whole, headers=server.auth() | {"Content-Type": XLSX_MEDIA_TYPE}
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["rows"] == 1

        bomb = await c.post(url, content=zip_bomb(512 << 20), headers=server.auth())
        assert bomb.status_code == 422, bomb.text
        assert "unpacks" in bomb.json()["detail"]

        one_byte = await c.post(
            url,
            content=form(b"a", "file", "lao_dong.csv", SAMPLE.read_bytes()),
            headers=server.auth() | {"Content-Type": "multipart/form-data; boundary=a"},
        )
        assert one_byte.status_code == 200, one_byte.text
        assert one_byte.json()["skipped"] == warm.json()["imported"]  # read as the same file

        cut = await c.post(
            url,
            content=b"--a\r\nContent-Disposition: form-data; name=",
            headers=server.auth() | {"Content-Type": "multipart/form-data; boundary=a"},
        )
        assert cut.status_code == 422, cut.text
        assert cut.json()["errors"][0]["field"] == "file"

        # a role that may not import is refused with the body not yet sent (16 MB declared)
        bank = server.auth("bank", "12")["Authorization"]
        status = await server.raw(_head(bank, 16 << 20), b"x" * 65536)
        assert " 403 " in status, status

        # a declared size over the limit is refused before a byte of the body is read
        status = await server.raw(_head(server.auth()["Authorization"], MAX_BYTES + 1), b"")
        assert " 413 " in status, status

        grown = server.peak_memory() - before
        sys.stderr.write(f"peak resident growth across the hostile uploads: {grown >> 20} MiB\n")
        assert grown < MEMORY_BOUND, f"VmHWM grew by {grown >> 20} MiB"

        # one import at a time (LMIS_IMPORT_MAX_CONCURRENT=1): a second is told to retry
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(_head(server.auth()["Authorization"], 1 << 20).encode() + b"\r\n")
        await writer.drain()

        async def refused() -> httpx.Response | None:
            answer = await c.post(url, content=SAMPLE.read_bytes(), headers=server.auth() | CSV)
            return answer if answer.status_code == 503 else None

        busy = await eventually(refused, "an import refused while another runs", within=30)
        assert busy.headers["Retry-After"].isdigit()
        writer.close()


def _head(authorization: str, length: int) -> str:
    return (
        "POST /v1/imports/workers HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: {authorization}\r\nContent-Type: text/csv\r\n"
        f"Content-Length: {length}\r\n"
    )
