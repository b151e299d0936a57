"""Events of the registry's follow-up of a worker file: the identity check against the
population register, the commune police's residence check, and the family visits of a worker
who overstays or absconded (the Lai Châu and Đồng Tháp plans).

None of them carries personal data: an identity check names the fields that did not match,
never their values; a visit names the role that visited, never the officer or the family.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime

from lmis_shared.events import EventPayload, event

__all__ = [
    "FamilyVisitNextStep",
    "FamilyVisitOutcome",
    "IdentityCheckOutcome",
    "IdentitySource",
    "ResidenceCheckOutcome",
    "Verifier",
    "WorkerFamilyVisitRecorded",
    "WorkerIdentityChecked",
    "WorkerResidenceChecked",
]


class IdentityCheckOutcome(StrEnum):
    """What the population register answered about the identity a file gives."""

    verified = "verified"
    """The citizen ID is known and the name, date of birth and permanent residence match."""
    mismatch = "mismatch"
    """The citizen ID is known but some of the other fields differ (`mismatched` names them)."""
    not_found = "not_found"
    """The register holds no citizen with this ID."""
    unavailable = "unavailable"
    """The register did not answer (down, timed out, not connected): to be checked later."""


class IdentitySource(StrEnum):
    """Which register answered."""

    national_population_database = "national_population_database"
    """Cơ sở dữ liệu quốc gia về dân cư, through its data exchange."""
    local_register = "local_register"
    """The province's local copy (embedded mode, tests, demonstrations)."""
    none = "none"
    """No register is connected: the outcome is `unavailable`."""


@event("lmis.registry.worker.identity_checked.v1", stream_type="worker")
class WorkerIdentityChecked(EventPayload):
    """The file's identity (citizen ID, name, date of birth, permanent residence) was checked
    against the population register, at registration. `unavailable` leaves the file listed
    for follow-up; a registration never fails because the register is down."""

    outcome: IdentityCheckOutcome
    source: IdentitySource
    checked_at: AwareDatetime
    mismatched: tuple[str, ...] = ()
    """The fields that differ (`full_name`, `date_of_birth`, `permanent_residence`), never
    their values."""


class Verifier(StrEnum):
    """Who checked residence on the ground (a role, not a person)."""

    commune_police = "commune_police"
    commune_officer = "commune_officer"
    village_head = "village_head"
    mass_organisation = "mass_organisation"
    """Fatherland Front, Youth Union, Women's Union... (Đồng Tháp's family clubs)."""
    other = "other"


class ResidenceCheckOutcome(StrEnum):
    confirmed = "confirmed"
    """The worker lives at the declared permanent residence: identity and residence verified."""
    not_resident = "not_resident"
    """Nobody by this identity lives there."""
    moved_away = "moved_away"
    """Lived there, has moved: the file's residence needs correcting."""
    not_determined = "not_determined"
    """Could not be established on this visit."""


@event("lmis.registry.worker.residence_checked.v1", stream_type="worker")
class WorkerResidenceChecked(EventPayload):
    """The commune police (or another role) checked on the ground that the worker lives where
    the file says (the Cao Minh plan's residence checks)."""

    checked_on: date
    checked_by: Verifier
    outcome: ResidenceCheckOutcome


class FamilyVisitOutcome(StrEnum):
    family_met = "family_met"
    """The family was met and told about returning legally."""
    family_absent = "family_absent"
    """Nobody was home: the visit is to be made again."""
    return_agreed = "return_agreed"
    """The family will urge the worker to come back of their own accord."""
    refused = "refused"
    """The family would not take part."""


class FamilyVisitNextStep(StrEnum):
    visit_again = "visit_again"
    refer_to_police = "refer_to_police"
    refer_to_foreign_affairs = "refer_to_foreign_affairs"
    awaiting_return = "awaiting_return"
    """The worker's return is being arranged."""
    none = "none"


@event("lmis.registry.worker.family_visit_recorded.v1", stream_type="worker")
class WorkerFamilyVisitRecorded(EventPayload):
    """The commune visited the family of a worker who overstays or absconded, to encourage
    the worker's voluntary return (Đồng Tháp plan). Resolves `family_visit_due`; while the
    worker stays abroad illegally, the next visit falls due after the province's interval."""

    visited_on: date
    visited_by: Verifier
    outcome: FamilyVisitOutcome
    next_step: FamilyVisitNextStep
