"""The agency feeds in the AsyncAPI document: one channel per feed, one message per event type
it carries, whose payload schema is the event's schema reduced to the fields the feed keeps.

Written from the shipped catalogue (`feed_catalogue.json`); an admin's later change is served
live by notify at `GET /v1/feeds`.
"""

from __future__ import annotations

import copy
from typing import Any

from lmis_shared.contracts.feeds import FeedDefinition, feed_topic, load_catalogue
from lmis_shared.events import catalogue
from lmis_shared.privacy.fields import ENCRYPTED

Schema = dict[str, Any]


def with_feeds(document: Schema, prefix: str, event_schema: Any) -> Schema:
    """The AsyncAPI `document` with the feeds' channels, operations and messages added."""
    channels, operations, messages = feed_channels(prefix, event_schema)
    document["channels"].update(channels)
    document["operations"].update(operations)
    document["components"]["messages"].update(messages)
    return document


def feed_channels(prefix: str, event_schema: Any) -> tuple[Schema, Schema, Schema]:
    """(channels, operations, messages) of every feed of the catalogue; `event_schema(cls)` is
    the producer's JSON Schema of an event class (`publish.event_schema`)."""
    channels: Schema = {}
    operations: Schema = {}
    messages: Schema = {}
    for feed in load_catalogue().feeds:
        key = f"agency.{feed.name}"
        names = {t: f"{key}.{t}" for t in feed.event_types}
        for event_type, name in names.items():
            messages[name] = _message(feed, event_type, event_schema)
        channels[key] = _channel(prefix, feed, names)
        operations[f"{key}.publish"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"notify publishes the {feed.name} feed.",
            "messages": [{"$ref": f"#/channels/{key}/messages/{n}"} for n in names.values()],
        }
    return channels, operations, messages


def _channel(prefix: str, feed: FeedDefinition, names: dict[str, str]) -> Schema:
    address = feed_topic(prefix, feed.name, "{commune}" if feed.per_commune else None)
    channel: Schema = {
        "address": address,
        "title": feed.title,
        "description": f"{feed.purpose}\n\nLegal basis: {feed.legal_basis}\n\nUnits: "
        f"{', '.join(feed.units)}. Subjects: {feed.subjects}. Keyed by the subject's stream "
        "id; same CloudEvents headers and `traceparent` as the source event; only the fields "
        "listed in each message's schema.",
        "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names.values()},
        "x-purpose": feed.purpose,
        "x-legal-basis": feed.legal_basis,
        "x-roles": list(feed.roles),
    }
    if feed.per_commune:
        channel["parameters"] = {
            "commune": {"description": "the commune's code", "enum": list(feed.units)}
        }
    return channel


ERASED = "erased"
"""A feed record's list of its personal fields that are null because the person was erased."""


def _opened_for_the_feed(schema: Schema) -> None:
    """A feed carries its personal fields decrypted by notify's key grant (never the sealed
    envelope), or `null` once the person is erased, with the field named under `erased`."""
    personal = []
    for name, prop in schema["properties"].items():
        if ENCRYPTED not in prop:
            continue
        personal.append(name)
        del prop[ENCRYPTED]
        plain = [s for s in prop.pop("anyOf") if s.get("$ref") != "#/$defs/SealedField"]
        prop["anyOf"] = [*plain, {"type": "null"}]
        prop["description"] = (
            "personal: decrypted for this feed's purpose; null once the person is erased"
        )
    if personal:
        schema["properties"][ERASED] = {
            "type": "array",
            "items": {"enum": personal},
            "description": "present when the person was erased (their data key destroyed): "
            "the personal fields that are null for that reason; delete what you hold of them",
        }
    schema.get("$defs", {}).pop("SealedField", None)  # no property refers to it any more


def _message(feed: FeedDefinition, event_type: str, event_schema: Any) -> Schema:
    allowed = feed.event_types[event_type]
    full: Schema = copy.deepcopy(event_schema(catalogue()[event_type]))
    full["properties"] = {k: v for k, v in full.get("properties", {}).items() if k in allowed}
    full["required"] = [r for r in full.get("required", []) if r in allowed]
    _opened_for_the_feed(full)
    full["title"] = f"{full.get('title', event_type)} ({feed.name} feed)"
    for name, values in feed.where.get(event_type, {}).items():  # only these reach the feed
        if name in full["properties"]:
            full["properties"][name]["enum"] = list(values)
    only = "; ".join(f"{k} in {', '.join(v)}" for k, v in feed.where.get(event_type, {}).items())
    return {
        "name": event_type,
        "title": f"{event_type} for {feed.name}" + (f" (only {only})" if only else ""),
        "contentType": "application/json",
        "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
        "payload": {
            "schemaFormat": "application/schema+json;version=draft-2020-12",
            "schema": full,
        },
        "bindings": {
            "kafka": {"key": {"type": "string", "format": "uuid"}, "bindingVersion": "0.5.0"}
        },
    }
