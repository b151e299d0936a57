"""Events of the streams notify follows, as their producers' stores would number them (for the
alert tests, unit and integration)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.events import EventPayload
from lmis_shared.processing import Decoded
from tests.unit.event_examples import recorded_payload

COMMUNE, PROVINCE = "03637", "12"


class Stream:
    """One aggregate's events, numbered as its producer's store would number them."""

    def __init__(self, stream_type: str) -> None:
        self.id = uuid4()
        self.stream_type = stream_type
        self.version = 0

    def event(self, payload: EventPayload) -> Decoded:
        self.version += 1
        recorded = recorded_payload(
            payload,
            stream_id=self.id,
            stream_type=self.stream_type,
            version=self.version,
            recorded_at=datetime.now(UTC),
            source="/lmis/test",
        )
        return Decoded(recorded, payload)


def worker_registered() -> r.WorkerRegistered:
    return r.WorkerRegistered(
        person=r.Person(
            full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="012198001234"
        ),
        sex=r.Sex.female,
        ethnicity="03",
        commune_code=COMMUNE,
        province_code=PROVINCE,
        registered_on=date(2026, 1, 5),
    )


def contract_signed(end: date) -> r.WorkerContractSigned:
    return r.WorkerContractSigned(
        destination_country="KR",
        programme="eps",
        sending_organisation=r.SendingOrganisation(
            kind=r.SendingOrganisationKind.public_service_centre
        ),
        employer="Hanil Co.",
        sector=r.Sector.manufacturing,
        start_date=date(2026, 3, 1),
        duration_months=3,
        end_date=end,
        monthly_salary_vnd=35_000_000,
        fees_vnd={"service": 0},
        signed_on=date(2026, 2, 1),
    )


def foreign_worker_registered(
    engaged_on: date, commune: str = COMMUNE, province: str = PROVINCE
) -> p.ForeignWorkerRegistered:
    return p.ForeignWorkerRegistered(
        person=p.ForeignPerson(
            full_name="KIM MIN JUN", passport_number="M12345678", date_of_birth=date(1985, 7, 21)
        ),
        sex=p.Sex.male,
        nationality="KR",
        employer_tax_code="1101234567",
        position=p.PositionType.expert,
        commune_code=commune,
        province_code=province,
        engaged_on=engaged_on,
    )


PERMIT_NUMBER = "LA-2026-000123"


def permit_issued(issued: date, expiry: date, work_location: str | None = None) -> p.PermitIssued:
    """Hòa Bình's expert's work permit (notify reads its expiry)."""
    return p.PermitIssued(
        permit_number=PERMIT_NUMBER,
        issue_date=issued,
        expiry_date=expiry,
        position=p.PositionType.expert,
        employer_tax_code="1101234567",
        work_location=work_location,
    )


# --- loans: what notify reads is the schedule, the amounts and what a repayment paid through --


def instalments(
    *due: date, principal_vnd: int = 4_000_000, interest_vnd: int = 100_000
) -> tuple[loans.Instalment, ...]:
    """Equal instalments due on the days given, numbered from 1."""
    return tuple(
        loans.Instalment(number=n, due_on=d, principal_vnd=principal_vnd, interest_vnd=interest_vnd)
        for n, d in enumerate(due, start=1)
    )


def disbursement(
    schedule: tuple[loans.Instalment, ...], on: date = date(2026, 1, 15), rate_bp: int = 792
) -> loans.LoanDisbursed:
    """The whole principal of `schedule` paid out on `on`."""
    return loans.LoanDisbursed(
        amount_vnd=sum(i.principal_vnd for i in schedule),
        disbursed_on=on,
        term_months=len(schedule),
        annual_interest_rate_bp=rate_bp,
        schedule=schedule,
    )


def repayment(
    on: date, amount_vnd: int, through: int, *, interest_vnd: int = 0, outstanding_vnd: int = 0
) -> loans.LoanRepaymentReceived:
    """`amount_vnd` paid on `on`, interest first, settling the instalments up to `through`."""
    return loans.LoanRepaymentReceived(
        amount_vnd=amount_vnd,
        paid_on=on,
        principal_vnd=amount_vnd - interest_vnd,
        interest_vnd=interest_vnd,
        outstanding_vnd=outstanding_vnd,
        paid_through_instalment=through,
    )


def restructuring(on: date, schedule: tuple[loans.Instalment, ...]) -> loans.LoanRestructured:
    """The unpaid rest replaced by `schedule` (after a natural disaster), nothing carried."""
    return loans.LoanRestructured(
        restructured_on=on,
        reason="thiên tai",
        term_months=len(schedule),
        annual_interest_rate_bp=792,
        outstanding_vnd=sum(i.principal_vnd for i in schedule),
        carried_interest_vnd=0,
        credit_vnd=0,
        schedule=schedule,
    )
