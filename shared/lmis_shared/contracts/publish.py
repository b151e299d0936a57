"""The contracts as documents agencies read: one JSON Schema per event type, one AsyncAPI 3.0.

Both are generated from the catalogue, so whatever a producer registers under
`lmis_shared.contracts` is published; nothing here lists event types by hand. Regenerate the
committed copy in `docs/contracts/` after changing a contract:

    .venv/bin/python -m lmis_shared.contracts.publish docs/contracts

Personal data is marked in the schemas with `"x-personal-data": true`, by convention rather
than by editing contracts: a top-level field named `person` or `card` (where every producer
keeps its personal identifiers) is personal, and so is every field of the models it holds
(wherever else such a model appears: over-marking is the safe side). A field elsewhere can be
marked in its contract: `Field(json_schema_extra={"x-personal-data": True})`.

A top-level personal field travels sealed with its subject's data key (`lmis_shared.privacy`):
its schema is `anyOf` the `SealedField` envelope and the plaintext form, with `x-encrypted`
saying how a holder of the key decrypts it.

The AsyncAPI document is JSON, which is also YAML 1.2 (PyYAML is not a runtime dependency);
payloads refer to `schemas/<event_type>.json` beside it; the feeds' (`feed_docs.py`) are inline.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from lmis_shared.cloudevents import CONTENT_TYPE, SPEC_VERSION
from lmis_shared.contracts.feed_docs import with_feeds
from lmis_shared.events import EventPayload, catalogue
from lmis_shared.privacy.fields import ENCRYPTED, PERSONAL, PERSONAL_CONTAINERS
from lmis_shared.settings import CommonSettings
from lmis_shared.upcasting import upcasters

Schema = dict[str, Any]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FORMAT = "application/schema+json;version=draft-2020-12"
KAFKA_BINDING = "0.5.0"
DEAD_LETTER_SUFFIX = ".dlq"  # lmis_shared.processing.dlq.SUFFIX, not imported: it pulls faust
_NAME = re.compile(r"lmis\.(?P<domain>[a-z_]+)\.[a-z_]+\.[a-z_]+\.v[1-9][0-9]*")
# defaults only: `model_construct` reads no environment, so the documents do not vary by machine
_DEFAULTS = CommonSettings.model_construct()


def published() -> dict[str, type[EventPayload]]:
    """The catalogued contracts (defined under `lmis_shared.contracts`), by event type."""
    prefix = f"{__package__}."
    found = {name: cls for name, cls in catalogue().items() if cls.__module__.startswith(prefix)}
    return dict(sorted(found.items()))


def domain_of(event_type: str) -> str:
    """The producing domain, whose topic carries the event: `lmis.<domain>.<stream>.<fact>.vN`."""
    match = _NAME.fullmatch(event_type)
    if match is None:
        raise ValueError(f"{event_type} is not named lmis.<domain>.<stream>.<fact>.v<N>")
    return match["domain"]


def json_schemas() -> dict[str, Schema]:
    """The JSON Schema (Draft 2020-12) of every published event's data, by event type."""
    return {name: event_schema(cls) for name, cls in published().items()}


def event_schema(cls: type[EventPayload]) -> Schema:
    """The JSON Schema of one event's data as it travels (pydantic's serialisation schema)."""
    body = cls.model_json_schema(mode="serialization")
    _mark_personal(body)
    body.pop("title", None)
    body.pop("description", None)
    schema: Schema = {
        "$schema": DRAFT,
        "$id": f"urn:lmis:event:{cls.event_type}",
        "title": cls.__name__,
        "description": _doc(cls),
        "x-event-type": cls.event_type,
        "x-stream-type": cls.stream_type,
        **body,
    }
    successor = upcasters().get(cls.event_type)
    if successor is not None:
        schema |= {"deprecated": True, "x-superseded-by": successor}
    return schema


def _doc(cls: type[EventPayload]) -> str:
    # the class's own docstring: an undocumented event must not inherit EventPayload's
    own = cls.__dict__.get("__doc__")
    if own:
        return inspect.cleandoc(own)
    fact = cls.event_type.split(".")[-2]
    return f"A `{cls.stream_type}` stream's `{fact}` event."


def _mark_personal(schema: Schema) -> None:
    defs: dict[str, Schema] = schema.get("$defs", {})
    properties: dict[str, Schema] = schema.get("properties", {})
    for name, prop in list(properties.items()):
        if name in PERSONAL_CONTAINERS or prop.get(PERSONAL):
            for model in _models_in(prop, defs, seen=set()):
                for inner in model.get("properties", {}).values():
                    inner[PERSONAL] = True
            properties[name] = _sealed(prop)
            schema.setdefault("$defs", defs)["SealedField"] = SEALED_FIELD


def _sealed(plain: Schema) -> Schema:
    """A personal field as it travels: the sealed envelope (`lmis_shared.privacy`), or its
    plaintext form, which is what a holder of the subject's data key decrypts."""
    described: Schema = {k: plain.pop(k) for k in ("title", "description", "default") if k in plain}
    return {
        **described,
        PERSONAL: True,
        ENCRYPTED: ENCRYPTION,
        "anyOf": [{"$ref": "#/$defs/SealedField"}, plain],
    }


ENCRYPTION: Schema = {
    "envelope": "lmis-v1",
    "algorithm": "AES-256-GCM",
    "key": "the subject's data key (`k`: the stream id), wrapped by the producer's master key",
    "associated-data": "lmis/v1|<event type>|<stream id>|<field name>",
    "plaintext": "the field's compact UTF-8 JSON, as the second schema of `anyOf` says",
}
"""How a personal field is sealed (`x-encrypted`): on the topics it is always the envelope."""

SEALED_FIELD: Schema = {
    "type": "object",
    "title": "SealedField",
    "description": "A personal field sealed with its subject's data key (crypto-shredding: "
    "once the key is destroyed the field is unreadable everywhere). A consumer with a key "
    "grant decrypts `c` with AES-256-GCM under the data key named by `k`, nonce `n` and the "
    "associated data of `x-encrypted`; the plaintext is the field's JSON.",
    "properties": {
        "$enc": {"const": "v1", "description": "envelope version"},
        "k": {"type": "string", "format": "uuid", "description": "data key id (stream id)"},
        "n": {"type": "string", "contentEncoding": "base64", "description": "96-bit nonce"},
        "c": {
            "type": "string",
            "contentEncoding": "base64",
            "description": "ciphertext followed by the 128-bit tag",
        },
    },
    "required": ["$enc", "k", "n", "c"],
    "additionalProperties": False,
}


def _models_in(node: Any, defs: dict[str, Schema], seen: set[str]) -> Iterator[Schema]:
    """Every `$defs` model that `node` refers to, directly or through other models."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.removeprefix("#/$defs/")
        if ref.startswith("#/$defs/") and name not in seen:
            seen.add(name)
            yield defs[name]
            yield from _models_in(defs[name], defs, seen)
        for value in node.values():
            yield from _models_in(value, defs, seen)
    elif isinstance(node, list):
        for item in node:
            yield from _models_in(item, defs, seen)


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3.0: a channel per domain topic, a message per event type, LMIS as sender."""
    by_domain: dict[str, list[type[EventPayload]]] = {}
    for name, cls in published().items():
        by_domain.setdefault(domain_of(name), []).append(cls)
    document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "LMIS integration events",
            "version": version("lmis"),
            "description": _INFO,
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": _servers(),
        "channels": {domain: _channel(domain, classes) for domain, classes in by_domain.items()},
        "operations": {
            f"{domain}.publish": _operation(domain, cs) for domain, cs in by_domain.items()
        },
        "components": {
            "schemas": {"CloudEventHeaders": HEADERS},
            "messages": {cls.event_type: _message(cls) for cls in published().values()},
        },
    }
    return with_feeds(document, _DEFAULTS.topic_prefix, event_schema)


_INFO = """\
Every fact the LMIS services record is published on its producer's topic as a CloudEvents 1.0
event in Kafka binary content mode: the attributes travel as `ce_*` headers (with the W3C
`traceparent`), the value is the event's JSON data, and the record key is the stream id (the
worker file, loan, employer... the event belongs to), so one stream's events stay in order.
Any Kafka client can read them.

Event types are versioned (`….v1`). A changed contract gets a new version, never an edit; the
old version stays documented (marked `deprecated`, with `x-superseded-by`). Read only the
fields you need and ignore fields you do not know. Delivery is at least once: de-duplicate on
`ce_id`, or on (`ce_subject`, `ce_streamversion`).

Fields marked `x-personal-data` identify a person: they fall under the personal data law
(Law 91/2025/QH15); keep them out of logs and share them only as the law allows. They travel
sealed (`x-encrypted`): each is an envelope `{"$enc": "v1", "k", "n", "c"}`, AES-256-GCM
under the person's own data key, so erasing a person (destroying the key) makes them
unreadable in every copy. Agency feeds (`lmis.agency.*`) carry those their purpose allows
decrypted, or `null` named under `erased` once erased; elsewhere, ignore them without a key.

Topic names start with `lmis` by default (`LMIS_TOPIC_PREFIX`). Records that a consumer cannot
use are moved, unchanged, to `<topic>.dlq` with the reason in the `dlq_reason` header (plus
`dlq_source_topic`, `dlq_source_partition`, `dlq_source_offset`)."""


def _servers() -> dict[str, Any]:
    return {
        "embedded": {
            "host": _DEFAULTS.kafka_bootstrap,
            "protocol": "kafka",
            "description": "`lmis up` on one machine: the embedded Kafka-protocol broker.",
        },
        "production": {
            "host": "{bootstrap}",
            "protocol": "kafka",
            "description": "The province's Kafka cluster (`LMIS_KAFKA_BOOTSTRAP`); its "
            "operator issues credentials and TLS settings to each agency.",
            "variables": {"bootstrap": {"description": "host:port of a bootstrap broker"}},
        },
    }


def _channel(domain: str, classes: list[type[EventPayload]]) -> dict[str, Any]:
    topic = _DEFAULTS.topic(domain)
    return {
        "address": topic,
        "title": f"{domain} events",
        "description": f"Every event the {domain} service publishes, keyed by stream id. "
        f"Records a consumer cannot use go to `{topic}{DEAD_LETTER_SUFFIX}`.",
        "messages": {
            c.event_type: {"$ref": f"#/components/messages/{c.event_type}"} for c in classes
        },
        "x-dead-letter-topic": f"{topic}{DEAD_LETTER_SUFFIX}",
    }


def _operation(domain: str, classes: list[type[EventPayload]]) -> dict[str, Any]:
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{domain}"},
        "summary": f"The {domain} service publishes its events.",
        "messages": [{"$ref": f"#/channels/{domain}/messages/{c.event_type}"} for c in classes],
    }


def _message(cls: type[EventPayload]) -> dict[str, Any]:
    fixed = {"ce_type": {"const": cls.event_type}, "ce_streamtype": {"const": cls.stream_type}}
    return {
        "name": cls.event_type,
        "title": cls.__name__,
        "summary": _doc(cls).split("\n\n")[0].replace("\n", " "),
        "contentType": CONTENT_TYPE,
        "headers": {
            "allOf": [{"$ref": "#/components/schemas/CloudEventHeaders"}, {"properties": fixed}]
        },
        "payload": {
            "schemaFormat": SCHEMA_FORMAT,
            "schema": {"$ref": f"schemas/{cls.event_type}.json"},
        },
        "correlationId": {"location": "$message.header#/ce_correlationid"},
        "bindings": {"kafka": {"key": _KEY, "bindingVersion": KAFKA_BINDING}},
        "deprecated": cls.event_type in upcasters(),
    }


_KEY = {"type": "string", "format": "uuid", "description": "The stream id (= `ce_subject`)."}


def _header(description: str, **schema: Any) -> Schema:
    return {"type": "string", **schema, "description": description}


HEADERS: Schema = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in Kafka binary content mode, plus W3C trace "
    "context. Every header value is a UTF-8 string.",
    "properties": {
        "ce_specversion": _header("CloudEvents version.", const=SPEC_VERSION),
        "ce_id": _header("Event id: a redelivered event has the same.", format="uuid"),
        "ce_source": _header("Producing service: `/lmis/<service>`."),
        "ce_type": _header("Versioned event type, e.g. `lmis.registry.worker.registered.v1`."),
        "ce_subject": _header("Stream id; also the record key.", format="uuid"),
        "ce_time": _header("When the event was recorded (RFC 3339, UTC).", format="date-time"),
        "content-type": _header("Media type of the value.", const=CONTENT_TYPE),
        "ce_streamtype": _header("Kind of stream, e.g. `worker`, `loan`, `employer`."),
        "ce_streamversion": _header(
            "Position of the event in its stream, from 1.", pattern="^[1-9][0-9]*$"
        ),
        "ce_actor": _header("Who caused it: an officer id or a service, never a name."),
        "ce_correlationid": _header("Id shared by everything one request caused.", format="uuid"),
        "ce_causationid": _header(
            "Id of the event or command that caused this one.", format="uuid"
        ),
        "traceparent": _header("W3C trace context of the command that recorded it."),
    },
    "required": [
        "ce_specversion",
        "ce_id",
        "ce_source",
        "ce_type",
        "ce_subject",
        "ce_time",
        "content-type",
        "ce_streamtype",
        "ce_streamversion",
        "ce_actor",
        "ce_correlationid",
    ],
}


def export_contracts(out_dir: Path) -> list[Path]:
    """Write `schemas/<event_type>.json` and `asyncapi.json` under `out_dir`; schema files of
    types no longer published are removed, so the directory is exactly the contracts."""
    schemas_dir = out_dir / "schemas"
    schemas_dir.mkdir(parents=True, exist_ok=True)
    written = [
        _write(schemas_dir / f"{name}.json", schema) for name, schema in json_schemas().items()
    ]
    for stale in set(schemas_dir.glob("*.json")) - set(written):
        stale.unlink()
    written.append(_write(out_dir / "asyncapi.json", asyncapi_document()))
    return written


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    paths = export_contracts(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/contracts"))
    sys.stdout.write(f"wrote {len(paths)} files\n")
