"""The population register as the registry's use cases see it: one question, "does the
national population database know this identity as given?" (the Lai Châu plan: link the
workers' files with the national population database).

An implementation answers `IdentityAnswer` and never raises for the register's own troubles:
a register that is down, slow or not connected answers `unavailable`, so a registration
never fails because of it; the file is then listed for follow-up (`identity=unverified`).
Implementations: `adapters/population_local.py` (a local copy: embedded mode, tests, demos)
and `adapters/population_national.py` (the national exchange, over HTTPS). With none
configured (`LMIS_REGISTRY_POPULATION_REGISTER=none`) nothing is asked or recorded: the file
is `unverified` until the commune police's residence check.
"""

from __future__ import annotations

from typing import Protocol

from lmis_registry.domain.workers import Identity, IdentityAnswer, WorkerFile
from lmis_shared.contracts.registry_follow_up import IdentityCheckOutcome, IdentitySource


class PopulationRegister(Protocol):
    async def verify(self, identity: Identity) -> IdentityAnswer:
        """The register's answer for `identity`; `unavailable` rather than an exception."""
        ...

    async def aclose(self) -> None:
        """Release its connections (the service's shutdown)."""
        ...


class _NoRegister:
    """No register connected: asked again, a file's identity is `unavailable`."""

    async def verify(self, identity: Identity) -> IdentityAnswer:
        return IdentityAnswer(IdentityCheckOutcome.unavailable, IdentitySource.none)

    async def aclose(self) -> None:
        return None


NO_REGISTER: PopulationRegister = _NoRegister()


def identity_of(file: WorkerFile) -> Identity:
    """The identity a file gives, as the register is asked about it."""
    person = file.person
    return Identity(person.citizen_id, person.full_name, person.date_of_birth, file.commune_code)
