"""The follow-up events' wire format (identity and residence checks, family visits), locked
by golden files (tests/golden/registry/), and free of personal data."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lmis_shared.contracts import registry_follow_up as f
from lmis_shared.events import EventPayload, catalogue
from lmis_shared.privacy.fields import personal_fields
from tests.unit.golden import assert_matches_golden_file

EXAMPLES: list[EventPayload] = [
    f.WorkerIdentityChecked(
        outcome=f.IdentityCheckOutcome.mismatch,
        source=f.IdentitySource.national_population_database,
        checked_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        mismatched=("date_of_birth",),
    ),
    f.WorkerResidenceChecked(
        checked_on=date(2026, 3, 10),
        checked_by=f.Verifier.commune_police,
        outcome=f.ResidenceCheckOutcome.confirmed,
    ),
    f.WorkerFamilyVisitRecorded(
        visited_on=date(2027, 6, 2),
        visited_by=f.Verifier.commune_officer,
        outcome=f.FamilyVisitOutcome.family_met,
        next_step=f.FamilyVisitNextStep.visit_again,
    ),
]


def test_every_follow_up_event_of_the_catalogue_has_a_golden_example() -> None:
    follow_up = {name for name, cls in catalogue().items() if cls.__module__ == f.__name__}
    assert {e.event_type for e in EXAMPLES} == follow_up


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: p.event_type)
def test_the_event_matches_its_golden_file_and_reads_back(payload: EventPayload) -> None:
    assert_matches_golden_file(payload)


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: p.event_type)
def test_no_follow_up_event_carries_personal_data(payload: EventPayload) -> None:
    assert personal_fields(type(payload)) == ()
    assert payload.stream_type == "worker"
