"""The CloudEvents envelope (Kafka binary mode): its wire format is locked by a golden file,
it round-trips, and every malformed record is refused with a reason that names the fault."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from lmis_shared.cloudevents import EnvelopeError, Headers, from_kafka, to_kafka
from lmis_shared.contracts.registry import Person, PriorityGroup, Sex, WorkerRegistered
from lmis_shared.events import EventMetadata, RecordedEvent

GOLDEN = Path(__file__).parent.parent / "golden" / "cloudevents" / "worker_registered_v1.json"
HANOI = timezone(timedelta(hours=7))


def worker_registered(**metadata: Any) -> RecordedEvent:
    """A fixed event: every id, time and field is spelled out so the bytes cannot drift."""
    payload = WorkerRegistered(
        person=Person(
            full_name="Lò Thị Mai", date_of_birth=date(1998, 4, 12), citizen_id="012198001234"
        ),
        sex=Sex.female,
        ethnicity="03",
        commune_code="03637",
        province_code="12",
        priority_groups=(PriorityGroup.ethnic_minority, PriorityGroup.poor_household),
        registered_on=date(2026, 11, 23),
    )
    fields: dict[str, Any] = {
        "event_id": UUID("0b6f5a52-61c4-4c1e-9d0a-6f7c3b1e2a01"),
        "event_type": WorkerRegistered.event_type,
        "stream_id": UUID("5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10"),
        "stream_type": WorkerRegistered.stream_type,
        "stream_version": 1,
        "recorded_at": datetime(2026, 11, 23, 15, 30, 0, 123456, tzinfo=HANOI),
        "actor": "officer-1",
        "correlation_id": UUID("9a3e2c1b-7d6f-4e5a-8b9c-0d1e2f3a4b5c"),
        "causation_id": UUID("1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5"),
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "source": "/lmis/registry",
    }
    return RecordedEvent(
        metadata=EventMetadata(**(fields | metadata)), data=payload.model_dump(mode="json")
    )


def wire(key: bytes, value: bytes, headers: Headers) -> dict[str, Any]:
    return {
        "key": key.decode(),
        "headers": [[name, raw.decode()] for name, raw in headers],
        "value": value.decode(),
    }


def test_a_worker_registered_record_matches_the_golden_file_byte_for_byte() -> None:
    assert wire(*to_kafka(worker_registered())) == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_golden_record_reads_back_as_the_event() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    headers = [(name, value.encode()) for name, value in golden["headers"]]

    event = from_kafka(golden["key"].encode(), golden["value"].encode(), headers)

    assert event == worker_registered()
    assert event.payload() == worker_registered().payload()


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"causation_id": None, "traceparent": None},
        {"stream_version": 42, "actor": "", "source": ""},
    ],
    ids=["everything", "no-causation-no-trace", "optional-texts-empty"],
)
def test_an_event_survives_the_round_trip(metadata: dict[str, Any]) -> None:
    event = worker_registered(**metadata)

    assert from_kafka(*to_kafka(event)) == event


def test_the_time_travels_in_utc_and_the_key_is_the_stream_id() -> None:
    key, _, headers = to_kafka(worker_registered())

    assert dict(headers)["ce_time"] == b"2026-11-23T08:30:00.123456Z"
    assert key == b"5d0c1e7a-3b2f-4a8e-9c61-2f4e8d7b9a10"


@pytest.mark.parametrize(
    "value",
    [
        b'{"big": 123456789012345678901234567890, "tiny": 5e-324, "max": 1.7976931348623157e308}',
        b'{"a": 1, "a": 2, "nan": NaN, "inf": -Infinity, "huge": 1e400, "zero": -0.0}',
        b'{"\\u00e9": "\\u0000", "nested": {"list": [1, 2.5, "x", null, true]}}',
        # refused by the fast parser, read by the standard library: read as ever
        b'\xef\xbb\xbf{"bom": 1}',
        b'{"lone": "\\ud800"}',
        '{"utf16": "\u00e9"}'.encode("utf-16"),
        b"[" * 500 + b"]" * 500,  # deeper than the fast parser goes: an array, refused as ever
    ],
    ids=[
        "numbers",
        "duplicates-and-specials",
        "escapes",
        "bom",
        "lone-surrogate",
        "utf-16",
        "deep",
    ],
)
def test_a_value_reads_exactly_as_the_standard_library_reads_it(value: bytes) -> None:
    expected = json.loads(value)
    if not isinstance(expected, dict):
        with pytest.raises(EnvelopeError, match="value must be a JSON object"):
            from_kafka(GOOD_KEY, value, GOOD_HEADERS)
        return

    data = from_kafka(GOOD_KEY, value, GOOD_HEADERS).data

    assert repr(data) == repr(expected)  # repr: NaN is not equal to itself
    assert [type(v) for v in data.values()] == [type(v) for v in expected.values()]


def test_unknown_headers_and_a_charset_parameter_are_tolerated() -> None:
    key, value, headers = to_kafka(worker_registered())
    headers = [
        (n, b"application/json; charset=utf-8") if n == "content-type" else (n, v)
        for n, v in headers
    ]

    event = from_kafka(key, value, [*headers, ("x-agency-note", b"anything")])

    assert event == worker_registered()


def without(headers: Headers, name: str) -> Headers:
    return [(n, v) for n, v in headers if n != name]


def replaced(headers: Headers, name: str, raw: bytes) -> Headers:
    return [*without(headers, name), (name, raw)]


GOOD_KEY, GOOD_VALUE, GOOD_HEADERS = to_kafka(worker_registered())

REFUSED: list[tuple[str, bytes | None, Headers | None, str]] = [
    ("header not UTF-8", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_actor", b"\xff"),
     "header ce_actor is not UTF-8"),
    ("no headers", GOOD_VALUE, None, "ce_specversion must be 1.0"),
    ("other spec version", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_specversion", b"0.3"),
     "ce_specversion must be 1.0"),
    ("no content type", GOOD_VALUE, without(GOOD_HEADERS, "content-type"),
     "content-type must be application/json"),
    ("structured mode", GOOD_VALUE,
     replaced(GOOD_HEADERS, "content-type", b"application/cloudevents+json"),
     "content-type must be application/json"),
    ("value not JSON", b"{not json", GOOD_HEADERS, "value is not JSON: Expecting property name"
     " enclosed in double quotes"),
    ("value empty", None, GOOD_HEADERS, "value is not JSON: Expecting value"),
    ("value not UTF-8", b'{"a": "\xff"}', GOOD_HEADERS, "value is not JSON: not UTF-8"),
    ("value nested too deeply", b"[" * 100_000, GOOD_HEADERS,
     "value is not JSON: nested too deeply"),
    ("value an array", b"[1, 2]", GOOD_HEADERS, "value must be a JSON object"),
    *[
        (f"no {name}", GOOD_VALUE, without(GOOD_HEADERS, name), f"missing header {name}")
        for name in ("ce_id", "ce_type", "ce_subject", "ce_streamversion", "ce_time",
                     "ce_correlationid")
    ],
    ("id not a UUID", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_id", b"42"),
     "header ce_id must be a UUID"),
    ("empty type", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_type", b""),
     "header ce_type must be a non-empty string"),
    ("subject not a UUID", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_subject", b"worker-1"),
     "header ce_subject must be a UUID"),
    ("version not a number", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_streamversion", b"one"),
     "header ce_streamversion must be a positive integer"),
    ("version zero", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_streamversion", b"0"),
     "header ce_streamversion must be a positive integer"),
    ("time not a time", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_time", b"yesterday"),
     "header ce_time must be an RFC 3339 time with an offset"),
    ("time without offset", GOOD_VALUE,
     replaced(GOOD_HEADERS, "ce_time", b"2026-11-23T08:30:00"),
     "header ce_time must be an RFC 3339 time with an offset"),
    ("correlation not a UUID", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_correlationid", b"x"),
     "header ce_correlationid must be a UUID"),
    ("causation not a UUID", GOOD_VALUE, replaced(GOOD_HEADERS, "ce_causationid", b"x"),
     "header ce_causationid must be a UUID"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "headers", "reason"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_malformed_record_is_refused_with_its_reason(
    value: bytes | None, headers: Headers | None, reason: str
) -> None:
    with pytest.raises(EnvelopeError) as refused:
        from_kafka(GOOD_KEY, value, headers)

    assert refused.value.reason == reason


def test_a_reason_never_quotes_the_offending_value() -> None:
    citizen_id = b"012198001234"
    with pytest.raises(EnvelopeError) as refused:
        from_kafka(GOOD_KEY, GOOD_VALUE, replaced(GOOD_HEADERS, "ce_subject", citizen_id))

    assert citizen_id.decode() not in refused.value.reason
