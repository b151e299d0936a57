"""What the reporting routes take from a request: the service's use cases, the caller, and
the hierarchy a unit code belongs to. Shared by `http.py` and `report_routes.py`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from lmis_reporting.bootstrap import Reporting
from lmis_reporting.domain.units import Hierarchy
from lmis_shared.auth import Principal
from lmis_shared.web import current_principal


def reporting(request: Request) -> Reporting:
    found: Reporting = request.app.state.reporting
    return found


App = Annotated[Reporting, Depends(reporting)]
Caller = Annotated[Principal, Depends(current_principal)]
HierarchyQuery = Annotated[
    Hierarchy,
    Query(description="`current` (since 2025-07-01: province → commune) or `legacy`"),
]
AsOfQuery = Annotated[
    date | None,
    Query(
        description=(
            "a past day (YYYY-MM-DD): the answer exactly as the platform gave it at the end of"
            " that day (Asia/Ho_Chi_Minh), from the events recorded by then: flows count what"
            " had been recorded of the period, stocks are judged on that day (or the period's"
            " last day if earlier) with the facts then known. Default: now. A day after today"
            " is a 422 naming `query.as_of`."
        )
    ),
]
