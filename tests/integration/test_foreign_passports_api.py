"""One open foreign worker file per passport and nationality, through the permits API on the
real PostgreSQL: a second open file is refused naming the field, without telling a caller
about a file it may not read; the end of employment frees the passport; a rebuild keeps the
claims."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from lmis_permits.bootstrap import rebuild
from lmis_permits.settings import PermitsSettings
from lmis_shared.settings import CommonSettings
from tests.integration.test_permit_import import SAMPLE, permits_with_firms
from tests.integration.test_permits_api import (
    DUC_HOA,
    Api,
    api,
    demand,
    employer,
    employer_with_demand,
    new_worker,
    worker,
)

pytestmark = pytest.mark.integration
__all__ = ["api"]  # the fixture, shared with test_permits_api

OTHER_TAX_CODE = "1107654321"
BA_DINH = "00004"  # Hà Nội
APPROVAL = {"approved_number": 5, "decision_number": "7/QĐ-UBND", "decision_date": "2023-12-20"}


async def test_a_second_open_file_for_the_same_passport_is_refused_naming_the_field(
    api: Api,
) -> None:
    await employer_with_demand(api)
    await new_worker(api, 1)

    again = await api.post("/v1/foreign-workers", worker(1, engaged_on="2025-03-01"))

    assert again.status_code == 409
    problem = again.json()
    assert problem["type"] == "urn:lmis:problem:open-passport-file-exists"
    assert [e["field"] for e in problem["errors"]] == ["body.passport_number"]
    assert "M00000001" not in again.text
    # the same number from another country is another passport
    assert (await api.post("/v1/foreign-workers", worker(1, nationality="JP"))).is_success


async def test_a_caller_who_may_not_read_the_open_file_is_not_told_of_it(api: Api) -> None:
    await employer_with_demand(api)
    await new_worker(api, 1)  # in Đức Hòa, Tây Ninh
    hanoi = api.auth(role="province_officer", scope="01")

    async def as_hanoi(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await api.client.post(path, json=body, headers=hanoi)
        assert response.is_success, response.text
        return dict(response.json())

    await as_hanoi("/v1/employers", employer(tax_code=OTHER_TAX_CODE, commune_code=BA_DINH))
    submitted = await as_hanoi(f"/v1/employers/{OTHER_TAX_CODE}/demands", demand())
    await as_hanoi(f"/v1/demands/{submitted['id']}/approve", APPROVAL)

    refused = await api.client.post(
        "/v1/foreign-workers", json=worker(1, employer_tax_code=OTHER_TAX_CODE), headers=hanoi
    )

    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:lmis:problem:registration-refused"
    assert DUC_HOA not in refused.text
    assert "passport" not in refused.text


async def test_the_end_of_employment_frees_the_passport_and_a_rebuild_keeps_the_claims(
    api: Api, tmp_path: Path
) -> None:
    await employer_with_demand(api)
    first = await new_worker(api, 1)
    await api.ok(
        f"/v1/foreign-workers/{first}/end-employment", {"date": "2026-11-01", "reason": "departure"}
    )
    await new_worker(api, 1, engaged_on="2026-11-20")

    settings = PermitsSettings(schema_name=api.schema)
    await rebuild(api.pool, settings, CommonSettings(data_dir=tmp_path))

    claims = await api.pool.fetchval(f'select count(*) from "{api.schema}".open_passports')
    assert claims == 1
    again = await api.post("/v1/foreign-workers", worker(1, engaged_on="2026-11-21"))
    assert again.status_code == 409


async def test_an_imported_row_for_an_open_passport_is_refused_on_its_column(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> None:
    async with permits_with_firms(tmp_path, database_url, fresh_schema, pg_pool) as (_, permits):
        first = await permits.upload(SAMPLE.read_bytes())
        assert first.json()["imported"] == 14
        kim = next(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="utf-8"))))
        moved = kim | {
            "Mã số thuế doanh nghiệp": "1100987654",
            "Ngày bắt đầu làm việc": "01/06/2025",
        }
        lines = io.StringIO()
        writer = csv.DictWriter(lines, fieldnames=list(kim))
        writer.writeheader()
        writer.writerow(moved)

        again = await permits.upload(lines.getvalue().encode())

    [error] = again.json()["errors"]
    assert (error["column"], error["reason_vi"]) == (
        "Số hộ chiếu",
        "Đã có hồ sơ lao động nước ngoài đang mở với hộ chiếu và quốc tịch này",
    )
