"""A permit's status comes from the recorded facts and the clock: walk a settable clock across
issue, the expiring horizon and expiry, and the status follows with no event recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lmis_permits.domain.permit_status import (
    Authorisation,
    PermitFacts,
    PermitStatus,
    permit_status,
)
from lmis_shared.clock import FixedClock

PERMIT = PermitFacts(Authorisation.permit, date(2025, 1, 10), date(2026, 12, 31))
EXEMPTION = PermitFacts(Authorisation.exempt, date(2026, 1, 1), date(2027, 12, 31))


def at(day: date) -> FixedClock:
    # 03:00 UTC is 10:00 in Vietnam: the same calendar day on both sides
    return FixedClock(datetime(day.year, day.month, day.day, 3, tzinfo=UTC))


def test_a_permit_walks_from_none_to_valid_to_expiring_to_expired_as_the_clock_moves() -> None:
    clock = at(date(2025, 1, 9))
    seen: list[tuple[date, PermitStatus]] = []
    for _ in range(800):
        status = permit_status(PERMIT, clock.today(), expiring_within_days=45)
        if not seen or seen[-1][1] != status:
            seen.append((clock.today(), status))
        clock.advance(timedelta(days=1))
    assert seen == [
        (date(2025, 1, 9), PermitStatus.none),
        (date(2025, 1, 10), PermitStatus.valid),
        (date(2026, 11, 16), PermitStatus.expiring),  # 45 days before the last valid day
        (date(2027, 1, 1), PermitStatus.expired),  # the day after the last valid day
    ]


def test_the_clock_gives_the_vietnamese_date_near_midnight() -> None:
    # 31 Dec 2026, 17:30 UTC is already 1 Jan 2027 in Hanoi: the permit has expired there
    clock = FixedClock(datetime(2026, 12, 31, 17, 30, tzinfo=UTC))
    assert permit_status(PERMIT, clock.today(), 45) == PermitStatus.expired


@pytest.mark.parametrize(
    ("within_days", "expected"),
    [(0, PermitStatus.valid), (29, PermitStatus.valid), (30, PermitStatus.expiring)],
)
def test_the_expiring_horizon_is_asked_for(within_days: int, expected: PermitStatus) -> None:
    assert permit_status(PERMIT, date(2026, 12, 1), within_days) == expected


def test_on_its_last_valid_day_a_permit_is_expiring_even_with_a_zero_horizon() -> None:
    assert permit_status(PERMIT, date(2026, 12, 31), 0) == PermitStatus.expiring


def test_an_exemption_is_exempt_within_its_validity_then_expired() -> None:
    statuses = [
        permit_status(EXEMPTION, day, 45)
        for day in (date(2025, 12, 31), date(2026, 1, 1), date(2027, 12, 31), date(2028, 1, 1))
    ]
    assert statuses == [
        PermitStatus.none,
        PermitStatus.exempt,
        PermitStatus.exempt,
        PermitStatus.expired,
    ]


def test_a_revoked_permit_stays_revoked_whatever_the_date() -> None:
    revoked = PermitFacts(Authorisation.revoked, PERMIT.valid_from, PERMIT.valid_until)
    assert {permit_status(revoked, day, 45) for day in (date(2025, 6, 1), date(2030, 1, 1))} == {
        PermitStatus.revoked
    }


def test_a_file_with_neither_permit_nor_exemption_has_none() -> None:
    assert permit_status(PermitFacts(Authorisation.none), date(2026, 1, 1), 45) == PermitStatus.none
