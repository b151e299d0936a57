"""The reporting service's errors as problem details. Each error names its input (`field`);
here is where that input travels (query, path or body), so a problem names it the way
validation errors do (`query.period`, `path.code`, `body.value`, ...)."""

from __future__ import annotations

from lmis_reporting.domain.errors import (
    InvalidAsOf,
    InvalidPeriod,
    InvalidReportPeriod,
    InvalidTarget,
    ReportNotFiled,
    UnitNotFound,
    UnknownDimension,
    UnknownIndicator,
    UnknownReportKind,
    WrongFilingUnit,
)
from lmis_shared.web import ProblemMapping

_LOCATION = {
    "period": "query.period",
    "unit": "query.unit",
    "parent": "query.parent",
    "by": "query.by",
    "as_of": "query.as_of",
    "code": "path.code",
    "indicator": "path.indicator",
    "target_unit": "path.unit",
    "year": "path.year",
    "first_year": "body.first_year",
    "value": "body.value",
    "kind": "path.kind",
    "report_period": "path.period",
    "report_unit": "path.unit",
    "report": "path",
}


def _named(field: str, message: str) -> dict[str, object]:
    return {"errors": [{"field": _LOCATION[field], "message": message}]}


Missing = UnitNotFound | UnknownIndicator | UnknownReportKind | ReportNotFiled


def _missing(e: Missing) -> dict[str, object]:
    return _named(e.field, str(e))


def problem_mapping() -> ProblemMapping:
    mapping = ProblemMapping()
    for invalid in (
        InvalidPeriod,
        InvalidAsOf,
        UnknownDimension,
        InvalidTarget,
        InvalidReportPeriod,
        WrongFilingUnit,
    ):
        mapping.register(
            invalid,
            status=422,
            type="validation",
            title="Invalid data",
            title_vi="Dữ liệu không hợp lệ",
            extensions=lambda e: _named(e.field, e.message),
        )
    missing: tuple[tuple[type[Missing], str, str, str], ...] = (
        (
            UnitNotFound,
            "unit-not-found",
            "Administrative unit not found",
            "Không tìm thấy đơn vị hành chính",
        ),
        (UnknownIndicator, "indicator-not-found", "Indicator not found", "Không tìm thấy chỉ tiêu"),
        (
            UnknownReportKind,
            "report-kind-not-found",
            "Report kind not found",
            "Không tìm thấy loại báo cáo",
        ),
        (ReportNotFiled, "report-not-filed", "Report not filed", "Báo cáo chưa được gửi"),
    )
    for error, type_, title, title_vi in missing:
        mapping.register(
            error, status=404, type=type_, title=title, title_vi=title_vi, extensions=_missing
        )
    return mapping
