"""The alerts API over the real PostgreSQL: filters, each role's scope, acknowledgement, and the
minimal report submission that resolves `report_due` / `report_late`.

Alerts are written as the processor writes them (the alert book), so these tests are about
what the API shows, to whom.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from lmis_notify.adapters.alert_book import PostgresAlertBook, PostgresAlertBooks
from lmis_notify.application.deadlines import raise_alerts, settle
from lmis_notify.bootstrap import migrate
from lmis_notify.domain.model import Cause, Deadline, Subject
from lmis_notify.entrypoints.http import create_app
from lmis_notify.settings import NotifySettings
from lmis_shared.auth import Principal, Role, ensure_local_keypair
from lmis_shared.clock import VIETNAM_TZ, FixedClock
from lmis_shared.contracts.notify import AlertRule, SubjectKind
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.settings import CommonSettings
from tests.conftest import unique
from tests.integration.xlsx_sheets import as_day, read_sheet

pytestmark = pytest.mark.integration

MUONG_KIM, KHOEN_ON = "03637", "03640"  # communes of Lai Châu (12)
DUC_HOA = "27937"  # a commune of Long An's successor province (80)
NOW = datetime(2026, 7, 1, 9, tzinfo=VIETNAM_TZ)


class TokenIsTheCaller:
    """`Bearer <role>:<scope>[:<subject>]` stands for that caller: these tests are about scope."""

    async def authenticate(self, token: str) -> Principal:
        role, scope, *subject = token.split(":")
        return Principal(subject[0] if subject else "officer-1", Role(role), scope)


def caller(role: str, scope: str, subject: str = "officer-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {role}:{scope}:{subject}"}


class Alerts:
    """The alerts seeded once for the module, by name, with the deadlines they were raised for."""

    def __init__(self) -> None:
        self.ids: dict[str, UUID] = {}
        self.deadlines: dict[str, Deadline] = {}

    def __getitem__(self, name: str) -> UUID:
        return self.ids[name]

    def named(self, ids: set[str]) -> set[str]:
        by_id = {v: k for k, v in self.ids.items()}
        return {by_id[UUID(i)] for i in ids}


SEEDS: list[tuple[str, AlertRule, SubjectKind, str, str]] = [
    ("overdue", AlertRule.overdue_return, SubjectKind.worker, MUONG_KIM, "12"),
    ("absconded", AlertRule.absconded, SubjectKind.worker, KHOEN_ON, "12"),
    ("loan", AlertRule.loan_overdue, SubjectKind.loan, MUONG_KIM, "12"),
    ("expired", AlertRule.permit_expired, SubjectKind.foreign_worker, MUONG_KIM, "12"),
    ("unpermitted", AlertRule.working_without_permit, SubjectKind.foreign_worker, DUC_HOA, "80"),
    ("yearly", AlertRule.report_due, SubjectKind.report, "12", "12"),
    ("paid", AlertRule.loan_overdue, SubjectKind.loan, KHOEN_ON, "12"),
    ("to_ack", AlertRule.overdue_return, SubjectKind.worker, MUONG_KIM, "12"),
    ("to_fix", AlertRule.overdue_return, SubjectKind.worker, MUONG_KIM, "12"),
]
IN_LAI_CHAU = {name for name, *_, province in SEEDS if province == "12"}


@pytest.fixture(scope="module")
async def schema(database_url: str) -> AsyncIterator[str]:
    name = unique("t_notify")
    yield name
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert pool is not None
    await pool.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    await pool.close()


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="module")
async def client(
    database_url: str, schema: str, clock: FixedClock, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    common = CommonSettings(
        database_url=database_url, data_dir=tmp_path_factory.mktemp("notify"), otel_exporter="none"
    )
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    assert pool is not None
    await migrate(pool, schema)
    await pool.close()
    ensure_local_keypair(common.keys_dir)
    app = create_app(common, NotifySettings(schema_name=schema), clock=clock)
    app.state.authenticator = TokenIsTheCaller()  # these tests are about scope, not tokens
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://notify") as c:
            yield c


@pytest.fixture(scope="module")
async def alerts(
    client: httpx.AsyncClient, database_url: str, schema: str
) -> AsyncIterator[Alerts]:
    """One alert per seed, raised as the sweeper raises them; `paid` resolved since."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    assert pool is not None
    seeded = Alerts()
    cause = Cause(actor="lmis-notify-sweeper", correlation_id=uuid4(), at=NOW)
    async with PostgresAlertBooks(pool, schema).open() as book:
        for n, (name, rule, kind, unit, province) in enumerate(SEEDS):
            deadline = Deadline(rule, uuid4(), date(2026, 6, 1) + timedelta(days=n))
            subject = Subject(
                deadline.subject_id, kind, unit, province, deadlines=frozenset({deadline})
            )
            await book.save_subjects([subject])
            await book.set_deadlines([deadline])
            await raise_alerts(book, [(deadline, subject)], cause)
            seeded.ids[name] = deadline.alert_id
            seeded.deadlines[name] = deadline
            if name == "paid":
                fixed_by = Cause(
                    "officer-9", uuid4(), NOW, uuid4(), "lmis.registry.loan.settled.v1"
                )
                await resolve_alerts(book, [deadline], fixed_by)
    yield seeded
    await pool.close()


async def resolve_alerts(book: PostgresAlertBook, fixes: list[Deadline], cause: Cause) -> None:
    """What the deadline projection does with an event that fixes `fixes`."""
    for deadline in fixes:
        subject = (await book.subjects([deadline.subject_id]))[deadline.subject_id]
        fixed = replace(subject, deadlines=subject.deadlines - {deadline})
        await book.save_subjects([fixed])
        await book.cancel([deadline])
        pair = (deadline.subject_id, deadline.rule)
        await settle(book, {fixed.id: fixed}, [pair], cause, fixed=[deadline])


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> set[str]:
    response = await client.get("/v1/alerts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


# --- scope ------------------------------------------------------------------------------------


async def test_a_province_officer_sees_every_alert_of_the_province(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    seen = await listed(client, caller("province_officer", "12"))

    assert alerts.named(seen) >= IN_LAI_CHAU - {"to_ack", "to_fix"}
    assert "unpermitted" not in alerts.named(seen)


async def test_a_commune_officer_sees_only_the_commune_s_alerts(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    seen = alerts.named(await listed(client, caller("commune_officer", MUONG_KIM)))

    assert {"overdue", "loan", "expired"} <= seen
    assert not seen & {"absconded", "paid", "yearly", "unpermitted"}


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        ("bank", "12", {"loan", "paid"}),
        ("police", "12", {"expired"}),
        ("police", "80", {"unpermitted"}),
        ("foreign_affairs", "12", {"overdue", "absconded", "to_ack", "to_fix"}),
    ],
)
async def test_each_agency_sees_only_the_rules_its_work_needs(
    client: httpx.AsyncClient, alerts: Alerts, role: str, scope: str, expected: set[str]
) -> None:
    seen = alerts.named(await listed(client, caller(role, scope)))

    assert seen == expected


async def test_asking_for_a_rule_the_role_may_not_read_is_forbidden(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    response = await client.get(
        "/v1/alerts", params={"rule": "absconded"}, headers=caller("bank", "12")
    )

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


# --- filters ----------------------------------------------------------------------------------


async def test_the_list_filters_by_status_rule_and_unit(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    officer = caller("province_officer", "12")

    assert alerts.named(await listed(client, officer, status="resolved")) >= {"paid"}
    assert "paid" not in alerts.named(await listed(client, officer, status="open"))
    assert alerts.named(await listed(client, officer, rule="absconded")) == {"absconded"}
    assert alerts.named(await listed(client, officer, unit=KHOEN_ON)) == {"absconded", "paid"}
    assert alerts.named(await listed(client, officer, unit=DUC_HOA)) == set()  # not its scope


async def test_the_list_filters_by_commune_province_and_subject_as_the_other_lists_do(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    officer = caller("province_officer", "12")
    subject = alerts.deadlines["loan"].subject_id

    assert alerts.named(await listed(client, officer, commune=KHOEN_ON)) == {"absconded", "paid"}
    in_province = alerts.named(await listed(client, officer, province="12"))
    assert in_province == alerts.named(await listed(client, officer))
    assert alerts.named(await listed(client, officer, subject=str(subject))) == {"loan"}
    bad = await client.get("/v1/alerts", params={"commune": "12"}, headers=officer)
    assert bad.status_code == 422
    assert "query.commune" in bad.text


async def test_the_xlsx_export_holds_the_json_list_with_its_filters(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    officer = caller("province_officer", "12")
    params = {"status": "open", "commune": MUONG_KIM}
    listed_json = (await client.get("/v1/alerts", params=params, headers=officer)).json()
    exported = await client.get("/v1/alerts", params=params | {"format": "xlsx"}, headers=officer)

    sheet = read_sheet(exported)
    assert sheet.title == "Danh sách cảnh báo"
    assert "status=open" in sheet.filters
    assert f"commune={MUONG_KIM}" in sheet.filters
    items = listed_json["items"]
    assert sheet.column("Mã cảnh báo") == [i["id"] for i in items]
    assert sheet.column("Loại cảnh báo") == [i["rule"] for i in items]
    assert sheet.column("Số kỳ quá hạn") == [i["missed"] for i in items]
    assert sheet.column("Phát sinh từ ngày") == [as_day(i["due_on"]) for i in items]
    assert sheet.column("Thời điểm cảnh báo") == [
        datetime.fromisoformat(i["raised_at"]).astimezone(VIETNAM_TZ).replace(tzinfo=None)
        for i in items
    ]


async def test_an_alert_shows_its_rule_subject_unit_and_status(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    response = await client.get(
        "/v1/alerts", params={"rule": "absconded"}, headers=caller("admin", "12")
    )

    [item] = response.json()["items"]
    assert item["id"] == str(alerts["absconded"])
    assert item["rule"] == "absconded"
    assert item["subject_kind"] == "worker"
    assert UUID(item["subject"])
    assert (item["unit_code"], item["province_code"]) == (KHOEN_ON, "12")
    assert item["status"] == "open"
    assert datetime.fromisoformat(item["raised_at"]) == NOW


async def test_pages_follow_the_cursor_without_gaps_or_repeats(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    admin, pages, cursor = caller("admin", "12"), [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = (await client.get("/v1/alerts", params=params, headers=admin)).json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    flat = [i for page in pages for i in page]
    assert len(flat) == len(set(flat)) == len(SEEDS)
    assert all(len(page) <= 2 for page in pages)


async def test_a_cursor_this_api_did_not_give_is_refused_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/alerts", params={"cursor": "bm9wZQ"}, headers=caller("admin", "12")
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"


# --- acknowledgement --------------------------------------------------------------------------


async def test_acknowledging_records_who_and_when_once(
    client: httpx.AsyncClient, alerts: Alerts, schema: str, pg_pool: asyncpg.Pool
) -> None:
    officer = caller("commune_officer", MUONG_KIM, "officer-17")
    path = f"/v1/alerts/{alerts['to_ack']}/acknowledge"

    first = await client.post(path, headers=officer)
    again = await client.post(path, headers=caller("province_officer", "12", "officer-2"))

    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "acknowledged"
    assert first.json()["acknowledged_by"] == "officer-17"
    assert datetime.fromisoformat(first.json()["acknowledged_at"]) == NOW
    assert again.json() == first.json()
    response = await client.get("/v1/alerts", params={"status": "acknowledged"}, headers=officer)
    assert first.json() in response.json()["items"]  # the same body as the list's, to the byte
    stream = await PostgresEventStore(pg_pool, schema).read_stream(alerts["to_ack"])
    assert [e.event_type for e in stream] == [
        "lmis.notify.alert.raised.v1",
        "lmis.notify.alert.acknowledged.v1",
    ]
    assert stream[1].metadata.actor == "officer-17"


async def test_an_acknowledged_alert_is_still_resolved_by_its_fix(
    client: httpx.AsyncClient, alerts: Alerts, schema: str, pg_pool: asyncpg.Pool
) -> None:
    admin = caller("admin", "12", "officer-5")
    await client.post(f"/v1/alerts/{alerts['to_fix']}/acknowledge", headers=admin)
    assert "to_fix" in alerts.named(await listed(client, admin, status="acknowledged"))

    returned = Cause("officer-9", uuid4(), NOW, uuid4(), "lmis.registry.worker.returned.v1")
    async with PostgresAlertBooks(pg_pool, schema).open() as book:
        await resolve_alerts(book, [alerts.deadlines["to_fix"]], returned)

    response = await client.get("/v1/alerts", params={"status": "resolved"}, headers=admin)
    [item] = [i for i in response.json()["items"] if i["id"] == str(alerts["to_fix"])]
    assert item["acknowledged_by"] == "officer-5"
    assert datetime.fromisoformat(item["resolved_at"]) == NOW


async def test_an_alert_outside_the_caller_s_scope_cannot_be_acknowledged(
    client: httpx.AsyncClient, alerts: Alerts
) -> None:
    other_commune = caller("commune_officer", KHOEN_ON)
    bank = caller("bank", "12")

    outside = await client.post(
        f"/v1/alerts/{alerts['overdue']}/acknowledge", headers=other_commune
    )
    other_rule = await client.post(f"/v1/alerts/{alerts['overdue']}/acknowledge", headers=bank)
    unknown = await client.post(f"/v1/alerts/{uuid4()}/acknowledge", headers=caller("admin", "12"))

    assert outside.status_code == other_rule.status_code == unknown.status_code == 404


# --- report submission ------------------------------------------------------------------------


def test_the_app_builds_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LMIS_OTEL_EXPORTER", "none")
    monkeypatch.setenv("LMIS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LMIS_NOTIFY_AS_OF", "2026-07-01")
    ensure_local_keypair(tmp_path / "keys")

    app = create_app()

    assert app.title == "LMIS notify API"
    paths = set(app.openapi()["paths"])
    assert "/v1/alerts" in paths
    assert not any(path.startswith("/v1/reports") for path in paths)  # filed with reporting
