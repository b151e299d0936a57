"""The recruitment rules with a set clock and in-memory alert book: fees above the legal
ceiling (as data, with their sources), and suspicious recruitment in a rolling window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from uuid import UUID

from lmis_notify.application.recruitment import RecruitmentWatch
from lmis_notify.domain.recruitment import RecruitmentSettings, commune_subject
from lmis_shared.clock import FixedClock
from lmis_shared.contracts import registry_senders as s
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.contracts.registry import Sector
from lmis_shared.events import EventPayload
from lmis_shared.reference.fee_ceilings import excesses, load_rules
from tests.unit.alert_examples import COMMUNE, PROVINCE, Stream
from tests.unit.test_alert_deadlines import MemoryBook

SONA = UUID("7a1d3c52-0e4b-4f6a-8d29-5b3e1c7f9a04")
CLOCK = FixedClock(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))


class SignalMemoryBook(MemoryBook):
    def __init__(self) -> None:
        super().__init__()
        self.signals: dict[tuple[UUID, str, UUID], date] = {}

    async def record_signal(self, subject_id: UUID, kind: str, source_id: UUID, on: date) -> None:
        self.signals.setdefault((subject_id, kind, source_id), on)

    async def count_signals(
        self, subject_id: UUID, kinds: Sequence[str], since: date, until: date
    ) -> int:
        return sum(
            1
            for (subject, kind, _), on in self.signals.items()
            if subject == subject_id and kind in kinds and since <= on <= until
        )


def checked(
    service_fee: int,
    *,
    signed_on: date = date(2026, 7, 15),
    outcome: s.SenderCheckOutcome = s.SenderCheckOutcome.verified,
    organisation: UUID | None = SONA,
) -> s.WorkerSenderChecked:
    return s.WorkerSenderChecked(
        organisation_id=organisation,
        organisation_name="Sona" if organisation else "Ông Tư môi giới",
        licence_number=None,
        outcome=outcome,
        problem=s.SenderProblem.unknown if outcome == s.SenderCheckOutcome.overridden else None,
        override_reason="hồ sơ lịch sử" if outcome == s.SenderCheckOutcome.overridden else None,
        commune_code=COMMUNE,
        province_code=PROVINCE,
        destination_country="JP",
        sector=Sector.manufacturing,
        signed_on=signed_on,
        duration_months=36,
        monthly_salary_vnd=25_000_000,
        fees_vnd={"service_fee": service_fee},
    )


async def watch(book: SignalMemoryBook, *payloads: EventPayload, **settings: int) -> None:
    w = RecruitmentWatch(RecruitmentSettings(**settings), CLOCK)
    for payload in payloads:
        stream = Stream(payload.stream_type)
        if isinstance(payload, s.BrokerComplaintRecorded):
            stream.id = SONA
        decoded = stream.event(payload)
        await w.apply(book, [(decoded.event.metadata, decoded.payload)])


def open_alerts(book: SignalMemoryBook, rule: AlertRule) -> list[tuple[UUID, int]]:
    return sorted(
        (a.subject_id, a.missed)
        for a in book.alerts_by_id.values()
        if a.rule == rule and a.resolved_at is None
    )


def test_the_ceiling_is_a_month_per_year_and_three_months_from_36_months() -> None:
    def over(fee: int, months: int, on: date = date(2026, 7, 1)) -> list[int]:
        found = excesses(
            {"service_fee": fee},
            destination="TW",
            sector="manufacturing",
            monthly_salary_vnd=20_000_000,
            duration_months=months,
            signed_on=on,
        )
        return [e.ceiling_vnd for e in found]

    assert over(20_000_000, 12) == []
    assert over(20_000_001, 12) == [20_000_000]
    assert over(40_000_001, 24) == [40_000_000]
    assert over(60_000_001, 48) == [60_000_000]  # at most three months, however long
    assert over(10_000_001, 6) == [10_000_000]  # prorated below a year
    assert over(99_000_000, 36, date(2021, 12, 31)) == []  # before Law 69/2020 applied


def test_every_ceiling_rule_names_its_legal_source_and_validity() -> None:
    for rule in load_rules():
        assert "69/2020/QH14" in rule.source
        assert rule.valid_to is None or rule.valid_from <= rule.valid_to


def test_a_brokerage_refund_for_japan_is_above_a_ceiling_of_nothing() -> None:
    found = excesses(
        {"brokerage_refund": 1, "service_fee": 1},
        destination="JP",
        sector=None,
        monthly_salary_vnd=25_000_000,
        duration_months=36,
        signed_on=date(2026, 7, 1),
    )
    assert [(e.fee, e.rule_id) for e in found] == [("brokerage_refund", "brokerage-japan")]


async def test_a_contract_above_the_ceiling_raises_one_alert_naming_the_organisation() -> None:
    book = SignalMemoryBook()
    await watch(book, checked(75_000_000))  # ceiling: 3 x 25 million
    assert open_alerts(book, AlertRule.fee_above_ceiling) == []
    await watch(book, checked(75_000_001), checked(80_000_000, signed_on=date(2026, 8, 1)))
    assert open_alerts(book, AlertRule.fee_above_ceiling) == [(SONA, 2)]
    assert open_alerts(book, AlertRule.suspicious_recruitment) == []


async def test_an_organisation_repeatedly_above_the_ceiling_or_complained_of_is_suspicious() -> (
    None
):
    book = SignalMemoryBook()
    complaint = s.BrokerComplaintRecorded(
        received_on=date(2026, 8, 20),
        category=s.ComplaintCategory.excessive_fees,
        commune_code=COMMUNE,
        province_code=PROVINCE,
        reference=None,
    )
    early = checked(90_000_000, signed_on=date(2026, 1, 5))  # outside a 90-day window
    await watch(book, early, checked(90_000_000), window_days=90)
    assert open_alerts(book, AlertRule.suspicious_recruitment) == []
    await watch(book, complaint, checked(90_000_000, signed_on=date(2026, 9, 1)), window_days=90)
    assert open_alerts(book, AlertRule.suspicious_recruitment) == [(SONA, 1)]


async def test_a_communes_contracts_through_an_unlicensed_intermediary_are_suspicious() -> None:
    book = SignalMemoryBook()
    unlicensed = s.SenderCheckOutcome.overridden
    await watch(book, checked(1, outcome=unlicensed, organisation=None))
    assert open_alerts(book, AlertRule.suspicious_recruitment) == []
    await watch(
        book, checked(1, outcome=unlicensed, organisation=None, signed_on=date(2026, 7, 20))
    )
    alerts = [a for a in book.alerts_by_id.values() if a.rule == AlertRule.suspicious_recruitment]
    assert [(a.subject_id, a.unit_code) for a in alerts] == [(commune_subject(COMMUNE), COMMUNE)]


async def test_a_replayed_signal_counts_once() -> None:
    book = SignalMemoryBook()
    event = checked(1, outcome=s.SenderCheckOutcome.overridden, organisation=None)
    stream = Stream("worker")
    decoded = stream.event(event)
    w = RecruitmentWatch(RecruitmentSettings(), CLOCK)
    for _ in range(3):
        await w.apply(book, [(decoded.event.metadata, decoded.payload)])
    assert open_alerts(book, AlertRule.suspicious_recruitment) == []
    assert len(book.signals) == 1
