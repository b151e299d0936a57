"""The overview's tables as rows a template prints: each with the figure's id (what the live
update finds it by), its label, its value and the list behind it (`page_links`)."""

from __future__ import annotations

from dataclasses import dataclass

from lmis_reporting.application.dashboard import FOREIGN_BY_PERMIT, LOANS, Overview
from lmis_reporting.application.measures import Number
from lmis_reporting.entrypoints import page_links as links
from lmis_reporting.entrypoints.page_text import Words


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    value: Number | None
    href: str


def _ranked(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-(r.value or 0), r.label))


def tables(o: Overview, t: Words) -> dict[str, list[Row]]:
    unit, year = o.unit, o.year
    names = {child.unit.code: child.unit.name for child in o.children}
    return {
        "months": [
            Row(f"departed.month.{m}", m, v, links.departures(unit, year, int(m[5:])))
            for m, v in o.departures_by_month
        ],
        "destinations": _ranked(
            [
                Row(f"departed.dest.{k}", k, v, links.departures(unit, year, destination=k))
                for k, v in o.departures_by_destination.items()
            ]
        ),
        "overstay_destinations": _ranked(
            [
                Row(f"overstay.dest.{k}", k, v, links.overstaying(unit, destination=k))
                for k, v in o.overstay_by_destination.items()
            ]
        ),
        "overstay_units": _ranked(
            [
                Row(
                    f"overstay.unit.{code}",
                    names.get(code, code),
                    v,
                    links.workers(unit, commune=code, status="overstaying")
                    if unit.level != "commune"
                    else links.overstaying(unit),
                )
                for code, v in o.overstay_by_unit.items()
            ]
        ),
        "loans": [
            Row(code, t.name(code), o.loans.get(code), links.loans_overdue(unit)) for code in LOANS
        ],
        "foreign": [
            Row(code, t.name(code), o.foreign_workers.get(code), links.foreign_workers(unit, code))
            for code in FOREIGN_BY_PERMIT
        ],
        "alerts": _ranked(
            [
                Row(f"alerts.{rule}", rule, count, links.alerts(unit, rule))
                for rule, count in o.open_alerts.items()
            ]
        ),
    }


def ranked_children(o: Overview) -> list[tuple[str, Number | None]]:
    """The units under this one by the year's departures, most first (the ranked bars)."""
    rows = [(c.unit.code, c.figures.get("departed")) for c in o.children]
    return sorted(rows, key=lambda r: -(r[1] or 0))
