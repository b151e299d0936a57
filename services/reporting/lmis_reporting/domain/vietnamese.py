"""Vietnamese number and date formats, and the Vietnamese labels of breakdown values.

Numbers group thousands with a dot and use a comma for decimals (1.234.567; 12,5 %); dates
are dd/mm/yyyy. Codes that a document shows (destination countries, positions, loan purposes,
market tiers) get their Vietnamese names here; a code with no name here is shown as it is.
Pure: no I/O.
"""

from __future__ import annotations

from datetime import date, datetime

from lmis_reporting.domain.report_model import UNKNOWN, Number

NOT_AVAILABLE = "—"


def vi_number(value: Number | None, unit_of_measure: str = "") -> str:
    """`1234567` -> `1.234.567`; a ratio `0.125` -> `12,5 %`; None -> `—`."""
    if value is None:
        return NOT_AVAILABLE
    if unit_of_measure == "ratio":
        return f"{value * 100:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".") + " %"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.2f}"
    else:
        text = f"{int(value):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vi_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def vi_datetime(moment: datetime) -> str:
    return f"{moment:%H:%M} ngày {moment:%d/%m/%Y}"


def period_vi(kind: str, start: date) -> str:
    """`tháng 11/2026`, `quý IV/2026`, `năm 2026`."""
    if kind == "month":
        return f"tháng {start:%m/%Y}"
    if kind == "quarter":
        return f"quý {('I', 'II', 'III', 'IV')[(start.month - 1) // 3]}/{start.year}"
    return f"năm {start.year}"


_LABELS: dict[str, str] = {
    UNKNOWN: "Không xác định",
    # market tiers
    "high_income": "Thị trường thu nhập cao, ổn định",
    "other": "Thị trường khác",
    # destinations and nationalities (ISO 3166-1 alpha-2)
    "JP": "Nhật Bản",
    "KR": "Hàn Quốc",
    "TW": "Đài Loan (Trung Quốc)",
    "SG": "Xin-ga-po",
    "AU": "Ô-xtrây-li-a",
    "DE": "Đức",
    "RO": "Ru-ma-ni",
    "CN": "Trung Quốc",
    "MY": "Ma-lai-xi-a",
    "SA": "A-rập Xê-út",
    "US": "Hoa Kỳ",
    "IN": "Ấn Độ",
    "TH": "Thái Lan",
    "GB": "Vương quốc Anh",
    "FR": "Pháp",
    "HU": "Hung-ga-ri",
    "PL": "Ba Lan",
    # foreign workers' positions (Decree 152/2020)
    "manager": "Nhà quản lý",
    "executive_director": "Giám đốc điều hành",
    "expert": "Chuyên gia",
    "technical_worker": "Lao động kỹ thuật",
    # revocation reasons
    "contract_ended_early": "Chấm dứt hợp đồng trước thời hạn",
    "broke_the_law": "Vi phạm pháp luật",
    "obtained_wrongly": "Cấp không đúng quy định",
    # loan purposes
    "going_abroad": "Đi làm việc ở nước ngoài",
    "job_creation": "Tạo việc làm",
    # kinds of training
    "language": "Ngoại ngữ",
    "orientation": "Giáo dục định hướng",
    "vocational": "Đào tạo nghề",
    # alert rules (notify)
    "permit_expiring": "Giấy phép lao động sắp hết hạn",
    "permit_expired": "Giấy phép lao động đã hết hạn",
    "working_without_permit": "Làm việc không có giấy phép lao động",
    "overdue_return": "Quá hạn chưa về nước",
    "absconded": "Bỏ trốn khỏi nơi làm việc",
    "loan_overdue": "Nợ vay quá hạn",
    "report_due": "Báo cáo sắp đến hạn",
    "report_late": "Báo cáo quá hạn chưa nộp",
    "webhook_paused": "Kết nối webhook của cơ quan bị tạm dừng",
    "fee_above_ceiling": "Thu tiền dịch vụ, tiền môi giới vượt mức trần",
    "suspicious_recruitment": "Dấu hiệu tuyển dụng, môi giới trái phép",
    "family_visit_due": "Cần thăm hỏi gia đình lao động ở lại trái phép",
    "working_after_revocation": "Vẫn làm việc sau khi bị thu hồi giấy phép lao động",
}


def label_vi(key: str, names: dict[str, str] | None = None) -> str:
    """The Vietnamese label of a breakdown value (`names` first: units' names by code)."""
    if names and key in names:
        return names[key]
    return _LABELS.get(key, key)


DIMENSION_VI: dict[str, str] = {
    "destination_country": "theo nước đến",
    "market_tier": "theo thị trường",
    "programme": "theo chương trình",
    "unit": "theo đơn vị hành chính",
    "nationality": "theo quốc tịch",
    "position": "theo vị trí công việc",
    "employer": "theo người sử dụng lao động (mã số thuế)",
    "purpose": "theo mục đích vay",
    "kind": "theo loại hình đào tạo",
    "reason": "theo lý do",
    "rule": "theo loại cảnh báo",
}
