"""The register of sending organisations: licensed enterprises and public employment service
centres, their licences and the markets they may serve (Law 69/2020/QH14 art. 9-11).

    commands   `RegisterSendingOrganisation`, `UpdateSendingOrganisation`, `Suspend...`,
               `RecordComplaint`
    state      `SendingOrganisation`, `licence_problem` (the contract check)
    evolve     `evolve(state | None, event, stream_id)`
    decide     `decide(state | None, command, today)`
"""

from lmis_registry.domain.senders.commands import (
    RecordComplaint,
    RegisterSendingOrganisation,
    SenderCommand,
    SuspendSendingOrganisation,
    UpdateSendingOrganisation,
)
from lmis_registry.domain.senders.decide import UPDATABLE, decide
from lmis_registry.domain.senders.evolve import evolve
from lmis_registry.domain.senders.state import (
    LicenceTaken,
    SendingOrganisation,
    SendingOrganisationNotFound,
)
from lmis_shared.commands import Aggregate
from lmis_shared.contracts.registry_senders import STREAM_TYPE

AGGREGATE = Aggregate(STREAM_TYPE, evolve, SendingOrganisationNotFound)

__all__ = [
    "AGGREGATE",
    "UPDATABLE",
    "LicenceTaken",
    "RecordComplaint",
    "RegisterSendingOrganisation",
    "SenderCommand",
    "SendingOrganisation",
    "SendingOrganisationNotFound",
    "SuspendSendingOrganisation",
    "UpdateSendingOrganisation",
    "decide",
    "evolve",
]
