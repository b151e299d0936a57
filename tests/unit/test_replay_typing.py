"""A rebuild's typing of stored rows (`replay.Typing`) gives what the live processors'
`decoding.validate_payload` gives: the same payloads, sealed personal fields as placeholders,
unknown fields ignored, unhandled types left out, a payload off its contract refused."""

from __future__ import annotations

import json
import os
from typing import Any, cast
from uuid import uuid4

import asyncpg
import pytest

from lmis_shared.events import EventPayload
from lmis_shared.privacy import envelope
from lmis_shared.privacy.fields import personal_fields
from lmis_shared.processing.decoding import Rejected, validate_payload
from lmis_shared.processing.replay import WHOLE, Part, Replayed, Typing, chunk_statement, typed
from tests.unit.event_examples import recorded_event
from tests.unit.test_registry_contracts import EXAMPLES

KEY = os.urandom(32)


def stored(event_type: str, data: dict[str, Any], version: int = 1) -> asyncpg.Record:
    """A row as `replay` reads it: (tx, seq, event_type, stream_id, stream_type, version,
    data); a tuple reads by place as a Record does."""
    row = (7, version, event_type, uuid4(), "worker", version, json.dumps(data))
    return cast(asyncpg.Record, row)


def sealed(payload: EventPayload) -> dict[str, Any]:
    data = payload.model_dump(mode="json")
    for name in personal_fields(type(payload)):
        if data.get(name) is not None:
            data[name] = envelope.seal(KEY, uuid4(), data[name], b"aad")
    return data


def live(row: asyncpg.Record) -> EventPayload:
    return validate_payload(recorded_event(row[2], json.loads(row[6])))


@pytest.mark.parametrize("form", ["clear", "sealed", "with an unknown field"])
def test_rows_are_typed_as_the_live_processors_type_them(form: str) -> None:
    datas = {
        "clear": lambda p: p.model_dump(mode="json"),
        "sealed": sealed,
        "with an unknown field": lambda p: {**p.model_dump(mode="json"), "later_field": 1},
    }
    rows = [stored(p.event_type, datas[form](p)) for p in EXAMPLES]
    assert form != "sealed" or any('"$enc"' in r[6] for r in rows)  # some were sealed

    typing = Typing({p.event_type for p in EXAMPLES})
    twice = typing(rows) + typing(rows)  # the second time with the types known

    expected = [live(r) for r in rows]
    assert [e.payload for e in twice] == expected + expected
    assert [(e.stream_id, e.event_type, e.row) for e in twice[: len(rows)]] == [
        (r[3], r[2], r) for r in rows
    ]
    assert twice[: len(rows)] == [typed(r, typing.handled) for r in rows]
    assert all(isinstance(e, Replayed) for e in twice)


def test_unhandled_types_are_left_out() -> None:
    rows = [stored(p.event_type, p.model_dump(mode="json")) for p in EXAMPLES]
    kept = EXAMPLES[0].event_type
    assert [e.event_type for e in Typing({kept})(rows)] == [
        p.event_type for p in EXAMPLES if p.event_type == kept
    ]


def test_a_payload_off_its_contract_is_refused() -> None:
    payload = EXAMPLES[0]
    row = stored(payload.event_type, {**payload.model_dump(mode="json"), "commune_code": [1]})
    with pytest.raises(Rejected):
        Typing({payload.event_type})([row])


@pytest.mark.parametrize("part", [WHOLE, (1, 2)])
def test_the_statements_give_the_columns_in_the_places_typing_reads(part: Part) -> None:
    selected = chunk_statement("s", part).split(" from ")[0].removeprefix("select ")
    names = [c.strip().split(" as ")[-1] for c in selected.split(",")]
    assert names[:7] == ["tx", "seq", "event_type", "stream_id", "stream_type", "version", "data"]
