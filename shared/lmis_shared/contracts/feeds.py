"""Agency feeds: what each agency receives, and why, as data (the contract with the agencies).

A feed is a purpose: a short text and its legal basis (the plans, domain.md "who needs what"),
the event types it receives, the top-level fields of each type it may see (personal fields,
marked `x-personal-data` in the schemas, only where the purpose needs them), and the units it
covers. `feed_catalogue.json` next to this module is the versioned first catalogue; notify
seeds its store from it and an admin changes a feed through notify's API, which records the
change as a `lmis.notify.feed.defined.v1` event (who, when, what), so the catalogue's history is
audited like every other fact.

Topics: `lmis.agency.<feed>`; a feed `per_commune` publishes one topic per covered commune,
`lmis.agency.<feed>.<commune code>`, so a commune's Kafka user is granted its own topic by a
literal ACL and never receives another commune's residents (README "For agencies").

Everything here is pure: the feed processor (notify) and the AsyncAPI document (`feed_docs`)
read the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib.resources import files
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from lmis_shared.contracts import (  # noqa: F401  (registers)
    notify,
    permits,
    registry,
    registry_loans,
    registry_senders,
)
from lmis_shared.events import EventPayload, catalogue, event

FEED_NAME = r"^[a-z][a-z_]{1,39}$"
UNIT_CODE = r"^\d{2}(\d{3})?$"
AGENCY = "agency"


class FeedDefinition(BaseModel):
    """One agency feed: its purpose and exactly what it carries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=FEED_NAME)
    title: str = Field(min_length=1, max_length=200)
    roles: tuple[str, ...] = Field(
        min_length=1, description="token roles that read this feed (pull, webhooks)"
    )
    purpose: str = Field(min_length=1, max_length=2000)
    legal_basis: str = Field(min_length=1, max_length=2000)
    units: tuple[str, ...] = Field(
        min_length=1, description="province or commune codes whose subjects the feed covers"
    )
    per_commune: bool = Field(
        False, description="one topic per covered commune (units must be communes)"
    )
    subjects: Literal["all", "borrowers"] = Field(
        "all", description="`borrowers`: worker events only of workers who applied for a loan"
    )
    event_types: dict[str, tuple[str, ...]] = Field(
        min_length=1, description="event type -> the top-level fields of its data the feed keeps"
    )
    where: dict[str, dict[str, tuple[str, ...]]] = Field(
        default_factory=dict,
        description="event type -> field -> the values that let an event of that type through"
        " (e.g. notify's alerts of the rules the purpose needs); a type not named: all of them",
    )

    @model_validator(mode="after")
    def _known_types_and_fields(self) -> Self:
        known = catalogue()
        for event_type, fields in self.event_types.items():
            cls = known.get(event_type)
            if cls is None:
                raise ValueError(f"event_types: unknown event type {event_type}")
            unknown = set(fields) - set(cls.model_fields)
            if unknown:
                raise ValueError(f"event_types.{event_type}: unknown fields {sorted(unknown)}")
        for event_type, conditions in self.where.items():
            # a filter of a type the feed no longer carries is harmless (a narrowed purpose)
            if event_type not in known:
                raise ValueError(f"where: unknown event type {event_type}")
            unknown = set(conditions) - set(known[event_type].model_fields)
            if unknown:
                raise ValueError(f"where.{event_type}: unknown fields {sorted(unknown)}")
        for unit in self.units:
            if self.per_commune and len(unit) != 5:
                raise ValueError("units: a per-commune feed covers communes (5 digits)")
            if not unit.isdigit() or len(unit) not in (2, 5):
                raise ValueError("units: province (2 digits) or commune (5 digits) codes")
        return self

    @model_serializer(mode="wrap")
    def _without_empty_where(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a feed with no filter is written as before `where` existed: `feed.defined.v1`
        # events keep their wire form, and older readers read newer definitions
        dumped: dict[str, Any] = handler(self)
        if not self.where:
            dumped.pop("where", None)
        return dumped

    def allows(self, event_type: str, data: Mapping[str, Any] | None = None) -> bool:
        """Whether the feed carries events of `event_type` (with `data`: this one, by `where`)."""
        if event_type not in self.event_types:
            return False
        conditions = self.where.get(event_type, {})
        if data is None or not conditions:
            return True
        return all(str(data.get(name)) in values for name, values in conditions.items())

    def reduce(self, event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """`data` with only the fields this feed may see (never a field outside the list)."""
        allowed = self.event_types[event_type]
        return {name: data[name] for name in allowed if name in data}

    def units_for(self, commune: str | None, province: str | None) -> list[str | None]:
        """Where a subject of `commune`/`province` goes: [None] (the feed's one topic), the
        commune's code (a per-commune feed), or [] (not covered)."""
        if self.per_commune:
            return [commune] if commune in self.units else []
        covered = any(u in (commune, province) for u in self.units)
        return [None] if covered else []


class FeedCatalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    feeds: tuple[FeedDefinition, ...]

    def by_name(self) -> dict[str, FeedDefinition]:
        return {f.name: f for f in self.feeds}


def load_catalogue() -> FeedCatalogue:
    """The versioned first catalogue shipped with the code (`feed_catalogue.json`)."""
    text = files("lmis_shared.contracts").joinpath("feed_catalogue.json").read_text("utf-8")
    return FeedCatalogue.model_validate(json.loads(text))


def feed_topic(prefix: str, feed: str, unit: str | None = None) -> str:
    """`lmis.agency.police`; `lmis.agency.commune.03388` for a commune of a per-commune feed."""
    base = f"{prefix}.{AGENCY}.{feed}"
    return base if unit is None else f"{base}.{unit}"


@event("lmis.notify.feed.defined.v1", stream_type="feed")
class FeedDefined(EventPayload):
    """A feed's purpose, legal basis and contents were defined or changed (by `ce_actor`);
    the feed carries from then on exactly what `definition` lists. No personal data."""

    definition: FeedDefinition
    catalogue_version: int = Field(ge=1, description="the shipped catalogue it was seeded from")


def payload_fields(event_type: str) -> tuple[str, ...]:
    cls: type[EventPayload] = catalogue()[event_type]
    return tuple(cls.model_fields)
