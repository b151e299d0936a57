"""The loan events' wire format is locked by golden files (tests/golden/registry_loans/).

A failing test here means a published contract changed: add a `.v2` with an upcaster instead
of editing a `.v1`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

import lmis_shared.contracts
from lmis_shared.contracts.registry_loans import (
    Instalment,
    LoanApplied,
    LoanApproved,
    LoanDisbursed,
    LoanPurpose,
    LoanRejected,
    LoanRepaymentReceived,
    LoanRestructured,
    LoanSettled,
    LoanWrittenOff,
)
from lmis_shared.events import EventPayload, catalogue

GOLDEN = Path(__file__).parent.parent / "golden" / "registry_loans"

SCHEDULE = (
    Instalment(number=1, due_on=date(2026, 2, 15), principal_vnd=4_000_000, interest_vnd=120_000),
    Instalment(number=2, due_on=date(2026, 3, 15), principal_vnd=4_000_000, interest_vnd=80_000),
    Instalment(number=3, due_on=date(2026, 4, 15), principal_vnd=4_000_000, interest_vnd=40_000),
)

EXAMPLES: dict[str, EventPayload] = {
    "applied": LoanApplied(
        worker_id=UUID("5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10"),
        purpose=LoanPurpose.going_abroad,
        amount_vnd=12_000_000,
        commune_code="03637",
        province_code="12",
        applied_on=date(2026, 1, 5),
    ),
    "approved": LoanApproved(approved_amount_vnd=12_000_000, approved_on=date(2026, 1, 10)),
    "rejected": LoanRejected(reason="thiếu hồ sơ", rejected_on=date(2026, 1, 10)),
    "disbursed": LoanDisbursed(
        amount_vnd=12_000_000,
        disbursed_on=date(2026, 1, 15),
        term_months=3,
        annual_interest_rate_bp=1_200,
        schedule=SCHEDULE,
    ),
    "repayment_received": LoanRepaymentReceived(
        amount_vnd=4_200_000,
        paid_on=date(2026, 2, 14),
        principal_vnd=4_000_000,
        interest_vnd=200_000,
        outstanding_vnd=8_000_000,
        paid_through_instalment=1,
    ),
    "restructured": LoanRestructured(
        restructured_on=date(2026, 2, 20),
        reason="lũ lụt",
        term_months=3,
        annual_interest_rate_bp=1_200,
        outstanding_vnd=12_000_000,
        carried_interest_vnd=120_000,
        credit_vnd=0,
        schedule=SCHEDULE,
    ),
    "written_off": LoanWrittenOff(
        reason="borrower deceased",
        written_off_on=date(2026, 5, 1),
        outstanding_vnd=8_000_000,
        unpaid_interest_vnd=120_000,
    ),
    "settled": LoanSettled(settled_on=date(2026, 4, 15), repaid_vnd=12_240_000),
}


def wire(payload: EventPayload) -> dict[str, object]:
    return {
        "event_type": payload.event_type,
        "stream_type": payload.stream_type,
        "data": payload.model_dump(mode="json"),
    }


def golden(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((GOLDEN / f"{name}_v1.json").read_text("utf-8"))
    return loaded


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_loan_event_matches_its_golden_file(name: str) -> None:
    assert wire(EXAMPLES[name]) == golden(name)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_golden_file_reads_back_as_its_event(name: str) -> None:
    recorded = golden(name)
    cls = catalogue()[str(recorded["event_type"])]
    assert cls.model_validate(recorded["data"]) == EXAMPLES[name]


def test_every_loan_event_is_a_versioned_loan_stream_event_with_a_golden_file() -> None:
    assert lmis_shared.contracts.registry_loans is not None  # the package import registers them
    names = {n for n in catalogue() if n.startswith("lmis.registry.loan.")}
    assert names == {f"lmis.registry.loan.{n}.v1" for n in EXAMPLES}
    assert {catalogue()[n].stream_type for n in names} == {"loan"}
    assert {p.stem for p in GOLDEN.glob("*.json")} == {f"{n}_v1" for n in EXAMPLES}
