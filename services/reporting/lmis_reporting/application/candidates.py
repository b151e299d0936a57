"""The province's view of returnees who could take a position an employer asked foreigners for.

Reporting keeps, from registry's and permits' events, what matching needs and nothing more
(`domain/facts.py`: a consenting returnee's skills and commune, a demand's codes): no name, no
identifier. The answer gives each candidate's registry file id, which the officer opens with
`GET /v1/workers/{id}` on the registry, under the registry's own scope rules and access
record; a referral or a hire is then a command on the demand (permits).

Who may ask: a caller whose `indicator` grant covers the demand's province (province officers,
admins); anyone else gets the same 404 as a missing demand (no oracle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from lmis_reporting.domain.facts import DemandFacts
from lmis_reporting.domain.local_jobs import ReturneeSkills
from lmis_reporting.domain.matching import Candidate, DemandNotKnown, match
from lmis_shared.auth import READ, Authorizer, Principal
from lmis_shared.errors import Unseen


class CandidateReader(Protocol):
    async def demand(self, demand_id: UUID) -> DemandFacts | None: ...

    async def returnees(self, province_code: str) -> list[tuple[UUID, str, ReturneeSkills]]:
        """Every consenting returnee of the province: file id, commune, skills."""
        ...


@dataclass(frozen=True)
class DemandCandidates:
    demand_id: UUID
    demand: DemandFacts
    candidates: list[Candidate]


class Candidates:
    def __init__(self, reader: CandidateReader, authorizer: Authorizer) -> None:
        self._reader = reader
        self._authorizer = authorizer

    async def for_demand(self, principal: Principal, demand_id: UUID) -> DemandCandidates:
        demand = await self._reader.demand(demand_id)
        if demand is None:
            raise DemandNotKnown(demand_id)
        try:
            self._authorizer.check(principal, READ, demand.province_code, "indicator")
        except Unseen:
            raise DemandNotKnown(demand_id) from None
        pool = await self._reader.returnees(demand.province_code)
        return DemandCandidates(demand_id, demand, match(demand, pool))
