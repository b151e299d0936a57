"""CloudEvents 1.0, Kafka protocol binding, binary content mode.

An event travels as a Kafka record whose key is the stream id, whose value is the JSON data,
and whose headers carry the attributes (`ce_id`, `ce_source`, `ce_type`, `ce_subject`,
`ce_time`, `content-type`) plus `traceparent` and our own extension attributes for the
metadata an agency needs to order and de-duplicate (`ce_streamversion`, ...). Any Kafka
client can read it without our code. The mapping is small and fixed by the spec, so it is
written here rather than pulled in through an SDK whose Kafka binding targets another model.

Extension attribute names follow the spec: lower-case letters and digits only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from pydantic_core import from_json

from lmis_shared.events import EventMetadata, RecordedEvent, utc_iso

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]
T = TypeVar("T")
_POSITIVE_INT = re.compile(r"[1-9][0-9]*")


class EnvelopeError(ValueError):
    """A record that is not a valid LMIS CloudEvent; `reason` goes to the dead-letter header."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_kafka(event: RecordedEvent) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) of the Kafka record that carries `event`."""
    m = event.metadata
    headers: Headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", str(m.event_id).encode()),
        ("ce_source", m.source.encode()),
        ("ce_type", m.event_type.encode()),
        ("ce_subject", str(m.stream_id).encode()),
        ("ce_time", utc_iso(m.recorded_at.astimezone(UTC)).encode()),
        ("content-type", CONTENT_TYPE.encode()),
        ("ce_streamtype", m.stream_type.encode()),
        ("ce_streamversion", str(m.stream_version).encode()),
        ("ce_actor", m.actor.encode()),
        ("ce_correlationid", str(m.correlation_id).encode()),
    ]
    if m.causation_id is not None:
        headers.append(("ce_causationid", str(m.causation_id).encode()))
    if m.traceparent:
        headers.append(("traceparent", m.traceparent.encode()))
    value = json.dumps(event.data, ensure_ascii=False, separators=(",", ":")).encode()
    return str(m.stream_id).encode(), value, headers


def header_map(headers: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, raw in headers or ():
        try:
            out[name] = raw.decode() if raw is not None else ""
        except UnicodeDecodeError:
            raise EnvelopeError(f"header {name} is not UTF-8") from None
    return out


def from_kafka(
    key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]] | None
) -> RecordedEvent:
    """The RecordedEvent in a Kafka record, or EnvelopeError saying what is wrong with it.

    A reason names the header at fault but never quotes its value: reasons are logged and
    put on dead-letter records, and a malformed header may hold anything.
    """
    h = header_map(headers)
    if h.get("ce_specversion") != SPEC_VERSION:
        raise EnvelopeError(f"ce_specversion must be {SPEC_VERSION}")
    # the media type without its parameters (`; charset=utf-8`)
    if h.get("content-type", "").split(";")[0].strip().lower() != CONTENT_TYPE:
        raise EnvelopeError(f"content-type must be {CONTENT_TYPE}")
    metadata = EventMetadata(
        event_id=_required(h, "ce_id", UUID, "a UUID"),
        event_type=_required(h, "ce_type", _non_empty, "a non-empty string"),
        stream_id=_required(h, "ce_subject", UUID, "a UUID"),
        stream_type=h.get("ce_streamtype", ""),
        stream_version=_required(h, "ce_streamversion", _positive_int, "a positive integer"),
        recorded_at=_required(h, "ce_time", _aware_time, "an RFC 3339 time with an offset"),
        actor=h.get("ce_actor", ""),
        correlation_id=_required(h, "ce_correlationid", UUID, "a UUID"),
        causation_id=_optional(h, "ce_causationid", UUID, "a UUID"),
        traceparent=h.get("traceparent") or None,
        source=h.get("ce_source", ""),
    )
    return RecordedEvent(metadata=metadata, data=_data(value))


def _data(value: bytes | None) -> dict[str, Any]:
    try:
        # pydantic's JSON parser (jiter) reads a record's value in a third of the time
        data: Any = from_json(value or b"")
    except ValueError:
        # whatever it refuses, the standard library judges as it always did: the same error
        # (or the same value: it also reads UTF-16, a byte-order mark, a lone surrogate)
        data = _standard_json(value)
    if not isinstance(data, dict):
        raise EnvelopeError("value must be a JSON object")
    return data


def _standard_json(value: bytes | None) -> Any:
    try:
        return json.loads(value or b"")
    except json.JSONDecodeError as exc:
        raise EnvelopeError(f"value is not JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise EnvelopeError("value is not JSON: not UTF-8") from None
    except RecursionError:  # a hostile record must not take the consumer down
        raise EnvelopeError("value is not JSON: nested too deeply") from None


def _required(h: dict[str, str], name: str, parse: Callable[[str], T], expected: str) -> T:
    if name not in h:
        raise EnvelopeError(f"missing header {name}")
    return _parsed(h[name], name, parse, expected)


def _optional(h: dict[str, str], name: str, parse: Callable[[str], T], expected: str) -> T | None:
    return _parsed(h[name], name, parse, expected) if h.get(name) else None


def _parsed(raw: str, name: str, parse: Callable[[str], T], expected: str) -> T:
    try:
        return parse(raw)
    except ValueError:
        raise EnvelopeError(f"header {name} must be {expected}") from None


def _non_empty(raw: str) -> str:
    if not raw:
        raise ValueError("empty")
    return raw


MAX_STREAM_VERSION = 2**63 - 1
"""The event store's `version` is a bigint; a larger number is no version of ours."""
_MAX_DIGITS = len(str(MAX_STREAM_VERSION))


def _positive_int(raw: str) -> int:
    # the length first: int() of a long enough string of digits is itself costly
    if len(raw) > _MAX_DIGITS or not _POSITIVE_INT.fullmatch(raw):
        raise ValueError("not a positive integer")
    if int(raw) > MAX_STREAM_VERSION:
        raise ValueError("larger than a stream version can be")
    return int(raw)


def _aware_time(raw: str) -> datetime:
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if parsed.utcoffset() is None:
        raise ValueError("no offset")
    return parsed
