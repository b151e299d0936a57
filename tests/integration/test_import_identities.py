"""A bulk import through the registry's API asks the population register about the files it
opened, once the rows are saved, on the real PostgreSQL: the answers are events on the files
and the worker list's identity column in the same transaction, so the unverified ones are
listed for follow-up."""

from __future__ import annotations

import csv
import io
from datetime import date
from importlib.resources import files
from pathlib import Path

import asyncpg
import pytest

from lmis_registry.adapters.population_local import write_citizens
from lmis_registry.domain.workers import Identity
from tests.integration.worker_api import running_api

pytestmark = pytest.mark.integration

SAMPLE = files("lmis_registry").joinpath("data", "import", "sample_workers.csv")


def first_good_row() -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8-sig")))
    return next(r for r in rows if not r["Ghi chú"])


async def test_imported_files_are_checked_and_the_others_listed_unverified(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    row = first_good_row()
    day, month, year = (int(p) for p in row["Ngày sinh"].split("/"))
    known = Identity(row["Số CCCD"], row["Họ và tên"], date(year, month, day), row["Mã xã"])
    register = tmp_path / "register.csv"
    write_citizens(register, [known])  # the register knows one citizen of the sample
    local = {"population_register": "local", "population_register_file": register}
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool, **local) as api:
        imported = await api.client.post(
            "/v1/imports/workers",
            content=SAMPLE.read_bytes(),
            headers=api.auth() | {"Content-Type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        assert imported.json()["imported"] == 20

        checked = await pg_pool.fetchval(
            f"select count(*) from {fresh_schema}.events"
            " where event_type = 'lmis.registry.worker.identity_checked.v1'"
        )
        by_status = dict(
            await pg_pool.fetch(
                f"select identity_status, count(*) from {fresh_schema}.worker_list group by 1"
            )
        )
        assert checked == 20  # every imported file asked once
        assert by_status == {"verified": 1, "mismatch": 19}  # the others: no such citizen
        listed = await api.client.get(
            "/v1/workers", params={"identity": "verified"}, headers=api.auth()
        )
        assert [i["full_name"] for i in listed.json()["items"]] == [known.full_name]
