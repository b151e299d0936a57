"""The data a single-stream append stores: written by pydantic's JSON serialiser, without the
dict `model_dump(mode="json")` made for Python's `json` to encode, the stored jsonb is the value
Python's `json` wrote of that dict, field for field; the append's result, built from the JSON
text when first looked at, is what the store reads back; and a value jsonb refuses (an infinity)
is refused as before, not stored as null."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

import asyncpg
import pytest

from lmis_shared.events import EventPayload, NewEvent
from lmis_shared.eventstore.postgres import PostgresEventStore
from lmis_shared.migrations import quoted_schema
from tests.eventstore_contract import ctx

pytestmark = pytest.mark.integration


class Colour(StrEnum):
    RED = "red"


class EveryKind(EventPayload):
    """A test-only event with a field of each kind the contracts use, and some they may."""

    event_type: ClassVar[str] = "lmis.test.every_kind.noted.v1"
    stream_type: ClassVar[str] = "note"

    text: str
    n: int
    big: int
    ratio: float
    day: date
    at: datetime
    ident: uuid.UUID
    colour: Colour
    amount: Decimal
    tags: tuple[str, ...]
    figures: dict[str, int | float | None]
    anything: dict[str, Any]
    maybe: str | None = None


def every_kind(**changes: Any) -> EveryKind:
    fields: dict[str, Any] = {
        "text": 'Đã xác minh "hồ sơ" \\ dòng\nmới\ttab \u2028 😀 \x01',
        "n": -7,
        "big": 2**70,
        "ratio": 0.1,
        "day": date(2026, 3, 1),
        "at": datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=7))),
        "ident": uuid.UUID("4bf92f35-77b3-4da6-a3ce-929d0e0e4736"),
        "colour": Colour.RED,
        "amount": Decimal("1.10"),
        "tags": ("a", "b"),
        "figures": {"tiny": 1.5e-7, "huge": 1e16, "whole": 100.0, "zero": -0.0, "none": None},
        "anything": {"nested": [1, {"x": True}], "when": date(2026, 1, 2), "at": datetime.now(UTC)},
    }
    return EveryKind.model_validate(fields | changes)


@pytest.fixture
async def store(pg_pool: asyncpg.Pool, fresh_schema: str) -> PostgresEventStore:
    await PostgresEventStore.migrate(pg_pool, fresh_schema)
    return PostgresEventStore(pg_pool, fresh_schema)


def python_json(payload: EveryKind) -> str:
    """The text the store wrote before: the JSON-mode dict, encoded by Python's `json`."""
    return json.dumps(payload.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


async def test_the_stored_data_is_the_value_pythons_json_wrote(
    store: PostgresEventStore, pg_pool: asyncpg.Pool, fresh_schema: str
) -> None:
    stream = uuid.uuid4()
    payloads = [every_kind(), every_kind(n=8, maybe="có", ratio=1e300, tags=())]
    events = [NewEvent(event_id=uuid.uuid4(), payload=p) for p in payloads]

    result = await store.append(stream, "note", 0, events, ctx())

    for event, payload in zip(events, payloads, strict=True):
        stored = await pg_pool.fetchrow(
            "select data::text as data, data = $2::jsonb as same, $2::jsonb::text as before"
            f" from {quoted_schema(fresh_schema)}.events where event_id = $1",
            event.event_id,
            python_json(payload),
        )
        assert stored is not None
        assert stored["same"], payload
        assert stored["data"] == stored["before"]
    # the result's events, built from the JSON text: the JSON-mode dicts they were built from
    # before, with what the store reads back around them (a float's read back as the numeric
    # jsonb made of it: 1e300 comes back an int)
    read = await store.read_stream(stream)
    assert [e.data for e in result.events] == [p.model_dump(mode="json") for p in payloads]
    assert [(e.metadata, e.position) for e in result.events] == [
        (e.metadata, e.position) for e in read
    ]


async def test_an_infinity_is_refused_by_the_server_not_stored_as_null(
    store: PostgresEventStore,
) -> None:
    stream = uuid.uuid4()
    event = NewEvent(event_id=uuid.uuid4(), payload=every_kind(ratio=float("inf")))

    with pytest.raises(asyncpg.InvalidTextRepresentationError):
        await store.append(stream, "note", 0, [event], ctx())

    assert await store.read_stream(stream) == []
