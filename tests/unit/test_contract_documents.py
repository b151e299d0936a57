"""The published contract documents (docs/contracts/): JSON Schemas and the AsyncAPI document.

They are generated from the catalogue; the committed copy is what agencies read, so it must be
regenerated whenever a contract changes, and what it says must hold for the real wire format
(the golden files).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field

import lmis_shared.contracts
from lmis_shared.contracts.feeds import load_catalogue
from lmis_shared.contracts.publish import (
    asyncapi_document,
    event_schema,
    export_contracts,
    json_schemas,
)
from lmis_shared.events import EventPayload, catalogue
from lmis_shared.privacy.fields import PERSONAL
from lmis_shared.processing.dlq import dead_letter_topic

ROOT = Path(__file__).parent.parent.parent
DOCS = ROOT / "docs" / "contracts"
GOLDEN = ROOT / "tests" / "golden"
REGENERATE = ".venv/bin/python -m lmis_shared.contracts.publish docs/contracts"
IDENTIFIERS = {"full_name", "citizen_id", "passport_number", "date_of_birth", "phone"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contracts")
    export_contracts(out)
    return out


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    return asyncapi_document()


def files_under(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*.json"))
    }


def test_the_committed_documents_are_up_to_date(exported: Path) -> None:
    committed, fresh = files_under(DOCS), files_under(exported)
    stale = sorted(
        name for name in committed.keys() | fresh.keys() if committed.get(name) != fresh.get(name)
    )
    assert not stale, f"docs/contracts is stale ({', '.join(stale)}): run `{REGENERATE}`"


def test_every_published_contract_is_a_message_of_its_producers_topic(
    asyncapi: dict[str, Any],
) -> None:
    assert lmis_shared.contracts  # imported: every contract is in the catalogue
    contracts = {
        name
        for name, cls in catalogue().items()
        if cls.__module__.startswith("lmis_shared.contracts.")
    }
    assert set(_service_messages(asyncapi)) == contracts
    for name in contracts:
        domain = name.split(".")[1]
        channel = asyncapi["channels"][domain]
        assert channel["address"] == f"lmis.{domain}.events"
        assert channel["messages"][name] == {"$ref": f"#/components/messages/{name}"}


def test_the_asyncapi_document_has_what_the_specification_requires(
    asyncapi: dict[str, Any],
) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi["info"]["title"]
    assert asyncapi["info"]["version"]
    assert set(asyncapi["servers"]) == {"embedded", "production"}
    assert all(s["protocol"] == "kafka" and s["host"] for s in asyncapi["servers"].values())
    for domain, operation in asyncapi["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        channel = asyncapi["channels"][channel_ref.removeprefix("#/channels/")]
        assert operation["action"] == "send"
        assert len(operation["messages"]) == len(channel["messages"]), domain
        for ref in operation["messages"]:
            assert ref["$ref"].removeprefix(f"{channel_ref}/messages/") in channel["messages"]


def test_every_message_is_keyed_by_stream_id_and_names_its_dead_letter_topic(
    asyncapi: dict[str, Any],
) -> None:
    for message in asyncapi["components"]["messages"].values():
        assert message["bindings"]["kafka"]["key"]["format"] == "uuid"
    for name, channel in asyncapi["channels"].items():
        if not name.startswith(AGENCY_CHANNEL):  # feeds are derived: nothing to dead-letter
            assert channel["x-dead-letter-topic"] == dead_letter_topic(channel["address"])


def test_every_message_payload_is_a_valid_draft_2020_12_schema(
    asyncapi: dict[str, Any], exported: Path
) -> None:
    for name, message in _service_messages(asyncapi).items():
        path = exported / message["payload"]["schema"]["$ref"]
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["x-event-type"] == name


AGENCY_CHANNEL = "agency."


def _service_messages(asyncapi: dict[str, Any]) -> dict[str, Any]:
    messages: dict[str, Any] = asyncapi["components"]["messages"]
    return {k: v for k, v in messages.items() if not k.startswith(AGENCY_CHANNEL)}


def test_each_feed_is_a_channel_whose_messages_carry_only_the_allowed_fields(
    asyncapi: dict[str, Any],
) -> None:
    for feed in load_catalogue().feeds:
        channel = asyncapi["channels"][f"{AGENCY_CHANNEL}{feed.name}"]
        suffix = ".{commune}" if feed.per_commune else ""
        assert channel["address"] == f"lmis.agency.{feed.name}{suffix}"
        assert channel["x-legal-basis"] == feed.legal_basis
        for event_type, allowed in feed.event_types.items():
            message = asyncapi["components"]["messages"][f"agency.{feed.name}.{event_type}"]
            schema = message["payload"]["schema"]
            Draft202012Validator.check_schema(schema)
            personal = {k for k, v in schema["properties"].items() if v.get(PERSONAL)}
            # decrypted for the feed (never the envelope), `erased` listing the nulled ones
            assert set(schema["properties"]) == set(allowed) | ({"erased"} if personal else set())
            assert "SealedField" not in json.dumps(schema)
        carried = {m["$ref"].rsplit("/", 1)[1] for m in channel["messages"].values()}
        assert carried == {f"agency.{feed.name}.{t}" for t in feed.event_types}


def golden_events() -> list[Path]:
    return [p for p in sorted(GOLDEN.rglob("*.json")) if "data" in json.loads(p.read_text("utf-8"))]


@pytest.mark.parametrize("path", golden_events(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_golden_event_matches_its_published_schema(path: Path) -> None:
    golden = json.loads(path.read_text(encoding="utf-8"))
    schema = json_schemas()[golden.get("type") or golden["event_type"]]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate(golden["data"])


def golden_record() -> dict[str, Any]:
    path = GOLDEN / "cloudevents" / "worker_registered_v1.json"
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record


def headers_validator(asyncapi: dict[str, Any], message: str) -> Draft202012Validator:
    # the schema sits inside the document, so that `#/components/...` references resolve
    schema = {
        "$id": "urn:test:asyncapi",
        "$ref": f"#/components/messages/{message}/headers",
        "components": asyncapi["components"],
    }
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_the_golden_kafka_record_matches_the_published_message(asyncapi: dict[str, Any]) -> None:
    record = golden_record()
    headers = dict(record["headers"])

    headers_validator(asyncapi, headers["ce_type"]).validate(headers)
    Draft202012Validator(json_schemas()[headers["ce_type"]]).validate(json.loads(record["value"]))
    assert record["key"] == headers["ce_subject"]


def test_a_record_of_another_event_type_does_not_match_a_message(
    asyncapi: dict[str, Any],
) -> None:
    headers = dict(golden_record()["headers"])  # a worker registration

    assert not headers_validator(asyncapi, "lmis.registry.loan.applied.v1").is_valid(headers)


def test_a_record_without_its_cloudevents_headers_does_not_match(
    asyncapi: dict[str, Any],
) -> None:
    headers = dict(golden_record()["headers"])
    del headers["ce_id"]

    assert not headers_validator(asyncapi, headers["ce_type"]).is_valid(headers)


def personal_flags(schema: dict[str, Any]) -> dict[str, bool]:
    """`model.field` -> marked personal, for every field of the event and of its sub-models."""
    models = {"(event)": schema, **schema.get("$defs", {})}
    return {
        f"{model}.{field}": bool(prop.get("x-personal-data"))
        for model, body in models.items()
        for field, prop in body.get("properties", {}).items()
    }


def test_personal_identifiers_are_marked_wherever_they_appear() -> None:
    for name, schema in json_schemas().items():
        for field, marked in personal_flags(schema).items():
            if field.split(".")[-1] in IDENTIFIERS:
                assert marked, f"{name}: {field} is not marked x-personal-data"


def test_the_person_is_personal_and_the_fields_indicators_need_are_not() -> None:
    flags = personal_flags(json_schemas()["lmis.registry.worker.registered.v1"])

    assert flags["(event).person"]
    assert flags["Person.citizen_id"]
    assert not flags["(event).commune_code"]
    assert not flags["(event).sex"]


def test_the_residence_card_number_is_personal() -> None:
    flags = personal_flags(json_schemas()["lmis.permits.foreign_worker.residence_registered.v1"])

    assert flags["(event).card"]
    assert flags["ResidenceCard.number"]


def test_a_field_outside_person_can_be_marked_personal_in_its_contract() -> None:
    class Guarantor(BaseModel):
        full_name: str
        relation: str

    class LoanGuaranteed(EventPayload):  # made up, never registered
        guarantor: Guarantor = Field(json_schema_extra={"x-personal-data": True})
        amount_vnd: int

    LoanGuaranteed.event_type = "lmis.test.loan.guaranteed.v1"
    LoanGuaranteed.stream_type = "loan"

    flags = personal_flags(event_schema(LoanGuaranteed))

    assert flags["(event).guarantor"]
    assert flags["Guarantor.relation"]
    assert not flags["(event).amount_vnd"]
