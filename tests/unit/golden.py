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

from lmis_shared.events import EventPayload, payload_class

GOLDEN = Path(__file__).parent.parent / "golden"


def golden_path(payload: EventPayload) -> Path:
    """`lmis.notify.alert.raised.v1` -> tests/golden/notify/alert_raised_v1.json"""
    _lmis, producer, name = payload.event_type.split(".", 2)
    return GOLDEN / producer / f"{name.replace('.', '_')}.json"


def wire(payload: EventPayload) -> str:
    body = {"type": payload.event_type, "data": payload.model_dump(mode="json")}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def assert_matches_golden_file(payload: EventPayload) -> None:
    path = golden_path(payload)
    if os.environ.get("LMIS_UPDATE_GOLDEN") == "1":  # a new event type or version only
        path.write_text(wire(payload), encoding="utf-8")
    assert wire(payload) == path.read_text(encoding="utf-8")


def golden_data(payload: EventPayload) -> dict[str, Any]:
    """The `data` of `payload`'s golden file, as JSON."""
    data: dict[str, Any] = json.loads(golden_path(payload).read_text(encoding="utf-8"))["data"]
    return data


def read_golden(payload: EventPayload) -> EventPayload:
    """The event that `payload`'s golden file reads back as, by the type the file names."""
    golden = json.loads(golden_path(payload).read_text(encoding="utf-8"))
    return payload_class(golden["type"]).model_validate(golden["data"])
