"""Upcasting: an event stored as an old version is read as the newest one.

The contracts here are made up (a gadget weighed in kilograms, then in grams, then with the
scale named) and registered only for the test: the catalogue and the upcasters are
process-wide, so each test works on copies that are put back afterwards.
"""

from __future__ import annotations

from typing import Any

import pytest

import lmis_shared.contracts
from lmis_shared import events, upcasting
from lmis_shared.contracts.publish import event_schema
from lmis_shared.events import EventPayload, RecordedEvent, catalogue, event
from lmis_shared.upcasting import newest_type, upcast, upcaster, upcasters
from tests.unit.event_examples import recorded_event

V1 = "lmis.test.gadget.weighed.v1"
V2 = "lmis.test.gadget.weighed.v2"
V3 = "lmis.test.gadget.weighed.v3"


@pytest.fixture
def gadget_contracts(monkeypatch: pytest.MonkeyPatch) -> dict[str, type[EventPayload]]:
    monkeypatch.setattr(events, "_CATALOGUE", dict(events._CATALOGUE))
    monkeypatch.setattr(upcasting, "_UPCASTERS", dict(upcasting._UPCASTERS))

    @event(V1, stream_type="gadget")
    class GadgetWeighedV1(EventPayload):
        weight_kg: int

    @event(V2, stream_type="gadget")
    class GadgetWeighedV2(EventPayload):
        weight_g: int

    @event(V3, stream_type="gadget")
    class GadgetWeighed(EventPayload):
        weight_g: int
        scale: str

    @upcaster(from_type=V1, to_type=V2)
    def kilograms_to_grams(data: dict[str, Any]) -> dict[str, Any]:
        # edits its input in place, as a careless upcaster might
        data["weight_g"] = data.pop("weight_kg") * 1000
        return data

    @upcaster(from_type=V2, to_type=V3)
    def scale_unknown(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "scale": "unknown"}

    return {V1: GadgetWeighedV1, V2: GadgetWeighedV2, V3: GadgetWeighed}


def recorded(event_type: str, data: dict[str, Any]) -> RecordedEvent:
    return recorded_event(event_type, data, stream_type="gadget")


def test_a_v1_event_is_read_as_the_newest_version(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    payload = recorded(V1, {"weight_kg": 3}).payload()

    assert payload == gadget_contracts[V3].model_validate({"weight_g": 3000, "scale": "unknown"})


def test_the_newest_version_is_read_as_it_is(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    assert upcast(V3, {"weight_g": 5, "scale": "bench"}) == (V3, {"weight_g": 5, "scale": "bench"})


def test_upcasting_never_changes_the_recorded_data(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    event = recorded(V1, {"weight_kg": 3})

    event.payload()

    assert event.data == {"weight_kg": 3}


def test_an_upcast_event_keeps_its_identity_and_takes_the_newest_type(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    old = recorded(V1, {"weight_kg": 2})

    new = old.upcast()

    assert new.event_type == V3
    assert new.data == {"weight_g": 2000, "scale": "unknown"}
    assert new.metadata.model_dump(exclude={"event_type"}) == old.metadata.model_dump(
        exclude={"event_type"}
    )


def test_a_consumer_can_tell_the_version_it_will_read(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    assert newest_type(V1) == V3
    assert newest_type("lmis.registry.worker.registered.v1") == "lmis.registry.worker.registered.v1"


def test_a_second_upcaster_for_the_same_version_is_refused(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    with pytest.raises(ValueError, match="already has an upcaster"):
        upcaster(from_type=V1, to_type=V3)(lambda data: data)


def test_an_upcaster_that_would_close_a_loop_is_refused(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    with pytest.raises(ValueError, match="would loop"):
        upcaster(from_type=V3, to_type=V1)(lambda data: data)


def test_a_superseded_version_is_published_as_deprecated_with_its_successor(
    gadget_contracts: dict[str, type[EventPayload]],
) -> None:
    schema = event_schema(gadget_contracts[V1])

    assert schema["deprecated"] is True
    assert schema["x-superseded-by"] == V2
    assert "deprecated" not in event_schema(gadget_contracts[V3])


def test_every_registered_upcaster_joins_two_published_contracts() -> None:
    assert lmis_shared.contracts  # imported: every real contract and upcaster is registered
    known = catalogue()
    for from_type, to_type in upcasters().items():
        assert from_type in known, f"upcaster from unknown type {from_type}"
        assert to_type in known, f"upcaster to unknown type {to_type}"
