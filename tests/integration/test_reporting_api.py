"""The reporting API over the real PostgreSQL: units to pick from; indicator values summed from
the projection's commune counts up to any unit and over a month, a quarter or a year, with
breakdowns, targets and progress; stocks counted on the date of a clock the tests move; and
targets set through the API, each change an event naming who made it.

The module shares one schema: each test counts in its own years or indicators."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime
from uuid import uuid4

import asyncpg
import httpx
import pytest

from lmis_cli.embedded import free_port
from lmis_reporting.adapters.indicator_store import IndicatorProjection
from lmis_reporting.bootstrap import migrate
from lmis_reporting.domain.targets import target_stream_id
from lmis_reporting.entrypoints.http import create_app
from lmis_reporting.settings import ReportingSettings
from lmis_shared.auth import Principal, Role, ensure_local_keypair
from lmis_shared.clock import FixedClock
from lmis_shared.events import EventPayload
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.settings import CommonSettings
from lmis_shared.sql import in_schema
from tests.conftest import unique
from tests.integration.reporting_schema import migrated_reporting_schema
from tests.integration.test_indicators_projection import decoded, recorded
from tests.problems import assert_invalid
from tests.unit.test_indicator_rules import (
    contract,
    departed,
    foreign_worker,
    loan_applied,
    loan_approved,
    loan_disbursed,
    permit_issued,
    registered,
    repaid,
)

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
    """A migrated schema: the units, the seeded targets and markets loaded."""
    async with migrated_reporting_schema(database_url, "t_reporting") as name:
        yield name


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    """The service's clock; a test that moves it sets it first."""
    return FixedClock(datetime(2026, 6, 15, 3, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
async def client(
    database_url: str, schema: str, clock: FixedClock, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("reporting"),
        otel_exporter="none",
        kafka_bootstrap=f"127.0.0.1:{free_port()}",  # a broker that is down: nothing listens
    )
    ensure_local_keypair(common.keys_dir)  # the app's own authenticator needs the key
    app = create_app(common, ReportingSettings(schema_name=schema), clock=clock)
    app.state.authenticator = TokenIsTheCaller()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        headers = {"Authorization": "Bearer admin:*"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://reporting", headers=headers
        ) as c:
            yield c


@pytest.fixture
async def counts(pg_pool: asyncpg.Pool, schema: str, client: httpx.AsyncClient) -> CountWriter:
    """The schema is migrated, the projection's `indicator_counts` too."""
    return CountWriter(pg_pool, schema)


@pytest.fixture
async def streams(pg_pool: asyncpg.Pool, schema: str, client: httpx.AsyncClient) -> StreamWriter:
    return StreamWriter(pg_pool, schema)


class StreamWriter:
    """Applies streams of events with the projection the processor runs."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._projection = IndicatorProjection(pool, schema)

    async def add(self, *events: EventPayload) -> None:
        stream = uuid4()
        batch = [recorded(stream, n + 1, e) for n, e in enumerate(events)]
        await self._projection.process(decoded(batch))

    async def departures(self, commune: str, countries: Sequence[str], on: date) -> None:
        for country in countries:
            await self.add(registered(commune), contract(country), departed(on))


async def value(client: httpx.AsyncClient, code: str, **params: str) -> dict[str, object]:
    response = await client.get(f"/v1/indicators/{code}", params={"unit": "12", **params})
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()
    return found


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


async def test_the_catalogue_lists_every_indicator_with_its_dimensions(
    client: httpx.AsyncClient,
) -> None:
    items = {i["code"]: i for i in (await client.get("/v1/indicators")).json()["items"]}

    for code in (
        "departed",
        "departed_high_income_share",
        "returned",
        "overstaying",
        "loans_overdue_amount_vnd",
        "foreign_workers_valid_permit",
        "permits_issued",
        "workers_abroad",
    ):
        assert items[code]["definition_en"]
        assert items[code]["definition_vi"]
    assert {"destination_country", "market_tier", "programme", "unit"} <= set(
        items["departed"]["dimensions"]
    )
    assert items["foreign_workers_valid_permit"]["kind"] == "stock"
    assert items["departed_high_income_share"]["unit_of_measure"] == "ratio"
    assert {"nationality", "position", "employer"} <= set(
        items["foreign_workers_valid_permit"]["dimensions"]
    )


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
        "kind": "flow",
        "unit_of_measure": "persons",
        "hierarchy": "current",
        "unit": "12",
        "unit_name": "Lai Châu",
        "period": "2026-11",
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "as_of": None,
        "value": 7,
        "target": None,
        "progress": None,
        "target_detail": None,
        "by": None,
        "breakdown": None,
        "forecast": None,
        "forecast_method": None,
        "on_track": None,
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

    assert_invalid(response, "query.period")


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


# -- breakdowns, targets and progress ---------------------------------------------------------


async def test_departures_break_down_by_destination_market_tier_and_commune(
    client: httpx.AsyncClient, streams: StreamWriter
) -> None:
    await streams.departures(MUONG_KIM, ["KR", "JP", "LA"], date(2027, 3, 9))
    await streams.departures(KHOEN_ON, ["KR"], date(2027, 4, 1))
    await streams.departures(HOAN_KIEM, ["KR"], date(2027, 4, 1))  # another province

    by_country = await value(client, "departed", period="2027", by="destination_country")
    by_tier = await value(client, "departed", period="2027", by="market_tier")
    by_commune = await value(client, "departed", period="2027", by="unit")

    assert by_country["value"] == 4
    assert by_country["breakdown"] == {"JP": 1, "KR": 2, "LA": 1}
    assert by_tier["breakdown"] == {"high_income": 3, "other": 1}
    assert by_commune["breakdown"] == {KHOEN_ON: 1, MUONG_KIM: 3}


async def test_a_year_is_compared_with_the_seeded_target_and_a_quarter_with_its_share(
    client: httpx.AsyncClient, streams: StreamWriter
) -> None:
    await streams.departures(MUONG_KIM, ["KR"] * 3, date(2028, 2, 10))

    year = await value(client, "departed", period="2028")
    quarter = await value(client, "departed", period="2028-Q1")

    assert (year["value"], year["target"], year["progress"]) == (3, 750, 3 / 750)
    assert year["target_detail"]["basis"] == "year"  # type: ignore[index]
    assert "29-CTr/TU" in year["target_detail"]["source"]  # type: ignore[index]
    assert (quarter["target"], quarter["progress"]) == (187.5, 3 / 187.5)


async def test_the_high_income_share_meets_the_2030_target_only_above_80_percent(
    client: httpx.AsyncClient, streams: StreamWriter
) -> None:
    await streams.departures(KHOEN_ON, ["KR", "JP", "TW", "DE", "LA"], date(2030, 5, 5))

    share = await value(client, "departed_high_income_share", period="2030")

    assert share["value"] == 0.8
    assert share["target"] == 0.8
    assert share["progress"] == 1.0
    assert share["target_detail"]["met"] is False  # type: ignore[index]


async def test_a_by_the_indicator_does_not_have_is_a_422_naming_by(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/indicators/departed", params={"period": "2026", "unit": "12", "by": "nationality"}
    )

    assert_invalid(response, "query.by")


# -- stocks on the clock's date ---------------------------------------------------------------


async def test_foreign_workers_with_a_valid_permit_as_the_clock_crosses_its_expiry(
    client: httpx.AsyncClient, streams: StreamWriter, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 6, 15, 3, 0, tzinfo=UTC))
    await streams.add(
        foreign_worker(MUONG_KIM, "CN", engaged_on=date(2025, 1, 6)),
        permit_issued(date(2025, 1, 6), date(2026, 6, 15)),
    )

    before = await value(client, "foreign_workers_valid_permit", by="nationality")
    clock.set(datetime(2026, 6, 16, 3, 0, tzinfo=UTC))
    after = await value(client, "foreign_workers_valid_permit")
    without = await value(client, "foreign_workers_without_permit")

    assert (before["as_of"], before["value"], before["breakdown"]) == ("2026-06-15", 1, {"CN": 1})
    assert (after["as_of"], after["value"]) == ("2026-06-16", 0)
    assert without["value"] == 1


async def test_a_loan_instalment_is_overdue_once_the_clock_passes_its_due_date(
    client: httpx.AsyncClient, streams: StreamWriter, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 2, 15, 3, 0, tzinfo=UTC))
    await streams.add(
        loan_applied(KHOEN_ON),
        loan_approved(),
        loan_disbursed(date(2026, 1, 15), date(2026, 2, 15)),
        repaid(date(2026, 2, 10), 120_000),
    )

    due_day = await value(client, "loans_overdue_amount_vnd")
    clock.set(datetime(2026, 2, 16, 3, 0, tzinfo=UTC))
    day_after = await value(client, "loans_overdue_amount_vnd", by="unit")
    ratio = await value(client, "loans_overdue_ratio")

    assert due_day["value"] == 0
    assert (day_after["value"], day_after["breakdown"]) == (4_000_000, {KHOEN_ON: 4_000_000})
    assert ratio["value"] == 4_000_000 / 12_000_000


# -- readiness --------------------------------------------------------------------------------


async def test_the_api_stays_ready_with_the_broker_down_and_says_it_is_degraded(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "failing"}
    assert response.json()["degraded"] == ["broker"]


# -- targets ----------------------------------------------------------------------------------


async def test_the_seeded_plan_and_baseline_of_lai_chau_are_listed(
    client: httpx.AsyncClient,
) -> None:
    plan = (await client.get("/v1/targets", params={"unit": "12", "year": "2025"})).json()
    baseline = (await client.get("/v1/targets", params={"unit": "12", "year": "2023"})).json()

    found = {(t["indicator"], t["first_year"], t["value"]) for t in plan["items"]}
    assert found == {("departed", 2025, 450), ("trained_for_eps", 2023, 200)}
    assert {(t["indicator"], t["kind"], t["value"]) for t in baseline["items"]} >= {
        ("departed", "baseline", 1042),
        ("overstayed", "baseline", 11),
    }


async def test_loading_the_seeds_again_changes_nothing(
    client: httpx.AsyncClient, pg_pool: asyncpg.Pool, schema: str
) -> None:
    targets = "SELECT * FROM {s}.targets WHERE set_by = 'seed' ORDER BY 1, 2, 3, 4, 5"
    markets = "SELECT * FROM {s}.high_income_markets ORDER BY 1, 2"

    async def seeded() -> list[object]:
        return [
            r for query in (targets, markets) for r in await pg_pool.fetch(in_schema(query, schema))
        ]

    before = await seeded()
    await migrate(pg_pool, schema)

    assert len(before) == 13 + 14
    assert await seeded() == before


async def test_a_target_set_through_the_api_is_an_event_naming_who_set_it(
    client: httpx.AsyncClient, pg_pool: asyncpg.Pool, schema: str
) -> None:
    officer = {"Authorization": "Bearer province_officer:12"}
    body = {"value": 120, "comparison": "at_least", "source": "Kế hoạch số 7/KH-UBND"}
    url = f"/v1/targets/returned/{MUONG_KIM}/2031"

    first = await client.put(url, json=body, headers=officer)
    again = await client.put(url, json=body, headers=officer)
    listed = await client.get("/v1/targets", params={"unit": MUONG_KIM, "year": "2031"})

    assert first.status_code == 200, first.text
    assert (first.json()["set_by"], first.json()["version"]) == ("officer-1", 1)
    assert first.headers["ETag"] == '"1"'
    assert again.json()["version"] == 1  # the same target again changed nothing
    assert [(t["indicator"], t["value"]) for t in listed.json()["items"]] == [("returned", 120)]
    store = PostgresEventStore(pg_pool, schema)
    (event,) = await store.read_stream(target_stream_id("returned", "current", MUONG_KIM, 2031))
    assert event.event_type == "lmis.reporting.target.set.v1"
    assert event.metadata.actor == "officer-1"
    assert event.data["value"] == 120


async def test_a_retried_put_with_its_idempotency_key_gets_the_first_answer(
    client: httpx.AsyncClient,
) -> None:
    url = f"/v1/targets/absconded/{MUONG_KIM}/2031"
    keyed = {"Idempotency-Key": unique("target")}

    first = await client.put(url, json={"value": 3, "source": "x"}, headers=keyed)
    retry = await client.put(url, json={"value": 3, "source": "x"}, headers=keyed)
    other = await client.put(url, json={"value": 4, "source": "x"}, headers=keyed)
    stale = await client.put(url, json={"value": 5, "source": "x"}, headers={"If-Match": '"7"'})

    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert stale.status_code == 412


async def test_a_commune_officer_may_not_set_a_target(client: httpx.AsyncClient) -> None:
    response = await client.put(
        f"/v1/targets/departed/{MUONG_KIM}/2031",
        json={"value": 5, "source": "x"},
        headers={"Authorization": f"Bearer commune_officer:{MUONG_KIM}"},
    )

    assert response.status_code == 403


async def test_an_invalid_target_names_its_input(client: httpx.AsyncClient) -> None:
    share = await client.put(
        "/v1/targets/departed_high_income_share/12/2031", json={"value": 80, "source": "x"}
    )
    unknown = await client.put("/v1/targets/nothing/12/2031", json={"value": 1, "source": "x"})

    assert_invalid(share, "body.value")
    assert unknown.status_code == 404
    assert [e["field"] for e in unknown.json()["errors"]] == ["path.indicator"]


# -- as of a past day: what was recorded by then ----------------------------------------------


async def test_as_of_a_past_day_counts_only_what_had_been_recorded_by_its_end(
    client: httpx.AsyncClient, streams: StreamWriter, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 6, 15, 3, 0, tzinfo=UTC))
    # recorded on 2026-01-01 (07:00 in Vietnam) about departures of 2019
    await streams.departures(KHOEN_ON, ["KR", "JP"], date(2019, 3, 3))

    now = await value(client, "departed", period="2019", by="destination_country")
    before = await value(client, "departed", period="2019", as_of="2025-12-31")
    on_the_day = await value(client, "departed", period="2019", as_of="2026-01-01")
    abroad_before = await value(client, "workers_abroad", as_of="2025-12-31")
    abroad_then = await value(client, "workers_abroad", as_of="2026-01-01")
    long_ago = await value(client, "departed", period="2019", as_of="0001-01-01")

    assert (now["value"], now["breakdown"]) == (2, {"JP": 1, "KR": 1})
    assert (before["value"], on_the_day["value"], long_ago["value"]) == (0, 2, 0)
    assert abroad_then["value"] == abroad_before["value"] + 2  # type: ignore[operator]
    assert abroad_then["as_of"] == "2026-01-01"


async def test_an_as_of_after_today_or_not_a_date_is_a_422_naming_as_of(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 6, 15, 3, 0, tzinfo=UTC))
    asked = [
        ("/v1/indicators/departed", {"unit": "12", "period": "2026", "as_of": "2026-06-16"}),
        ("/v1/indicators/workers_abroad", {"unit": "12", "as_of": "15/06/2026"}),
        ("/v1/reports/monthly/03637/2026-05", {"as_of": "2026-06-16"}),
    ]
    for path, params in asked:
        response = await client.get(path, params=params)

        assert response.status_code == 422, path
        assert [e["field"] for e in response.json()["errors"]] == ["query.as_of"]
        assert "2026-06-16" not in response.text
        assert "15/06/2026" not in response.text


async def test_a_report_as_of_a_past_day_is_dated_at_its_end(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/reports/monthly/03637/2026-05", params={"as_of": "2026-06-01"})

    assert response.status_code == 200, response.text
    assert response.json()["as_of"].startswith("2026-06-01T23:59:59.999999+07:00")
    assert response.json()["stock_date"] == "2026-05-31"
