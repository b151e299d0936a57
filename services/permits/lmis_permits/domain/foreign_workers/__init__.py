"""The foreign worker file: one per person and employer engagement, holding the work permit
(or the exemption certificate that replaces it), its extension, revocation, the end of
employment, health checks and temporary residence.

`commands` (as the API receives them), `state` (the file and the transition table `ALLOWED`),
`decide` (command -> events) and `evolve` (event -> state); all pure.
"""

from lmis_permits.domain.errors import ForeignWorkerNotFound
from lmis_permits.domain.foreign_workers.commands import (
    ApplyForExtension,
    ApplyForPermit,
    CertifyExemption,
    CommandName,
    EndEmployment,
    ExtendPermit,
    FileCommand,
    ForeignWorkerCommand,
    IssuePermit,
    RecordHealthCheck,
    RegisterForeignWorker,
    RegisterResidence,
    RevokePermit,
)
from lmis_permits.domain.foreign_workers.decide import decide
from lmis_permits.domain.foreign_workers.evolve import evolve
from lmis_permits.domain.foreign_workers.state import (
    ALLOWED,
    EmploymentEnd,
    ExemptionRecord,
    FileStatus,
    ForeignWorkerFile,
    HealthCheck,
    PermitRecord,
    Residence,
    Revocation,
)
from lmis_shared.commands import Aggregate

AGGREGATE = Aggregate("foreign_worker", evolve, ForeignWorkerNotFound)

__all__ = [
    "AGGREGATE",
    "ALLOWED",
    "ApplyForExtension",
    "ApplyForPermit",
    "CertifyExemption",
    "CommandName",
    "EmploymentEnd",
    "EndEmployment",
    "ExemptionRecord",
    "ExtendPermit",
    "FileCommand",
    "FileStatus",
    "ForeignWorkerCommand",
    "ForeignWorkerFile",
    "HealthCheck",
    "IssuePermit",
    "PermitRecord",
    "RecordHealthCheck",
    "RegisterForeignWorker",
    "RegisterResidence",
    "Residence",
    "Revocation",
    "RevokePermit",
    "decide",
    "evolve",
]
