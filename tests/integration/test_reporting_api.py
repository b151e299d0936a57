"""The reporting API over the real PostgreSQL: units to pick from, and indicator values summed
from the projection's commune counts up to any unit and over a month, a quarter or a year."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import httpx
import pytest

from lmis_reporting.adapters._sql import in_schema
from lmis_reporting.entrypoints.http import create_app
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import Principal, Role
from lmis_shared.settings import CommonSettings
from lmis_shared.telemetry import setup_telemetry
from tests.conftest import unique

pytestmark = pytest.mark.integration

WORKERS = "workers_registered"
MUONG_KIM, KHOEN_ON = "03637", "03640"  # communes of Lai Châu (12)
HOAN_KIEM = "00070"  # a ward of Hà Nội


class TokenIsTheCaller:
    """`Bearer <role>:<scope>` stands for that caller: these tests are about reporting."""

    async def authenticate(self, token: str) -> Principal:
        role, _, scope = token.partition(":")
        return Principal("officer-1", Role(role), scope)


@pytest.fixture(scope="module")
async def schema(database_url: str) -> AsyncIterator[str]:
    name = unique("t_reporting")
    yield name
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert pool is not None
    await pool.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    await pool.close()


@pytest.fixture(scope="module")
async def client(
    database_url: str, schema: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("reporting"),
        otel_exporter="none",
    )
    app = create_app(
        common,
        ReportingSettings(schema_name=schema),
        authenticator=TokenIsTheCaller(),
        tracer_provider=setup_telemetry("reporting", common, set_global=False),
    )
    async with app.router.lifespan_context(app):  # migrates: the units load on first start
        transport = httpx.ASGITransport(app)
        headers = {"Authorization": "Bearer admin:*"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://reporting", headers=headers
        ) as c:
            yield c


@pytest.fixture
async def counts(pg_pool: asyncpg.Pool, schema: str, client: httpx.AsyncClient) -> CountWriter:
    """The client's start-up migrated the schema, the projection's `indicator_counts` too."""
    return CountWriter(pg_pool, schema)


class CountWriter:
    """Writes rows as the projection would: one per commune, month and breakdown."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._schema = schema

    async def add(
        self, unit: str, month: date, value: int, dimension: str = "", dim_value: str = ""
    ) -> None:
        statement = """INSERT INTO {s}.indicator_counts VALUES ($1, $2, $3, $4, $5, $6)"""
        await self._pool.execute(
            in_schema(statement, self._schema), WORKERS, unit, month, dimension, dim_value, value
        )


async def test_without_a_parent_the_units_are_the_provinces(client: httpx.AsyncClient) -> None:
    current = (await client.get("/v1/units")).json()["items"]
    legacy = (await client.get("/v1/units", params={"hierarchy": "legacy"})).json()["items"]

    assert len(current) == 34
    assert len(legacy) == 63
    assert {"code": "12", "name": "Lai Châu", "level": "province", "parent": None} in current


async def test_lai_chau_lists_its_communes_now_and_its_districts_before_2025(
    client: httpx.AsyncClient,
) -> None:
    current = (await client.get("/v1/units", params={"parent": "12"})).json()["items"]
    legacy = (await client.get("/v1/units", params={"parent": "12", "hierarchy": "legacy"})).json()[
        "items"
    ]

    assert len(current) == 38
    assert {
        "code": MUONG_KIM,
        "name": "Xã Mường Kim",
        "level": "commune",
        "parent": "12",
    } in current
    assert len(legacy) == 8
    assert {u["level"] for u in legacy} == {"district"}


async def test_a_legacy_district_lists_its_communes(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units", params={"parent": "106", "hierarchy": "legacy"})

    names = [u["name"] for u in response.json()["items"]]
    assert len(names) == 13
    assert "Thị trấn Tam Đường" in names


async def test_units_are_listed_in_vietnamese_order(client: httpx.AsyncClient) -> None:
    items = (await client.get("/v1/units", params={"parent": "66"})).json()["items"]  # Đắk Lắk
    names = [u["name"] for u in items]

    assert names.index("Xã Dur Kmăl") < names.index("Xã Đắk Liêng") < names.index("Xã Ea Bá")
    assert names.index("Xã Đức Bình") < names.index("Xã Ea Bá") < names.index("Xã Hòa Mỹ")


async def test_an_unknown_parent_is_a_404_naming_parent(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units", params={"parent": "99"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "query.parent"


async def test_a_unit_comes_with_the_units_above_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units/03390", params={"hierarchy": "legacy"})

    unit = response.json()
    assert unit["name"] == "Thị trấn Tam Đường"
    assert unit["hierarchy"] == "legacy"
    assert [(a["code"], a["level"]) for a in unit["ancestors"]] == [
        ("12", "province"),
        ("106", "district"),
    ]


async def test_the_catalogue_defines_workers_registered_in_both_languages(
    client: httpx.AsyncClient,
) -> None:
    items = (await client.get("/v1/indicators")).json()["items"]

    [workers] = [i for i in items if i["code"] == WORKERS]
    assert workers["definition_vi"] == "Người lao động đăng ký đi làm việc ở nước ngoài"
    assert workers["unit_of_measure"]
    assert workers["definition_en"]


async def test_a_province_value_sums_its_communes_and_leaves_out_breakdowns(
    client: httpx.AsyncClient, counts: CountWriter
) -> None:
    november = date(2026, 11, 1)
    await counts.add(MUONG_KIM, november, 3)
    await counts.add(MUONG_KIM, november, 2, "sex", "female")  # part of the 3, not more
    await counts.add(KHOEN_ON, november, 4)
    await counts.add(HOAN_KIEM, november, 100)  # another province
    await counts.add(KHOEN_ON, date(2026, 10, 1), 50)  # another month

    province = await client.get(
        f"/v1/indicators/{WORKERS}", params={"period": "2026-11", "unit": "12"}
    )
    commune = await client.get(
        f"/v1/indicators/{WORKERS}", params={"period": "2026-11", "unit": MUONG_KIM}
    )

    assert province.status_code == 200
    assert province.json() == {
        "indicator": WORKERS,
        "hierarchy": "current",
        "unit": "12",
        "unit_name": "Lai Châu",
        "period": "2026-11",
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "value": 7,
    }
    assert commune.json()["value"] == 3


async def test_a_quarter_and_a_year_sum_their_months(
    client: httpx.AsyncClient, counts: CountWriter
) -> None:
    for month, value in [(9, 1), (10, 2), (11, 4), (12, 8)]:
        await counts.add(MUONG_KIM, date(2027, month, 1), value)
    await counts.add(KHOEN_ON, date(2027, 12, 1), 16)
    await counts.add(MUONG_KIM, date(2028, 1, 1), 32)  # the next year

    async def value(period: str) -> int:
        response = await client.get(
            f"/v1/indicators/{WORKERS}", params={"period": period, "unit": "12"}
        )
        return int(response.json()["value"])

    assert await value("2027-Q4") == 2 + 4 + 8 + 16
    assert await value("2027-Q3") == 1
    assert await value("2027") == 1 + 2 + 4 + 8 + 16
    assert await value("2029") == 0


async def test_an_invalid_period_is_a_422_naming_period(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"/v1/indicators/{WORKERS}", params={"period": "2026-13", "unit": "12"}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["query.period"]


async def test_a_missing_period_is_a_422_naming_period(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/indicators/{WORKERS}", params={"unit": "12"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.period"]


async def test_an_unknown_unit_is_a_404_naming_unit(client: httpx.AsyncClient) -> None:
    response = await client.get(
        f"/v1/indicators/{WORKERS}", params={"period": "2026-11", "unit": "99999"}
    )

    assert response.status_code == 404
    assert [e["field"] for e in response.json()["errors"]] == ["query.unit"]


async def test_an_unknown_indicator_is_a_404_naming_the_code(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/indicators/nothing", params={"period": "2026", "unit": "12"})

    assert response.status_code == 404
    assert [e["field"] for e in response.json()["errors"]] == ["path.code"]


async def test_a_commune_officer_sees_the_commune_but_not_the_province(
    client: httpx.AsyncClient,
) -> None:
    officer = {"Authorization": f"Bearer commune_officer:{MUONG_KIM}"}
    url = f"/v1/indicators/{WORKERS}"

    own = await client.get(url, params={"period": "2026", "unit": MUONG_KIM}, headers=officer)
    province = await client.get(url, params={"period": "2026", "unit": "12"}, headers=officer)
    units = await client.get("/v1/units", params={"parent": "12"}, headers=officer)

    assert own.status_code == 200
    assert province.status_code == 403
    assert units.status_code == 200


async def test_without_a_token_nothing_is_answered(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/units", headers={"Authorization": ""})

    assert response.status_code == 401
