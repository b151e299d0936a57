"""The notify service's event contracts: the JSON of every event is locked by a golden file
(tests/golden/notify/<stream>_<fact>_v1.json), and each golden file reads back as its event.

"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from lmis_shared.contracts import notify as c
from lmis_shared.contracts.feeds import FeedDefined, FeedDefinition
from lmis_shared.events import EventPayload
from tests.unit.golden import (
    assert_matches_golden_file,
    assert_samples_of_every_event_type,
    golden_data,
)

WORKER = UUID("5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10")
REPORT = c.ReportRef(kind="monthly", unit_code="03637", period="2026-03")

SAMPLES: list[EventPayload] = [
    c.AlertRaised(
        rule=c.AlertRule.overdue_return,
        subject_id=WORKER,
        subject_kind=c.SubjectKind.worker,
        unit_code="03637",
        province_code="12",
        due_on=date(2026, 7, 1),
        raised_at=datetime(2026, 7, 1, 0, 0, 5, tzinfo=UTC),
    ),
    c.AlertUpdated(
        rule=c.AlertRule.loan_overdue,
        subject_id=WORKER,
        missed=3,
        amount_vnd=12_240_000,
        updated_at=datetime(2026, 7, 16, 0, 0, 5, tzinfo=UTC),
    ),
    c.AlertResolved(
        rule=c.AlertRule.overdue_return,
        subject_id=WORKER,
        fixed_by="lmis.registry.worker.returned.v1",
        resolved_at=datetime(2026, 7, 20, 3, 15, tzinfo=UTC),
    ),
    c.AlertAcknowledged(
        acknowledged_by="officer-17", acknowledged_at=datetime(2026, 7, 2, 1, 30, tzinfo=UTC)
    ),
    c.ReportSubmitted(report=REPORT, submitted_on=date(2026, 4, 8), submitted_by="officer-3"),
    FeedDefined(
        definition=FeedDefinition(
            name="bank",
            title="Vietnam Bank for Social Policies: departure loans",
            roles=("bank",),
            purpose="Follow the preferential loans of workers going abroad.",
            legal_basis="Law 69/2020/QH14 art. 8",
            units=("12",),
            subjects="borrowers",
            event_types={
                "lmis.registry.loan.applied.v1": ("worker_id", "amount_vnd", "applied_on"),
                "lmis.registry.worker.departed.v1": ("departure_date",),
            },
        ),
        catalogue_version=1,
    ),
]


def test_there_is_a_sample_of_every_notify_event_type_each_versioned() -> None:
    assert_samples_of_every_event_type("notify", SAMPLES)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.event_type)
def test_the_event_json_is_its_golden_file_byte_for_byte_and_reads_back(
    sample: EventPayload,
) -> None:
    assert_matches_golden_file(sample)


def test_a_consumer_tolerates_fields_it_does_not_know() -> None:
    newer = {**golden_data(SAMPLES[0]), "severity": "high"}

    read = c.AlertRaised.model_validate(newer, extra="ignore")

    assert read == SAMPLES[0]


def test_a_report_period_must_be_a_month_or_a_year() -> None:
    with pytest.raises(ValueError, match="period"):
        c.ReportRef(kind="monthly", unit_code="03637", period="2026-13")
