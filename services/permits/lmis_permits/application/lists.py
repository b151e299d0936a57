"""The employer and demand lists: what the caller may read (an employer's and its demands'
scope is the employer's work location, resource kind `employer`), filtered, sorted and paged
by the read model (`PermitLists`). The same scope rule as every list of the platform
(`lmis_shared.auth.list_scope`): a grant that covers any unit lists everything, any other the
caller's unit only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from lmis_permits.application.employers import EMPLOYER
from lmis_permits.application.ports import (
    DemandListRow,
    DemandQuery,
    EmployerListRow,
    EmployerQuery,
    ListPage,
    PermitLists,
)
from lmis_shared.auth import READ, Authorizer, Principal, list_scope
from lmis_shared.clock import Clock


@dataclass(frozen=True)
class EmployerAndDemandLists:
    lists: PermitLists
    clock: Clock
    authorizer: Authorizer

    def now(self) -> datetime:
        return self.clock.now()

    async def employers(
        self, query: EmployerQuery, principal: Principal
    ) -> ListPage[EmployerListRow]:
        scope = list_scope(self.authorizer, principal, READ, EMPLOYER)
        return await self.lists.employers(replace(query, scope=scope))

    async def demands(self, query: DemandQuery, principal: Principal) -> ListPage[DemandListRow]:
        scope = list_scope(self.authorizer, principal, READ, EMPLOYER)
        return await self.lists.demands(replace(query, scope=scope))
