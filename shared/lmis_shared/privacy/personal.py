"""`PersonalData`: seals the personal fields of events before the append, opens them when the
service reads its own events back. The package's docstring gives the design."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lmis_shared.events import EventPayload, RecordedEvent, UnknownEventType, payload_class
from lmis_shared.privacy import envelope
from lmis_shared.privacy.erasure import erases
from lmis_shared.privacy.fields import personal_fields, placeholders
from lmis_shared.privacy.keys import KeyWrapper
from lmis_shared.privacy.keystore import KeyRecord, KeyStore
from lmis_shared.upcasting import upcast


class _Context(Protocol):
    @property
    def actor(self) -> str: ...

    @property
    def recorded_at(self) -> datetime: ...


class Sealable(Protocol):
    """An event about to be appended (the store's planned event)."""

    @property
    def stream_id(self) -> UUID: ...

    @property
    def event_type(self) -> str: ...

    @property
    def data(self) -> dict[str, Any]: ...

    @property
    def context(self) -> _Context: ...


S = TypeVar("S", bound=Sealable)


class SubjectErased(Exception):
    """Personal data for a subject whose key is destroyed: it cannot be recorded any more."""

    def __init__(self, subject: UUID) -> None:
        super().__init__(f"the personal data of {subject} was erased")
        self.subject = subject


DataKeys = dict[UUID, bytes | None]
"""Unwrapped data keys by subject; None for a subject whose key is destroyed (or missing)."""


def personal_of(event_type: str) -> tuple[str, ...]:
    try:
        return personal_fields(payload_class(event_type))
    except UnknownEventType:
        return ()


def _erases(event_type: str) -> bool:
    try:
        return erases(payload_class(event_type))
    except UnknownEventType:
        return False


def _starts(event: Sealable) -> bool:
    """Whether `event` is the first of its stream (a store's planned event says its version)."""
    return getattr(event, "version", None) == 1


def _why(data: dict[str, Any]) -> str:
    return f"{data.get('legal_basis', '')} (ref. {data.get('request_reference', '')})"


class PersonalData:
    def __init__(self, keys: KeyStore, wrapper: KeyWrapper) -> None:
        self.keys = keys
        self.wrapper = wrapper

    # --- writing ---------------------------------------------------------------------------

    async def seal(self, connection: Any, events: Sequence[Sealable]) -> list[dict[str, Any]]:
        """The data of `events` as they are stored: each personal field that holds a value
        sealed with its subject's key (made with the subject's first personal event). An
        erasure event destroys the key after the batch is sealed. SubjectErased for personal
        data of an erased subject."""
        subjects = {e.stream_id for e in events if self._clear_fields(e)}
        keys = await self._keys_to_seal(connection, subjects, events)
        sealed = [self._sealed(e, keys) for e in events]
        for e in events:
            if _erases(e.event_type):
                at, by = e.context.recorded_at, e.context.actor
                await self.keys.erase(connection, e.stream_id, at, by, _why(e.data))
        return sealed

    def seal_new_subjects(
        self, events: Sequence[Sealable]
    ) -> tuple[list[dict[str, Any]], list[KeyRecord]]:
        """`seal` for events that all open new streams (an import's), with no round trip:
        each subject's data key is made here, and the key records come back for the caller
        to store in the events' transaction (`keys.create`)."""
        sealed, made = self.seal_new_streams(events)
        key_id = self.wrapper.key_id
        records = [
            KeyRecord(e.stream_id, wrapped, key_id, e.context.recorded_at) for e, wrapped in made
        ]
        return sealed, records

    def seal_new_streams(
        self, events: Sequence[S]
    ) -> tuple[list[dict[str, Any]], list[tuple[S, bytes]]]:
        """`seal_new_subjects` with each key made as its subject's first event and the key
        wrapped (by `wrapper.key_id`), not as a record: an import's worker writes them as
        COPY lines at once (a frozen record was 0.8 µs of a row's 6.5 to make, measured).
        Keys and nonces are drawn from one read of the system's randomness for the whole
        batch, each subject's cipher made once, each event type's personal fields looked up
        once: thousands of events are sealed at a time."""
        personal = {t: personal_of(t) for t in {e.event_type for e in events}}
        if any(_erases(t) for t in personal):
            raise ValueError("an erasure does not open a stream")
        # at most a key per event and a nonce per personal field, drawn at once; a key or
        # nonce not needed (no value, or sealed already) is dropped unused
        keys = iter(envelope.new_data_keys(len(events)))
        nonces = iter(envelope.new_nonces(sum([len(personal[e.event_type]) for e in events])))
        wrap, seal, associated = self.wrapper.wrap, envelope.sealed_with, envelope.associated_data
        # each subject's, made at its first event; by the id's number (a slot, hashed in C:
        # `UUID.__hash__` is Python, and an import looks up and adds a subject per row)
        ciphers: dict[int, tuple[AESGCM, str]] = {}
        made: list[tuple[S, bytes]] = []
        sealed: list[dict[str, Any]] = []
        for e in events:
            data = e.data
            copy: dict[str, Any] | None = None
            for f in personal[e.event_type]:
                value = data.get(f)
                if value is None or envelope.is_envelope(value):
                    continue
                if copy is None:
                    copy = dict(data)
                    cipher_of = ciphers.get(e.stream_id.int)
                    if cipher_of is None:
                        key = next(keys)
                        made.append((e, wrap(key)))
                        cipher_of = ciphers[e.stream_id.int] = (AESGCM(key), str(e.stream_id))
                    cipher, subject = cipher_of
                aad = associated(e.event_type, subject, f)
                copy[f] = seal(cipher, subject, next(nonces), value, aad)
            sealed.append(data if copy is None else copy)
        return sealed, made

    def _clear_fields(self, event: Sealable) -> list[str]:
        data = event.data
        return [
            f
            for f in personal_of(event.event_type)
            if data.get(f) is not None and not envelope.is_envelope(data[f])
        ]

    async def _keys_to_seal(
        self, connection: Any, subjects: set[UUID], events: Sequence[Sealable]
    ) -> dict[UUID, bytes]:
        if not subjects:
            return {}
        # a stream's first event makes its key at once (one round trip, the usual case for a
        # person's first personal event); the others read theirs
        new = {e.stream_id for e in events if e.stream_id in subjects and _starts(e)}
        found = await self.keys.fetch(connection, sorted(subjects - new)) if subjects - new else {}
        at = events[0].context.recorded_at
        missing = sorted(subjects - found.keys())
        fresh: dict[UUID, tuple[bytes, bytes]] = {}  # subject → (its new key, wrapped)
        if missing:  # one statement for a whole batch of new people (an import)
            for s in missing:
                key = envelope.new_data_key()
                fresh[s] = (key, self.wrapper.wrap(key))
            made = [KeyRecord(s, w, self.wrapper.key_id, at) for s, (_, w) in fresh.items()]
            found |= await self.keys.create(connection, made)
        keys: dict[UUID, bytes] = {}
        for subject in subjects:
            record = found[subject]
            if record.wrapped is None:
                raise SubjectErased(subject)
            mine = fresh.get(subject)
            # a key made here is used as it is; one a racing twin stored first is unwrapped
            keys[subject] = mine[0] if mine and mine[1] == record.wrapped else self.unwrap(record)
        return keys

    def _sealed(self, event: Sealable, keys: dict[UUID, bytes]) -> dict[str, Any]:
        fields = self._clear_fields(event)
        if not fields:
            return event.data
        subject, data = event.stream_id, dict(event.data)
        for f in fields:
            aad = envelope.associated_data(event.event_type, subject, f)
            data[f] = envelope.seal(keys[subject], subject, data[f], aad)
        return data

    # --- reading ---------------------------------------------------------------------------

    async def open(self, connection: Any, recorded: list[RecordedEvent]) -> list[RecordedEvent]:
        """`recorded` with personal fields opened; an erased subject's fields are None and
        named in `RecordedEvent.erased`."""
        subjects = {s for r in recorded for s in sealed_subjects(r.data)}
        if not subjects:
            return recorded
        keys = await self.data_keys(connection, subjects)
        return [self.open_recorded(r, keys) for r in recorded]

    async def data_keys(self, connection: Any, subjects: Iterable[UUID]) -> DataKeys:
        wanted = sorted(set(subjects))
        found = await self.keys.fetch(connection, wanted)
        return {
            s: None if (r := found.get(s)) is None or r.wrapped is None else self.unwrap(r)
            for s in wanted
        }

    def open_recorded(self, event: RecordedEvent, keys: DataKeys) -> RecordedEvent:
        data, erased = self.open_data(keys, event.event_type, event.metadata.stream_id, event.data)
        if data is event.data:
            return event
        return event.model_copy(update={"data": data, "erased": erased})

    def open_data(
        self, keys: DataKeys, event_type: str, subject: UUID, data: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The data with its envelopes opened, and the fields that were erased."""
        sealed = [f for f, v in data.items() if envelope.is_envelope(v)]
        if not sealed:
            return data, ()
        opened, erased = dict(data), []
        for f in sealed:
            key = keys.get(UUID(data[f]["k"]))
            if key is None:
                opened[f] = None
                erased.append(f)
            else:
                aad = envelope.associated_data(event_type, subject, f)
                opened[f] = envelope.unseal(key, data[f], aad)
        return opened, tuple(erased)

    def data_key(self, wrapped: bytes | None, master_key_id: str | None) -> bytes | None:
        """A subject's data key from its stored row's columns; None when destroyed (or none)."""
        if wrapped is None or master_key_id is None:
            return None
        return self.wrapper.unwrap(wrapped, master_key_id)

    def unwrap(self, record: KeyRecord) -> bytes:
        assert record.wrapped is not None
        assert record.master_key_id is not None
        return self.wrapper.unwrap(record.wrapped, record.master_key_id)

    # --- master key rotation ---------------------------------------------------------------

    async def rotate(self, connection: Any) -> int:
        """Re-wrap every live data key under the current master key; answers how many."""
        count = 0
        for record in await self.keys.live(connection):
            if record.master_key_id == self.wrapper.key_id:
                continue
            wrapped = self.wrapper.wrap(self.unwrap(record))
            await self.keys.rewrap(connection, record.subject_id, wrapped, self.wrapper.key_id)
            count += 1
        return count


def sealed_subjects(data: dict[str, Any]) -> set[UUID]:
    return {UUID(v["k"]) for v in data.values() if envelope.is_envelope(v)}


class Opener:
    """Opens the events of a whole store, as a rebuild reads it: every live data key is read
    once, up front (a subject missing from them is erased). Without `PersonalData`, the data
    is taken as it is."""

    def __init__(self, personal: PersonalData | None, keys: DataKeys) -> None:
        self._personal = personal
        self._keys = keys

    @classmethod
    async def of(cls, connection: Any, personal: PersonalData | None) -> Opener:
        if personal is None:
            return cls(None, {})
        live = await personal.keys.live(connection)
        return cls(personal, {r.subject_id: personal.unwrap(r) for r in live})

    def payload(self, event_type: str, subject: UUID, data: dict[str, Any]) -> EventPayload:
        """The typed event of a stored row (erased fields as the fold's placeholders): opened
        under its stored type (the associated data names it), then upcast."""
        erased: tuple[str, ...] = ()
        if self._personal is not None:
            data, erased = self._personal.open_data(self._keys, event_type, subject, data)
        event_type, data = upcast(event_type, data)
        cls = payload_class(event_type)
        if erased:
            data = {**data, **placeholders(cls, erased)}
        return cls.model_validate(data)

    def recorded(self, event: RecordedEvent) -> EventPayload:
        return self.payload(event.event_type, event.metadata.stream_id, event.data)
