"""A foreign worker's permit status, derived from what was recorded AND today's date.

No event says "expired": a permit whose expiry date has passed is expired whatever the stream
holds, so the status is a pure function of the recorded facts and the clock's today. The read
model stores the same facts (kind and validity period) and filters with the same rules
(`adapters/postgres.py`); a test walks a settable clock across expiry on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PermitStatus(StrEnum):
    valid = "valid"
    expiring = "expiring"
    """Valid, and expires within the asked number of days (today counts as day 0)."""
    expired = "expired"
    """A permit or exemption whose last valid day has passed."""
    revoked = "revoked"
    exempt = "exempt"
    """Certified as not needing a permit, within the certificate's validity."""
    none = "none"
    """Neither a permit nor an exemption in force yet."""


class Authorisation(StrEnum):
    """What the file holds now: the latest permit or exemption, or a revoked permit."""

    none = "none"
    permit = "permit"
    exempt = "exempt"
    revoked = "revoked"


@dataclass(frozen=True)
class PermitFacts:
    kind: Authorisation
    valid_from: date | None = None
    valid_until: date | None = None
    """The last day on which the permit or exemption is valid."""


def permit_status(facts: PermitFacts, today: date, expiring_within_days: int) -> PermitStatus:
    if facts.kind is Authorisation.revoked:
        return PermitStatus.revoked
    if facts.kind is Authorisation.none or facts.valid_from is None or facts.valid_until is None:
        return PermitStatus.none
    if today < facts.valid_from:
        return PermitStatus.none
    if today > facts.valid_until:
        return PermitStatus.expired
    if facts.kind is Authorisation.exempt:
        return PermitStatus.exempt
    if (facts.valid_until - today).days <= expiring_within_days:
        return PermitStatus.expiring
    return PermitStatus.valid
