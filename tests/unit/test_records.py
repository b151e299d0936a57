"""`record_from`: a record built from others that name the same fields."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest
from pydantic import BaseModel, ValidationError

from lmis_shared.records import record_from


class Colour(StrEnum):
    red = "red"


@dataclass(frozen=True)
class Command:
    name: str
    colour: Colour
    markets: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    name: str
    commune_code: str


class Event(BaseModel):
    name: str
    colour: str
    markets: list[str]
    commune_code: str
    imported: bool = False


@dataclass(frozen=True)
class State:
    name: str
    markets: tuple[str, ...]
    version: int
    note: str | None = None


COMMAND = Command("Sona", Colour.red, ("JP", "KR"))


def test_a_model_takes_each_field_from_the_first_source_that_has_it_and_validates_it() -> None:
    event = record_from(Event, COMMAND, Place("the place's name", "03637"), imported=True)
    assert event == Event(
        name="Sona", colour="red", markets=["JP", "KR"], commune_code="03637", imported=True
    )
    assert type(event.colour) is str  # validated: the enumeration became its value


def test_a_computed_value_wins_over_every_source() -> None:
    event = record_from(Event, COMMAND, Place("x", "03637"), name="Renamed")
    assert event.name == "Renamed"


def test_a_field_no_source_has_is_a_validation_error_naming_it() -> None:
    with pytest.raises(ValidationError) as caught:
        record_from(Event, COMMAND)
    assert caught.value.errors()[0]["loc"] == ("commune_code",)


def test_a_dataclass_gets_the_values_as_they_are_and_keeps_its_defaults() -> None:
    state = record_from(State, COMMAND, version=3)
    assert state == State(name="Sona", markets=("JP", "KR"), version=3, note=None)
    with pytest.raises(TypeError, match="version"):
        record_from(State, COMMAND)
