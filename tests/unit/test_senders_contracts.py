"""The sending-organisation events' wire format, locked by golden files (tests/golden/registry/:
`sending_organisation_*` and `worker_sender_checked_v1`). A failing test means a published
contract changed: add a `.v2` with an upcaster instead of editing a `.v1`."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from lmis_shared.contracts import registry_senders as s
from lmis_shared.contracts.registry import Sector, SendingOrganisationKind
from lmis_shared.events import EventPayload, catalogue
from tests.unit.golden import assert_matches_golden_file

SONA = UUID("7a1d3c52-0e4b-4f6a-8d29-5b3e1c7f9a04")

EXAMPLES: list[EventPayload] = [
    s.SendingOrganisationRegistered(
        kind=SendingOrganisationKind.licensed_enterprise,
        name="Công ty Cổ phần Nhân lực Sona",
        licence_number="123/LĐTBXH-GP",
        licence_status=s.LicenceStatus.active,
        licensed_on=date(2022, 3, 1),
        licence_valid_until=None,
        markets=["JP", "TW"],
        imported=False,
    ),
    s.SendingOrganisationUpdated(
        changed=["markets"],
        name="Công ty Cổ phần Nhân lực Sona",
        licence_status=s.LicenceStatus.active,
        licensed_on=date(2022, 3, 1),
        licence_valid_until=None,
        markets=["JP", "KR", "TW"],
    ),
    s.SendingOrganisationSuspended(
        suspended_on=date(2026, 5, 4), reason="Quyết định 512/QĐ-LĐTBXH: thu phí vượt trần"
    ),
    s.BrokerComplaintRecorded(
        received_on=date(2026, 6, 10),
        category=s.ComplaintCategory.excessive_fees,
        commune_code="03637",
        province_code="12",
        reference="CA-2026-17",
    ),
    s.WorkerSenderChecked(
        organisation_id=SONA,
        organisation_name="Công ty Cổ phần Nhân lực Sona",
        licence_number="123/LĐTBXH-GP",
        outcome=s.SenderCheckOutcome.overridden,
        problem=s.SenderProblem.suspended,
        override_reason="Hồ sơ lịch sử nhập lại từ sổ 2021",
        commune_code="03637",
        province_code="12",
        destination_country="JP",
        sector=Sector.manufacturing,
        signed_on=date(2026, 7, 15),
        duration_months=36,
        monthly_salary_vnd=28_000_000,
        fees_vnd={"service_fee": 90_000_000},
    ),
]


def test_every_event_of_the_module_has_an_example() -> None:
    produced = {n for n, cls in catalogue().items() if cls.__module__ == s.__name__}
    assert {e.event_type for e in EXAMPLES} == produced


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: p.event_type)
def test_the_event_matches_its_golden_file_and_reads_back(payload: EventPayload) -> None:
    assert_matches_golden_file(payload)
