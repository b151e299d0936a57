"""The registry's own problem types; the shared kinds (not found, invalid input, illegal
transition, ...) are mapped by `lmis_shared.web` already."""

from __future__ import annotations

from lmis_registry.domain.senders import LicenceTaken
from lmis_registry.domain.workers import OpenFileExists
from lmis_shared.web import ProblemMapping


def problem_mapping() -> ProblemMapping:
    """The shared problem types plus the registry's own."""
    mapping = ProblemMapping()
    mapping.register(
        OpenFileExists,
        status=409,
        type="open-file-exists",
        title="The citizen already has an open worker file",
        title_vi="Công dân đã có hồ sơ đang mở",
    )
    mapping.register(
        LicenceTaken,
        status=409,
        type="licence-taken",
        title="Another organisation in the register holds this licence number",
        title_vi="Số giấy phép đã có trong danh sách tổ chức đưa người lao động đi",
    )
    return mapping
