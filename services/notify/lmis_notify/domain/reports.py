"""Statutory reports as data: which kinds exist, when each falls due, who files which.

The seeds' duties (domain.md, Domain 4):
  * `monthly` — communes to the district (now provincial) labour office, by the 10th of the
    next month (Đồng Tháp);
  * `yearly_agencies` — agencies to the provincial department, by 30 November (Long An);
  * `yearly_department` — the department to the province and the ministry, by 15 December.
An obligation is a (kind, filing unit) pair; which units have which obligations is a setting
(`expand_obligations`). `report_deadlines` turns an obligation and a window of days into the
deadlines of the periods falling due in it: `report_due` some days before the due date,
`report_late` the day after it.

Filing a report belongs to the reporting service (`lmis.reporting.report.filed.v1`, on the
report's stream `report_id`); notify only waits for it. Notify's own
`lmis.notify.report.submitted.v1`, recorded before reporting filed documents, still resolves
the alerts when a rebuild replays it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lmis_notify.domain.errors import InvalidReport
from lmis_notify.domain.model import Deadline, Subject, report_id
from lmis_shared.contracts.notify import AlertRule, ReportRef, SubjectKind


class Frequency(StrEnum):
    month = "month"
    year = "year"


class Level(StrEnum):
    """Who files: each commune, or the province (its department or agencies)."""

    commune = "commune"
    province = "province"


@dataclass(frozen=True)
class ReportKind:
    code: str
    frequency: Frequency
    level: Level
    due_month: int
    """Yearly: the calendar month of the due date. Monthly: months after the period (1)."""
    due_day: int
    title: str
    title_vi: str

    def due_date(self, period: str) -> date:
        year, month = _parse(self, period)
        if self.frequency is Frequency.year:
            return date(year, self.due_month, self.due_day)
        index = year * 12 + (month - 1) + self.due_month
        return date(index // 12, index % 12 + 1, self.due_day)

    def periods_due_between(self, first: date, last: date) -> list[str]:
        """Every period whose due date lies in `first`..`last` (inclusive), oldest first."""
        return [p for p in self._candidates(first, last) if first <= self.due_date(p) <= last]

    def _candidates(self, first: date, last: date) -> Iterator[str]:
        if self.frequency is Frequency.year:
            for year in range(first.year - 1, last.year + 1):
                yield f"{year:04d}"
            return
        # a monthly report is due some months after its period: start early enough
        index = first.year * 12 + first.month - 1 - self.due_month - 1
        while index <= last.year * 12 + last.month - 1:
            yield f"{index // 12:04d}-{index % 12 + 1:02d}"
            index += 1


REPORT_KINDS: Mapping[str, ReportKind] = {
    kind.code: kind
    for kind in (
        ReportKind(
            "monthly",
            Frequency.month,
            Level.commune,
            due_month=1,
            due_day=10,
            title="Monthly labour report",
            title_vi="Báo cáo tháng về lao động",
        ),
        ReportKind(
            "yearly_agencies",
            Frequency.year,
            Level.province,
            due_month=11,
            due_day=30,
            title="Yearly report of the agencies to the provincial department",
            title_vi="Báo cáo năm của các cơ quan gửi Sở",
        ),
        ReportKind(
            "yearly_department",
            Frequency.year,
            Level.province,
            due_month=12,
            due_day=15,
            title="Yearly report of the department to the province and the ministry",
            title_vi="Báo cáo năm của Sở gửi UBND tỉnh và Bộ",
        ),
    )
}

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")


def report_kind(code: str) -> ReportKind:
    kind = REPORT_KINDS.get(code)
    if kind is None:
        raise InvalidReport("kind", f"unknown report kind; known: {', '.join(REPORT_KINDS)}")
    return kind


def report_ref(kind: str, unit_code: str, period: str) -> ReportRef:
    """A checked reference to one report (the period must suit the kind's frequency)."""
    _parse(report_kind(kind), period)
    return ReportRef(kind=kind, unit_code=unit_code, period=period)


def _parse(kind: ReportKind, period: str) -> tuple[int, int]:
    month = _MONTH.match(period)
    if kind.frequency is Frequency.month and month:
        return int(month[1]), int(month[2])
    year = _YEAR.match(period)
    if kind.frequency is Frequency.year and year:
        return int(year[1]), 1
    example = "2026-03" if kind.frequency is Frequency.month else "2026"
    raise InvalidReport("period", f"a {kind.code} report's period looks like {example}")


@dataclass(frozen=True)
class Obligation:
    kind: str
    unit_code: str
    province_code: str
    since: date
    """Periods falling due before this day are not tracked (they predate the platform)."""


def expand_obligations(
    configured: Mapping[str, Sequence[str]],
    communes_of: Callable[[str], Sequence[str]],
    province_of: Callable[[str], str | None],
) -> list[tuple[str, str, str]]:
    """(kind, unit, province) for each kind → units setting; a province listed under a kind
    filed by communes stands for all its communes. Raises ValueError on a bad setting."""
    out: list[tuple[str, str, str]] = []
    for code, units in configured.items():
        kind = REPORT_KINDS.get(code)
        if kind is None:
            raise ValueError(f"unknown report kind {code!r} in the report obligations")
        for unit in units:
            province = province_of(unit)
            if province is None:
                raise ValueError(f"unknown unit {unit!r} in the {code} report obligations")
            if kind.level is Level.province and unit != province:
                raise ValueError(f"{code} reports are filed by provinces, not by {unit!r}")
            filers = (
                communes_of(unit) if kind.level is Level.commune and unit == province else [unit]
            )
            out.extend((code, filer, province) for filer in filers)
    return sorted(set(out))


def report_deadlines(
    obligation: Obligation, first: date, last: date, due_soon_days: int
) -> list[tuple[Subject, tuple[Deadline, ...]]]:
    """The reports of `obligation` falling due in `first`..`last`, each with its two deadlines
    (`report_due` `due_soon_days` before the due date, `report_late` the day after it)."""
    kind = REPORT_KINDS[obligation.kind]
    out: list[tuple[Subject, tuple[Deadline, ...]]] = []
    for period in kind.periods_due_between(max(first, obligation.since), last):
        ref = ReportRef(kind=kind.code, unit_code=obligation.unit_code, period=period)
        stream, due = report_id(ref), kind.due_date(period)
        deadlines = (
            Deadline(AlertRule.report_due, stream, due - timedelta(days=due_soon_days)),
            Deadline(AlertRule.report_late, stream, due + timedelta(days=1)),
        )
        subject = Subject(
            stream,
            SubjectKind.report,
            obligation.unit_code,
            obligation.province_code,
            report=ref,
            deadlines=frozenset(deadlines),
        )
        out.append((subject, deadlines))
    return out
