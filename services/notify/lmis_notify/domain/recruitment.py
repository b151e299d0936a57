"""The recruitment rules (pure): fees above the legal ceiling, and suspicious recruitment.

  fee_above_ceiling       a contract's `worker.sender_checked` shows a fee above the ceiling
                          in force on its signing day (`lmis_shared.reference.fee_ceilings`).
                          The subject is the sending organisation (one alert per organisation;
                          `missed` counts the days such contracts were signed), its unit the
                          contract's province. Raised at once; acknowledged, never "fixed": a
                          fee paid stays paid.
  suspicious_recruitment  in a rolling window of `window_days` ending on a signal's day:
                          - a commune's contracts entered through an organisation that failed
                            the register's check (an unlicensed intermediary, overridden) reach
                            `unlicensed_threshold` (subject: the commune, its unit the commune);
                          - an organisation's contracts above the ceiling plus the complaints
                            about it reach `organisation_threshold` (subject: the organisation).

Signals are counted by the day of the fact (the signing, the complaint's receipt), not by the
clock, so a replay counts what the first run counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID, uuid5

from lmis_shared.contracts.registry_senders import (
    BrokerComplaintRecorded,
    SenderCheckOutcome,
    WorkerSenderChecked,
)
from lmis_shared.reference.fee_ceilings import Excess, excesses

# Fixed for ever: a commune's or an unregistered organisation's subject id derives from it.
SUBJECT_NAMESPACE = UUID("3c9e1f47-2b8d-5a61-9f0e-7d4c2a6b8e13")

WATCHED_EVENT_TYPES = frozenset(
    {WorkerSenderChecked.event_type, BrokerComplaintRecorded.event_type}
)


class SignalKind(StrEnum):
    fee_above_ceiling = "fee_above_ceiling"
    complaint = "complaint"
    unlicensed = "unlicensed"


ORGANISATION_SIGNALS = (SignalKind.fee_above_ceiling, SignalKind.complaint)
COMMUNE_SIGNALS = (SignalKind.unlicensed,)


@dataclass(frozen=True)
class RecruitmentSettings:
    window_days: int = 180
    unlicensed_threshold: int = 2
    """Contracts through an unlicensed intermediary in one commune within the window."""
    organisation_threshold: int = 3
    """Contracts above the ceiling plus complaints about one organisation within the window."""

    def __post_init__(self) -> None:
        if self.window_days < 1 or min(self.unlicensed_threshold, self.organisation_threshold) < 1:
            raise ValueError("the window and the thresholds must be at least 1")

    def window(self, on: date) -> tuple[date, date]:
        """The days counted for a signal on `on`: the window ending that day."""
        return on - timedelta(days=self.window_days - 1), on


def commune_subject(commune_code: str) -> UUID:
    return uuid5(SUBJECT_NAMESPACE, f"commune/{commune_code}")


def organisation_subject(checked: WorkerSenderChecked) -> UUID | None:
    """The register's id; for an organisation not in it, an id from its licence number or
    name (so its contracts still add up); None for an individual contract."""
    if checked.organisation_id is not None:
        return checked.organisation_id
    named = checked.licence_number or checked.organisation_name
    return uuid5(SUBJECT_NAMESPACE, f"organisation/{named}") if named else None


def fee_excesses(checked: WorkerSenderChecked) -> list[Excess]:
    """The contract's fees above their ceiling (only a sending organisation's: an individual
    contract pays no service fee)."""
    if organisation_subject(checked) is None:
        return []
    return excesses(
        checked.fees_vnd,
        destination=checked.destination_country,
        sector=checked.sector.value,
        monthly_salary_vnd=checked.monthly_salary_vnd,
        duration_months=checked.duration_months,
        signed_on=checked.signed_on,
    )


def through_unlicensed(checked: WorkerSenderChecked) -> bool:
    return checked.outcome == SenderCheckOutcome.overridden


def suspicious(count: int, kind: SignalKind, settings: RecruitmentSettings) -> bool:
    threshold = (
        settings.unlicensed_threshold
        if kind in COMMUNE_SIGNALS
        else settings.organisation_threshold
    )
    return count >= threshold
