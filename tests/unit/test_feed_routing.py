"""The agency feeds' rules, pure and with fakes of the feed ports: which feed gets an event,
with which fields (never one outside the catalogue's list), and the personal-fields seam."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from uuid import UUID

import pytest
from pydantic import ValidationError

from lmis_notify.application.feed_fanout import FeedFanout
from lmis_notify.application.feed_ports import ClearPersonalFields, FeedRecord
from lmis_notify.domain.feed_routing import SubjectUnits, route
from lmis_shared.contracts import registry as r
from lmis_shared.contracts import registry_loans as loans
from lmis_shared.contracts.feeds import FeedDefinition, load_catalogue
from tests.unit.alert_examples import Stream, worker_registered

CATALOGUE = load_catalogue()
FEEDS = CATALOGUE.feeds
REGISTERED = r.WorkerRegistered.event_type


class FakeBook:
    def __init__(self) -> None:
        self.subjects_known: dict[UUID, SubjectUnits] = {}
        self.records: list[FeedRecord] = []
        self.access: list[tuple[str, list[str]]] = []
        self.forgotten: list[UUID] = []

    async def definitions(self) -> list[FeedDefinition]:
        return list(FEEDS)

    async def subjects(self, ids: Sequence[UUID]) -> dict[UUID, SubjectUnits]:
        return {i: self.subjects_known[i] for i in ids if i in self.subjects_known}

    async def save_subjects(self, subjects: Mapping[UUID, SubjectUnits]) -> None:
        self.subjects_known.update(subjects)

    async def add(self, records: Sequence[FeedRecord]) -> None:
        self.records.extend(records)

    async def record_access(self, feed: FeedDefinition, records: Sequence[FeedRecord]) -> None:
        self.access.append((feed.name, [str(x.metadata.stream_id) for x in records]))

    async def forget(self, subject: UUID) -> None:
        self.forgotten.append(subject)


def test_the_shipped_catalogue_names_only_known_types_and_fields() -> None:
    assert {f.name for f in FEEDS} >= {"police", "bank", "foreign_affairs", "commune"}
    for feed in FEEDS:
        assert feed.purpose
        assert feed.legal_basis


def test_a_definition_with_a_field_its_event_lacks_is_refused() -> None:
    police = CATALOGUE.by_name()["police"].model_dump()
    police["event_types"] = {REGISTERED: ["person", "salary"]}
    with pytest.raises(ValidationError, match="unknown fields"):
        FeedDefinition.model_validate(police)


def test_each_feed_gets_only_its_fields_and_a_commune_only_its_residents() -> None:
    data = worker_registered().model_dump(mode="json")
    here = SubjectUnits("03388", "12")
    routed = route(FEEDS, REGISTERED, "worker", data, here)
    by_feed = {(x.feed, x.unit): x.data for x in routed}
    assert set(by_feed) == {("police", None), ("foreign_affairs", None), ("commune", "03388")}
    for (name, _), kept in by_feed.items():
        assert set(kept) <= set(CATALOGUE.by_name()[name].event_types[REGISTERED])
    assert "ethnicity" not in by_feed[("police", None)]
    elsewhere = route(FEEDS, REGISTERED, "worker", data, SubjectUnits("03637", "12"))
    assert all(x.feed != "commune" for x in elsewhere)
    assert route(FEEDS, REGISTERED, "worker", data, None) == []  # unit unknown: nowhere


async def test_a_sealed_personal_field_is_withheld_never_forwarded() -> None:
    worker = Stream("worker")
    decoded = worker.event(worker_registered())
    sealed = {**decoded.event.data, "person": {"$enc": "v1", "k": "x", "n": "AA", "c": "BB"}}
    book = FakeBook()
    count = await FeedFanout(ClearPersonalFields()).apply(book, [(decoded.event.metadata, sealed)])
    assert count == len(book.records) > 0
    assert all("person" not in rec.data for rec in book.records)
    assert {name for name, _ in book.access} == {rec.feed for rec in book.records}


async def test_the_bank_hears_of_borrowers_only() -> None:
    book = FakeBook()
    fanout = FeedFanout(ClearPersonalFields())
    borrower, other = Stream("worker"), Stream("worker")
    departed = r.WorkerDeparted(departure_date=date(2026, 3, 1), border_gate="NB")
    events = [
        borrower.event(worker_registered()),
        other.event(worker_registered()),
        Stream("loan").event(_loan(borrower.id)),
        borrower.event(departed),
        other.event(departed),
    ]
    await fanout.apply(book, [(d.event.metadata, d.event.data) for d in events])
    bank = [rec for rec in book.records if rec.feed == "bank"]
    assert [rec.metadata.event_type.split(".")[-2] for rec in bank] == ["applied", "departed"]
    assert bank[1].metadata.stream_id == borrower.id
    assert all(rec.metadata.actor != "officer-1" for rec in book.records)


def _loan(worker: UUID) -> loans.LoanApplied:
    return loans.LoanApplied(
        worker_id=worker,
        purpose=loans.LoanPurpose.going_abroad,
        amount_vnd=50_000_000,
        commune_code="03637",
        province_code="12",
        applied_on=date(2026, 2, 1),
    )
