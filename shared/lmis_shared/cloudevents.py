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
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from lmis_shared.events import EventMetadata, RecordedEvent, utc_iso

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]


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
        ("ce_time", utc_iso(m.recorded_at).encode()),
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
    """The RecordedEvent in a Kafka record, or EnvelopeError saying what is wrong with it."""
    h = header_map(headers)
    if h.get("ce_specversion") != SPEC_VERSION:
        raise EnvelopeError(f"ce_specversion must be {SPEC_VERSION}, got {h.get('ce_specversion')!r}")
    content_type = h.get("content-type", "")
    if not content_type.startswith(CONTENT_TYPE):
        raise EnvelopeError(f"content-type must be {CONTENT_TYPE}, got {content_type!r}")
    try:
        data: Any = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EnvelopeError(f"value is not JSON: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    if not isinstance(data, dict):
        raise EnvelopeError("value must be a JSON object")
    try:
        metadata = EventMetadata(
            event_id=UUID(h["ce_id"]),
            event_type=h["ce_type"],
            stream_id=UUID(h["ce_subject"]),
            stream_type=h.get("ce_streamtype", ""),
            stream_version=int(h["ce_streamversion"]),
            recorded_at=datetime.fromisoformat(h["ce_time"].replace("Z", "+00:00")),
            actor=h.get("ce_actor", ""),
            correlation_id=UUID(h["ce_correlationid"]),
            causation_id=UUID(h["ce_causationid"]) if h.get("ce_causationid") else None,
            traceparent=h.get("traceparent") or None,
            source=h.get("ce_source", ""),
        )
    except KeyError as exc:
        raise EnvelopeError(f"missing header {exc.args[0]}") from None
    except ValueError as exc:
        raise EnvelopeError(f"bad header value: {exc}") from None
    return RecordedEvent(metadata=metadata, data=data)
