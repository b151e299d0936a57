"""What the reporting projection remembers about each stream, so later events count right.

A worker's `departed` event carries only a date and a border gate: the commune it counts in
and the sex, destination or programme it is broken down by come from the stream's earlier
events. The projection keeps one small record per stream (its "facts"), folds each event into
it in the transaction that also adds the counts and moves the positions, and counts every
event with the facts as they stand after it. A redelivered event is skipped by the positions
before it reaches this fold, so nothing is folded twice.

The same records are the streams' current state that stock indicators ("abroad now") read
together with a date: each fact keeps its business date (departed on, permit expires on,
instalment due on), so a date decides what is in force. Pure: no I/O.

Public API:
    Facts, WorkerFacts, LoanFacts, ForeignWorkerFacts, AlertFacts, Payment
    FACTS_BY_STREAM: stream type -> facts class
    FACT_EVENT_TYPES: the event types that change some stream's facts
    evolve(facts: Facts | None, payload) -> Facts | None
"""

from __future__ import annotations

from datetime import date
from functools import cache

from pydantic import BaseModel, ConfigDict

from lmis_reporting.domain.local_jobs import ReturneeSkills, demand_changes, skills_of
from lmis_shared.clock import VIETNAM_TZ
from lmis_shared.contracts import notify as n
from lmis_shared.contracts import permits as p
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.events import EventPayload


class Facts(BaseModel):
    """Where a stream counts: the commune (a leaf unit) and its province, as last recorded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    commune_code: str = ""
    """Empty only if the stream's first event never arrived: its counts go to no unit."""
    province_code: str = ""


class WorkerFacts(Facts):
    sex: str | None = None
    ethnicity: str | None = None
    priority_groups: tuple[str, ...] = ()
    destination_country: str | None = None
    programme: str | None = None
    sending_organisation: str | None = None
    """The licensed enterprise's name, else the kind (`individual_contract`, ...)."""
    sending_organisation_kind: str | None = None
    sector: str | None = None
    departed_on: date | None = None
    returned_on: date | None = None
    overstaying_since: date | None = None
    absconded_on: date | None = None
    contract_ends_on: date | None = None
    """The contract's expected end, moved by each extension (`overstay_risk`)."""
    skills: ReturneeSkills | None = None
    """What a returnee brought back, kept only while the returnee consents to be contacted
    (`domain/matching.py`); never a name or an identifier."""


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    paid_on: date
    amount_vnd: int


class LoanFacts(Facts):
    purpose: str | None = None
    status: str = "applied"
    disbursed_on: date | None = None
    schedule: tuple[loans.Instalment, ...] = ()
    """The current schedule (a restructuring replaces it)."""
    credit_vnd: int = 0
    """Counted as already paid towards the current schedule (from a restructuring)."""
    payments: tuple[Payment, ...] = ()
    """Repayments towards the current schedule, with their dates."""
    closed_on: date | None = None
    """Settled or written off: nothing is owed from this date."""


class ForeignWorkerFacts(Facts):
    sex: str | None = None
    nationality: str | None = None
    position: str | None = None
    employer: str | None = None
    """The employer's tax code."""
    engaged_on: date | None = None
    employment_ended_on: date | None = None
    permit_issued_on: date | None = None
    permit_expires_on: date | None = None
    """The last day the permit is valid (an extension moves it)."""
    permit_revoked_on: date | None = None
    exemption_from: date | None = None
    exemption_until: date | None = None


class DemandFacts(Facts):
    """An employer's demand for foreign workers, as matching needs it: where, what position,
    and the codes of its announcement for Vietnamese workers (none until announced)."""

    status: str = "submitted"
    position: str | None = None
    number_of_foreigners: int = 0
    occupation_code: str | None = None
    sector: str | None = None


class AlertFacts(Facts):
    """An alert of notify's (one stream per problem): it counts in the unit its `raised`
    event named, the subject's commune (a province for a province's report), as notify's
    alert list does; the days are Vietnam's calendar days of its raise and resolution."""

    rule: str | None = None
    raised_on: date | None = None
    resolved_on: date | None = None


FACTS_BY_STREAM: dict[str, type[Facts]] = {
    "worker": WorkerFacts,
    "loan": LoanFacts,
    "foreign_worker": ForeignWorkerFacts,
    "alert": AlertFacts,
    "demand": DemandFacts,
    # a commune's count of jobs: each event carries its commune, nothing to remember
    "job_creation_report": Facts,
}

_PROFILE_FIELDS = ("commune_code", "province_code", "sex", "ethnicity", "priority_groups")


def evolve(facts: Facts | None, payload: EventPayload) -> Facts | None:
    """The stream's facts after `payload`; unchanged (maybe None) if it records none."""
    cls = FACTS_BY_STREAM.get(payload.stream_type)
    if cls is None or payload.event_type not in FACT_EVENT_TYPES:
        return facts
    current = facts if isinstance(facts, cls) else _empty(cls)
    if isinstance(current, WorkerFacts):
        return _worker(current, payload)
    if isinstance(current, LoanFacts):
        return _loan(current, payload)
    if isinstance(current, AlertFacts):
        return _alert(current, payload)
    if isinstance(current, DemandFacts):
        return current.model_copy(update=demand_changes(payload))
    assert isinstance(current, ForeignWorkerFacts)
    return _foreign_worker(current, payload)


@cache
def _empty(cls: type[Facts]) -> Facts:
    """Facts before a stream's first event: one frozen instance per class (made anew for each
    new stream, it was a fifth of a rebuild's counting)."""
    return cls()


def _worker(f: WorkerFacts, e: EventPayload) -> WorkerFacts:
    match e:
        case r.WorkerRegistered():
            return WorkerFacts(
                commune_code=e.commune_code,
                province_code=e.province_code,
                sex=e.sex.value,
                ethnicity=e.ethnicity,
                priority_groups=tuple(g.value for g in e.priority_groups),
            )
        case r.WorkerProfileUpdated():
            return _profile_updated(f, e)
        case r.WorkerContractSigned():
            organisation = e.sending_organisation
            return f.model_copy(
                update={
                    "destination_country": e.destination_country,
                    "programme": e.programme,
                    "sending_organisation": organisation.name or organisation.kind.value,
                    "sending_organisation_kind": organisation.kind.value,
                    "sector": e.sector.value,
                    "contract_ends_on": e.end_date,
                }
            )
        case r.WorkerDeparted():
            return f.model_copy(update={"departed_on": e.departure_date})
        case r.WorkerContractExtended():
            return f.model_copy(update={"contract_ends_on": e.new_end_date})
        case r.WorkerReturnSkillsRecorded():
            return f.model_copy(update={"skills": skills_of(e)})
        case r.WorkerErased():  # nobody left to contact: out of the returnees' pool
            return f.model_copy(update={"skills": None})
        case r.WorkerReturned():
            return f.model_copy(update={"returned_on": e.return_date})
        case r.WorkerAbsconded():
            return f.model_copy(update={"absconded_on": e.absconded_on})
        case r.WorkerOverstayed():
            return f.model_copy(update={"overstaying_since": e.overstaying_since})
    return f


def _profile_updated(f: WorkerFacts, e: r.WorkerProfileUpdated) -> WorkerFacts:
    """Only the fields `changed` names move; a named field that is null was cleared."""
    update: dict[str, object] = {}
    for name in _PROFILE_FIELDS:
        if name in e.changed:
            value = getattr(e, name)
            update[name] = _plain(value) if value is not None else _cleared(name)
    return f.model_copy(update=update)


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return getattr(value, "value", value)


def _cleared(name: str) -> object:
    return () if name == "priority_groups" else ("" if name.endswith("_code") else None)


def _loan(f: LoanFacts, e: EventPayload) -> LoanFacts:
    match e:
        case loans.LoanApplied():
            return LoanFacts(
                commune_code=e.commune_code, province_code=e.province_code, purpose=e.purpose.value
            )
        case loans.LoanApproved():
            return f.model_copy(update={"status": "approved"})
        case loans.LoanRejected():
            return f.model_copy(update={"status": "rejected"})
        case loans.LoanDisbursed():
            return f.model_copy(
                update={
                    "status": "disbursed",
                    "disbursed_on": e.disbursed_on,
                    "schedule": e.schedule,
                }
            )
        case loans.LoanRepaymentReceived():
            paid = Payment(paid_on=e.paid_on, amount_vnd=e.amount_vnd)
            status = "repaying" if f.status == "disbursed" else f.status
            return f.model_copy(update={"status": status, "payments": (*f.payments, paid)})
        case loans.LoanRestructured():
            # the new schedule starts from nothing paid but the credit carried over
            return f.model_copy(
                update={
                    "status": "restructured",
                    "schedule": e.schedule,
                    "credit_vnd": e.credit_vnd,
                    "payments": (),
                }
            )
        case loans.LoanSettled():
            return f.model_copy(update={"status": "settled", "closed_on": e.settled_on})
        case loans.LoanWrittenOff():
            return f.model_copy(update={"status": "written_off", "closed_on": e.written_off_on})
    return f


def _foreign_worker(f: ForeignWorkerFacts, e: EventPayload) -> ForeignWorkerFacts:
    match e:
        case p.ForeignWorkerRegistered():
            return ForeignWorkerFacts(
                commune_code=e.commune_code,
                province_code=e.province_code,
                sex=e.sex.value,
                nationality=e.nationality,
                position=e.position.value,
                employer=e.employer_tax_code,
                engaged_on=e.engaged_on,
            )
        case p.PermitIssued():
            # a new permit replaces an earlier one, revoked or expired
            return f.model_copy(
                update={
                    "position": e.position.value,
                    "employer": e.employer_tax_code,
                    "permit_issued_on": e.issue_date,
                    "permit_expires_on": e.expiry_date,
                    "permit_revoked_on": None,
                }
            )
        case p.PermitExtended():
            return f.model_copy(update={"permit_expires_on": e.new_expiry_date})
        case p.PermitRevoked():
            return f.model_copy(update={"permit_revoked_on": e.revoked_on})
        case p.ExemptionCertified():
            return f.model_copy(
                update={"exemption_from": e.valid_from, "exemption_until": e.valid_until}
            )
        case p.EmploymentEnded():
            return f.model_copy(update={"employment_ended_on": e.ended_on})
    return f


def _alert(f: AlertFacts, e: EventPayload) -> AlertFacts:
    match e:
        case n.AlertRaised():
            # an alert with no commune known (a province's report) counts in the province
            return AlertFacts(
                commune_code=e.unit_code or e.province_code or "",
                province_code=e.province_code or "",
                rule=e.rule.value,
                raised_on=e.raised_at.astimezone(VIETNAM_TZ).date(),
            )
        case n.AlertResolved():
            return f.model_copy(update={"resolved_on": e.resolved_at.astimezone(VIETNAM_TZ).date()})
    return f


FACT_EVENT_TYPES: frozenset[str] = frozenset(
    cls.event_type
    for cls in (
        r.WorkerRegistered,
        r.WorkerProfileUpdated,
        r.WorkerContractSigned,
        r.WorkerDeparted,
        r.WorkerReturned,
        r.WorkerAbsconded,
        r.WorkerOverstayed,
        r.WorkerContractExtended,
        r.WorkerReturnSkillsRecorded,
        r.WorkerErased,
        p.DemandSubmitted,
        p.DemandAnnouncementRecorded,
        p.DemandApproved,
        p.DemandRejected,
        loans.LoanApplied,
        loans.LoanApproved,
        loans.LoanRejected,
        loans.LoanDisbursed,
        loans.LoanRepaymentReceived,
        loans.LoanRestructured,
        loans.LoanSettled,
        loans.LoanWrittenOff,
        p.ForeignWorkerRegistered,
        p.PermitIssued,
        p.PermitExtended,
        p.PermitRevoked,
        p.ExemptionCertified,
        p.EmploymentEnded,
        n.AlertRaised,
        n.AlertResolved,
    )
)
