"""The permit-register import template, as data: what `mau_nhap_giay_phep_lao_dong.xlsx` holds
and what `POST /v1/imports/permits` reads.

A row is one foreigner's engagement with a registered employer (`POST /v1/foreign-workers`),
then, in the same row, either the work permit issued for it (`issue.*`, as `issue-permit`) or
the exemption certificate (`exempt.*`, as `certify-exemption`), and optionally the end of the
employment (`end.*`, as `end-employment`). The employer is NOT registered from the row: it
must exist already, with the demand approval that covers the engagement, because the
headcount rule of the API applies to imported files too. The file's commune is the
employer's, as in the API; `Địa điểm làm việc` is the permit's free-text work location.
"""

from __future__ import annotations

from functools import cache

from lmis_permits.domain import nationalities
from lmis_shared.contracts.permits import EmploymentEndReason, HealthResult, PositionType, Sex
from lmis_shared.imports import Column, Template, choice, vietnamese_date
from lmis_shared.reference.ethnicities import fold

ISSUE, EXEMPT, END = "issue", "exempt", "end"
HEALTH, RESIDENCE = "health", "residence"

SEX_LABELS = {"Nam": Sex.male.value, "Nữ": Sex.female.value}
POSITION_LABELS = {
    "Nhà quản lý": PositionType.manager.value,
    "Giám đốc điều hành": PositionType.executive_director.value,
    "Chuyên gia": PositionType.expert.value,
    "Lao động kỹ thuật": PositionType.technical_worker.value,
}
HEALTH_LABELS = {
    "Đủ sức khỏe": HealthResult.fit.value,
    "Không đủ sức khỏe": HealthResult.unfit.value,
}
END_LABELS = {
    "Hết hạn hợp đồng": EmploymentEndReason.contract_end.value,
    "Chấm dứt trước hạn": EmploymentEndReason.early_termination.value,
    "Xuất cảnh": EmploymentEndReason.departure.value,
}
# The nationalities a Vietnamese register most often writes out in words; any other is
# written as its ISO code (the command checks the code, so the rule stays in one place).
COUNTRY_NAMES = {
    "Hàn Quốc": "KR",
    "Trung Quốc": "CN",
    "Đài Loan": "TW",
    "Nhật Bản": "JP",
    "Ấn Độ": "IN",
    "Thái Lan": "TH",
    "Malaysia": "MY",
    "Singapore": "SG",
    "Philippines": "PH",
    "Hoa Kỳ": "US",
    "Mỹ": "US",
    "Anh": "GB",
    "Đức": "DE",
    "Pháp": "FR",
    "Úc": "AU",
}


@cache
def _country_codes() -> dict[str, str]:
    names = {fold(name): code for name, code in COUNTRY_NAMES.items()}
    countries = nationalities.countries()
    english = {fold(name): code for code, name in countries.items()}
    return english | names | {fold(code): code for code in countries}


def nationality(text: str) -> str:
    """A country's ISO code, or its Vietnamese or English name → the code; anything else
    goes to the command as written, for it to refuse."""
    return _country_codes().get(fold(text), text)


_DATE_HELP = "Ngày/tháng/năm, ví dụ 12/04/2024 (hoặc ô kiểu Ngày của Excel)."
_PERMIT_HELP = " Điền nhóm cột giấy phép HOẶC nhóm cột miễn giấy phép, không điền cả hai."

PERMIT_TEMPLATE = Template(
    name="mau_nhap_giay_phep_lao_dong",
    sheet="Giấy phép lao động",
    columns=(
        Column(
            "Mã số thuế doanh nghiệp",
            "employer_tax_code",
            required=True,
            example="1101234567",
            help="Mã số thuế của người sử dụng lao động đã đăng ký trên hệ thống.",
            aliases=("Mã số thuế", "MST", "MST doanh nghiệp"),
            digits=10,
        ),
        Column(
            "Họ và tên (theo hộ chiếu)",
            "full_name",
            required=True,
            example="KIM MIN JUN",
            help="Đúng như trên hộ chiếu.",
            aliases=("Họ và tên", "Họ tên"),
        ),
        Column(
            "Quốc tịch",
            "nationality",
            required=True,
            example="KR",
            help="Mã quốc gia 2 chữ cái (KR, CN, JP, ...) hoặc tên nước (Hàn Quốc, Trung Quốc).",
            parse=nationality,
        ),
        Column(
            "Số hộ chiếu",
            "passport_number",
            required=True,
            example="M12345678",
            help="Cùng với mã số thuế và ngày bắt đầu làm việc, nhận diện hồ sơ khi nhập lại.",
            aliases=("Hộ chiếu",),
        ),
        Column(
            "Ngày sinh",
            "date_of_birth",
            required=True,
            example="21/07/1985",
            help=_DATE_HELP,
            parse=vietnamese_date,
        ),
        Column(
            "Giới tính",
            "sex",
            required=True,
            example="Nam",
            help="Nam hoặc Nữ.",
            parse=choice(SEX_LABELS),
        ),
        Column(
            "Vị trí công việc",
            "position",
            required=True,
            example="Chuyên gia",
            help=", ".join(POSITION_LABELS) + ".",
            aliases=("Vị trí",),
            parse=choice(POSITION_LABELS),
        ),
        Column(
            "Chức danh công việc",
            "job_title",
            example="Kỹ sư vận hành dây chuyền",
            aliases=("Chức danh",),
        ),
        Column(
            "Ngày bắt đầu làm việc",
            "engaged_on",
            required=True,
            example="10/01/2025",
            help=_DATE_HELP,
            parse=vietnamese_date,
        ),
        Column(
            "Số giấy phép lao động",
            f"{ISSUE}.permit_number",
            example="LA-2025-000123",
            help="Bỏ trống nếu người lao động được miễn giấy phép." + _PERMIT_HELP,
            aliases=("Số GPLĐ", "Số giấy phép"),
        ),
        Column(
            "Ngày cấp giấy phép",
            f"{ISSUE}.issue_date",
            example="01/02/2025",
            help=_DATE_HELP,
            aliases=("Ngày cấp GPLĐ",),
            parse=vietnamese_date,
        ),
        Column(
            "Ngày hết hạn giấy phép",
            f"{ISSUE}.expiry_date",
            example="31/01/2027",
            help=_DATE_HELP + " Tối đa 2 năm kể từ ngày cấp.",
            aliases=("Ngày hết hạn GPLĐ",),
            parse=vietnamese_date,
        ),
        Column(
            "Địa điểm làm việc",
            f"{ISSUE}.work_location",
            example="Lô B2, KCN Đức Hòa 1",
        ),
        Column(
            "Căn cứ miễn giấy phép",
            f"{EXEMPT}.legal_ground",
            help="Điều, khoản của văn bản pháp luật." + _PERMIT_HELP,
        ),
        Column("Số văn bản xác nhận miễn", f"{EXEMPT}.certificate_number"),
        Column("Miễn từ ngày", f"{EXEMPT}.valid_from", help=_DATE_HELP, parse=vietnamese_date),
        Column("Miễn đến ngày", f"{EXEMPT}.valid_until", help=_DATE_HELP, parse=vietnamese_date),
        # the Long An plan's screening for communicable diseases, and the police's temporary
        # residence registration (as `record-health-check` and `register-residence`)
        Column(
            "Ngày khám sức khỏe",
            f"{HEALTH}.checked_on",
            example="15/01/2025",
            help=_DATE_HELP + " Điền cùng kết quả khám.",
            aliases=("Ngày khám SK",),
            parse=vietnamese_date,
        ),
        Column(
            "Kết quả khám sức khỏe",
            f"{HEALTH}.result",
            example="Đủ sức khỏe",
            help=", ".join(HEALTH_LABELS) + ".",
            aliases=("Kết quả khám SK",),
            parse=choice(HEALTH_LABELS),
        ),
        Column("Cơ sở khám sức khỏe", f"{HEALTH}.facility", example="Bệnh viện Đa khoa Long An"),
        Column(
            "Số thẻ tạm trú",
            f"{RESIDENCE}.card_number",
            example="TT123456",
            help="Thẻ tạm trú do cơ quan công an cấp; điền cùng thời hạn của thẻ.",
            aliases=("Thẻ tạm trú",),
        ),
        Column(
            "Tạm trú từ ngày",
            f"{RESIDENCE}.valid_from",
            example="10/02/2025",
            help=_DATE_HELP,
            parse=vietnamese_date,
        ),
        Column(
            "Tạm trú đến ngày",
            f"{RESIDENCE}.valid_until",
            example="31/01/2027",
            help=_DATE_HELP,
            parse=vietnamese_date,
        ),
        Column(
            "Ngày chấm dứt làm việc",
            f"{END}.date",
            help=_DATE_HELP + " Chỉ điền khi người lao động đã thôi làm việc.",
            parse=vietnamese_date,
        ),
        Column(
            "Lý do chấm dứt",
            f"{END}.reason",
            help=", ".join(END_LABELS) + ".",
            parse=choice(END_LABELS),
        ),
    ),
    notes=(
        "Mỗi dòng là một người lao động nước ngoài làm việc cho một doanh nghiệp, "
        "cùng giấy phép lao động (hoặc xác nhận miễn giấy phép) của người đó.",
        "Doanh nghiệp phải được đăng ký trên hệ thống trước, cùng văn bản chấp thuận nhu cầu "
        "sử dụng lao động nước ngoài cho vị trí đó: số người vượt số được chấp thuận bị từ chối.",
        "Dòng 1 là tiêu đề. Dòng 2 là ví dụ: được bỏ qua khi nhập, có thể xoá.",
        "Cột tô màu cam là bắt buộc, cột tô màu xanh không bắt buộc; "
        "cột STT và Ghi chú được bỏ qua.",
        "Nhập lại cùng một tệp không tạo hồ sơ trùng: hồ sơ (cùng số hộ chiếu, mã số thuế và "
        "ngày bắt đầu làm việc) đã nhập được bỏ qua. Dòng lỗi được báo lại theo số dòng, cột "
        "và lý do; sửa các dòng đó rồi nhập lại cả tệp.",
        "Tệp CSV phải lưu dạng 'CSV UTF-8 (Comma delimited)'.",
    ),
)
