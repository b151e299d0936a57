"""What a file knows of the checks on its person: the population register's identity check,
the commune police's residence checks, and the family visits while the worker stays abroad
illegally. Pure values and rules; the register itself is a port (`application/population.py`).

Whether a file's identity is verified (`IdentityStatus`) is the latest conclusive check:

    check                                   status after it
    register: verified                      verified
    register: mismatch / not_found          mismatch
    register: unavailable                   unchanged (unverified if nothing came before)
    residence: confirmed                    verified (the police saw the person at home)
    residence: not_resident / moved_away    mismatch
    residence: not_determined               unchanged
    profile: a changed citizen ID, name,    unverified (what was verified is not what the
      date of birth or commune              file says any more: `check-identity` again)

`unverified` and `mismatch` files are the follow-up list (`GET /v1/workers?identity=...`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from lmis_shared.contracts.registry_follow_up import (
    IdentityCheckOutcome,
    IdentitySource,
    ResidenceCheckOutcome,
    WorkerFamilyVisitRecorded,
    WorkerIdentityChecked,
    WorkerResidenceChecked,
)
from lmis_shared.text import search_key


class IdentityStatus(StrEnum):
    verified = "verified"
    unverified = "unverified"
    mismatch = "mismatch"


_REGISTER_STATUS = {
    IdentityCheckOutcome.verified: IdentityStatus.verified,
    IdentityCheckOutcome.mismatch: IdentityStatus.mismatch,
    IdentityCheckOutcome.not_found: IdentityStatus.mismatch,
}
_RESIDENCE_STATUS = {
    ResidenceCheckOutcome.confirmed: IdentityStatus.verified,
    ResidenceCheckOutcome.not_resident: IdentityStatus.mismatch,
    ResidenceCheckOutcome.moved_away: IdentityStatus.mismatch,
}


@dataclass(frozen=True)
class IdentityCheck:
    outcome: IdentityCheckOutcome
    source: IdentitySource
    checked_at: datetime
    mismatched: tuple[str, ...] = ()


@dataclass(frozen=True)
class FollowUp:
    """The checks recorded on a file, latest last."""

    identity: IdentityStatus = IdentityStatus.unverified
    identity_check: IdentityCheck | None = None
    residence_check: WorkerResidenceChecked | None = None
    family_visits: tuple[WorkerFamilyVisitRecorded, ...] = ()

    @property
    def last_family_visit(self) -> date | None:
        return self.family_visits[-1].visited_on if self.family_visits else None


IDENTITY_FIELDS = frozenset(
    {"person.citizen_id", "person.full_name", "person.date_of_birth", "commune_code"}
)
"""What the register checks, as a profile update names its changed fields."""


def after_profile_update(current: FollowUp, changed: tuple[str, ...]) -> FollowUp:
    """A changed identity is no longer verified (nor known to mismatch)."""
    if IDENTITY_FIELDS.isdisjoint(changed):
        return current
    return replace(current, identity=IdentityStatus.unverified)


FOLLOW_UP_EVENTS = (WorkerIdentityChecked, WorkerResidenceChecked, WorkerFamilyVisitRecorded)


def followed_up(
    current: FollowUp,
    event: WorkerIdentityChecked | WorkerResidenceChecked | WorkerFamilyVisitRecorded,
) -> FollowUp:
    """`current` after one more check or visit."""
    match event:
        case WorkerIdentityChecked():
            check = IdentityCheck(event.outcome, event.source, event.checked_at, event.mismatched)
            status = _REGISTER_STATUS.get(event.outcome, current.identity)
            return replace(current, identity=status, identity_check=check)
        case WorkerResidenceChecked():
            status = _RESIDENCE_STATUS.get(event.outcome, current.identity)
            return replace(current, identity=status, residence_check=event)
        case WorkerFamilyVisitRecorded():
            return replace(current, family_visits=(*current.family_visits, event))


# --- matching an identity against a register's entry ---------------------------------------


@dataclass(frozen=True)
class Identity:
    """The identity a file gives, or a register's entry: personal data, never logged
    (`repr` shows no value)."""

    citizen_id: str
    full_name: str
    date_of_birth: date
    residence_commune: str
    """The permanent residence's commune code (thường trú)."""

    def __repr__(self) -> str:
        return "Identity(<personal data>)"


@dataclass(frozen=True)
class IdentityAnswer:
    outcome: IdentityCheckOutcome
    source: IdentitySource
    mismatched: tuple[str, ...] = ()

    def as_event(self, at: datetime) -> WorkerIdentityChecked:
        return WorkerIdentityChecked(
            outcome=self.outcome, source=self.source, checked_at=at, mismatched=self.mismatched
        )


def compare(given: Identity, entry: Identity | None, source: IdentitySource) -> IdentityAnswer:
    """The register's answer for `given` when it holds `entry` under the same citizen ID
    (None: no such citizen). Names compare without case, spacing or diacritics differences
    (a register typed without marks still matches)."""
    if entry is None:
        return IdentityAnswer(IdentityCheckOutcome.not_found, source)
    differ = []
    if search_key(given.full_name) != search_key(entry.full_name):
        differ.append("full_name")
    if given.date_of_birth != entry.date_of_birth:
        differ.append("date_of_birth")
    if given.residence_commune != entry.residence_commune:
        differ.append("permanent_residence")
    if differ:
        return IdentityAnswer(IdentityCheckOutcome.mismatch, source, tuple(differ))
    return IdentityAnswer(IdentityCheckOutcome.verified, source)
