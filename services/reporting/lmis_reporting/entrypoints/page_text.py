"""The dashboard's words in Vietnamese (first) and English, and numbers written the way each
language writes them: `1.234,5` and `12,5 %` in Vietnamese, `1,234.5` and `12.5%` in English.

The indicators' names come from the catalogue (`definition_vi`); English uses the code's words.
"""

from __future__ import annotations

from lmis_reporting.domain.catalogue import find_indicator
from lmis_reporting.entrypoints.sessions import Language

TEXT: dict[str, tuple[str, str]] = {
    # key: (Vietnamese, English)
    "title": ("Bảng điều khiển LMIS", "LMIS dashboard"),
    "skip": ("Bỏ qua, đến nội dung chính", "Skip to the main content"),
    "overview_of": ("Tổng quan", "Overview of"),
    "year": ("Năm", "Year"),
    "as_of": ("Số liệu đến ngày", "Figures as of"),
    "signed_in_as": ("Đăng nhập với vai trò", "Signed in as"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "switch": ("English", "Tiếng Việt"),
    "up": ("Lên cấp trên", "Up one level"),
    "targets": ("Chỉ tiêu năm", "Targets for the year"),
    "indicator": ("Chỉ tiêu", "Indicator"),
    "target": ("Kế hoạch", "Target"),
    "done": ("Thực hiện", "Done so far"),
    "progress": ("Tỷ lệ", "Progress"),
    "pace": (
        "Với tốc độ hiện nay, đạt {x} trên {y} kế hoạch vào 31 tháng 12",
        "At this pace, {x} of the {y} target by 31 December",
    ),
    "forecast_seasonal": (
        "dự báo theo cùng kỳ các năm {years}",
        "forecast from the same months of {years}",
    ),
    "forecast_straight_line": (
        "dự báo theo tốc độ bình quân từ đầu năm",
        "forecast from the average pace since 1 January",
    ),
    "no_targets": ("Chưa có chỉ tiêu cho năm này.", "No target set for this year."),
    "departures_by_month": ("Xuất cảnh theo tháng", "Departures by month"),
    "departures_by_destination": ("Xuất cảnh theo nước đến", "Departures by destination"),
    "month": ("Tháng", "Month"),
    "destination": ("Nước đến", "Destination"),
    "workers": ("Người lao động", "Workers"),
    "overstay": ("Tỷ lệ ở lại trái phép", "Overstay rate"),
    "overstay_by_destination": ("Ở lại trái phép theo nước đến", "Overstay rate by destination"),
    "overstay_by_unit": ("Ở lại trái phép theo xã, phường", "Overstay rate by commune"),
    "rate": ("Tỷ lệ", "Rate"),
    "unit": ("Đơn vị", "Unit"),
    "loans": ("Vay vốn quá hạn", "Loans overdue"),
    "foreign": ("Lao động nước ngoài theo giấy phép", "Foreign workers by permit status"),
    "alerts": ("Cảnh báo đang mở", "Open alerts"),
    "no_alerts": ("Không có cảnh báo đang mở.", "No open alert."),
    "rule": ("Loại cảnh báo", "Rule"),
    "count": ("Số lượng", "Count"),
    "reports": ("Báo cáo", "Reports"),
    "filing": ("Tình hình nộp báo cáo", "Report filing status"),
    "download": ("Tải về", "Download"),
    "filed": ("Đã nộp", "Filed"),
    "filed_late": ("Nộp muộn", "Filed late"),
    "overdue": ("Quá hạn", "Overdue"),
    "not_due": ("Chưa đến hạn", "Not due"),
    "drill_down": ("Các đơn vị trực thuộc", "Units under this one"),
    "ranked": ("Xếp hạng theo số xuất cảnh", "Ranked by departures"),
    "none": ("không có", "none"),
    "live": ("Tự động cập nhật", "Updates by itself"),
    "list": ("Danh sách", "List"),
    "next_page": ("Trang sau", "Next page"),
    "back": ("Về bảng điều khiển", "Back to the dashboard"),
    "forbidden": ("Không có quyền xem", "Not allowed"),
    "link_used": (
        "Đường dẫn đăng nhập không dùng được (đã dùng, hết hạn hoặc sai).",
        "This sign-in link cannot be used (used already, expired or wrong).",
    ),
    "embedded_signin": (
        "Chế độ nhúng: chạy lệnh `lmis signin-link --role commune_officer --scope 03637` và"
        " mở đường dẫn nó in ra (dùng một lần).",
        "Embedded mode: run `lmis signin-link --role commune_officer --scope 03637` and open"
        " the link it prints (once).",
    ),
    "oidc_signin": ("Đăng nhập qua hệ thống định danh", "Sign in with the identity provider"),
    "no_signin": (
        "Chưa cấu hình đăng nhập (LMIS_REPORTING_OIDC_CLIENT_ID).",
        "Sign-in is not configured (LMIS_REPORTING_OIDC_CLIENT_ID).",
    ),
    "error": ("Không xem được", "Cannot be shown"),
}

REPORT_NAMES: dict[str, tuple[str, str]] = {
    # the kinds of `domain/report_kinds.py`
    "monthly": ("Báo cáo tháng", "Monthly report"),
    "yearly_agencies": ("Báo cáo năm về lao động nước ngoài", "Foreign workers, yearly"),
    "yearly_department": ("Báo cáo năm của Sở", "Department's yearly report"),
    "programme_review": ("Sơ kết, đánh giá kế hoạch", "Programme review, yearly"),
}

FIGURE_NAMES: dict[str, tuple[str, str]] = {
    "foreign_workers_working": ("Đang làm việc", "Working"),
    "foreign_workers_valid_permit": ("Có giấy phép còn hạn", "With a valid permit"),
    "foreign_workers_exempt": ("Được miễn giấy phép", "Exempt"),
    "foreign_workers_without_permit": ("Không có giấy phép", "Without a permit"),
    "loans_overdue": ("Khoản vay quá hạn", "Loans overdue"),
    "loans_overdue_amount_vnd": ("Số tiền quá hạn (đồng)", "Amount overdue (VND)"),
    "loans_outstanding_vnd": ("Dư nợ (đồng)", "Outstanding (VND)"),
    "departed": ("Xuất cảnh", "Departed"),
    "workers_abroad": ("Đang ở nước ngoài", "Abroad"),
    "overstaying": ("Ở lại trái phép", "Overstaying"),
}


class Words:
    """What a template calls `t`: words and numbers in one language."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._index = 0 if language == "vi" else 1

    def __call__(self, key: str, **values: str) -> str:
        return TEXT[key][self._index].format(**values)

    def name(self, code: str) -> str:
        """A figure's or indicator's name."""
        if code in FIGURE_NAMES:
            return FIGURE_NAMES[code][self._index]
        if code in REPORT_NAMES:
            return REPORT_NAMES[code][self._index]
        found = find_indicator(code)
        if found is not None and self.language == "vi":
            return found.definition_vi
        return code.replace("_", " ").capitalize()

    def number(self, value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        written = f"{value:,.{digits}f}"
        if self.language == "vi":
            written = written.replace(",", " ").replace(".", ",").replace(" ", ".")
        return written

    def percent(self, value: float | None) -> str:
        if value is None:
            return "–"
        written = self.number(value * 100, 1)
        return f"{written} %" if self.language == "vi" else f"{written}%"
