"""The worker-file import template, as data: what `mau_nhap_nguoi_lao_dong.xlsx` holds and
what `POST /v1/imports/workers` reads.

A row is a registration for now. Columns of a later command of the same row (a contract, a
departure) are added with a field `group.name` (`sign.employer`) and a `FollowUp` naming the
group's command in `application/imports.py`; nothing else changes.
"""

from __future__ import annotations

from lmis_shared.contracts.registry import PriorityGroup, Sex
from lmis_shared.imports import Column, Template, choice, choices, vietnamese_date

SEX_LABELS = {"Nam": Sex.male.value, "Nữ": Sex.female.value}
PRIORITY_LABELS = {
    "Quân nhân xuất ngũ": PriorityGroup.demobilised_soldier.value,
    "Bộ đội xuất ngũ": PriorityGroup.demobilised_soldier.value,
    "Dân tộc thiểu số": PriorityGroup.ethnic_minority.value,
    "Hộ nghèo": PriorityGroup.poor_household.value,
    "Hộ cận nghèo": PriorityGroup.near_poor_household.value,
    "Bị thu hồi đất nông nghiệp": PriorityGroup.land_lost_farmer.value,
    "Vùng đặc biệt khó khăn": PriorityGroup.difficult_area.value,
}

_DATE_HELP = "Ngày/tháng/năm, ví dụ 12/04/1998 (hoặc ô kiểu Ngày của Excel)."

WORKER_TEMPLATE = Template(
    name="mau_nhap_nguoi_lao_dong",
    sheet="Người lao động",
    columns=(
        Column(
            "Họ và tên",
            "full_name",
            required=True,
            example="Lò Thị Mai",
            help="Họ, chữ đệm và tên, có dấu, đúng như trên căn cước.",
            aliases=("Họ tên", "Tên người lao động"),
        ),
        Column(
            "Ngày sinh",
            "date_of_birth",
            required=True,
            example="12/04/1998",
            help=_DATE_HELP,
            parse=vietnamese_date,
        ),
        Column(
            "Giới tính",
            "sex",
            required=True,
            example="Nữ",
            help="Nam hoặc Nữ.",
            parse=choice(SEX_LABELS),
        ),
        Column(
            "Dân tộc",
            "ethnicity",
            required=True,
            example="Thái",
            help="Tên (Kinh, Thái, HMông, Dao, ...) hoặc mã của một trong 54 dân tộc.",
        ),
        Column(
            "Số CCCD",
            "citizen_id",
            required=True,
            example="012198001234",
            help="12 chữ số của căn cước công dân. Để ô kiểu Văn bản cho khỏi mất số 0 đầu.",
            aliases=("CCCD", "Số căn cước", "Số căn cước công dân", "Số định danh cá nhân"),
            digits=12,
        ),
        Column(
            "Mã xã",
            "commune_code",
            required=True,
            example="03637",
            help="Mã 5 chữ số của xã/phường nơi cư trú (danh mục từ 01/07/2025).",
            aliases=("Mã xã/phường", "Mã xã phường", "Mã đơn vị hành chính", "Mã ĐVHC"),
            digits=5,
        ),
        Column(
            "Nhóm ưu tiên",
            "priority_groups",
            example="Dân tộc thiểu số; Hộ nghèo",
            help="Không hoặc nhiều nhóm, ngăn cách bằng dấu ; — "
            + ", ".join(PRIORITY_LABELS)
            + ".",
            parse=choices(PRIORITY_LABELS),
        ),
        Column(
            "Ngày đăng ký",
            "registered_on",
            required=True,
            example="02/11/2025",
            help=_DATE_HELP + " Cùng với số CCCD, nhận diện hồ sơ khi nhập lại.",
            parse=vietnamese_date,
        ),
    ),
    notes=(
        "Mỗi dòng là hồ sơ của một người lao động đăng ký đi làm việc ở nước ngoài.",
        "Dòng 1 là tiêu đề. Dòng 2 là ví dụ: được bỏ qua khi nhập, có thể xoá.",
        "Cột tô màu cam là bắt buộc, cột tô màu xanh không bắt buộc; "
        "cột STT và Ghi chú được bỏ qua.",
        "Nhập lại cùng một tệp không tạo hồ sơ trùng: hồ sơ (cùng số CCCD và ngày đăng ký) "
        "đã nhập được bỏ qua. Dòng lỗi được báo lại theo số dòng, cột và lý do; "
        "sửa các dòng đó rồi nhập lại cả tệp.",
        "Tệp CSV phải lưu dạng 'CSV UTF-8 (Comma delimited)'.",
    ),
)
