"""The permit import's health-check and temporary-residence columns (the Long An plan's
screening; the police's residence registration): recorded on the new file as the API's
`record-health-check` and `register-residence` would, refused by row and column."""

from __future__ import annotations

from lmis_shared.contracts.permits import (
    EmploymentEnded,
    HealthCheckRecorded,
    PermitIssued,
    TemporaryResidenceRegistered,
)
from tests.unit.test_import_permits import FakeStore, one_row, reasons, run

HEALTH = {
    "Ngày khám sức khỏe": "15/01/2025",
    "Kết quả khám sức khỏe": "Đủ sức khỏe",
    "Cơ sở khám sức khỏe": "Bệnh viện Đa khoa Long An",
}
RESIDENCE = {
    "Số thẻ tạm trú": "TT123456",
    "Tạm trú từ ngày": "10/02/2025",
    "Tạm trú đến ngày": "31/01/2027",
}


async def test_a_row_records_its_health_check_and_residence_after_the_permit() -> None:
    store = FakeStore()

    summary = await run(one_row(**HEALTH, **RESIDENCE), store)

    assert summary.imported == 1, summary.errors
    [change] = store.saved.values()
    kinds = [type(e.payload) for e in change.events]
    assert kinds[-3:] == [PermitIssued, HealthCheckRecorded, TemporaryResidenceRegistered]
    [file] = store.files()
    assert file.health_check is not None
    assert file.health_check.result == "fit"
    assert file.residence is not None


async def test_an_ended_employment_comes_after_them() -> None:
    store = FakeStore()
    ended = {"Ngày chấm dứt làm việc": "30/06/2026", "Lý do chấm dứt": "Xuất cảnh"}

    summary = await run(one_row(**HEALTH, **RESIDENCE, **ended), store)

    assert summary.imported == 1, summary.errors
    [change] = store.saved.values()
    assert isinstance(change.events[-1].payload, EmploymentEnded)


async def test_a_bad_result_or_an_incomplete_residence_is_refused_on_its_column() -> None:
    summary = await run(
        one_row(**HEALTH | {"Kết quả khám sức khỏe": "tốt"}, **{"Số thẻ tạm trú": "TT123456"}),
        FakeStore(),
    )

    assert summary.imported == 0
    assert reasons(summary) == {
        (2, "Kết quả khám sức khỏe"),
        (2, "Tạm trú từ ngày"),
        (2, "Tạm trú đến ngày"),
    }
