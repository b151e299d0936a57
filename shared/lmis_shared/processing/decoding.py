"""From a Kafka record to an event a projection can apply, or the reason it cannot.

Four outcomes, each a decision a consumer must make the same way:
* a well-formed event of a type the consumer handles: `Decoded` (metadata + typed payload);
* a well-formed event of any other type, known to the catalogue or not: `Passing`, not
  applied but counted in its stream's versions (`versions.py`). A topic carries many event
  types and a producer may ship a new one before its consumers know it; that is not an error;
* a record that is not a valid CloudEvent, or whose payload does not match the contract of a
  type the consumer handles: `Rejected`, with a reason fit for a dead-letter header;
* a newer version of a type the consumer handles, that no upcaster deployed here can read
  (`lmis.registry.worker.registered.v3` where this process knows v1 and v2): `Unreadable`,
  parked by the projection (`versions.py`) and applied once the upcaster is deployed, never
  skipped (skipping it would lose data in a rolling upgrade).

Payloads are validated against the producer's contract with unknown fields ignored (a newer
producer may add fields; a consumer reads only what it needs); sealed personal fields
(`lmis_shared.privacy`) are validated as neutral placeholders: a consumer that counts holds no
data key and reads no personal field. Reasons name fields and kinds of
error, never values: a payload holds personal data.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from lmis_shared.cloudevents import EnvelopeError, from_kafka
from lmis_shared.events import EventPayload, RecordedEvent, catalogue, payload_class
from lmis_shared.privacy.fields import without_sealed

_MAX_PROBLEMS = 5
_MAX_VERSIONS = 100  # versions of one type looked back over (a record may claim v999999999)


@dataclass(frozen=True)
class Decoded:
    """An event off the wire (or out of a store) with its payload validated."""

    event: RecordedEvent
    payload: EventPayload


@dataclass(frozen=True)
class Passing:
    """A well-formed event of a type the consumer does not apply: it only takes its place in
    its stream's versions."""

    event: RecordedEvent


@dataclass(frozen=True)
class Unreadable:
    """A newer version of a type the consumer handles that no upcaster here reads: parked."""

    event: RecordedEvent


Arrival = Decoded | Passing | Unreadable
"""An event off the wire (or out of a store), as a projection judges it."""

RejectionKind = Literal["invalid_envelope", "invalid_payload", "apply_failed"]


class Rejected(ValueError):
    """A record no consumer can use; `reason` is safe to log and to put on a header, `kind`
    (not a CloudEvent of ours; a payload its contract refuses; an event that fails to apply
    on its own, `poison.py`) to label a metric."""

    def __init__(self, reason: str, kind: RejectionKind = "invalid_payload") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind: RejectionKind = kind


def decode_record(
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]] | None,
    handled: Container[str],
) -> Arrival:
    """The event in a record as a consumer of the types `handled` takes it (see the module's
    docstring); `Rejected` if malformed."""
    try:
        event = from_kafka(key, value, headers)
    except EnvelopeError as exc:
        raise Rejected(f"not a valid LMIS CloudEvent: {exc.reason}", "invalid_envelope") from None
    except ValidationError as exc:  # metadata the envelope parsed but the model refuses
        raise Rejected(
            f"not a valid LMIS CloudEvent: {_problems(exc)}", "invalid_envelope"
        ) from None
    return arrival(event, handled)


def arrival(event: RecordedEvent, handled: Container[str]) -> Arrival:
    """`event` as a consumer of the types `handled` takes it; `Rejected` if its payload does
    not match the contract of a handled type."""
    # an older version is read as the newest, so projections handle one version per fact
    event = event.upcast()
    if event.event_type in handled:
        return Decoded(event, validate_payload(event))
    if _newer_than_known(event.event_type, handled):
        return Unreadable(event)
    return Passing(event)


def _newer_than_known(event_type: str, handled: Container[str]) -> bool:
    """Whether `event_type` is `<name>.v<N>` with no contract here while an older version of
    `<name>` is handled."""
    name, _, version = event_type.rpartition(".")
    if not version.startswith("v") or not version[1:].isdigit() or event_type in catalogue():
        return False
    newer = int(version[1:])
    return any(f"{name}.v{older}" in handled for older in range(1, min(newer, _MAX_VERSIONS)))


def validate_payload(event: RecordedEvent) -> EventPayload:
    """The typed payload of `event` (its type must be in the catalogue), or `Rejected`."""
    try:
        cls = payload_class(event.event_type)
        return cls.model_validate(without_sealed(cls, event.data), extra="ignore")
    except ValidationError as exc:
        raise Rejected(f"payload does not match {event.event_type}: {_problems(exc)}") from None


def _problems(exc: ValidationError) -> str:
    # `loc` and `type` only: pydantic's messages and inputs may quote the value
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    shown = [f"{'.'.join(str(p) for p in e['loc']) or '(payload)'} ({e['type']})" for e in errors]
    more = len(shown) - _MAX_PROBLEMS
    text = ", ".join(shown[:_MAX_PROBLEMS])
    return f"{text} and {more} more" if more > 0 else text
