"""Golden files lock the wire format of events (tests/golden/<producer>/<stream>_<fact>_<v>.json):
`{"type", "data"}` as indented JSON, compared byte for byte, and read back as the event.

Changing a contract means a new version (`….v2`) and an upcaster, not an edited golden file.
`LMIS_UPDATE_GOLDEN=1` writes the file of a new event type or version, to be reviewed like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lmis_shared.events import EventPayload, catalogue, payload_class

GOLDEN = Path(__file__).parent.parent / "golden"


def golden_path(payload: EventPayload) -> Path:
    """`lmis.notify.alert.raised.v1` -> tests/golden/notify/alert_raised_v1.json"""
    _lmis, producer, name = payload.event_type.split(".", 2)
    return GOLDEN / producer / f"{name.replace('.', '_')}.json"


def wire(payload: EventPayload) -> str:
    body = {"type": payload.event_type, "data": payload.model_dump(mode="json")}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def assert_matches_golden_file(payload: EventPayload) -> None:
    """`payload`'s JSON is its golden file byte for byte, and the file reads back as it."""
    path = golden_path(payload)
    if os.environ.get("LMIS_UPDATE_GOLDEN") == "1":  # a new event type or version only
        path.write_text(wire(payload), encoding="utf-8")
    assert wire(payload) == path.read_text(encoding="utf-8")
    assert read_golden(payload) == payload


def assert_samples_of_every_event_type(producer: str, samples: list[EventPayload]) -> None:
    """`samples` hold one event of each type `producer` publishes, and each type is named
    `lmis.<producer>.<stream>.<fact>.v1` after its stream."""
    produced = {name for name in catalogue() if name.startswith(f"lmis.{producer}.")}
    assert produced == {sample.event_type for sample in samples}
    for sample in samples:
        lmis, service, stream, _fact, version = sample.event_type.split(".")
        assert (lmis, service, version) == ("lmis", producer, "v1")
        assert stream == sample.stream_type


def golden_data(payload: EventPayload) -> dict[str, Any]:
    """The `data` of `payload`'s golden file, as JSON."""
    data: dict[str, Any] = json.loads(golden_path(payload).read_text(encoding="utf-8"))["data"]
    return data


def read_golden(payload: EventPayload) -> EventPayload:
    """The event that `payload`'s golden file reads back as, by the type the file names."""
    golden = json.loads(golden_path(payload).read_text(encoding="utf-8"))
    return payload_class(golden["type"]).model_validate(golden["data"])
