"""The loans HTTP API on the real PostgreSQL, with a fixed clock: today is 2026-11-23 in Hanoi."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from tests.integration.worker_api import NOW, Api, running_api
from tests.problems import assert_invalid
from tests.unit.test_loans_service import seed_worker

pytestmark = pytest.mark.integration


class LoansApi(Api):
    """The registry's API, as a bank officer of province 12 uses it."""

    commands = "/v1/loans"

    def auth(self, role: str = "bank", scope: str = "12") -> dict[str, str]:
        return super().auth(role, scope)

    async def worker(self) -> str:
        """A worker file of commune 03637 (province 12), written as the registry writes it."""
        return str(await seed_worker(self.store, at=NOW))

    async def disbursed_loan(self) -> str:
        """12,000,000 VND over 12 months at 1 % a month, paid out on 2026-09-10."""
        applied = await self.client.post(
            "/v1/loans",
            json={
                "worker_id": await self.worker(),
                "purpose": "going_abroad",
                "amount_vnd": 12_000_000,
                "applied_on": "2026-09-01",
            },
            headers=self.auth(),
        )
        assert applied.status_code == 201, applied.text
        loan_id: str = applied.json()["id"]
        approved = await self.command(loan_id, "approve", {"approved_on": "2026-09-05"})
        assert approved.status_code == 200, approved.text
        disbursed = await self.command(
            loan_id,
            "disburse",
            {
                "amount_vnd": 12_000_000,
                "disbursed_on": "2026-09-10",
                "term_months": 12,
                "annual_interest_rate_bp": 1_200,
            },
        )
        assert disbursed.status_code == 200, disbursed.text
        return loan_id


@pytest.fixture
async def api(
    tmp_path: Path, database_url: str, fresh_schema: str, pg_pool: asyncpg.Pool
) -> AsyncIterator[LoansApi]:
    async with running_api(tmp_path, database_url, fresh_schema, pg_pool, LoansApi) as running:
        assert isinstance(running, LoansApi)
        yield running


async def test_a_loan_is_applied_for_paid_out_repaid_and_settled(api: LoansApi) -> None:
    applied = await api.client.post(
        "/v1/loans",
        json={"worker_id": await api.worker(), "purpose": "job_creation", "amount_vnd": 3_000_000},
        headers=api.auth(),
    )
    assert applied.status_code == 201, applied.text
    loan_id = applied.json()["id"]
    assert applied.headers["Location"] == f"/v1/loans/{loan_id}"
    assert (applied.json()["status"], applied.headers["ETag"]) == ("applied", '"1"')

    steps: list[tuple[str, dict[str, Any] | None, str]] = [
        ("approve", None, "approved"),  # no body: today, the full amount
        (
            "disburse",
            {"amount_vnd": 3_000_000, "term_months": 3, "annual_interest_rate_bp": 0},
            "disbursed",
        ),
        ("record-repayment", {"amount_vnd": 1_000_000}, "repaying"),
        ("record-repayment", {"amount_vnd": 2_000_000}, "repaying"),
        ("settle", None, "settled"),
    ]
    for version, (name, body, status) in enumerate(steps, start=2):
        answer = await api.command(loan_id, name, body, **{"If-Match": f'"{version - 1}"'})
        assert answer.status_code == 200, answer.text
        assert (answer.json()["status"], answer.json()["version"]) == (status, version)

    loan = (await api.client.get(f"/v1/loans/{loan_id}", headers=api.auth())).json()
    assert (loan["status"], loan["repaid_vnd"], loan["outstanding_vnd"]) == (
        "settled",
        3_000_000,
        0,
    )
    assert loan["closed_on"] == "2026-11-23"
    history = (await api.client.get(f"/v1/loans/{loan_id}/history", headers=api.auth())).json()
    assert [i["event_type"].split(".")[3] for i in history["items"]] == [
        "applied",
        "approved",
        "disbursed",
        "repayment_received",
        "repayment_received",
        "settled",
    ]
    assert [i["version"] for i in history["items"]] == [1, 2, 3, 4, 5, 6]


async def test_the_loan_view_derives_outstanding_next_due_and_overdue_as_of_today(
    api: LoansApi,
) -> None:
    loan_id = await api.disbursed_loan()
    await api.command(
        loan_id, "record-repayment", {"amount_vnd": 1_120_000, "paid_on": "2026-10-09"}
    )

    loan = (await api.client.get(f"/v1/loans/{loan_id}", headers=api.auth())).json()
    assert loan["as_of"] == "2026-11-23"
    assert sum(i["principal_vnd"] for i in loan["schedule"]) == 12_000_000
    assert loan["schedule"][0] == {
        "number": 1,
        "due_on": "2026-10-10",
        "principal_vnd": 1_000_000,
        "interest_vnd": 120_000,
        "amount_vnd": 1_120_000,
        "paid_vnd": 1_120_000,
    }
    assert loan["outstanding_vnd"] == 11_000_000
    # instalment 2 (1,000,000 + 1 % of 11,000,000) fell due on 2026-11-10 and is unpaid
    assert loan["next_due"] == {"number": 2, "due_on": "2026-11-10", "amount_vnd": 1_110_000}
    assert (loan["overdue"], loan["overdue_amount_vnd"]) == (True, 1_110_000)
    assert (loan["overdue_since"], loan["days_past_due"]) == ("2026-11-10", 13)
    assert loan["allowed_commands"] == ["record-repayment", "restructure", "write-off"]


async def test_an_illegal_transition_is_a_conflict_naming_state_and_allowed_commands(
    api: LoansApi,
) -> None:
    loan_id = await api.disbursed_loan()
    refused = await api.command(loan_id, "settle", {})
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["current_state"] == "disbursed"
    assert problem["allowed_commands"] == ["record-repayment", "restructure", "write-off"]
    again = await api.command(loan_id, "approve", {})
    assert (again.status_code, again.json()["current_state"]) == (409, "disbursed")


@pytest.mark.parametrize(
    ("name", "body", "field"),
    [
        ("record-repayment", {"amount_vnd": 1000.0}, "body.amount_vnd"),
        ("record-repayment", {"amount_vnd": "1000"}, "body.amount_vnd"),
        ("record-repayment", {"amount_vnd": 0}, "body.amount_vnd"),
        ("record-repayment", {"amount_vnd": 12_780_001}, "amount_vnd"),  # more than still due
        ("record-repayment", {"amount_vnd": 1, "paid_on": "2026-11-24"}, "paid_on"),
        ("restructure", {"reason": "flood", "term_months": 0}, "body.term_months"),
        ("write-off", {}, "body.reason"),
    ],
)
async def test_an_invalid_field_is_a_problem_naming_the_field(
    api: LoansApi, name: str, body: dict[str, Any], field: str
) -> None:
    loan_id = await api.disbursed_loan()
    refused = await api.command(loan_id, name, body)
    assert_invalid(refused, field)
    assert len(await api.store.read_stream(uuid.UUID(loan_id))) == 3


async def test_a_loan_for_a_worker_file_that_does_not_exist_names_worker_id(api: LoansApi) -> None:
    refused = await api.client.post(
        "/v1/loans",
        json={"worker_id": str(uuid.uuid4()), "purpose": "going_abroad", "amount_vnd": 1},
        headers=api.auth(),
    )
    assert_invalid(refused, "worker_id")


async def test_a_stale_if_match_is_refused_and_a_repeated_key_appends_nothing(
    api: LoansApi,
) -> None:
    loan_id = await api.disbursed_loan()
    stale = await api.command(loan_id, "record-repayment", {"amount_vnd": 5}, **{"If-Match": '"2"'})
    assert (stale.status_code, stale.json()["current_version"]) == (412, 3)

    receipt = {"Idempotency-Key": f"receipt-{loan_id}"}
    first = await api.command(loan_id, "record-repayment", {"amount_vnd": 5}, **receipt)
    again = await api.command(loan_id, "record-repayment", {"amount_vnd": 5}, **receipt)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await api.store.read_stream(uuid.UUID(loan_id))) == 4


async def test_only_the_bank_and_province_of_the_borrower_see_and_act_on_the_loan(
    api: LoansApi,
) -> None:
    loan_id = await api.disbursed_loan()
    url = f"/v1/loans/{loan_id}"
    for role, scope in [("bank", "01"), ("commune_officer", "03637"), ("police", "12")]:
        # answered as a missing loan is: no oracle of what exists outside one's scope
        assert (await api.client.get(url, headers=api.auth(role, scope))).status_code == 404
        answer = await api.client.post(
            f"{url}/record-repayment", json={"amount_vnd": 1}, headers=api.auth(role, scope)
        )
        assert answer.status_code == 404
    for role, scope in [("bank", "12"), ("bank", "03637"), ("province_officer", "12")]:
        assert (await api.client.get(url, headers=api.auth(role, scope))).status_code == 200


async def test_the_bank_sees_no_personal_data_of_the_worker_file(api: LoansApi) -> None:
    loan_id = await api.disbursed_loan()
    loan = await api.client.get(f"/v1/loans/{loan_id}", headers=api.auth())
    history = await api.client.get(f"/v1/loans/{loan_id}/history", headers=api.auth())
    for text in (loan.text, history.text):
        assert "012198001234" not in text
        assert "Lò Thị Mai" not in text
        assert "1998-04-12" not in text
    worker_id = loan.json()["worker_id"]
    assert (await api.client.get(f"/v1/loans/{worker_id}", headers=api.auth())).status_code == 404
