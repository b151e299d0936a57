"""The feed fan-out: source events in, one reduced record per (feed, event) into the outbox.

Called by the feed projection (`adapters/feed_projection.py`) inside its transaction, with the
events its positions say are new, in source order: so each source event gives each feed one
record, once, whatever Kafka redelivers, and the relay publishes the outbox in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from lmis_notify.application.feed_ports import FeedBook, FeedRecord, PersonalFields
from lmis_notify.domain.feed_routing import SubjectUnits, borrower_of, learn, route
from lmis_shared.events import EventMetadata, payload_class
from lmis_shared.privacy.erasure import erases

Event = tuple[EventMetadata, dict[str, Any]]


class FeedFanout:
    def __init__(self, personal: PersonalFields) -> None:
        self._personal = personal

    async def apply(self, book: FeedBook, events: Sequence[Event]) -> int:
        """Write the records of `events`; how many records."""
        feeds = await book.definitions()
        ids = {m.stream_id for m, _ in events}
        ids |= {b for m, d in events if (b := borrower_of(m.event_type, d)) is not None}
        known = await book.subjects(list(ids))
        changed: dict[UUID, SubjectUnits] = {}
        routed_records: list[tuple[str, str | None, EventMetadata, dict[str, Any]]] = []
        for meta, data in events:
            subject = learn(known.get(meta.stream_id), data)
            if subject is not None and subject != known.get(meta.stream_id):
                known[meta.stream_id] = changed[meta.stream_id] = subject
            borrower = borrower_of(meta.event_type, data)
            if borrower is not None:
                known[borrower] = changed[borrower] = _borrowing(known.get(borrower))
            for routed in route(feeds, meta.event_type, meta.stream_type, data, subject):
                routed_records.append((routed.feed, routed.unit, meta, routed.data))
        # reduced first, opened after: a field no purpose allows is never decrypted
        revealed = await self._personal.reveal([(m, d) for _, _, m, d in routed_records])
        records = [
            FeedRecord(feed, unit, _outgoing(meta), data)
            for (feed, unit, meta, _), data in zip(routed_records, revealed, strict=True)
        ]
        if changed:
            await book.save_subjects(changed)
        if records:
            await book.add(records)
        for meta, _ in events:  # after the add: a record of this batch is forgotten too
            if erases(payload_class(meta.event_type)):
                await book.forget(meta.stream_id)
        if records:  # what the agencies received (an erased person's fields: null)
            by_feed = {f.name: f for f in feeds}
            for name in sorted({r.feed for r in records}):
                await book.record_access(by_feed[name], [r for r in records if r.feed == name])
        return len(records)


def _borrowing(known: SubjectUnits | None) -> SubjectUnits:
    base = known or SubjectUnits()
    return SubjectUnits(base.commune, base.province, borrower=True)


def _outgoing(meta: EventMetadata) -> EventMetadata:
    # the officer who recorded the fact is none of the agency's business: the source service
    return meta.model_copy(update={"actor": meta.source or "lmis"})
