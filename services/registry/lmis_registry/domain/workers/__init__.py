"""The outbound worker file: one aggregate per person and departure (domain.md, domain 1).

Pure: commands (`commands`, `profile`), state (`state`), the lifecycle table (`lifecycle`),
`decide` and `evolve`, and `AGGREGATE` for the command path. Nothing here knows HTTP,
PostgreSQL or Kafka: handlers pass in the state and today's date and get events back, which
makes every rule testable with plain values.
"""

from lmis_registry.domain.errors import WorkerNotFound
from lmis_registry.domain.workers.checks import (
    FollowUp,
    Identity,
    IdentityAnswer,
    IdentityStatus,
    compare,
)
from lmis_registry.domain.workers.commands import (
    AnyWorkerCommand,
    CheckIdentity,
    EnrolTraining,
    ExtendContract,
    RecordDeparture,
    RecordFamilyVisit,
    RecordResidenceCheck,
    RecordReturn,
    RecordReturnSkills,
    RecordTrainingResult,
    RegisterWorker,
    ReportAbsconded,
    ReportOverstaying,
    SendingOrganisationInput,
    SignContract,
    UpdateProfile,
    Withdraw,
    WorkerCommand,
)
from lmis_registry.domain.workers.decide import MINIMUM_AGE, decide, expected_end
from lmis_registry.domain.workers.errors import OpenFileExists
from lmis_registry.domain.workers.evolve import evolve
from lmis_registry.domain.workers.lifecycle import TRANSITIONS, allowed_commands, ensure_allowed
from lmis_registry.domain.workers.state import (
    CLOSED,
    Abroad,
    Contact,
    Contract,
    Training,
    Withdrawal,
    WorkerFile,
    WorkerStatus,
)
from lmis_shared.commands import Aggregate
from lmis_shared.errors import RegistrationRefused  # shared with permits; named here too

AGGREGATE = Aggregate("worker", evolve, WorkerNotFound)
"""The worker file for the command path: stream type `worker`, its `evolve`, its 404."""

__all__ = [
    "AGGREGATE",
    "CLOSED",
    "MINIMUM_AGE",
    "TRANSITIONS",
    "Abroad",
    "AnyWorkerCommand",
    "CheckIdentity",
    "Contact",
    "Contract",
    "EnrolTraining",
    "ExtendContract",
    "FollowUp",
    "Identity",
    "IdentityAnswer",
    "IdentityStatus",
    "OpenFileExists",
    "RecordDeparture",
    "RecordFamilyVisit",
    "RecordResidenceCheck",
    "RecordReturn",
    "RecordReturnSkills",
    "RecordTrainingResult",
    "RegisterWorker",
    "RegistrationRefused",
    "ReportAbsconded",
    "ReportOverstaying",
    "SendingOrganisationInput",
    "SignContract",
    "Training",
    "UpdateProfile",
    "Withdraw",
    "Withdrawal",
    "WorkerCommand",
    "WorkerFile",
    "WorkerStatus",
    "allowed_commands",
    "compare",
    "decide",
    "ensure_allowed",
    "evolve",
    "expected_end",
]
