"""Who sees which alerts, with a fake of the read port: the query is narrowed to the rules and
units the caller may see, and each row is checked again on the way out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from lmis_notify.application.access import NOTIFY_GRANTS
from lmis_notify.application.alerts import Alerts
from lmis_notify.application.ports import AlertQuery
from lmis_notify.domain.alerts import Alert
from lmis_shared.auth import Authorizer, Principal, Role
from lmis_shared.clock import FixedClock
from lmis_shared.commands import EventStoreStreams
from lmis_shared.contracts.notify import AlertRule, SubjectKind
from lmis_shared.errors import Forbidden
from lmis_shared.eventstore import InMemoryEventStore

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)


def alert(rule: AlertRule, unit: str, province: str = "12") -> Alert:
    return Alert(
        id=uuid4(),
        rule=rule,
        subject_id=uuid4(),
        subject_kind=SubjectKind.worker,
        unit_code=unit,
        province_code=province,
        due_on=date(2026, 6, 1),
        raised_at=NOW,
        version=1,
    )


class FakeReads:
    """Returns `rows` whatever is asked, and remembers the query."""

    def __init__(self, rows: list[Alert]) -> None:
        self.rows = rows
        self.queries: list[AlertQuery] = []

    async def list(self, query: AlertQuery) -> list[Alert]:
        self.queries.append(query)
        return self.rows[: query.limit]


def service(reads: FakeReads) -> Alerts:
    streams = EventStoreStreams[Alert](InMemoryEventStore())
    return Alerts(streams, reads, FixedClock(NOW), Authorizer(NOTIFY_GRANTS))


async def test_the_bank_is_asked_about_loans_only_and_within_its_scope() -> None:
    reads = FakeReads([])

    await service(reads).list(Principal("bank-1", Role.BANK, "12"))

    [query] = reads.queries
    assert query.rules == (AlertRule.loan_overdue,)
    assert query.anywhere == ()
    assert query.scope == "12"


async def test_an_administrator_sees_every_rule_everywhere() -> None:
    reads = FakeReads([])

    await service(reads).list(Principal("admin-1", Role.ADMIN, "12"))

    [query] = reads.queries
    assert set(query.rules) == set(AlertRule) == set(query.anywhere)


@pytest.mark.parametrize(
    ("role", "rules"),
    [
        (
            Role.POLICE,
            {
                "permit_expiring",
                "permit_expired",
                "working_without_permit",
                "fee_above_ceiling",  # the police detect illegal brokers (Cao Minh plan)
                "suspicious_recruitment",
                "working_after_revocation",
            },
        ),
        (Role.FOREIGN_AFFAIRS, {"absconded", "overdue_return"}),
        (Role.COMMUNE_OFFICER, {rule.value for rule in AlertRule}),
    ],
)
async def test_each_role_is_asked_about_the_rules_its_work_needs(
    role: Role, rules: set[str]
) -> None:
    reads = FakeReads([])

    await service(reads).list(Principal("o-1", role, "03637"))

    assert {rule.value for rule in reads.queries[0].rules} == rules


async def test_a_row_outside_the_caller_s_scope_is_dropped_even_if_the_query_let_it_through() -> (
    None
):
    mine, other = alert(AlertRule.overdue_return, "03637"), alert(AlertRule.overdue_return, "03640")

    page = await service(FakeReads([mine, other])).list(
        Principal("o-1", Role.COMMUNE_OFFICER, "03637")
    )

    assert page.items == [mine]


async def test_asking_for_a_rule_outside_the_role_is_refused_before_any_query() -> None:
    reads = FakeReads([])

    with pytest.raises(Forbidden):
        await service(reads).list(Principal("bank-1", Role.BANK, "12"), rule=AlertRule.absconded)

    assert reads.queries == []


async def test_a_full_page_gives_the_cursor_of_its_last_alert() -> None:
    rows = [alert(AlertRule.loan_overdue, "03637") for _ in range(3)]

    page = await service(FakeReads(rows)).list(Principal("bank-1", Role.BANK, "12"), limit=2)

    assert page.next_after == (rows[1].raised_at, rows[1].id)
