"""Commands that follow a file up after registration: the commune police's residence check
(any open file) and the family visit of a worker who overstays or absconded (Đồng Tháp plan:
"thường xuyên đến gia đình có lao động ... ở lại cư trú bất hợp pháp ... để vận động").

Who visited or checked is a role (`Verifier`), never an officer's or a relative's name: the
acting officer is already the event's actor, and nothing here is free personal text.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from lmis_registry.domain.workers import lifecycle
from lmis_registry.domain.workers.fields import WorkerCommand, example
from lmis_registry.domain.workers.state import WorkerFile
from lmis_shared.contracts.registry_follow_up import (
    FamilyVisitNextStep,
    FamilyVisitOutcome,
    ResidenceCheckOutcome,
    Verifier,
    WorkerFamilyVisitRecorded,
    WorkerResidenceChecked,
)
from lmis_shared.dates import happened, not_before


class CheckIdentity(WorkerCommand):
    """Ask the population register again (a file left `unverified` because it was
    unavailable, or corrected since); its answer is recorded as at registration."""

    command_name = lifecycle.CHECK_IDENTITY
    model_config = example({})


class RecordResidenceCheck(WorkerCommand):
    """The commune police checked that the worker lives at the file's permanent residence."""

    command_name = lifecycle.RECORD_RESIDENCE_CHECK
    model_config = example(
        {"checked_on": "2026-03-10", "checked_by": "commune_police", "outcome": "confirmed"}
    )

    checked_on: dt.date | None = Field(None, description="defaults to today")
    checked_by: Verifier = Verifier.commune_police
    outcome: ResidenceCheckOutcome


class RecordFamilyVisit(WorkerCommand):
    """The commune visited the family of a worker who overstays or absconded."""

    command_name = lifecycle.RECORD_FAMILY_VISIT
    model_config = example(
        {
            "visited_on": "2027-06-02",
            "visited_by": "commune_officer",
            "outcome": "family_met",
            "next_step": "visit_again",
        }
    )

    visited_on: dt.date | None = Field(None, description="defaults to today")
    visited_by: Verifier = Field(description="the role that visited, never a person's name")
    outcome: FamilyVisitOutcome
    next_step: FamilyVisitNextStep


def residence_checked(
    state: WorkerFile, command: RecordResidenceCheck, today: dt.date
) -> WorkerResidenceChecked:
    checked_on = happened("checked_on", command.checked_on, today)
    not_before("checked_on", checked_on, state.registered_on, "registration")
    return WorkerResidenceChecked(
        checked_on=checked_on, checked_by=command.checked_by, outcome=command.outcome
    )


def family_visited(
    state: WorkerFile, command: RecordFamilyVisit, today: dt.date
) -> WorkerFamilyVisitRecorded:
    """A visit dates from the absconding or the overstay on (the lifecycle allows it only
    then), and never before the last visit recorded."""
    visited_on = happened("visited_on", command.visited_on, today)
    abroad = state.abroad
    assert abroad is not None  # absconded or overstaying: departed first
    began = abroad.absconded_on or abroad.overstaying_since
    not_before("visited_on", visited_on, began, "absconding or overstay")
    not_before("visited_on", visited_on, state.follow_up.last_family_visit, "last visit")
    return WorkerFamilyVisitRecorded(
        visited_on=visited_on,
        visited_by=command.visited_by,
        outcome=command.outcome,
        next_step=command.next_step,
    )
