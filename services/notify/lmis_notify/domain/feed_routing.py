"""Which feeds an event goes to, and with which fields (pure).

Events after a file's registration (departed, returned...) carry no unit, so the processor
remembers each subject's commune and province from the events that do (`learn`), and which
workers applied for a loan (a bank feed covers `borrowers` only). `route` then asks each feed:
does it carry this type, does it cover this subject's unit (and, per commune, which topic), and
keeps only the fields the feed lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from lmis_shared.contracts.feeds import FeedDefinition
from lmis_shared.contracts.registry_loans import LoanApplied

WORKER = "worker"
LOAN = "loan"


@dataclass(frozen=True)
class SubjectUnits:
    """Where a subject (a stream: worker, loan, foreign worker...) belongs, as last known."""

    commune: str | None = None
    province: str | None = None
    borrower: bool = False


@dataclass(frozen=True)
class Routed:
    feed: str
    unit: str | None
    """The commune of a per-commune feed's topic; None for the feed's one topic."""
    data: dict[str, Any]


def learn(known: SubjectUnits | None, data: Mapping[str, Any]) -> SubjectUnits | None:
    """`known` after an event whose data may name the subject's unit (a move changes it)."""
    commune, province = data.get("commune_code"), data.get("province_code")
    unit = data.get("unit_code")  # an alert's: its subject's commune, or a province
    if commune is None and isinstance(unit, str) and len(unit) == 5:
        commune = unit
    if commune is None and province is None:
        return known
    base = known or SubjectUnits()
    return replace(base, commune=commune or base.commune, province=province or base.province)


def borrower_of(event_type: str, data: Mapping[str, Any]) -> UUID | None:
    """The worker a loan application makes a borrower."""
    if event_type == LoanApplied.event_type:
        return UUID(str(data["worker_id"]))
    return None


def route(
    feeds: Iterable[FeedDefinition],
    event_type: str,
    stream_type: str,
    data: Mapping[str, Any],
    subject: SubjectUnits | None,
) -> list[Routed]:
    """Every (feed, topic unit, reduced data) the event goes to; [] when none carries it."""
    if subject is None:
        return []  # a subject whose unit is unknown goes nowhere rather than everywhere
    out: list[Routed] = []
    for feed in feeds:
        if not feed.allows(event_type, data):
            continue
        if feed.subjects == "borrowers" and stream_type == WORKER and not subject.borrower:
            continue
        for unit in feed.units_for(subject.commune, subject.province):
            out.append(Routed(feed.name, unit, feed.reduce(event_type, data)))
    return out
