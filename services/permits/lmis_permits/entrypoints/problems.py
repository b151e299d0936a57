"""The permits service's own errors as problem details; the shared kinds (not found, invalid
input, refused transition, ...) are mapped by `lmis_shared.web` already."""

from __future__ import annotations

from lmis_permits.domain.errors import HeadcountExceeded
from lmis_permits.domain.passports import OpenPassportFileExists
from lmis_shared.web import ProblemMapping


def problem_mapping() -> ProblemMapping:
    problems = ProblemMapping()
    problems.register(
        HeadcountExceeded,
        status=409,
        type="headcount-exceeded",
        title="More foreigners than the approved demand",
        title_vi="Vượt số lượng lao động nước ngoài được chấp thuận",
    )
    problems.register(
        OpenPassportFileExists,
        status=409,
        type="open-passport-file-exists",
        title="A foreign worker file with this passport is open",
        title_vi="Đã có hồ sơ lao động nước ngoài đang mở với hộ chiếu này",
    )
    return problems
