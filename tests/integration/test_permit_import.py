"""Importing the permit register on the real PostgreSQL, through the HTTP API: the sample
file's good rows in and every bad row reported, nothing twice, a row whole or not at all, and
the imported files served by the API's own queries."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import openpyxl
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from lmis_cli.imports import imports_app
from lmis_shared.clock import FixedClock
from lmis_shared.imports import XLSX_MEDIA_TYPE
from tests.integration.apps import bearer, served
from tests.integration.permits_api import running_permits

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
SECRET = "test-import-key-test-import-key-test"
SAMPLE = files("lmis_permits").joinpath("data", "import", "sample_permits.csv")
CSV = {"Content-Type": "text/csv"}
FIRMS = {"1101234567": "27937", "1100987654": "27991"}  # Đức Hòa, Bến Lức (province 80)


@dataclass
class Permits:
    client: httpx.AsyncClient
    headers: dict[str, str]
    pool: asyncpg.Pool
    schema: str

    async def ok(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.headers)
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def upload(self, data: bytes, **params: str) -> httpx.Response:
        return await self.client.post(
            "/v1/imports/permits", content=data, params=params, headers=self.headers | CSV
        )

    async def count(self, sql: str) -> int:
        return int(await self.pool.fetchval(sql.replace("{s}", f'"{self.schema}"')))


@asynccontextmanager
async def permits_with_firms(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[tuple[FastAPI, Permits]]:
    """The service with its import routes, and the register's employers already in it."""
    running = running_permits(
        tmp_path, database_url, fresh_schema, pg_pool, FixedClock(NOW), lookup_key=SECRET
    )
    async with running as permits:
        headers = bearer(permits.private_key, "province_officer", "80")
        api = Permits(permits.client, headers, pg_pool, fresh_schema)
        await register_firms(api)
        yield permits.app, api


@pytest.fixture
async def permits(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Permits]:
    async with permits_with_firms(tmp_path, database_url, fresh_schema, pg_pool) as (_, api):
        yield api


async def register_firms(api: Permits) -> None:
    """The register's employers, each with approved demands covering 2023 to 2027."""
    for tax_code, commune in FIRMS.items():
        await api.ok(
            "/v1/employers",
            {
                "tax_code": tax_code,
                "name": "Công ty TNHH Sản xuất Long An",
                "address": "Khu công nghiệp, Long An",
                "commune_code": commune,
                "sector": "manufacturing",
                "registered_on": "2022-06-01",
            },
        )
        for position in ("manager", "expert", "technical_worker"):
            demand = await api.ok(
                f"/v1/employers/{tax_code}/demands",
                {
                    "position": position,
                    "job_title": "Vị trí theo nhu cầu",
                    "number_of_foreigners": 10,
                    "period_start": "2023-01-01",
                    "period_end": "2027-12-31",
                    "reason": "Chưa tuyển được lao động trong nước có đủ kinh nghiệm",
                    "submitted_on": "2022-12-01",
                },
            )
            await api.ok(
                f"/v1/demands/{demand['id']}/approve",
                {
                    "approved_number": 10,
                    "decision_number": "12/QĐ-UBND",
                    "decision_date": "2022-12-20",
                },
            )


async def test_the_sample_register_is_imported_and_served_by_the_api(permits: Permits) -> None:
    response = await permits.upload(SAMPLE.read_bytes())
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["imported"], summary["rejected"], summary["skipped"]) == (14, 8, 0)
    assert await permits.count("select count(*) from {s}.foreign_workers") == 14
    assert await names(permits, permit_status="expired", employed="true") == {
        "LEE JI HYUN",  # expired in March, no end of employment recorded
        "RAJESH KUMAR",
    }
    assert await names(permits, permit_status="expiring") == {"ZHANG WEI"}
    assert await names(permits, permit_status="exempt") == {"WANG FANG", "NGUYEN VAN MINH"}


async def names(permits: Permits, **params: str) -> set[str]:
    listed = await permits.client.get("/v1/foreign-workers", params=params, headers=permits.headers)
    assert listed.status_code == 200, listed.text
    return {i["full_name"] for i in listed.json()["items"]}


async def test_importing_the_same_file_again_imports_nothing(permits: Permits) -> None:
    first = (await permits.upload(SAMPLE.read_bytes())).json()
    events = await permits.count("select count(*) from {s}.events")
    again = (await permits.upload(SAMPLE.read_bytes())).json()
    assert (again["imported"], again["skipped"]) == (0, first["imported"])
    assert await permits.count("select count(*) from {s}.events") == events


async def test_a_row_refused_in_its_permit_leaves_no_event(permits: Permits) -> None:
    rows = list(csv.reader(io.StringIO(SAMPLE.read_text("utf-8"))))
    headings, kim = rows[0], list(rows[1])
    kim[headings.index("Ngày hết hạn giấy phép")] = "01/03/2027"  # 25 months after issue
    out = io.StringIO()
    csv.writer(out).writerows([headings, kim])
    summary = (await permits.upload(out.getvalue().encode())).json()
    assert [(e["row"], e["field"]) for e in summary["errors"]] == [(2, "issue.expiry_date")]
    assert (
        await permits.count("select count(*) from {s}.events where stream_type = 'foreign_worker'")
        == 0
    )


async def test_the_error_report_and_the_template_are_workbooks(permits: Permits) -> None:
    report = await permits.upload(SAMPLE.read_bytes(), report="xlsx")
    assert report.headers["content-type"] == XLSX_MEDIA_TYPE
    assert report.headers["X-Import-Rejected"] == "8"
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0] == ("Dòng", "Cột", "Lý do")
    assert len(lines) == 1 + 9
    template = await permits.client.get(
        "/v1/imports/permits/template.xlsx", headers=permits.headers
    )
    again = await permits.client.post(
        "/v1/imports/permits",
        content=template.content,
        headers=permits.headers | {"Content-Type": XLSX_MEDIA_TYPE},
    )
    assert again.json()["rows"] == 0  # the example row is skipped


async def test_the_cli_imports_the_register_in_chunks(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    async with permits_with_firms(tmp_path, database_url, fresh_schema, pg_pool) as (app, api):
        token = api.headers["Authorization"].removeprefix("Bearer ")
    source = tmp_path / "giay_phep.csv"
    source.write_bytes(SAMPLE.read_bytes())
    report = tmp_path / "loi.xlsx"
    args = ["permits", str(source), "--token", token, "--chunk-rows", "5", "--report", str(report)]

    def run_cli(base: str) -> tuple[int, str]:
        result = CliRunner().invoke(imports_app, [*args, "--url", base])
        return result.exit_code, result.output

    with served(app) as base:
        code, output = await asyncio.to_thread(run_cli, base)
    assert code == 1, output  # rows were rejected
    assert "đã nhập: 14" in output
    sheet = openpyxl.load_workbook(io.BytesIO(report.read_bytes())).worksheets[0]
    by_row = {r[0]: r[1] for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert by_row[22] == "Số hộ chiếu"  # repeats row 3, which an earlier chunk imported
