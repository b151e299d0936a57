"""The employer and demand lists (`GET /v1/employers`, `GET /v1/demands`) on the real
PostgreSQL: a commune officer sees its commune's, the province all; every filter; sorts; pages
without gaps or repeats; the XLSX export against the JSON list; and a rebuild gives the same
rows."""

from __future__ import annotations

from typing import Any

import pytest

from lmis_permits.bootstrap import rebuild
from lmis_permits.settings import PermitsSettings
from lmis_shared.settings import CommonSettings
from tests.integration.test_permits_api import BEN_LUC, DUC_HOA, Api, api, demand, employer
from tests.integration.xlsx_sheets import as_day, read_sheet

pytestmark = pytest.mark.integration
__all__ = ["api"]  # the fixture

EMPLOYERS = [
    # tax code, name, commune, zone, sector
    ("1101234567", "Công ty TNHH Điện tử Hòa Bình", DUC_HOA, "KCN Đức Hòa 1", "electronics"),
    ("1101234568", "Công ty CP Dệt may Đồng Tiến", DUC_HOA, None, "garments"),
    ("1101234569", "Công ty TNHH Cơ khí Bến Lức", BEN_LUC, "KCN Thuận Đạo", "machinery"),
    ("1101234570", "Công ty TNHH Linh kiện Đức Hòa", BEN_LUC, "KCN Đức Hòa 3", "electronics"),
]
ANNOUNCED = {  # Decree 70/2023: offered at home 15 days before the demand was explained
    "announced_on": "2023-12-01",
    "channel": "ministry_portal",
    "occupation_code": "2144",
    "sector": "manufacturing",
}


async def seeded(api: Api) -> dict[str, list[str]]:
    demands: dict[str, list[str]] = {}
    for n, (tax_code, name, commune, zone, sector) in enumerate(EMPLOYERS):
        body = employer(
            tax_code=tax_code,
            name=name,
            commune_code=commune,
            industrial_zone=zone,
            sector=sector,
            registered_on=f"2025-0{n + 1}-15",
        )
        await api.ok("/v1/employers", body)
        for year in (2025, 2026):
            submitted = await api.ok(
                f"/v1/employers/{tax_code}/demands",
                demand(
                    number_of_foreigners=n + year - 2024,
                    period_start=f"{year}-01-01",
                    period_end=f"{year}-12-31",
                    submitted_on=f"{year - 1}-0{n + 1}-01",
                    position="expert" if n % 2 else "technical_worker",
                ),
            )
            demands.setdefault(tax_code, []).append(str(submitted["id"]))
    first = demands[EMPLOYERS[0][0]][0]
    decision = {"approved_number": 1, "decision_number": "1/QĐ", "decision_date": "2024-12-20"}
    await api.ok(f"/v1/demands/{first}/record-announcement", ANNOUNCED)
    await api.ok(f"/v1/demands/{first}/approve", decision)
    return demands


async def every(api: Api, path: str, headers: dict[str, str] | None = None, **params: Any) -> list:
    items: list[Any] = []
    cursor = None
    while True:
        asked = params | ({"cursor": cursor} if cursor else {})
        answer = await api.client.get(path, params=asked, headers=headers or api.auth())
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return items


async def test_employers_are_scoped_filtered_searched_and_sorted(api: Api) -> None:
    await seeded(api)
    codes = [e[0] for e in EMPLOYERS]

    async def listed(headers: dict[str, str] | None = None, **params: Any) -> list[str]:
        return [e["tax_code"] for e in await every(api, "/v1/employers", headers, **params)]

    assert await listed() == codes[::-1]  # newest registration first
    assert await listed(api.auth("commune_officer", BEN_LUC)) == [codes[3], codes[2]]
    assert await listed(api.auth("commune_officer", BEN_LUC), commune=DUC_HOA) == []
    assert await listed(commune=DUC_HOA, sort="registered_on") == codes[:2]
    assert await listed(sector="ELECTRONICS") == [codes[3], codes[0]]
    assert await listed(industrial_zone="duc hoa") == [codes[3], codes[0]]
    assert await listed(q="dong tien") == [codes[1]]
    assert await listed(q="110123456") == codes[:3][::-1]
    by_name = await listed(sort="name")
    assert by_name == [codes[1], codes[2], codes[0], codes[3]]  # CP, TNHH Cơ khí, Điện tử, Linh
    assert await listed(sort="name", limit=1) == by_name
    bad = await api.client.get("/v1/employers", params={"sort": "tax"}, headers=api.auth())
    assert bad.status_code == 422
    assert "query.sort" in bad.text


async def test_demands_are_scoped_filtered_by_status_position_employer_period(api: Api) -> None:
    demands = await seeded(api)
    codes = [e[0] for e in EMPLOYERS]

    async def listed(headers: dict[str, str] | None = None, **params: Any) -> list[str]:
        return [d["id"] for d in await every(api, "/v1/demands", headers, **params)]

    everything = await listed()
    assert len(everything) == 8
    submitted = [d["submitted_on"] for d in await every(api, "/v1/demands")]
    assert submitted == sorted(submitted, reverse=True)
    in_ben_luc = {d for c in codes[2:] for d in demands[c]}
    assert set(await listed(api.auth("commune_officer", BEN_LUC))) == in_ben_luc
    assert await listed(status="approved") == [demands[codes[0]][0]]
    assert set(await listed(employer=codes[1])) == set(demands[codes[1]])
    assert set(await listed(period="2026")) == {demands[c][1] for c in codes}
    assert set(await listed(period="2025-06", position="expert")) == {
        demands[codes[1]][0],
        demands[codes[3]][0],
    }
    numbers = [
        d["number_of_foreigners"]
        for d in await every(api, "/v1/demands", sort="-number_of_foreigners")
    ]
    assert numbers == sorted(numbers, reverse=True)
    paged = await listed(sort="number_of_foreigners", limit=3)
    assert paged == await listed(sort="number_of_foreigners", limit=200)
    for period in ("2026-13", "0000", "0000-01"):  # year 0 was a 500
        bad = await api.client.get("/v1/demands", params={"period": period}, headers=api.auth())
        assert bad.status_code == 422, bad.text
        assert "query.period" in bad.text
    assert await listed(period="9999-12") == []  # the last month there is


async def test_the_xlsx_exports_hold_the_json_lists(api: Api) -> None:
    await seeded(api)
    employers = await every(api, "/v1/employers", sort="name")
    exported = read_sheet(
        await api.client.get(
            "/v1/employers", params={"sort": "name", "format": "xlsx"}, headers=api.auth()
        )
    )
    assert exported.title == "Danh sách doanh nghiệp"
    assert "sort=name" in exported.filters
    assert exported.column("Mã số thuế") == [e["tax_code"] for e in employers]
    assert exported.column("Tên doanh nghiệp") == [e["name"] for e in employers]
    assert exported.column("Ngày đăng ký") == [as_day(e["registered_on"]) for e in employers]

    params = {"period": "2026", "commune": DUC_HOA}
    # a title that Excel would take for a formula stays the text it is (read_sheet checks)
    injected = '=HYPERLINK("http://example.invalid","Xem")'
    await api.ok(
        f"/v1/employers/{EMPLOYERS[0][0]}/demands",
        demand(job_title=injected, period_start="2026-02-01", period_end="2026-12-31"),
    )
    demands = await every(api, "/v1/demands", **params)
    sheet = read_sheet(
        await api.client.get(
            "/v1/demands",
            params=params,
            headers=api.auth()
            | {"Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        )
    )
    assert "period=2026" in sheet.filters
    assert sheet.column("Mã nhu cầu") == [d["id"] for d in demands]
    assert sheet.column("Số người đề nghị") == [d["number_of_foreigners"] for d in demands]
    assert sheet.column("Từ ngày") == [as_day(d["period_start"]) for d in demands]
    assert injected in sheet.column("Chức danh")


async def test_a_rebuild_gives_the_same_lists(api: Api) -> None:
    await seeded(api)
    before = (await every(api, "/v1/employers"), await every(api, "/v1/demands"))

    settings = PermitsSettings(schema_name=api.schema)
    await rebuild(api.pool, settings, CommonSettings())

    assert (await every(api, "/v1/employers"), await every(api, "/v1/demands")) == before
