"""Events: the typed payloads, their metadata, and the catalogue that names them.

An event type is a frozen pydantic model whose class variable `event_type` is its versioned
name on the wire (`lmis.registry.worker.registered.v1`). Each producing service defines its
events once, under `lmis_shared.contracts.<producer>`, and registers them with `@event`.
Consumers look types up in the catalogue by name and read only the fields they need.

`NewEvent` is what a command handler hands to the event store; `RecordedEvent` is what comes
back out of the store (or off Kafka), with its metadata; its `payload()` reads an old version
of a type as the newest one, through the upcasters of `lmis_shared.upcasting`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict

from lmis_shared import upcasting
from lmis_shared.privacy.fields import placeholders


class EventPayload(BaseModel):
    """Base of every event's data. Frozen; unknown fields are refused when we produce."""

    # attribute docstrings become field descriptions in the published JSON Schemas; an
    # infinity or NaN is written as JSON's `json` module writes it (which the store's jsonb
    # refuses), not as null: the store writes the data with `model_dump_json`
    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, ser_json_inf_nan="constants"
    )

    event_type: ClassVar[str]
    """Versioned wire name, e.g. `lmis.registry.worker.registered.v1`."""
    stream_type: ClassVar[str]
    """The aggregate kind whose stream this event belongs to, e.g. `worker`."""


E = TypeVar("E", bound=type[EventPayload])

_CATALOGUE: dict[str, type[EventPayload]] = {}


def event(name: str, *, stream_type: str) -> Callable[[E], E]:
    """Register an event payload class under its versioned wire name."""

    def register(cls: E) -> E:
        if name in _CATALOGUE and _CATALOGUE[name] is not cls:
            raise ValueError(f"event type {name} is defined twice")
        if not name.split(".")[-1].startswith("v"):
            raise ValueError(f"event type {name} must end in a version, e.g. .v1")
        cls.event_type = name
        cls.stream_type = stream_type
        _CATALOGUE[name] = cls
        return cls

    return register


def catalogue() -> dict[str, type[EventPayload]]:
    """Every registered event type by wire name (import `lmis_shared.contracts` first)."""
    return dict(_CATALOGUE)


def payload_class(event_type: str) -> type[EventPayload]:
    try:
        return _CATALOGUE[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


class UnknownEventType(LookupError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class EventMetadata(BaseModel):
    """What every event carries besides its data. Never personal data."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    event_type: str
    stream_id: UUID
    stream_type: str
    stream_version: int
    recorded_at: AwareDatetime
    actor: str
    """Who caused it: the token subject (an officer id), never a name."""
    correlation_id: UUID
    causation_id: UUID | None = None
    traceparent: str | None = None
    """W3C trace context of the command that appended it, so the trace continues downstream."""
    source: str = ""
    """CloudEvents source: `/lmis/<service>`."""


class NewEvent(BaseModel):
    """An event decided by a handler, not yet stored."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    event_id: UUID
    payload: EventPayload


def new_event_ids(count: int) -> list[UUID]:
    """`count` random (version 4) ids from one read of the system's randomness, not one each."""
    raw = os.urandom(16 * count)
    return [versioned_uuid(int.from_bytes(raw[i : i + 16]), 4) for i in range(0, len(raw), 16)]


_VARIANT_AND_VERSION = ~(0xC000 << 48) & ~(0xF000 << 64)


def versioned_uuid(value: int, version: int, kind: type[UUID] = UUID) -> UUID:
    """`UUID(int=value, version=version)`: RFC 9562's variant and `version` set on the
    128-bit `value`, as `UUID` sets them, in one step (it takes several: a bulk import makes
    ids by the hundred thousand). `kind`: `UUID` or a subclass (`SpelledUUID`)."""
    return kind(int=value & _VARIANT_AND_VERSION | (0x8000 << 48) | (version << 76))


class SpelledUUID(UUID):
    """A UUID that spells itself once and keeps the text: an imported row writes its file's
    id five times (in its event, its data key, its envelope, its list row and its claim), and
    `UUID.__str__` formats it anew each time. Equal to, and hashed as, the plain UUID. Made
    by `spelled_uuid`, it is spelled at once; made otherwise (unpickled), at its first `str`."""

    __slots__ = ("_text",)
    _text: str

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            text = super().__str__()
            object.__setattr__(self, "_text", text)  # UUID refuses plain assignment
            return text


_spelled = UUID.__str__


def spelled_uuid(value: int, version: int) -> SpelledUUID:
    """`versioned_uuid(value, version, SpelledUUID)` with its text made at once, for an id that
    will be spelled: its first `str` finding no text raises and catches an AttributeError
    (made and spelled thrice, 1.3 µs against 2.0, measured)."""
    made = versioned_uuid(value, version, SpelledUUID)
    object.__setattr__(made, "_text", _spelled(made))
    return made  # type: ignore[return-value]  # made as `SpelledUUID`


class RecordedEvent(BaseModel):
    """An event as stored: metadata plus the JSON data.

    `data` stays a plain dict so that a reader that does not know the type (a relay, an old
    consumer) can still pass it on; `payload()` validates it into the typed model.
    """

    model_config = ConfigDict(frozen=True)

    metadata: EventMetadata
    data: dict[str, Any]
    position: tuple[int, int] | None = None
    """Global order in the producing store: (transaction id, sequence). None off Kafka."""
    erased: tuple[str, ...] = ()
    """Personal fields whose subject was erased (`lmis_shared.privacy`): None in `data`."""

    @property
    def event_type(self) -> str:
        return self.metadata.event_type

    def upcast(self) -> RecordedEvent:
        """This event as the newest version of its type (itself if none is newer)."""
        event_type, data = upcasting.upcast(self.event_type, self.data)
        if event_type == self.event_type:
            return self
        metadata = self.metadata.model_copy(update={"event_type": event_type})
        return self.model_copy(update={"metadata": metadata, "data": data})

    def payload(self) -> EventPayload:
        """The typed data, upcast to the newest version: folds never see an old one."""
        event = self.upcast()
        cls = payload_class(event.event_type)
        if not event.erased:
            return cls.model_validate(event.data)
        return cls.model_validate({**event.data, **placeholders(cls, event.erased)})


def utc_iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")
