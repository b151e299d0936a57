"""The register of sending organisations on the real PostgreSQL, and the contract check that
uses it: an unknown, suspended or expired organisation, or a market it may not serve, is a 422
naming the field; an override enters the contract, audited and flagged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lmis_notify.adapters.projection import DeadlineProjection
from lmis_notify.application.deadlines import Deadlines
from lmis_notify.application.recruitment import RecruitmentWatch
from lmis_notify.bootstrap import migrate as notify_migrate
from lmis_notify.domain.recruitment import RecruitmentSettings, commune_subject
from lmis_notify.domain.rules import RuleSettings
from lmis_registry.adapters.rebuild import rebuild_sender_list
from lmis_shared.clock import FixedClock
from lmis_shared.contracts.registry_senders import WorkerSenderChecked
from lmis_shared.processing import Decoded, Passing
from tests.conftest import unique
from tests.integration.worker_api import SIGN_CONTRACT, SONA, Api
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration

SENDERS = "/v1/sending-organisations"


@pytest.fixture(autouse=True)
async def sona(api: Api) -> str:
    return await api.register_sender(SONA)


def contract(**sender: Any) -> dict[str, Any]:
    named = {
        "kind": "licensed_enterprise",
        "name": "Công ty Nhân lực Ma",
        "licence_number": "999/GP",
    }
    return SIGN_CONTRACT | {"sending_organisation": named | sender}


def through_sona(**changes: Any) -> dict[str, Any]:
    sona = {"kind": "licensed_enterprise", "name": "Sona", "licence_number": "123/LĐTBXH-GP"}
    return SIGN_CONTRACT | {"sending_organisation": sona} | changes


async def test_the_register_reads_back_and_lists_with_filters(api: Api) -> None:
    created = await api.client.post(
        SENDERS,
        json={
            "kind": "public_service_centre",
            "name": "Trung tâm DVVL Lai Châu",
            "markets": ["kr"],
        },
        headers=api.auth(),
    )
    assert created.status_code == 201, created.text
    centre = created.json()["id"]
    got = await api.client.get(f"{SENDERS}/{centre}", headers=api.auth("commune_officer", "03637"))
    assert got.status_code == 200
    assert (got.json()["markets"], got.json()["licence_status"]) == (["KR"], "active")
    listed = await api.client.get(
        SENDERS, params={"kind": "licensed_enterprise", "market": "jp"}, headers=api.auth()
    )
    assert [i["licence_number"] for i in listed.json()["items"]] == ["123/LĐTBXH-GP"]


async def test_only_the_department_maintains_the_register(api: Api) -> None:
    body = {
        "kind": "licensed_enterprise",
        "name": "Công ty B",
        "licence_number": "7/GP",
        "markets": ["JP"],
    }
    refused = await api.client.post(
        SENDERS, json=body, headers=api.auth("commune_officer", "03637")
    )
    assert refused.status_code == 403
    twice = await api.client.post(
        SENDERS, json=body | {"licence_number": "123/LĐTBXH-GP"}, headers=api.auth()
    )
    assert twice.status_code == 409


async def test_a_contract_through_an_unknown_organisation_is_refused_naming_the_field(
    api: Api,
) -> None:
    worker_id = await api.register()
    refused = await api.command(worker_id, "sign-contract", contract())
    assert_invalid(refused, "sending_organisation.licence_number")
    assert "999/GP" not in refused.text


async def test_a_suspended_organisation_or_a_market_it_may_not_serve_is_refused(api: Api) -> None:
    sona = (
        await api.client.get(
            SENDERS, params={"licence_number": "123/LĐTBXH-GP"}, headers=api.auth()
        )
    ).json()["items"][0]["id"]
    worker_id = await api.register()
    germany = through_sona(destination_country="DE", programme="germany_skilled")
    refused = await api.command(worker_id, "sign-contract", germany)
    assert [e["field"] for e in refused.json()["errors"]] == ["destination_country"]

    suspend = {"suspended_on": "2026-11-01", "reason": "Quyết định 512/QĐ: thu phí vượt trần"}
    suspended = await api.client.post(f"{SENDERS}/{sona}/suspend", json=suspend, headers=api.auth())
    assert suspended.status_code == 200, suspended.text
    by_id = SIGN_CONTRACT | {
        "sending_organisation": {"kind": "licensed_enterprise", "organisation_id": sona}
    }
    refused = await api.command(worker_id, "sign-contract", by_id)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [
        "sending_organisation.organisation_id"
    ]


async def test_an_override_enters_the_contract_audited_and_flagged(api: Api) -> None:
    worker_id = await api.register()
    reason = "Hồ sơ lịch sử 2021, công ty đã giải thể"
    signed = await api.command(worker_id, "sign-contract", contract() | {"override_reason": reason})
    assert signed.status_code == 200, signed.text
    file = (await api.client.get(f"/v1/workers/{worker_id}", headers=api.auth())).json()
    assert (file["contract"]["sender_check"], file["contract"]["sender_problem"]) == (
        "overridden",
        "unknown",
    )
    history = (await api.client.get(f"/v1/workers/{worker_id}/history", headers=api.auth())).json()
    checked = history["events"][-1]
    assert checked["type"] == "lmis.registry.worker.sender_checked.v1"
    assert checked["actor"]  # who overrode it; `recorded_at` says when


async def test_only_the_province_s_department_may_override_the_check(api: Api) -> None:
    worker_id = await api.register()
    commune = api.auth("commune_officer", "03637")  # the file's own commune
    override = contract() | {"override_reason": "Hồ sơ lịch sử 2021, công ty đã giải thể"}
    refused = await api.client.post(
        f"/v1/workers/{worker_id}/sign-contract", json=override, headers=commune
    )
    assert refused.status_code == 403
    assert "override_reason" in refused.json()["detail"]
    # without the override the same officer gets the check's 422, naming the field
    checked = await api.client.post(
        f"/v1/workers/{worker_id}/sign-contract", json=contract(), headers=commune
    )
    assert checked.status_code == 422
    elsewhere = await api.command(
        worker_id, "sign-contract", override, **api.auth("province_officer", "01")
    )
    assert elsewhere.status_code == 404  # another province's officer does not see the file
    signed = await api.command(worker_id, "sign-contract", override)  # the department: 200
    assert signed.status_code == 200, signed.text


async def test_a_complaint_is_recorded_without_personal_data(api: Api) -> None:
    sona = (
        await api.client.get(
            SENDERS, params={"licence_number": "123/LĐTBXH-GP"}, headers=api.auth()
        )
    ).json()["items"][0]["id"]
    complaint = {"received_on": "2026-11-20", "category": "excessive_fees", "commune_code": "03637"}
    other = await api.client.post(
        f"{SENDERS}/{sona}/complaints",
        json=complaint | {"commune_code": "03388"},
        headers=api.auth("commune_officer", "03637"),
    )
    assert other.status_code == 403
    recorded = await api.client.post(
        f"{SENDERS}/{sona}/complaints", json=complaint, headers=api.auth("commune_officer", "03637")
    )
    assert recorded.status_code == 200, recorded.text
    got = (await api.client.get(f"{SENDERS}/{sona}", headers=api.auth())).json()
    assert (got["complaints"], got["last_complaint_on"]) == (1, "2026-11-20")


MINISTRY_LIST = (
    "STT,Tên doanh nghiệp,Số giấy phép,Tình trạng giấy phép,Ngày cấp,Thị trường\n"
    '1,Công ty Cổ phần Nhân lực Sona,123/LĐTBXH-GP,Đang hoạt động,,"Nhật Bản, Đài Loan, KR"\n'
    "2,Công ty TNHH Cung ứng Nhân lực Hòa Bình,45/LĐTBXH-GP,Thu hồi,01/03/2022,Nhật Bản\n"
    "3,Công ty Xuất khẩu Lao động Ánh Dương,,Đang hoạt động,,Đài Loan\n"
    "4,Công ty Nhân lực Mặt Trời,77/LĐTBXH-GP,Đang hoạt động,01/13/2022,Nhật Bản\n"
)


async def test_the_ministrys_list_imports_registering_new_and_updating_known_licences(
    api: Api,
) -> None:
    csv = {"Content-Type": "text/csv"}
    url = "/v1/imports/sending-organisations"
    first = await api.client.post(url, content=MINISTRY_LIST.encode(), headers=api.auth() | csv)
    assert first.status_code == 200, first.text
    summary = first.json()
    # rows are numbered as the sheet's (the headings are row 1). Sona (row 2) is in the
    # register as the list says: nothing to record; the enterprise without a licence number
    # and the impossible date are refused on their columns
    assert (summary["imported"], summary["skipped_rows"]) == (1, [2])
    assert [(e["row"], e["field"]) for e in summary["errors"]] == [
        (4, "licence_number"),
        (5, "licensed_on"),
    ]
    again = await api.client.post(url, content=MINISTRY_LIST.encode(), headers=api.auth() | csv)
    assert (again.json()["imported"], again.json()["skipped_rows"]) == (0, [2, 3])
    revoked = await api.client.get(SENDERS, params={"status": "revoked"}, headers=api.auth())
    assert [i["licence_number"] for i in revoked.json()["items"]] == ["45/LĐTBXH-GP"]
    refused = await api.client.post(
        url, content=MINISTRY_LIST.encode(), headers=api.auth("commune_officer", "03637") | csv
    )
    assert refused.status_code == 403


async def test_the_register_rebuilds_from_its_events(api: Api, sona: str) -> None:
    suspend = {"reason": "Quyết định 512/QĐ-LĐTBXH"}
    await api.client.post(f"{SENDERS}/{sona}/suspend", json=suspend, headers=api.auth())
    before = (await api.client.get(SENDERS, headers=api.auth())).json()
    await api.pool.execute(f'delete from "{api.schema}".sending_organisations')
    assert await rebuild_sender_list(api.pool, api.schema) == 1
    assert (await api.client.get(SENDERS, headers=api.auth())).json() == before
    assert before["items"][0]["licence_status"] == "suspended"


async def test_contracts_signed_through_the_api_raise_the_recruitment_alerts_in_notify(
    api: Api, sona: str
) -> None:
    """The registry's own events, as stored, fed to notify's deadline projection."""
    schema = unique("t")
    await notify_migrate(api.pool, schema)
    clock = FixedClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    watch = RecruitmentWatch(RecruitmentSettings(), clock)
    notify = DeadlineProjection(api.pool, schema, Deadlines(RuleSettings(), clock), watch)
    japan = {"destination_country": "JP", "programme": "japan_technical_intern"}
    recent = {"signed_on": "2026-11-10", "start_date": "2027-01-04"}  # under Law 69/2020
    over = through_sona(**japan, **recent, fees_vnd={"service_fee": 200_000_000})
    broker = contract() | {"override_reason": "Hồ sơ lịch sử, môi giới không phép"}
    for serial, body in enumerate((over, broker, broker)):
        worker_id = await api.register(citizen_id=f"012198{900_000 + serial}")
        signed = await api.command(worker_id, "sign-contract", body)
        assert signed.status_code == 200, signed.text
    checked = WorkerSenderChecked.event_type
    # the others carry sealed personal data: handed over as `Passing`, they hold their
    # streams' versions (the projection parks a check whose earlier versions it never saw)
    recorded = await api.store.read_all(None)
    await notify.process(
        [Decoded(r, r.payload()) if r.event_type == checked else Passing(r) for r in recorded]
    )
    rows = await api.pool.fetch(f"select rule, subject_id, unit_code from {schema}.alerts")
    assert sorted((r["rule"], str(r["subject_id"]), r["unit_code"]) for r in rows) == [
        ("fee_above_ceiling", sona, "12"),
        ("suspicious_recruitment", str(commune_subject("03637")), "03637"),
    ]
    await api.pool.execute(f"DROP SCHEMA {schema} CASCADE")
