"""Decree 70/2023 over the permits API and the real PostgreSQL: a demand explained in 2026 is
approved only after its announcement for Vietnamese workers has run 15 days; hires of
Vietnamese workers are recorded as events and shown on the demand."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.integration.test_permits_api import TAX_CODE, Api, api, demand, employer  # noqa: F401
from tests.problems import assert_invalid

pytestmark = pytest.mark.integration

ANNOUNCEMENT = {
    "announced_on": "2026-10-01",
    "channel": "employment_service_centre_portal",
    "posting_reference": "vieclamtayninh.gov.vn/tin/2026-0931",
    "occupation_code": "7212",
    "sector": "manufacturing",
}
DECISION = {"approved_number": 2, "decision_number": "1520/QĐ-UBND", "decision_date": "2026-11-20"}


async def submitted(api: Api) -> str:  # noqa: F811
    await api.ok("/v1/employers", employer())
    body = demand(number_of_foreigners=3, submitted_on="2026-10-20", period_start="2027-01-01")
    return str((await api.ok(f"/v1/employers/{TAX_CODE}/demands", body))["id"])


async def test_an_approval_waits_for_the_announcement_and_names_the_field(
    api: Api,  # noqa: F811
) -> None:
    demand_id = await submitted(api)
    missing = await api.post(f"/v1/demands/{demand_id}/approve", DECISION)
    assert_invalid(missing, "announcement")

    late = ANNOUNCEMENT | {"announced_on": "2026-10-06"}  # 14 days before the explanation
    await api.ok(f"/v1/demands/{demand_id}/record-announcement", late)
    too_late = await api.post(f"/v1/demands/{demand_id}/approve", DECISION)
    assert_invalid(too_late, "announcement.announced_on")
    assert "2026-10-06" not in too_late.text


async def test_announced_in_time_hired_at_home_then_approved_for_the_rest(
    api: Api,  # noqa: F811
) -> None:
    demand_id = await submitted(api)
    await api.ok(f"/v1/demands/{demand_id}/record-announcement", ANNOUNCEMENT)
    returnee = str(uuid4())
    await api.ok(f"/v1/demands/{demand_id}/refer-candidate", {"worker_id": returnee})
    await api.ok(
        f"/v1/demands/{demand_id}/record-hire", {"worker_id": returnee, "hired_on": "2026-11-02"}
    )
    too_many = await api.post(f"/v1/demands/{demand_id}/approve", DECISION | {"approved_number": 3})
    assert_invalid(too_many, "approved_number")

    await api.ok(f"/v1/demands/{demand_id}/approve", DECISION)

    shown = (await api.get(f"/v1/demands/{demand_id}")).json()
    assert shown["status"] == "approved"
    assert shown["announcement"]["occupation_code"] == "7212"
    assert (shown["referred_worker_ids"], shown["returnees_hired"]) == ([returnee], 1)
    types = [e.metadata.event_type for e in await api.store.read_all(None)]
    assert "lmis.permits.demand.vietnamese_hired.v1" in types
