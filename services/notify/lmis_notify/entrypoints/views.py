"""The notify API's response models and serialisers, and its list cursor."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lmis_notify.application.alerts import AlertPage
from lmis_notify.domain.alerts import Alert, AlertStatus
from lmis_shared.contracts.notify import AlertRule, ReportRef, SubjectKind
from lmis_shared.errors import InvalidInput
from lmis_shared.web.xlsx import DAY, TIME, VND, Column


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


# as the `alerts` rows give them, whether an alert is read there or folded from its events
InUtc = Annotated[datetime, AfterValidator(_utc)]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    rule: AlertRule
    subject: UUID = Field(validation_alias="subject_id")
    """The worker file, foreign worker file, loan or report the alert is about."""
    subject_kind: SubjectKind
    unit_code: str | None
    province_code: str | None
    due_on: date
    raised_at: InUtc
    status: AlertStatus
    resolved_at: InUtc | None
    acknowledged_by: str | None
    acknowledged_at: InUtc | None
    report: ReportRef | None
    missed: int
    """Deadlines of the rule passed and not fixed (a loan: instalments missed)."""
    amount_vnd: int | None
    """For `loan_overdue`: the unpaid part of the missed instalments, in đồng."""
    updated_at: InUtc | None
    """When the figures last changed (null: as raised)."""


class AlertList(BaseModel):
    items: list[AlertOut]
    next_cursor: str | None
    """Pass as `cursor` for the next page; null on the last one."""

    @classmethod
    def of(cls, page: AlertPage) -> AlertList:
        cursor = cursor_of(page.next_after) if page.next_after else None
        return cls(items=[AlertOut.model_validate(a) for a in page.items], next_cursor=cursor)


COLUMNS: list[Column[Alert]] = [
    Column("Mã cảnh báo", lambda a: a.id),
    Column("Loại cảnh báo", lambda a: a.rule.value),
    Column("Loại đối tượng", lambda a: a.subject_kind.value),
    Column("Mã đối tượng", lambda a: a.subject_id),
    Column("Mã xã", lambda a: a.unit_code),
    Column("Mã tỉnh", lambda a: a.province_code),
    Column("Phát sinh từ ngày", lambda a: a.due_on, DAY),
    Column("Số kỳ quá hạn", lambda a: a.missed, "0"),
    Column("Số tiền quá hạn (đồng)", lambda a: a.amount_vnd, VND),
    Column("Trạng thái", lambda a: a.status.value),
    Column("Thời điểm cảnh báo", lambda a: a.raised_at, TIME),
    Column("Cập nhật lúc", lambda a: a.updated_at, TIME),
    Column("Người xác nhận", lambda a: a.acknowledged_by),
    Column("Giải quyết lúc", lambda a: a.resolved_at, TIME),
]
"""The alert list's XLSX columns, in the JSON list's order."""


def alert_body(alert: Alert) -> dict[str, Any]:
    return AlertOut.model_validate(alert).model_dump(mode="json")


def cursor_of(after: tuple[datetime, UUID]) -> str:
    raised_at, alert_id = after
    return base64.urlsafe_b64encode(f"{raised_at.isoformat()}|{alert_id}".encode()).decode()


def after(cursor: str) -> tuple[datetime, UUID]:
    """The position a cursor of `AlertList` names."""
    try:
        raised_at, _, alert_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(raised_at), UUID(alert_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("query.cursor", "not a cursor this API returned") from None
