"""What the reporting routes take from a request: the service's use cases, the caller, and
the hierarchy a unit code belongs to. Shared by `http.py` and `report_routes.py`."""

from __future__ import annotations

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
