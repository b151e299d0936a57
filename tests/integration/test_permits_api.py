"""The permits API on the real PostgreSQL: employers, demand approvals, foreign worker files,
permit statuses that follow a settable clock, the headcount limit, scope, If-Match and
idempotency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from lmis_permits.adapters.postgres import PermitsReadModel
from lmis_permits.application.ports import SOURCE
from lmis_permits.bootstrap import rebuild
from lmis_permits.domain import employers as employers_domain
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.rules import PermitRules
from lmis_permits.settings import PermitsSettings
from lmis_shared.auth import Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Change, CommandContext
from lmis_shared.commands.postgres import PostgresStreams
from lmis_shared.contracts.permits import PositionType
from lmis_shared.events import NewEvent
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.settings import CommonSettings
from tests.integration.apps import bearer
from tests.integration.permits_api import running_permits
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration

TAX_CODE = "1101234567"
DUC_HOA, BEN_LUC, TAY_NINH = "27937", "27991", "80"  # Long An's communes, now in Tây Ninh


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 5, tzinfo=UTC)  # 12:00 in Vietnam


@dataclass
class Api:
    client: httpx.AsyncClient
    private_key: Path
    store: PostgresEventStore
    clock: FixedClock
    pool: asyncpg.Pool
    schema: str

    def auth(self, role: str = "province_officer", scope: str = TAY_NINH) -> dict[str, str]:
        return bearer(self.private_key, role, scope)

    async def post(self, path: str, body: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.auth() | headers)

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.auth())

    async def ok(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(path, body or {})
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
async def api(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[Api]:
    clock = FixedClock(noon(date(2026, 11, 23)))
    async with running_permits(tmp_path, database_url, fresh_schema, pg_pool, clock) as running:
        store = PostgresEventStore(pg_pool, fresh_schema)
        yield Api(running.client, running.private_key, store, clock, pg_pool, fresh_schema)


def employer(**changes: Any) -> dict[str, Any]:
    return {
        "tax_code": TAX_CODE,
        "name": "Công ty TNHH Điện tử Hòa Bình",
        "address": "Lô B2, KCN Đức Hòa 1",
        "commune_code": DUC_HOA,
        "industrial_zone": "KCN Đức Hòa 1",
        "sector": "electronics manufacturing",
    } | changes


def demand(**changes: Any) -> dict[str, Any]:
    return {
        "position": "expert",
        "job_title": "Kỹ sư vận hành dây chuyền SMT",
        "number_of_foreigners": 10,
        "period_start": "2024-01-01",
        "period_end": "2027-12-31",
        "reason": "Dây chuyền mới cần kỹ sư có 5 năm kinh nghiệm; chưa tuyển được trong nước",
        "submitted_on": "2023-12-01",
    } | changes


def worker(n: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "employer_tax_code": TAX_CODE,
        "full_name": "KIM MIN JUN",
        "nationality": "KR",
        "passport_number": f"M{n:08d}",
        "date_of_birth": "1985-07-21",
        "sex": "male",
        "position": "expert",
        "engaged_on": "2025-01-10",
    } | changes


def permit(issue: str = "2025-01-10", expiry: str = "2026-12-31") -> dict[str, Any]:
    return {"permit_number": "LA-2025-000123", "issue_date": issue, "expiry_date": expiry}


async def employer_with_demand(api: Api, approved: int = 10, **changes: Any) -> str:
    await api.ok("/v1/employers", employer(**changes))
    tax_code = changes.get("tax_code", TAX_CODE)
    submitted = await api.ok(f"/v1/employers/{tax_code}/demands", demand())
    decision = {
        "approved_number": approved,
        "decision_number": "1520/QĐ-UBND",
        "decision_date": "2023-12-20",
    }
    await api.ok(f"/v1/demands/{submitted['id']}/approve", decision)
    return str(submitted["id"])


async def new_worker(api: Api, n: int = 1, **changes: Any) -> str:
    created = await api.ok("/v1/foreign-workers", worker(n, **changes))
    return str(created["id"])


# --- employers and demands ------------------------------------------------------------------


async def test_a_registered_employer_reads_back_with_its_demand_headcount_and_permits(
    api: Api,
) -> None:
    created = await api.post("/v1/employers", employer())
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"/v1/employers/{TAX_CODE}"
    submitted = await api.ok(f"/v1/employers/{TAX_CODE}/demands", demand())
    await api.ok(
        f"/v1/demands/{submitted['id']}/approve",
        {"approved_number": 3, "decision_number": "1520/QĐ-UBND", "decision_date": "2023-12-20"},
    )
    worker_id = await new_worker(api)
    await api.ok(f"/v1/foreign-workers/{worker_id}/issue-permit", permit())

    body = (await api.get(f"/v1/employers/{TAX_CODE}")).json()
    assert (body["province_code"], body["version"]) == (TAY_NINH, 1)
    assert body["headcount"] == [{"position": "expert", "approved": 3, "engaged": 1}]
    assert [(d["status"], d["approved_number"]) for d in body["demands"]] == [("approved", 3)]
    assert body["permits"]["valid"] == 0
    assert body["permits"]["expiring"] == 1  # 38 days left on 2026-11-23


async def test_registering_an_employer_twice_is_a_conflict_naming_state_and_commands(
    api: Api,
) -> None:
    await api.ok("/v1/employers", employer())
    again = await api.post("/v1/employers", employer(name="Another name"))
    assert again.status_code == 409
    assert again.json()["current_state"] == "registered"
    assert again.json()["allowed_commands"] == ["update"]


async def test_an_employer_update_with_a_stale_if_match_is_refused_with_412(api: Api) -> None:
    await api.ok("/v1/employers", employer())
    path = f"/v1/employers/{TAX_CODE}"
    moved = await api.client.patch(
        path, json={"commune_code": BEN_LUC}, headers=api.auth() | {"If-Match": '"1"'}
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["ETag"] == '"2"'
    stale = await api.client.patch(
        path, json={"name": "Công ty TNHH Hòa Bình"}, headers=api.auth() | {"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert (stale.json()["expected_version"], stale.json()["current_version"]) == (1, 2)
    assert (await api.get(path)).json()["commune_code"] == BEN_LUC


async def test_a_decided_demand_cannot_be_decided_again(api: Api) -> None:
    demand_id = await employer_with_demand(api)
    refused = await api.post(f"/v1/demands/{demand_id}/reject", {"reason": "changed our mind"})
    assert refused.status_code == 409
    assert (refused.json()["current_state"], refused.json()["allowed_commands"]) == (
        "approved",
        ["refer-candidate", "record-hire"],
    )


async def test_invalid_fields_are_problems_naming_the_field(api: Api) -> None:
    bad_tax = await api.post("/v1/employers", employer(tax_code="12345"))
    assert [e["field"] for e in bad_tax.json()["errors"]] == ["body.tax_code"]
    await employer_with_demand(api)
    bad_passport = await api.post("/v1/foreign-workers", worker(passport_number="M12/34"))
    assert_invalid(bad_passport, "body.passport_number")
    assert "M12/34" not in bad_passport.text
    unknown = await api.post("/v1/foreign-workers", worker(employer_tax_code="1109999999"))
    assert [e["field"] for e in unknown.json()["errors"]] == ["employer_tax_code"]
    worker_id = await new_worker(api)
    too_long = await api.post(
        f"/v1/foreign-workers/{worker_id}/issue-permit", permit(expiry="2027-01-11")
    )
    assert_invalid(too_long, "expiry_date")


# --- the foreign worker file ----------------------------------------------------------------


async def test_a_file_goes_through_its_whole_life_and_its_history_tells_it(api: Api) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api, engaged_on="2025-01-05")
    path = f"/v1/foreign-workers/{worker_id}"
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("apply-permit", {"applied_on": "2024-12-01"}, "permit_applied"),
        ("issue-permit", permit(), "permitted"),
        ("record-health-check", {"checked_on": "2025-01-03", "result": "fit"}, "permitted"),
        (
            "register-residence",
            {"card_number": "TT123456", "valid_from": "2025-01-20", "valid_until": "2026-12-31"},
            "permitted",
        ),
        ("apply-extension", {"applied_on": "2026-11-20"}, "extension_applied"),
        ("extend-permit", {"new_expiry_date": "2028-12-31"}, "extended"),
        ("end-employment", {"date": "2026-11-23", "reason": "early_termination"}, "ended"),
    ]
    for version, (command, body, status) in enumerate(steps, start=2):
        response = await api.post(f"{path}/{command}", body)
        assert response.status_code == 200, (command, response.text)
        assert response.json() == {"id": worker_id, "version": version, "status": status}
        assert response.headers["ETag"] == f'"{version}"'

    file = (await api.get(path)).json()
    assert (file["status"], file["permit"]["expiry_date"]) == ("ended", "2028-12-31")
    assert file["residence"]["card_number"] == "TT123456"
    assert file["allowed_commands"] == []
    history = (await api.get(f"{path}/history")).json()
    assert [h["event_type"].split(".")[3] for h in history] == [
        "registered",
        "permit_applied",
        "permit_issued",
        "health_check_recorded",
        "residence_registered",
        "extension_applied",
        "permit_extended",
        "employment_ended",
    ]
    assert [h["version"] for h in history] == list(range(1, 9))


async def test_a_command_the_state_does_not_allow_is_a_409_naming_state_and_commands(
    api: Api,
) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api)
    response = await api.post(
        f"/v1/foreign-workers/{worker_id}/extend-permit", {"new_expiry_date": "2028-01-01"}
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["current_state"] == "registered"
    assert response.json()["allowed_commands"] == [
        "apply-permit",
        "issue-permit",
        "certify-exemption",
        "record-health-check",
        "register-residence",
        "end-employment",
    ]


async def test_an_extension_applied_outside_the_window_is_refused_naming_applied_on(
    api: Api,
) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api)
    await api.ok(
        f"/v1/foreign-workers/{worker_id}/issue-permit", permit("2025-02-01", "2027-01-31")
    )
    early = await api.post(f"/v1/foreign-workers/{worker_id}/apply-extension", {})
    assert early.status_code == 422  # 69 days before expiry: the window opens at 45
    assert [e["field"] for e in early.json()["errors"]] == ["applied_on"]
    api.clock.set(noon(date(2027, 1, 1)))
    assert (await api.post(f"/v1/foreign-workers/{worker_id}/apply-extension", {})).is_success


async def test_a_stale_if_match_is_refused_with_412_and_nothing_is_appended(api: Api) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api)
    path = f"/v1/foreign-workers/{worker_id}"
    await api.ok(f"{path}/apply-permit", {"applied_on": "2024-12-01"})
    stale = await api.post(f"{path}/issue-permit", permit(), **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert len(await api.store.read_stream(UUID(worker_id))) == 2
    fresh = await api.post(f"{path}/issue-permit", permit(), **{"If-Match": '"2"'})
    assert fresh.status_code == 200


async def test_a_repeated_idempotency_key_returns_the_first_answer_and_appends_nothing(
    api: Api,
) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api)
    path = f"/v1/foreign-workers/{worker_id}/record-health-check"
    body = {"checked_on": "2025-01-03", "result": "fit"}
    first = await api.post(path, body, **{"Idempotency-Key": "health-row-7"})
    again = await api.post(path, body, **{"Idempotency-Key": "health-row-7"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await api.store.read_stream(UUID(worker_id))) == 2
    other = await api.post(path, body | {"result": "unfit"}, **{"Idempotency-Key": "health-row-7"})
    assert_invalid(other, "header.Idempotency-Key")


# --- the headcount limit --------------------------------------------------------------------


async def test_engaging_more_foreigners_than_approved_is_refused_until_one_leaves(
    api: Api,
) -> None:
    await employer_with_demand(api, approved=2)
    first = await new_worker(api, 1)
    await new_worker(api, 2)
    refused = await api.post("/v1/foreign-workers", worker(3))
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:lmis:problem:headcount-exceeded"
    assert (refused.json()["approved"], refused.json()["engaged"]) == (2, 2)
    other_position = await api.post("/v1/foreign-workers", worker(3, position="manager"))
    assert other_position.status_code == 409  # no demand approved for managers at all
    await api.ok(
        f"/v1/foreign-workers/{first}/end-employment", {"date": "2026-11-01", "reason": "departure"}
    )
    assert (await api.post("/v1/foreign-workers", worker(3, engaged_on="2026-11-23"))).is_success


async def test_two_concurrent_registrations_cannot_both_take_the_last_place(api: Api) -> None:
    """Both writers decided on the same stale count (one place left): the guard in the
    append's transaction lets exactly one of them commit."""
    await employer_with_demand(api, approved=1)
    streams = PostgresStreams(
        api.pool, api.schema, PermitsReadModel[fw.ForeignWorkerFile](api.schema)
    )
    answers = await asyncio.gather(
        streams.save(registration_change(api, 1)),
        streams.save(registration_change(api, 2)),
        return_exceptions=True,
    )
    assert sorted(type(a).__name__ for a in answers) == ["HeadcountExceeded", "NoneType"]
    files = [
        e for e in await api.store.read_all(None) if e.metadata.stream_type == "foreign_worker"
    ]
    assert len(files) == 1
    assert len(await api.pool.fetch(f'select id from "{api.schema}".foreign_workers')) == 1


def registration_change(api: Api, n: int) -> Change[fw.ForeignWorkerFile]:
    """A registration decided as if the position still had room."""
    command = fw.RegisterForeignWorker.model_validate(worker(n))
    employer_state = employers_domain.Employer(
        id=employers_domain.employer_stream_id(TAX_CODE),
        version=1,
        tax_code=TAX_CODE,
        name="x",
        address="x",
        commune_code=DUC_HOA,
        province_code=TAY_NINH,
        industrial_zone=None,
        sector="x",
        registered_on=date(2020, 1, 1),
    )
    room = Headcount(PositionType.expert, approved=1, engaged=0)
    events = fw.decide(
        None,
        command,
        api.clock.today(),
        rules=PermitRules(),
        employer=employer_state,
        headcount=room,
    )
    stream_id = uuid4()
    ctx = CommandContext(Principal("officer-1", Role.PROVINCE_OFFICER, TAY_NINH), uuid4())
    return Change(
        stream_id=stream_id,
        stream_type=fw.AGGREGATE.stream_type,
        expected_version=0,
        events=[NewEvent(event_id=uuid4(), payload=e) for e in events],
        context=ctx.append_context(SOURCE, api.clock.now()),
        idempotency=None,
        before=None,
        after=fw.AGGREGATE.fold_more(None, stream_id, events),
    )


# --- the query side -------------------------------------------------------------------------


async def list_ids(api: Api, **params: Any) -> set[str]:
    response = await api.get("/v1/foreign-workers", limit=200, **params)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_permit_statuses_follow_the_clock_in_the_list_and_in_the_file(api: Api) -> None:
    await employer_with_demand(api)
    expiring_soon = await new_worker(api, 1)
    await api.ok(f"/v1/foreign-workers/{expiring_soon}/issue-permit", permit())
    long_valid = await new_worker(api, 2)
    await api.ok(
        f"/v1/foreign-workers/{long_valid}/issue-permit", permit("2026-06-01", "2028-05-31")
    )
    exempt = await new_worker(api, 3)
    await api.ok(
        f"/v1/foreign-workers/{exempt}/certify-exemption",
        {"legal_ground": "Điều 7 khoản 4", "valid_from": "2025-02-01", "valid_until": "2027-01-31"},
    )
    revoked = await new_worker(api, 4)
    await api.ok(f"/v1/foreign-workers/{revoked}/issue-permit", permit())
    await api.ok(f"/v1/foreign-workers/{revoked}/revoke-permit", {"reason": "broke_the_law"})
    none = await new_worker(api, 5)

    expected = {
        date(2026, 10, 1): {
            "valid": {expiring_soon, long_valid},
            "exempt": {exempt},
            "revoked": {revoked},
            "none": {none},
        },
        date(2026, 12, 1): {
            "expiring": {expiring_soon},
            "valid": {long_valid},
            "exempt": {exempt},
            "revoked": {revoked},
            "none": {none},
        },
        date(2027, 1, 1): {
            "expired": {expiring_soon},
            "valid": {long_valid},
            "exempt": {exempt},
            "revoked": {revoked},
            "none": {none},
        },
        date(2027, 2, 1): {
            "expired": {expiring_soon, exempt},
            "valid": {long_valid},
            "revoked": {revoked},
            "none": {none},
        },
    }
    for day, by_status in expected.items():
        api.clock.set(noon(day))
        for status in ("valid", "expiring", "expired", "revoked", "exempt", "none"):
            assert await list_ids(api, permit_status=status) == by_status.get(status, set()), (
                day,
                status,
            )
        # the file's own view computes the same status from its events
        file = (await api.get(f"/v1/foreign-workers/{expiring_soon}")).json()
        assert {file["id"]} <= by_status[file["permit_status"]]


async def test_the_expiring_horizon_is_a_query_parameter(api: Api) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api)
    await api.ok(f"/v1/foreign-workers/{worker_id}/issue-permit", permit())  # 38 days left
    assert await list_ids(api, permit_status="expiring", within_days=30) == set()
    assert await list_ids(api, permit_status="valid", within_days=30) == {worker_id}
    assert await list_ids(api, permit_status="expiring", within_days=38) == {worker_id}


async def test_the_list_filters_by_nationality_employer_position_and_employment(api: Api) -> None:
    await employer_with_demand(api)
    korean = await new_worker(api, 1)
    chinese = await new_worker(api, 2, nationality="cn", full_name="WANG WEI")
    await api.ok(
        f"/v1/foreign-workers/{chinese}/end-employment",
        {"date": "2026-11-01", "reason": "contract_end"},
    )
    assert await list_ids(api, nationality="KR") == {korean}
    assert await list_ids(api, employed="false") == {chinese}
    assert await list_ids(api, employer_tax_code=TAX_CODE, position="expert") == {korean, chinese}
    assert await list_ids(api, position="manager") == set()
    bad = await api.get("/v1/foreign-workers", nationality="Korea")
    assert [e["field"] for e in bad.json()["errors"]] == ["query.nationality"]


async def test_the_list_comes_a_page_at_a_time_with_an_opaque_cursor(api: Api) -> None:
    await employer_with_demand(api)
    created = [await new_worker(api, n) for n in range(1, 6)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/v1/foreign-workers", **params)).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (created, 3)
    bad = await api.get("/v1/foreign-workers", cursor="not-a-cursor")
    assert_invalid(bad, "query.cursor")


async def test_each_officer_sees_and_changes_only_files_in_their_scope(api: Api) -> None:
    await employer_with_demand(api)
    in_duc_hoa = await new_worker(api, 1)
    await api.ok("/v1/employers", employer(tax_code="1107654321", commune_code=BEN_LUC))
    await employer_with_demand_for(api, "1107654321")
    in_ben_luc = await new_worker(api, 2, employer_tax_code="1107654321")

    def as_(role: str, scope: str) -> dict[str, str]:
        return api.auth(role=role, scope=scope)

    commune = await api.client.get("/v1/foreign-workers", headers=as_("commune_officer", DUC_HOA))
    assert {i["id"] for i in commune.json()["items"]} == {in_duc_hoa}
    elsewhere = await api.client.get(
        f"/v1/foreign-workers/{in_ben_luc}", headers=as_("commune_officer", DUC_HOA)
    )
    assert elsewhere.status_code == 404  # as if it did not exist
    wider = await api.client.get(
        "/v1/foreign-workers", params={"unit": TAY_NINH}, headers=as_("commune_officer", DUC_HOA)
    )
    assert wider.status_code == 403
    hanoi = await api.client.get("/v1/foreign-workers", headers=as_("province_officer", "01"))
    assert hanoi.json()["items"] == []
    assert (await list_ids(api, unit=BEN_LUC)) == {in_ben_luc}

    police = as_("police", TAY_NINH)
    residence = {"card_number": "TT654321", "valid_from": "2025-02-01", "valid_until": "2026-12-31"}
    path = f"/v1/foreign-workers/{in_duc_hoa}"
    assert (
        await api.client.post(f"{path}/register-residence", json=residence, headers=police)
    ).status_code == 200
    assert (
        await api.client.post(f"{path}/issue-permit", json=permit(), headers=police)
    ).status_code == 403
    commune_write = await api.client.post(
        f"{path}/issue-permit", json=permit(), headers=as_("commune_officer", DUC_HOA)
    )
    assert commune_write.status_code == 403


async def employer_with_demand_for(api: Api, tax_code: str) -> None:
    submitted = await api.ok(f"/v1/employers/{tax_code}/demands", demand())
    await api.ok(
        f"/v1/demands/{submitted['id']}/approve",
        {"approved_number": 5, "decision_number": "1521/QĐ-UBND", "decision_date": "2023-12-20"},
    )


async def test_rebuilding_the_read_model_from_the_event_store_gives_the_same_rows(
    api: Api, tmp_path: Path
) -> None:
    await employer_with_demand(api)
    for n in range(1, 4):
        worker_id = await new_worker(api, n)
        await api.ok(f"/v1/foreign-workers/{worker_id}/issue-permit", permit())
    await api.ok(
        f"/v1/foreign-workers/{worker_id}/end-employment",
        {"date": "2026-11-01", "reason": "departure"},
    )
    before = await read_model(api)
    # the read model went wrong (a bug): the rebuild sets it right, rows kept or not
    await api.pool.execute(f'update "{api.schema}".foreign_workers set permit_number = null')
    await api.pool.execute(f'delete from "{api.schema}".demands')
    settings = PermitsSettings(schema_name=api.schema)
    common = CommonSettings(data_dir=tmp_path)  # the app's: its master key
    assert await rebuild(api.pool, settings, common) == "permits: 4 files rebuilt"
    assert await read_model(api) == before


async def read_model(api: Api) -> list[list[dict[str, Any]]]:
    """Every row, in list order; `seq` values themselves may differ (upserts skip some)."""
    tables = {"demands": "id", "foreign_workers": "seq"}
    rows = [
        await api.pool.fetch(f'select * from "{api.schema}".{table} order by {key}')
        for table, key in tables.items()
    ]
    return [[{k: v for k, v in r.items() if k != "seq"} for r in table] for table in rows]


async def test_a_command_with_no_required_field_needs_no_body(api: Api) -> None:
    await employer_with_demand(api)
    worker_id = await new_worker(api)
    response = await api.client.post(
        f"/v1/foreign-workers/{worker_id}/apply-permit", headers=api.auth()
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "permit_applied"
    no_body = await api.client.post(
        f"/v1/foreign-workers/{worker_id}/issue-permit", headers=api.auth()
    )
    assert no_body.status_code == 422


async def test_every_route_is_documented_with_a_summary_and_its_body_with_examples(
    api: Api,
) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    operations = [
        (path, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/v1/")
        for op in ops.values()
    ]
    # 24 commands and reads (erase included; a demand's announcement, referral and hire),
    # the import and its template, the access record's listing, the employer and demand lists
    assert len(operations) == 29
    assert all(op.get("summary") for _, op in operations)
    schemas = spec["components"]["schemas"]
    for name in ("RegisterEmployer", "SubmitDemand", "RegisterForeignWorker", "IssuePermit"):
        assert any("examples" in field for field in schemas[name]["properties"].values()), name
