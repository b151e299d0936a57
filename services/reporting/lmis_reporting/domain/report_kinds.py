"""The statutory reports the plans set, as data: who files each, for which period, by when,
and the sections (indicator lines) each carries.

From the seeds (domain.md, Domain 4):
  * `monthly` — each commune to the labour office, for a month, by the 10th of the next month
    (Đồng Tháp plan);
  * `yearly_agencies` — the agencies to the provincial department, for a year, by 30 November
    (Long An plan: foreign workers by number, nationality and permits);
  * `yearly_department` — the department to the province and the ministry, by 15 December;
  * `programme_review` — the yearly review of the outbound-worker programme against its
    targets (Lai Châu plan: workers sent, EPS training, high-income markets), by 15 December.
The codes of the first three are notify's (`report_due` / `report_late` alerts name them).

A line is one indicator, as a total or broken down by one of its dimensions; a section whose
figures the platform does not hold yet says so (`unavailable`) instead of showing zeros.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from lmis_reporting.domain.periods import Period

FilingLevel = Literal["commune", "province"]


@dataclass(frozen=True)
class Line:
    indicator: str
    by: str | None = None
    """A dimension of the indicator (`destination_country`, `unit`...), or None: the total."""


@dataclass(frozen=True)
class Section:
    code: str
    title_vi: str
    lines: tuple[Line, ...] = ()
    unavailable_vi: str | None = None
    """Why the section has no figures yet (shown in the document), or None."""


@dataclass(frozen=True)
class ReportKind:
    code: str
    title_vi: str
    level: FilingLevel
    period_kind: Literal["month", "year"]
    due_month: int
    """Yearly: the calendar month of the due date. Monthly: months after the period."""
    due_day: int
    sections: tuple[Section, ...]

    def due_date(self, period: Period) -> date:
        if self.period_kind == "year":
            return date(period.start.year, self.due_month, self.due_day)
        months = period.start.year * 12 + period.start.month - 1 + self.due_month
        return date(months // 12, months % 12 + 1, self.due_day)


DEPARTURES = Section(
    "departures",
    "Người lao động đi làm việc ở nước ngoài theo hợp đồng",
    (
        Line("departed", "destination_country"),
        Line("departed", "market_tier"),
        Line("departed", "programme"),
        Line("departed_high_income_share"),
        Line("contracts_signed"),
        Line("workers_registered"),
    ),
)
ABROAD = Section(
    "abroad",
    "Người lao động đang ở nước ngoài, về nước, bỏ trốn, ở lại trái phép",
    (
        Line("workers_abroad", "destination_country"),
        Line("returned", "destination_country"),
        Line("absconded", "destination_country"),
        Line("overstayed", "destination_country"),
        Line("overstaying", "destination_country"),
        Line("overstay_rate"),
    ),
)
TRAINING = Section(
    "training",
    "Đào tạo ngoại ngữ, giáo dục định hướng; tiếng Hàn theo Chương trình EPS",
    (
        Line("enrolled_in_training", "kind"),
        Line("trained_for_eps"),
        Line("eps_topik_passed"),
    ),
)
LOANS = Section(
    "loans",
    "Cho vay ưu đãi (Ngân hàng Chính sách xã hội)",
    (
        Line("loans_disbursed_vnd", "purpose"),
        Line("loans_outstanding_vnd", "purpose"),
        Line("loans_overdue_amount_vnd", "purpose"),
        Line("loans_overdue"),
        Line("loans_overdue_ratio"),
    ),
)
FOREIGN_WORKERS = Section(
    "foreign_workers",
    "Người lao động nước ngoài làm việc trên địa bàn",
    (
        Line("foreign_workers_working", "nationality"),
        Line("foreign_workers_working", "position"),
        Line("foreign_workers_working", "employer"),
        Line("foreign_workers_valid_permit"),
        Line("foreign_workers_exempt"),
        Line("foreign_workers_without_permit"),
    ),
)
PERMITS = Section(
    "permits",
    "Cấp, gia hạn, thu hồi giấy phép lao động; xác nhận miễn giấy phép",
    (
        Line("permits_issued", "nationality"),
        Line("permits_extended"),
        Line("permits_revoked", "reason"),
        Line("exemptions_certified"),
    ),
)
ALERTS = Section(
    "alerts",
    "Cảnh báo phát sinh và đã xử lý",
    (
        Line("alerts_raised", "rule"),
        Line("alerts_resolved", "rule"),
        Line("alerts_open", "rule"),
    ),
)
PROGRAMME = Section(
    "programme",
    "Kết quả thực hiện chỉ tiêu kế hoạch",
    (
        Line("departed"),
        Line("departed_high_income_share"),
        Line("trained_for_eps"),
        Line("departed", "unit"),
        Line("overstaying", "unit"),
    ),
)

REPORT_KINDS: Mapping[str, ReportKind] = {
    kind.code: kind
    for kind in (
        ReportKind(
            "monthly",
            "Báo cáo tháng về lao động đi làm việc ở nước ngoài",
            "commune",
            "month",
            due_month=1,
            due_day=10,
            sections=(DEPARTURES, ABROAD, TRAINING, LOANS, ALERTS),
        ),
        ReportKind(
            "yearly_agencies",
            "Báo cáo năm về tình hình người lao động nước ngoài làm việc tại tỉnh",
            "province",
            "year",
            due_month=11,
            due_day=30,
            sections=(FOREIGN_WORKERS, PERMITS, ALERTS),
        ),
        ReportKind(
            "yearly_department",
            "Báo cáo năm của Sở gửi Ủy ban nhân dân tỉnh và Bộ",
            "province",
            "year",
            due_month=12,
            due_day=15,
            sections=(DEPARTURES, ABROAD, TRAINING, LOANS, FOREIGN_WORKERS, PERMITS, ALERTS),
        ),
        ReportKind(
            "programme_review",
            "Báo cáo sơ kết, đánh giá kết quả thực hiện kế hoạch đưa người lao động đi làm việc"
            " ở nước ngoài",
            "province",
            "year",
            due_month=12,
            due_day=15,
            sections=(PROGRAMME, DEPARTURES, TRAINING),
        ),
    )
}


def find_report_kind(code: str) -> ReportKind | None:
    return REPORT_KINDS.get(code)
