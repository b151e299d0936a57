"""Vietnamese texts for the reasons of row errors (`RowError.reason_vi`).

The reasons are written in English where they are raised (domain rules, validators, pydantic,
the import itself), and the API keeps them so (`reason`, for scripts and support); the error
report a province officer opens is under Vietnamese headings, so its reasons are Vietnamese
too. The catalogue is data: exact texts first, then patterns whose captured parts (numbers,
dates, codes, field names the rules cite) are carried over into the Vietnamese text. A reason
not in the catalogue gets a Vietnamese lead-in with the English kept, never nothing.

A reason never quotes a cell (`errors.py`), so neither does its translation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

UNKNOWN_PREFIX = "Giá trị không hợp lệ"
"""The lead-in of a reason the catalogue does not know (the English follows it)."""

EXACT: Mapping[str, str] = {
    # the import itself (`lmis_shared.imports`, the services' import use cases)
    "is required": "Bắt buộc phải điền",
    "is not a date written dd/mm/yyyy": "Không phải ngày theo dạng ngày/tháng/năm (dd/mm/yyyy)",
    "is not a date of the calendar": "Ngày không có trên lịch",
    "the citizen already has an open worker file": "Công dân đã có hồ sơ đang mở",
    "is outside the administrative unit you may write in": (
        "Nằm ngoài đơn vị hành chính bạn được phép nhập"
    ),
    "repeats an earlier row of this import (same citizen and registration date)": (
        "Trùng với một dòng trước trong tệp (cùng công dân và ngày đăng ký)"
    ),
    "repeats an earlier row of this import (same passport, employer and start date)": (
        "Trùng với một dòng trước trong tệp (cùng hộ chiếu, doanh nghiệp và ngày bắt đầu)"
    ),
    "no employer is registered under it": "Chưa có doanh nghiệp nào đăng ký với mã số thuế này",
    "the employer is outside the administrative unit you may write in": (
        "Doanh nghiệp nằm ngoài đơn vị hành chính bạn được phép nhập"
    ),
    "a row holds a work permit or an exemption, not both": (
        "Mỗi dòng chỉ điền giấy phép lao động HOẶC xác nhận miễn giấy phép, không điền cả hai"
    ),
    "a foreign worker file with this passport and nationality is already open": (
        "Đã có hồ sơ lao động nước ngoài đang mở với hộ chiếu và quốc tịch này"
    ),
    "the file cannot be opened from here; the province office can say why": (
        "Không thể mở hồ sơ tại đơn vị này; liên hệ Sở để biết lý do"
    ),
    # dates and order of facts (`lmis_shared.dates`, the domains)
    "must not be in the future": "Không được là ngày trong tương lai",
    "must be before engaged_on and not in the future": (
        "Phải trước ngày bắt đầu làm việc và không ở tương lai"
    ),
    "must be after the contract's end date": "Phải sau ngày kết thúc hợp đồng",
    "must be before the contract's end date": "Phải trước ngày kết thúc hợp đồng",
    "must be after the contract's current end date": "Phải sau ngày kết thúc hợp đồng hiện tại",
    "is after the contract's end: report overstaying instead": (
        "Sau ngày kết thúc hợp đồng: hãy báo cáo ở lại trái phép"
    ),
    "must not be before period_start": "Không được trước ngày bắt đầu thời hạn",
    # identity and person
    "must be exactly 12 digits": "Phải gồm đúng 12 chữ số",
    "the first three digits are not a valid province code": (
        "Ba chữ số đầu không phải mã tỉnh hợp lệ"
    ),
    "digits 4 to 6 do not match the date of birth and sex": (
        "Chữ số thứ 4 đến 6 không khớp với ngày sinh và giới tính"
    ),
    "must contain letters": "Phải có chữ cái",
    "must not contain digits": "Không được chứa chữ số",
    "is not one of the 54 ethnic groups (give its code or name)": (
        "Không thuộc 54 dân tộc (ghi mã hoặc tên dân tộc)"
    ),
    "is not a current commune code": "Không phải mã xã hiện hành",
    "must be a Vietnamese phone number (0… or +84…)": (
        "Phải là số điện thoại Việt Nam (0… hoặc +84…)"
    ),
    "must be a letter followed by seven digits": "Phải gồm một chữ cái và bảy chữ số",
    "must be 6 to 20 letters and digits": "Phải gồm 6 đến 20 chữ cái và chữ số",
    "must be 5 to 12 letters and digits, with at least one digit": (
        "Phải gồm 5 đến 12 chữ cái và chữ số, có ít nhất một chữ số"
    ),
    "must be 2 to 40 letters, digits, spaces, '/', '.' or '-', with a digit": (
        "Phải gồm 2 đến 40 chữ cái, chữ số, dấu cách, '/', '.' hoặc '-', có ít nhất một chữ số"
    ),
    "must be 10 digits, or 10 digits, '-' and 3 digits for a branch": (
        "Phải gồm 10 chữ số, hoặc 10 chữ số, '-' và 3 chữ số đối với chi nhánh"
    ),
    "a Vietnamese citizen is not a foreign worker": (
        "Công dân Việt Nam không phải lao động nước ngoài"
    ),
    "may be changed but not cleared": "Được sửa nhưng không được xoá trống",
    "each qualification must be 2 to 200 characters": "Mỗi bằng cấp phải dài 2 đến 200 ký tự",
    # contract, training, places
    "is not an ISO 3166-1 alpha-2 country code": "Không phải mã quốc gia ISO 3166-1 (2 chữ cái)",
    "must be an ISO 3166-1 alpha-2 country code, e.g. 'KR'": (
        "Phải là mã quốc gia ISO 3166-1 (2 chữ cái), ví dụ 'KR'"
    ),
    "must be a country abroad": "Phải là một nước ngoài Việt Nam",
    "does not send workers to this destination": "Chương trình này không đưa lao động đến nước này",
    "is not given for an individual contract": "Không điền đối với hợp đồng cá nhân",
    "is required for a sending organisation": "Bắt buộc đối với tổ chức đưa lao động đi",
    "is required for a licensed enterprise": "Bắt buộc đối với doanh nghiệp được cấp phép",
    "is only given for a licensed enterprise": "Chỉ điền đối với doanh nghiệp được cấp phép",
    "must contain the licence's number": "Phải có số giấy phép",
    "is required for language training": "Bắt buộc đối với đào tạo ngoại ngữ",
    "is only given for language training": "Chỉ điền đối với đào tạo ngoại ngữ",
    "must be an ISO 639-1 code such as 'ko' or 'ja'": (
        "Phải là mã ngôn ngữ ISO 639-1, ví dụ 'ko', 'ja'"
    ),
    "needs the exam it was scored in": "Cần ghi kỳ thi của điểm số này",
    "no enrolment in this kind of training awaits a result": (
        "Không có khoá đào tạo loại này đang chờ kết quả"
    ),
    # pydantic's own messages, as the import passes them on
    "Field required": "Bắt buộc phải điền",
    "Input should be a valid date": "Phải là một ngày hợp lệ",
    "Input should be a valid integer": "Phải là một số nguyên",
    "Input should be a valid number": "Phải là một số",
    "Input should be a valid boolean": "Phải là Có hoặc Không",
    "Input should be a valid string": "Phải là văn bản",
    "invalid value": UNKNOWN_PREFIX,
}

WHAT_VI: Mapping[str, str] = {
    "departure": "ngày xuất cảnh",
    "contract signing": "ngày ký hợp đồng",
    "signing": "ngày ký hợp đồng",
    "registration": "ngày đăng ký",
    "enrolment": "ngày nhập học",
    "absconding": "ngày bỏ trốn",
    "start of the overstay": "ngày bắt đầu ở lại trái phép",
    "absconding or overstay": "ngày bỏ trốn hoặc ở lại trái phép",
    "last visit": "lần thăm trước",
    "issue date": "ngày cấp",
    "application": "ngày nộp hồ sơ",
    "extension application": "ngày nộp hồ sơ gia hạn",
    "engagement": "ngày bắt đầu làm việc",
    "approval": "ngày phê duyệt",
    "disbursement": "ngày giải ngân",
    "same passport, employer and start date": "cùng hộ chiếu, doanh nghiệp và ngày bắt đầu",
    "same citizen and registration date": "cùng công dân và ngày đăng ký",
    "issue_date": "ngày cấp",
    "valid_from": "ngày bắt đầu hiệu lực",
}
"""The English parts a reason cites (what a date must not come before, `lmis_shared.dates`;
what a repeated row repeats; the field a limit counts from)."""

_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"must not be before the (?P<what>.+) \((?P<day>\d{4}-\d{2}-\d{2})\)",
        "Không được trước {what} ({day})",
    ),
    (r"must be after (?P<day>\S+)", "Phải sau {day}"),
    (
        r"must be after the current expiry \((?P<day>[\d-]+)\)",
        "Phải sau ngày hết hạn hiện tại ({day})",
    ),
    (r"the worker must be at least (?P<n>\d+)", "Người lao động phải đủ {n} tuổi"),
    (r"a foreign worker must be at least (?P<n>\d+)", "Người lao động nước ngoài phải đủ {n} tuổi"),
    (
        r"must be at most (?P<n>\d+) years after (?P<field>\w+)",
        "Không được quá {n} năm sau {field}",
    ),
    (
        r"an extension adds at most (?P<n>\d+) years to (?P<day>[\d-]+)",
        "Gia hạn tối đa {n} năm kể từ {day}",
    ),
    (
        r"the approved demand allows (?P<n>\d+) foreigner\(s\) as (?P<position>\w+); "
        r"(?P<m>\d+) already engaged",
        "Văn bản chấp thuận cho phép {n} người nước ngoài ở vị trí {position}; đã sử dụng {m}",
    ),
    (
        r"must not exceed (?P<n>\d+) for this exam",
        "Không được vượt quá {n} điểm đối với kỳ thi này",
    ),
    (r"must be one of: (?P<values>.+)", "Phải là một trong các giá trị: {values}"),
    (r"each value must be one of: (?P<values>.+)", "Mỗi giá trị phải là một trong: {values}"),
    (r"repeats row (?P<n>\d+) \((?P<what>.+)\)", "Trùng với dòng {n} ({what})"),
    (r"String should have at least (?P<n>\d+) characters?", "Phải có ít nhất {n} ký tự"),
    (r"String should have at most (?P<n>\d+) characters?", "Không được quá {n} ký tự"),
    (r"String should match pattern .*", "Không đúng định dạng"),
    (r"Input should be greater than (?P<n>[\d.]+)", "Phải lớn hơn {n}"),
    (r"Input should be greater than or equal to (?P<n>[\d.]+)", "Phải lớn hơn hoặc bằng {n}"),
    (r"Input should be less than or equal to (?P<n>[\d.]+)", "Phải nhỏ hơn hoặc bằng {n}"),
    (r"Input should be less than (?P<n>[\d.]+)", "Phải nhỏ hơn {n}"),
    (r"Input should be (?P<values>'.+)", "Phải là một trong các giá trị: {values}"),
    (r"List should have at most (?P<n>\d+) items?.*", "Không được quá {n} giá trị"),
    (r"Extra inputs are not permitted", "Cột không thuộc mẫu nhập"),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(f"^{p}$"), text) for p, text in _PATTERNS)


def reason_vi(reason: str) -> str:
    """The Vietnamese text of an English row-error reason."""
    if (known := EXACT.get(reason)) is not None:
        return known
    for pattern, text in _patterns():
        if match := pattern.match(reason):
            parts = match.groupdict()
            for cited in ("what", "field"):
                if cited in parts:
                    parts[cited] = WHAT_VI.get(parts[cited], parts[cited])
            if "values" in parts:
                parts["values"] = parts["values"].replace(" or ", " hoặc ")
            return text.format(**parts)
    return f"{UNKNOWN_PREFIX} ({reason})"
