"""The permits use cases on fakes of our own ports: authorisation and scope, If-Match,
idempotency, the headcount guard and the cursor, without a database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from lmis_permits.application.employers import Demands, Employers
from lmis_permits.application.foreign_workers import (
    ForeignWorkers,
    decode_cursor,
    encode_cursor,
)
from lmis_permits.application.ports import SOURCE, DemandRow, WorkerQuery, WorkerRow
from lmis_permits.bootstrap import PERMITS_GRANTS
from lmis_permits.domain import demands, employers, vietnamese_first
from lmis_permits.domain import foreign_workers as fw
from lmis_permits.domain.errors import HeadcountExceeded
from lmis_permits.domain.headcount import Headcount
from lmis_permits.domain.permit_status import PermitFacts, permit_status
from lmis_permits.domain.rules import PermitRules
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Aggregate, Change, CommandContext, CommandPath, EventStoreStreams
from lmis_shared.contracts.permits import AnnouncementChannel, PositionType
from lmis_shared.contracts.registry import Sector
from lmis_shared.errors import Forbidden, InvalidInput, PreconditionFailed
from lmis_shared.eventstore import InMemoryEventStore
from lmis_shared.records import record_from

TAY_NINH, DUC_HOA, BEN_LUC = "80", "27937", "27991"


class FakeReadModel:
    """The latest state of each stream, as the read model keeps it; a new file re-checks the
    headcount before the append (the in-memory store has no transaction to undo)."""

    def __init__(self) -> None:
        self.states: dict[UUID, Any] = {}

    async def guard(self, connection: Any, change: Change[Any]) -> None:
        new = change.after
        if change.before is None and isinstance(new, fw.ForeignWorkerFile):
            counted = await FakeReads(self).headcount(
                new.employer_tax_code, new.position, new.engaged_on
            )
            replace(counted, engaged=counted.engaged + 1).check_within()

    async def apply(self, connection: Any, change: Change[Any]) -> None:
        self.states[change.stream_id] = change.after


class FakeReads:
    def __init__(self, read_model: FakeReadModel) -> None:
        self._rows = read_model

    def _files(self) -> list[fw.ForeignWorkerFile]:
        return [s for s in self._rows.states.values() if isinstance(s, fw.ForeignWorkerFile)]

    async def headcount(
        self, employer_tax_code: str, position: PositionType, on: date
    ) -> Headcount:
        approved = sum(
            s.approved_number or 0
            for s in self._rows.states.values()
            if isinstance(s, demands.Demand)
            and (s.employer_tax_code, s.position, s.status)
            == (employer_tax_code, position, "approved")
            and s.period_start <= on <= s.period_end
        )
        engaged = sum(
            1
            for f in self._files()
            if (f.employer_tax_code, f.position) == (employer_tax_code, position)
            and f.engaged_on <= on
            and (f.employment_end is None or f.employment_end.ended_on >= on)
        )
        return Headcount(position, approved, engaged)

    async def demands_of(self, employer_tax_code: str) -> list[DemandRow]:
        return []

    async def permits_of(self, employer_tax_code: str) -> list[PermitFacts]:
        return [f.permit_facts() for f in self._files() if f.employer_tax_code == employer_tax_code]

    async def foreign_workers(self, query: WorkerQuery, today: date) -> list[WorkerRow]:
        rows = [_row(n, f) for n, f in enumerate(self._files(), start=1)]
        return [
            r
            for r in rows
            if query.unit_code in (None, r.province_code, r.commune_code)
            and (query.after is None or r.position_key > query.after)
            and (
                query.permit_status is None
                or permit_status(r.facts, today, query.within_days or 0) == query.permit_status
            )
        ][: query.limit]


def _row(n: int, f: fw.ForeignWorkerFile) -> WorkerRow:
    return record_from(
        WorkerRow,
        f,
        position_key=n,
        status=f.status.value,
        full_name=f.person.full_name,
        permit_number=None,
        facts=f.permit_facts(),
        ended_on=None,
    )


def ctx(role: Role = Role.PROVINCE_OFFICER, scope: str = TAY_NINH, **more: Any) -> CommandContext:
    return CommandContext(Principal("officer-1", role, scope), uuid4(), **more)


@dataclass(frozen=True)
class Permits:
    employers: Employers
    demands: Demands
    foreign_workers: ForeignWorkers


def use_cases() -> Permits:
    """The use cases as `bootstrap` wires them, on the in-memory store and the fakes."""
    clock = FixedClock(datetime(2026, 11, 23, 5, tzinfo=UTC))
    authorizer, rules = Authorizer(PERMITS_GRANTS), PermitRules()
    store, rows = InMemoryEventStore(), FakeReadModel()

    def commands(aggregate: Aggregate[Any]) -> CommandPath[Any]:
        return CommandPath(aggregate, EventStoreStreams(store, rows), clock, SOURCE)

    employers_ = Employers(commands(employers.AGGREGATE), FakeReads(rows), clock, authorizer, rules)
    return Permits(
        employers_,
        Demands(commands(demands.AGGREGATE), clock, authorizer, employers_),
        ForeignWorkers(
            commands(fw.AGGREGATE), FakeReads(rows), clock, authorizer, rules, employers_
        ),
    )


@pytest.fixture
async def permits() -> Permits:
    app = use_cases()
    for tax_code, commune in (("1101234567", DUC_HOA), ("1107654321", BEN_LUC)):
        employer = employers.RegisterEmployer(
            tax_code=tax_code,
            name="Công ty A",
            address="Lô B2, KCN",
            commune_code=commune,
            sector="electronics",
        )
        await app.employers.register(employer, ctx())
        submitted = await app.demands.submit(
            tax_code,
            demands.SubmitDemand(
                position=PositionType.expert,
                job_title="Kỹ sư",
                number_of_foreigners=2,
                period_start=date(2026, 1, 1),
                period_end=date(2027, 12, 31),
                reason="chưa tuyển được trong nước",
            ),
            ctx(),
        )
        announcement = vietnamese_first.RecordAnnouncement(
            announced_on=date(2025, 12, 1),
            channel=AnnouncementChannel.ministry_portal,
            occupation_code="2144",
            sector=Sector.manufacturing,
        )
        await app.demands.handle(UUID(submitted.body["id"]), announcement, ctx())
        approval = demands.ApproveDemand(
            approved_number=2, decision_number="1/QĐ", decision_date=date(2026, 11, 23)
        )
        await app.demands.handle(UUID(submitted.body["id"]), approval, ctx())
    return app


def registration(n: int, tax_code: str = "1101234567") -> fw.RegisterForeignWorker:
    return fw.RegisterForeignWorker(
        employer_tax_code=tax_code,
        full_name="KIM MIN JUN",
        nationality="KR",
        passport_number=f"M{n:08d}",
        date_of_birth=date(1985, 7, 21),
        sex="male",
        position=PositionType.expert,
    )


async def test_a_commune_officer_cannot_register_an_employer(permits: Permits) -> None:
    employer = employers.RegisterEmployer(
        tax_code="1100000001",
        name="Công ty B",
        address="Lô C1, KCN",
        commune_code=DUC_HOA,
        sector="electronics",
    )
    with pytest.raises(Forbidden):
        await permits.employers.register(employer, ctx(Role.COMMUNE_OFFICER, DUC_HOA))


async def test_a_stale_if_match_is_refused_before_anything_is_decided(permits: Permits) -> None:
    created = await permits.foreign_workers.register(registration(1), ctx())
    worker_id = UUID(created.body["id"])
    with pytest.raises(PreconditionFailed) as caught:
        await permits.foreign_workers.handle(worker_id, fw.ApplyForPermit(), ctx(if_match=0))
    assert (caught.value.expected, caught.value.actual) == (0, 1)
    done = await permits.foreign_workers.handle(worker_id, fw.ApplyForPermit(), ctx(if_match=1))
    assert done.version == 2


async def test_a_replayed_command_answers_the_same_and_appends_nothing(permits: Permits) -> None:
    created = await permits.foreign_workers.register(registration(1), ctx())
    worker_id = UUID(created.body["id"])
    key = ctx(idempotency_key="row-9")
    first = await permits.foreign_workers.handle(worker_id, fw.ApplyForPermit(), key)
    again = await permits.foreign_workers.handle(worker_id, fw.ApplyForPermit(), key)
    assert (again.body, again.replayed) == (first.body, True)
    assert (await permits.foreign_workers.get(worker_id, key.principal)).version == 2


async def test_a_third_expert_is_refused_when_two_were_approved(permits: Permits) -> None:
    await permits.foreign_workers.register(registration(1), ctx())
    await permits.foreign_workers.register(registration(2), ctx())
    with pytest.raises(HeadcountExceeded):
        await permits.foreign_workers.register(registration(3), ctx())


async def test_a_search_stays_inside_the_callers_scope(permits: Permits) -> None:
    in_duc_hoa = await permits.foreign_workers.register(registration(1), ctx())
    await permits.foreign_workers.register(registration(2, "1107654321"), ctx())
    commune = Principal("officer-2", Role.COMMUNE_OFFICER, DUC_HOA)
    page = await permits.foreign_workers.search(WorkerQuery(), commune, None)
    assert [str(r.id) for r in page.items] == [in_duc_hoa.body["id"]]
    with pytest.raises(Forbidden):
        await permits.foreign_workers.search(WorkerQuery(unit_code=BEN_LUC), commune, None)
    admin = Principal("admin-1", Role.ADMIN, TAY_NINH)
    assert len((await permits.foreign_workers.search(WorkerQuery(), admin, None)).items) == 2


async def test_a_search_pages_with_a_cursor(permits: Permits) -> None:
    for n in (1, 2):
        await permits.foreign_workers.register(registration(n), ctx())
    principal = ctx().principal
    first = await permits.foreign_workers.search(WorkerQuery(limit=1), principal, None)
    assert first.next_cursor is not None
    second = await permits.foreign_workers.search(
        WorkerQuery(limit=1), principal, first.next_cursor
    )
    assert (second.next_cursor, second.items[0].id != first.items[0].id) == (None, True)


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
    assert decode_cursor(None) is None
    for forged in ("42", "!!", encode_cursor(42)[:-1] + "A"):
        with pytest.raises(InvalidInput) as caught:
            decode_cursor(forged)
        assert caught.value.field == "query.cursor"
