"""The check of the organisation a contract is signed through, against the register.

Law 69/2020/QH14 lets only a licensed enterprise (art. 9-10) or a public service unit assigned
by the State send workers abroad under contract, each for the markets its licence or task
names; a suspended or revoked licence stops it (art. 11). A contract signed through anyone else
is refused (422 naming the field), unless the officer enters it as a historical record with an
`override_reason`: then it is recorded, with the check's outcome, in `worker.sender_checked`
(the officer is the event's actor), and notify counts it as recruitment through an unlicensed
intermediary (`suspicious_recruitment`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lmis_registry.domain.errors import InvalidField
from lmis_registry.domain.senders.state import SendingOrganisation
from lmis_registry.domain.workers.commands import SignContract
from lmis_shared.contracts.registry import SendingOrganisationKind
from lmis_shared.contracts.registry_senders import (
    SenderCheckOutcome,
    SenderProblem,
    WorkerSenderChecked,
)

_WHY = {
    SenderProblem.unknown: "is not a licensed organisation in the register of sending "
    "organisations",
    SenderProblem.suspended: "names an organisation whose licence is suspended",
    SenderProblem.revoked: "names an organisation whose licence is revoked",
    SenderProblem.expired: "names an organisation whose licence had expired on the signing day",
    SenderProblem.market: "is not a market the sending organisation may serve",
}


@dataclass(frozen=True)
class Where:
    """The worker file's units, recorded with the check (notify counts by commune)."""

    commune_code: str
    province_code: str


def _field(command: SignContract, problem: SenderProblem) -> str:
    if problem == SenderProblem.market:
        return "destination_country"
    if command.sending_organisation.organisation_id is not None:
        return "sending_organisation.organisation_id"
    return "sending_organisation.licence_number"


def needs_register(command: SignContract) -> bool:
    """Whether the contract's organisation must be found in the register: named by id, or a
    licensed enterprise (by its licence number). A public centre named by its name only, and
    an individual contract, are recorded as they are."""
    sender = command.sending_organisation
    licensed = sender.kind == SendingOrganisationKind.licensed_enterprise
    return sender.organisation_id is not None or licensed


def check_sender(
    command: SignContract,
    organisation: SendingOrganisation | None,
    signed_on: date,
    where: Where,
) -> WorkerSenderChecked | None:
    """The check's event; raises `InvalidField` when it fails and no override is given.
    `organisation` is the register's entry found for the command (None: none found).
    None when there was nothing to check (an individual contract, a public centre named by
    its name only): the contract's own event says all there is, and the file's versions stay
    what clients written before the register expect."""
    sender = command.sending_organisation
    problem: SenderProblem | None = None
    if organisation is not None:
        if organisation.kind != sender.kind:
            problem = SenderProblem.unknown  # an id of a centre given as an enterprise
        else:
            problem = organisation.licence_problem(command.destination_country, signed_on)
    elif needs_register(command):
        problem = SenderProblem.unknown
    if problem is not None and command.override_reason is None:
        raise InvalidField(_field(command, problem), _WHY[problem])
    if problem is not None:
        outcome = SenderCheckOutcome.overridden
    elif organisation is not None:
        outcome = SenderCheckOutcome.verified
    else:
        return None
    return WorkerSenderChecked(
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else sender.name,
        licence_number=organisation.licence_number if organisation else sender.licence_number,
        outcome=outcome,
        problem=problem,
        override_reason=command.override_reason if problem is not None else None,
        commune_code=where.commune_code,
        province_code=where.province_code,
        destination_country=command.destination_country,
        sector=command.sector,
        signed_on=signed_on,
        duration_months=command.duration_months,
        monthly_salary_vnd=command.monthly_salary_vnd,
        fees_vnd=dict(command.fees_vnd),
    )
