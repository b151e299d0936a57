"""The recruitment watch: fees above the ceiling and suspicious recruitment, from the
registry's `worker.sender_checked` and `sending_organisation.complaint_recorded` events, in the
deadline projection's transaction (the same `AlertBook`, plus the signals it counts).

The rules are `domain/recruitment.py`'s; what this adds is storage: each signal is recorded
once (keyed by its source), counted in the window ending on its day, and the alerts go
through the same `raise_alerts` as every other rule's (one open alert per subject and rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol
from uuid import UUID

from lmis_notify.application.deadlines import raise_alerts
from lmis_notify.application.ports import AlertBook
from lmis_notify.domain import recruitment as rules
from lmis_notify.domain.model import Cause, Deadline, Subject
from lmis_notify.domain.recruitment import RecruitmentSettings, SignalKind
from lmis_shared.clock import Clock
from lmis_shared.contracts.notify import AlertRule, SubjectKind
from lmis_shared.contracts.registry_senders import BrokerComplaintRecorded, WorkerSenderChecked
from lmis_shared.events import EventMetadata, EventPayload


class SignalBook(AlertBook, Protocol):
    """The alert book, and the recruitment signals in the same transaction."""

    async def record_signal(self, subject_id: UUID, kind: str, source_id: UUID, on: date) -> None:
        """Store the signal once (a replay records nothing new)."""
        ...

    async def count_signals(
        self, subject_id: UUID, kinds: Sequence[str], since: date, until: date
    ) -> int: ...


class RecruitmentWatch:
    def __init__(self, settings: RecruitmentSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    async def apply(
        self, book: SignalBook, events: Sequence[tuple[EventMetadata, EventPayload]]
    ) -> None:
        for meta, payload in events:
            if meta.event_type not in rules.WATCHED_EVENT_TYPES:
                continue  # most events: no cause built, no class checked
            cause = Cause(
                actor=meta.actor,
                correlation_id=meta.correlation_id,
                at=self._clock.now(),
                event_id=meta.event_id,
                event_type=meta.event_type,
                traceparent=meta.traceparent,
            )
            if isinstance(payload, WorkerSenderChecked):
                await self._contract(book, meta.stream_id, payload, cause)
            elif isinstance(payload, BrokerComplaintRecorded):
                where = (payload.province_code, payload.province_code)
                await self._signal(
                    book,
                    meta.stream_id,
                    SubjectKind.sending_organisation,
                    where,
                    SignalKind.complaint,
                    meta.event_id,
                    payload.received_on,
                    cause,
                )

    async def _contract(
        self, book: SignalBook, worker_id: UUID, checked: WorkerSenderChecked, cause: Cause
    ) -> None:
        organisation = rules.organisation_subject(checked)
        on = checked.signed_on
        if organisation is not None and rules.fee_excesses(checked):
            where = (checked.province_code, checked.province_code)
            subject = await self._subject(
                book, organisation, SubjectKind.sending_organisation, where
            )
            await self._raise(
                book, subject, Deadline(AlertRule.fee_above_ceiling, organisation, on), cause
            )
            await self._signal(
                book,
                organisation,
                SubjectKind.sending_organisation,
                where,
                SignalKind.fee_above_ceiling,
                worker_id,
                on,
                cause,
            )
        if rules.through_unlicensed(checked):
            commune = rules.commune_subject(checked.commune_code)
            where = (checked.commune_code, checked.province_code)
            await self._signal(
                book,
                commune,
                SubjectKind.commune,
                where,
                SignalKind.unlicensed,
                worker_id,
                on,
                cause,
            )

    async def _signal(
        self,
        book: SignalBook,
        subject_id: UUID,
        kind: SubjectKind,
        where: tuple[str, str],
        signal: SignalKind,
        source_id: UUID,
        on: date,
        cause: Cause,
    ) -> None:
        await book.record_signal(subject_id, signal.value, source_id, on)
        counted = (
            rules.COMMUNE_SIGNALS if signal in rules.COMMUNE_SIGNALS else rules.ORGANISATION_SIGNALS
        )
        since, until = self._settings.window(on)
        count = await book.count_signals(subject_id, [k.value for k in counted], since, until)
        if rules.suspicious(count, signal, self._settings):
            subject = await self._subject(book, subject_id, kind, where)
            await self._raise(
                book, subject, Deadline(AlertRule.suspicious_recruitment, subject_id, on), cause
            )

    @staticmethod
    async def _subject(
        book: SignalBook, subject_id: UUID, kind: SubjectKind, where: tuple[str, str]
    ) -> Subject:
        known = (await book.subjects([subject_id])).get(subject_id)
        return known or Subject(subject_id, kind, unit_code=where[0], province_code=where[1])

    @staticmethod
    async def _raise(book: SignalBook, subject: Subject, deadline: Deadline, cause: Cause) -> None:
        """The problem is the fact itself: set, raised and settled at once (one open alert
        per subject and rule; a later day of the same problem updates its count). These rules
        are never fixed, so every day already raised still counts: a rebuild, which forgets
        the subjects but keeps the raised deadlines, finds the alert saying what it says."""
        pair = (subject.id, deadline.rule)
        raised = (await book.raised([pair])).get(pair, set())
        held = replace(subject, deadlines=subject.deadlines | raised | {deadline})
        await book.save_subjects([held])
        await book.set_deadlines([deadline])
        await raise_alerts(book, [(deadline, held)], cause)
