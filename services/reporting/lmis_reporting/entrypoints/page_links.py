"""Where each figure of the dashboard leads: the list behind it, filtered the same way.

Every link goes through the dashboard's `/open/<service>/<path>` (`pages.py`), which asks the
service's own list API with the signed-in officer's token, so the list obeys the same scope
rules as the API: a commune officer following a province's link sees a 403, not the province.
Worker lists take `province` or `commune`; the foreign-worker and alert lists take `unit`.
"""

from __future__ import annotations

import calendar
from urllib.parse import urlencode

from lmis_reporting.domain.units import Unit

PERMIT_STATUS_OF = {
    "foreign_workers_valid_permit": "valid",
    "foreign_workers_exempt": "exempt",
    "foreign_workers_without_permit": "none",
}


def _open(service: str, path: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/open/{service}/v1/{path}" + (f"?{query}" if query else "")


def _where(unit: Unit) -> dict[str, str]:
    return {"commune" if unit.level == "commune" else "province": unit.code}


def workers(unit: Unit, **params: str) -> str:
    return _open("registry", "workers", **_where(unit), **params)


def departures(unit: Unit, year: int, month: int | None = None, destination: str = "") -> str:
    first = f"{year}-{month or 1:02d}-01"
    last_month = month or 12
    last = f"{year}-{last_month:02d}-{calendar.monthrange(year, last_month)[1]:02d}"
    return workers(unit, departed_from=first, departed_to=last, destination=destination)


def overstaying(unit: Unit, destination: str = "") -> str:
    return workers(unit, status="overstaying", destination=destination)


def loans_overdue(unit: Unit) -> str:
    return _open("registry", "loans", **_where(unit), overdue="true")


def foreign_workers(unit: Unit, figure: str) -> str:
    return _open(
        "permits",
        "foreign-workers",
        unit=unit.code,
        employed="true",
        permit_status=PERMIT_STATUS_OF.get(figure, ""),
    )


def alerts(unit: Unit, rule: str = "") -> str:
    return _open("notify", "alerts", status="open", unit=unit.code, rule=rule)


def report(kind: str, unit: Unit, period: str, file_format: str) -> str:
    return _open("reporting", f"reports/{kind}/{unit.code}/{period}", format=file_format)


def filing_status(kind: str, unit: Unit, period: str) -> str:
    return _open("reporting", f"reports/{kind}/status", unit=unit.code, period=period)


def drill_down(unit: Unit, year: int) -> str:
    return f"/?{urlencode({'unit': unit.code, 'year': str(year)})}"
