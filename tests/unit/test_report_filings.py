"""Filing statutory reports on fakes: each filing is a version carrying its figures and its
documents' hashes, a correction is a new version and never an edit, a period's status says who
filed, late or not; and notify resolves the report's due and late alerts on a filing."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from lmis_notify.domain.model import Deadline, Subject
from lmis_notify.domain.rules import RuleSettings
from lmis_notify.domain.rules import decide as notify_decide
from lmis_reporting.adapters.report_xlsx import render_xlsx
from lmis_reporting.application.filings import FILING_GRANTS, ReportFilings
from lmis_reporting.application.ports import CountRange
from lmis_reporting.application.queries import ReportingQueries
from lmis_reporting.application.reports import ReportDocuments
from lmis_reporting.domain.errors import WrongFilingUnit
from lmis_reporting.domain.filings import FiledReport, Filing
from lmis_reporting.domain.indicators import TOTAL
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import Change, CommandContext, EventStoreStreams
from lmis_shared.contracts.notify import AlertRule, ReportRef, SubjectKind
from lmis_shared.contracts.reporting import ReportFiled, report_stream_id
from lmis_shared.errors import Forbidden
from lmis_shared.eventstore import InMemoryEventStore
from tests.unit.golden import assert_matches_golden_file, golden_path
from tests.unit.reporting_fakes import (
    KHOEN_ON,
    MUONG_KIM,
    FakeFacts,
    FakeMarkets,
    FakeTargets,
    FakeUnits,
)

CLOCK = FixedClock(datetime(2026, 12, 8, 2, 0, tzinfo=UTC))
NOVEMBER = ReportRef(kind="monthly", unit_code=MUONG_KIM.code, period="2026-11")


class Departures:
    """Every flow counts `value` departures; a test changes it to make a correction."""

    def __init__(self) -> None:
        self.value = 4

    async def total(self, counts: CountRange) -> int:
        return self.value if counts.indicator == "departed" else 0

    async def breakdown(self, counts: CountRange, dimension: str) -> dict[str, int]:
        return {"JP": self.value} if counts.indicator == "departed" else {}

    async def per_child(
        self, counts: CountRange, dimension: str = TOTAL
    ) -> dict[str, dict[str, int]]:
        return {}


class MemoryFilings:
    """The `FilingReader` port and the filings' read model, in a list."""

    def __init__(self) -> None:
        self.rows: list[Filing] = []

    async def versions(self, report: ReportRef) -> list[Filing]:
        return [f for f in self.rows if f.report == report]

    async def latest(self, kind: str, period: str, unit_codes: list[str]) -> dict[str, Filing]:
        found = [f for f in self.rows if (f.report.kind, f.report.period) == (kind, period)]
        return {f.report.unit_code: f for f in found if f.report.unit_code in unit_codes}

    async def guard(self, connection: Any, change: Change[FiledReport]) -> None:
        return None

    async def apply(self, connection: Any, change: Change[FiledReport]) -> None:
        self.rows.append(change.after.latest)


@pytest.fixture
def departures() -> Departures:
    return Departures()


@pytest.fixture
def rows() -> MemoryFilings:
    return MemoryFilings()


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
def filings(
    departures: Departures, rows: MemoryFilings, store: InMemoryEventStore
) -> ReportFilings:
    authorizer = Authorizer(FILING_GRANTS)
    units = FakeUnits()
    queries = ReportingQueries(
        units, departures, FakeFacts(), FakeMarkets(), FakeTargets(), authorizer, CLOCK
    )
    documents = ReportDocuments(queries, units, CLOCK)
    streams = EventStoreStreams(store, rows)
    return ReportFilings(documents, {"xlsx": render_xlsx}, units, rows, streams, authorizer, CLOCK)


def officer(role: Role = Role.COMMUNE_OFFICER, scope: str = MUONG_KIM.code) -> CommandContext:
    return CommandContext(Principal("officer-3", role, scope), uuid4(), None, None, None)


async def file_november(filings: ReportFilings, ctx: CommandContext | None = None) -> Any:
    return await filings.file(ctx or officer(), "monthly", MUONG_KIM.code, "2026-11", "current")


async def test_a_filing_records_the_figures_and_the_documents_hash(
    filings: ReportFilings, store: InMemoryEventStore
) -> None:
    done = await file_november(filings)

    assert done.status_code == 201
    [event] = await store.read_all(None, 10)
    filed = event.payload()
    assert isinstance(filed, ReportFiled)
    assert event.metadata.stream_id == report_stream_id(NOVEMBER)
    assert (filed.version, filed.filed_on, filed.due_on) == (
        1,
        date(2026, 12, 8),
        date(2026, 12, 10),
    )
    assert filed.figures["departures.departed.destination_country.JP"] == 4
    report = await filings._documents.report(
        officer().principal, "monthly", MUONG_KIM.code, "2026-11"
    )
    assert filed.document_sha256["xlsx"] == hashlib.sha256(render_xlsx(report)).hexdigest()


async def test_filing_the_same_figures_again_records_nothing(
    filings: ReportFilings, store: InMemoryEventStore
) -> None:
    await file_november(filings)
    again = await file_november(filings)

    assert again.body["filing_version"] == 1
    assert len(await store.read_all(None, 10)) == 1


async def test_a_correction_is_a_new_version_and_the_first_stays(
    filings: ReportFilings, departures: Departures, rows: MemoryFilings
) -> None:
    await file_november(filings)
    departures.value = 5
    corrected = await file_november(filings)

    assert corrected.body["filing_version"] == 2
    first, second = await filings.versions(
        officer().principal, "monthly", MUONG_KIM.code, "2026-11", "current"
    )
    assert first.figures["departures.departed.destination_country.total"] == 4
    assert second.figures["departures.departed.destination_country.total"] == 5
    assert first.document_sha256 != second.document_sha256


async def test_only_the_filing_unit_files_and_at_its_level(filings: ReportFilings) -> None:
    with pytest.raises(Forbidden):
        await filings.file(officer(), "monthly", KHOEN_ON.code, "2026-11", "current")
    with pytest.raises(WrongFilingUnit):
        await filings.file(
            officer(Role.PROVINCE_OFFICER, "12"), "monthly", "12", "2026-11", "current"
        )


async def test_the_status_names_who_filed_on_time_late_and_not_at_all(
    filings: ReportFilings,
) -> None:
    await file_november(filings)
    status = await filings.status(
        Principal("p-1", Role.PROVINCE_OFFICER, "12"), "monthly", "12", "2026-10", "current"
    )
    assert {u.unit_code: u.state for u in status.units} == {
        MUONG_KIM.code: "overdue",
        KHOEN_ON.code: "overdue",
    }

    november = await filings.status(
        Principal("p-1", Role.PROVINCE_OFFICER, "12"), "monthly", "12", "2026-11", "current"
    )
    assert {u.unit_code: u.state for u in november.units} == {
        MUONG_KIM.code: "filed",
        KHOEN_ON.code: "not_due",
    }
    assert november.due_on == date(2026, 12, 10)


def test_a_late_filing_is_marked_late() -> None:
    filed = Filing(
        NOVEMBER, 1, "current", CLOCK.now(), date(2026, 12, 11), date(2026, 12, 10), "o", {}, {}
    )
    assert filed.late


FILED = ReportFiled(
    report=NOVEMBER,
    version=2,
    hierarchy="current",
    as_of=datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
    filed_on=date(2026, 12, 8),
    due_on=date(2026, 12, 10),
    filed_by="officer-3",
    document_sha256={"xlsx": "ab" * 32, "pdf": "cd" * 32},
    figures={
        "departures.departed.destination_country.JP": 4,
        "departures.departed.destination_country.total": 4,
        "loans.loans_overdue_ratio.total": None,
        "abroad.overstay_rate.total": 0.25,
    },
)


def test_the_report_filed_event_matches_its_golden_file() -> None:
    assert golden_path(FILED).name == "report_filed_v1.json"
    assert_matches_golden_file(FILED)


def test_notify_resolves_the_reports_due_and_late_alerts_on_a_filing() -> None:
    stream = report_stream_id(NOVEMBER)
    awaited = Subject(
        stream,
        SubjectKind.report,
        MUONG_KIM.code,
        "12",
        report=NOVEMBER,
        deadlines=frozenset(
            {
                Deadline(AlertRule.report_due, stream, date(2026, 12, 5)),
                Deadline(AlertRule.report_late, stream, date(2026, 12, 11)),
            }
        ),
    )
    decision = notify_decide(awaited, stream, FILED, RuleSettings())

    assert decision is not None
    assert {d.rule for d in decision.fixes} == {AlertRule.report_due, AlertRule.report_late}
    assert decision.report_submitted == NOVEMBER
