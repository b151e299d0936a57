"""The loans use cases on the in-memory event store, with a clock the tests move."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from lmis_registry.application.loans import Loans
from lmis_registry.domain import loans
from lmis_registry.domain.errors import InvalidField
from lmis_shared.auth import READ, Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import CommandContext, EventStoreStreams
from lmis_shared.contracts.registry import Person, Sex, WorkerRegistered
from lmis_shared.errors import (
    ConcurrencyConflict,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from lmis_shared.events import NewEvent, RecordedEvent
from lmis_shared.eventstore import AppendContext, EventStore, InMemoryEventStore

# 2026-02-15 23:59:59 in Hanoi: the last second of the first instalment's due date
LAST_SECOND_OF_DUE_DATE = datetime(2026, 2, 15, 16, 59, 59, tzinfo=UTC)
BANK = Principal("bank-officer-1", Role.BANK, "12")


def ctx(
    principal: Principal = BANK, key: str | None = None, if_match: int | None = None
) -> CommandContext:
    return CommandContext(
        principal=principal, correlation_id=uuid.uuid4(), idempotency_key=key, if_match=if_match
    )


async def seed_worker(
    store: EventStore, commune: str = "03637", at: datetime = LAST_SECOND_OF_DUE_DATE
) -> UUID:
    """A worker file written straight to the store at `at`, as the registry's worker side
    would (for the loans tests, unit and integration)."""
    worker_id = uuid.uuid4()
    registered = WorkerRegistered(
        person=Person(
            full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="012198001234"
        ),
        sex=Sex.female,
        ethnicity="03",
        commune_code=commune,
        province_code="12",
        registered_on=date(2025, 11, 2),
    )
    await store.append(
        worker_id,
        "worker",
        0,
        [NewEvent(event_id=uuid.uuid4(), payload=registered)],
        AppendContext("officer-1", uuid.uuid4(), None, None, "/lmis/registry", at),
    )
    return worker_id


class World:
    def __init__(self) -> None:
        self.store: InMemoryEventStore = InMemoryEventStore()
        self.clock = FixedClock(LAST_SECOND_OF_DUE_DATE)
        self.loans = Loans(EventStoreStreams(self.store), self.clock, Authorizer())

    async def disbursed_loan(self) -> UUID:
        """12,000,000 VND over 12 months at 1 % a month, paid out on 2026-01-15."""
        worker = await seed_worker(self.store)
        applied = await self.loans.apply(
            loans.ApplyForLoan(
                worker_id=worker,
                purpose="going_abroad",
                amount_vnd=12_000_000,
                applied_on=date(2026, 1, 5),
            ),
            ctx(),
        )
        loan_id = UUID(applied.body["id"])
        for command in (
            loans.ApproveLoan(approved_on=date(2026, 1, 10)),
            loans.DisburseLoan(
                amount_vnd=12_000_000,
                disbursed_on=date(2026, 1, 15),
                term_months=12,
                annual_interest_rate_bp=1_200,
            ),
        ):
            await self.loans.execute(loan_id, command, ctx())
        return loan_id


@pytest.fixture
def world() -> World:
    return World()


async def test_an_instalment_becomes_overdue_the_day_after_its_due_date(world: World) -> None:
    loan_id = await world.disbursed_loan()
    on_due_date = (await world.loans.get(loan_id, BANK)).position
    assert on_due_date.as_of == date(2026, 2, 15)
    assert not on_due_date.overdue
    assert on_due_date.next_due == loans.DueInstalment(1, date(2026, 2, 15), 1_120_000)

    world.clock.advance(timedelta(seconds=1))  # midnight in Hanoi, still the 15th in UTC
    day_after = (await world.loans.get(loan_id, BANK)).position
    assert day_after.overdue
    assert (day_after.overdue_amount_vnd, day_after.overdue_since) == (1_120_000, date(2026, 2, 15))
    assert day_after.days_past_due == 1
    assert day_after.outstanding_vnd == 12_000_000


async def test_paying_the_instalment_clears_the_overdue_without_any_overdue_event(
    world: World,
) -> None:
    loan_id = await world.disbursed_loan()
    world.clock.advance(timedelta(days=3))
    await world.loans.execute(loan_id, loans.RecordRepayment(amount_vnd=1_000_000), ctx())
    partly = (await world.loans.get(loan_id, BANK)).position
    assert partly.overdue_amount_vnd == 120_000  # interest first, then principal

    await world.loans.execute(loan_id, loans.RecordRepayment(amount_vnd=120_000), ctx())
    paid = (await world.loans.get(loan_id, BANK)).position
    assert not paid.overdue
    assert paid.next_due == loans.DueInstalment(2, date(2026, 3, 15), 1_110_000)
    assert paid.outstanding_vnd == 11_000_000
    types = [e.event_type for e in await world.store.read_all(None)]
    assert not any("overdue" in t for t in types)


async def test_a_loan_takes_the_commune_of_its_worker_file(world: World) -> None:
    loan_id = await world.disbursed_loan()
    loan = (await world.loans.get(loan_id, BANK)).loan
    assert (loan.commune_code, loan.province_code) == ("03637", "12")


async def test_a_loan_for_an_unknown_worker_file_is_refused_naming_worker_id(world: World) -> None:
    command = loans.ApplyForLoan(worker_id=uuid.uuid4(), purpose="job_creation", amount_vnd=1)
    with pytest.raises(InvalidField) as refused:
        await world.loans.apply(command, ctx())
    assert refused.value.field == "worker_id"


async def test_officers_outside_the_borrowers_province_and_other_roles_are_refused(
    world: World,
) -> None:
    loan_id = await world.disbursed_loan()
    for outsider in (
        Principal("bank-2", Role.BANK, "01"),  # another province's branch
        Principal("commune-1", Role.COMMUNE_OFFICER, "03637"),  # the right commune, wrong role
        Principal("police-1", Role.POLICE, "12"),
    ):
        # answered as if the loan did not exist: no oracle of what lies outside one's scope
        with pytest.raises(NotFound):
            await world.loans.get(loan_id, outsider)
        with pytest.raises(NotFound):
            await world.loans.execute(loan_id, loans.RecordRepayment(amount_vnd=1), ctx(outsider))
    for insider in (BANK, Principal("p-1", Role.PROVINCE_OFFICER, "12")):
        assert (await world.loans.get(loan_id, insider)).loan.id == loan_id


def test_a_bank_officer_may_not_read_worker_files() -> None:
    assert not Authorizer().allows(BANK, READ, "03637", "worker")


async def test_a_repeated_idempotency_key_returns_the_first_answer_and_appends_nothing(
    world: World,
) -> None:
    loan_id = await world.disbursed_loan()
    repayment = loans.RecordRepayment(amount_vnd=500_000)
    first = await world.loans.execute(loan_id, repayment, ctx(key="receipt-991"))
    again = await world.loans.execute(loan_id, repayment, ctx(key="receipt-991"))
    assert (again.body, again.replayed) == (first.body, True)
    assert len(await world.store.read_stream(loan_id)) == 4
    with pytest.raises(InvalidInput) as reused:  # the same key for another amount
        await world.loans.execute(
            loan_id, loans.RecordRepayment(amount_vnd=600_000), ctx(key="receipt-991")
        )
    assert reused.value.field == "header.Idempotency-Key"
    outsider = Principal("bank-2", Role.BANK, "01")
    with pytest.raises(NotFound):  # knowing a key is no way around the scope
        await world.loans.execute(loan_id, repayment, ctx(outsider, key="receipt-991"))


async def test_a_stale_if_match_is_a_failed_precondition(world: World) -> None:
    loan_id = await world.disbursed_loan()
    with pytest.raises(PreconditionFailed) as stale:
        await world.loans.execute(loan_id, loans.RecordRepayment(amount_vnd=1), ctx(if_match=2))
    assert (stale.value.expected, stale.value.actual) == (2, 3)
    done = await world.loans.execute(loan_id, loans.RecordRepayment(amount_vnd=1), ctx(if_match=3))
    assert done.body["version"] == 4


class RacingStore(InMemoryEventStore):
    """Lets another writer in between a handler's read of a stream and its append."""

    interloper: Callable[[], Awaitable[object]] | None = None

    async def read_stream(self, stream_id: UUID) -> list[RecordedEvent]:
        recorded = await super().read_stream(stream_id)
        if self.interloper is not None:
            interloper, self.interloper = self.interloper, None
            await interloper()
        return recorded


async def test_a_writer_that_loses_the_race_gets_a_conflict(world: World) -> None:
    world.store = racing = RacingStore()
    world.loans = Loans(EventStoreStreams(racing), world.clock, Authorizer())
    loan_id = await world.disbursed_loan()
    racing.interloper = lambda: world.loans.execute(
        loan_id, loans.RecordRepayment(amount_vnd=1), ctx()
    )
    with pytest.raises(ConcurrencyConflict):
        await world.loans.execute(loan_id, loans.RecordRepayment(amount_vnd=2), ctx())
    assert len(await world.store.read_stream(loan_id)) == 4  # the interloper's repayment only


async def test_a_worker_file_id_is_not_a_loan(world: World) -> None:
    worker = await seed_worker(world.store)
    with pytest.raises(loans.LoanNotFound):
        await world.loans.get(worker, BANK)
