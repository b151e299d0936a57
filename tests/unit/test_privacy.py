"""Personal data sealed per person (`lmis_shared.privacy`), on fakes of its ports: the local
master key and the in-memory key store. Each test can fail: a field left in clear, an envelope
that opens in another place, an erased key that still opens, a rotation that loses a key."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import SecretStr

from lmis_shared.contracts import permits, registry
from lmis_shared.events import EventPayload, RecordedEvent
from lmis_shared.privacy import envelope
from lmis_shared.privacy.fields import personal_fields, without_sealed
from lmis_shared.privacy.keys import (
    LocalMasterKey,
    UnknownMasterKey,
    load_master_key,
    new_master_key_text,
)
from lmis_shared.privacy.keystore import InMemoryKeyStore
from lmis_shared.privacy.personal import Opener, PersonalData, SubjectErased
from tests.unit.event_examples import recorded_event
from tests.unit.test_permits_contracts import SAMPLES as PERMITS_SAMPLES
from tests.unit.test_registry_contracts import EXAMPLES as REGISTRY_EXAMPLES

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
REGISTERED = registry.WorkerRegistered.model_validate(REGISTRY_EXAMPLES[0].model_dump())
CLEAR_VALUES = ("Lò Thị Mai", "012198001234", "1998-04-12")


@dataclass(frozen=True)
class Context:
    actor: str = "admin-1"
    recorded_at: datetime = AT


@dataclass(frozen=True)
class Planned:
    """What the store hands `PersonalData.seal`: a stream, a type, the JSON data."""

    stream_id: UUID
    event_type: str
    data: dict[str, Any]
    context: Context = Context()


def planned(subject: UUID, payload: EventPayload) -> Planned:
    return Planned(subject, payload.event_type, payload.model_dump(mode="json"))


def recorded(
    subject: UUID, event_type: str, data: dict[str, Any], version: int = 1
) -> RecordedEvent:
    return recorded_event(event_type, data, stream_id=subject, version=version, recorded_at=AT)


def master() -> LocalMasterKey:
    return LocalMasterKey(os.urandom(32))


@pytest.fixture
def personal() -> PersonalData:
    return PersonalData(InMemoryKeyStore(), master())


async def test_the_person_is_sealed_and_nothing_personal_stays_in_clear(
    personal: PersonalData,
) -> None:
    subject = uuid4()
    [data] = await personal.seal(None, [planned(subject, REGISTERED)])
    assert envelope.is_envelope(data["person"])
    assert data["commune_code"] == "03637"  # what indicators need stays readable
    text = json.dumps(data, ensure_ascii=False)
    assert not [v for v in CLEAR_VALUES if v in text]


async def test_a_sealed_event_opens_back_to_the_same_payload(personal: PersonalData) -> None:
    subject = uuid4()
    [data] = await personal.seal(None, [planned(subject, REGISTERED)])
    [opened] = await personal.open(None, [recorded(subject, REGISTERED.event_type, data)])
    assert opened.erased == ()
    assert opened.payload() == REGISTERED


async def test_one_key_per_person_made_with_the_first_personal_event(
    personal: PersonalData,
) -> None:
    store = personal.keys
    assert isinstance(store, InMemoryKeyStore)
    a, b = uuid4(), uuid4()
    await personal.seal(None, [planned(a, REGISTERED), planned(b, REGISTERED)])
    await personal.seal(None, [planned(a, REGISTRY_EXAMPLES[1])])
    await personal.seal(None, [planned(uuid4(), REGISTRY_EXAMPLES[2])])  # nothing personal
    assert set(store.records) == {a, b}
    assert all(r.wrapped != b"" and r.master_key_id for r in store.records.values())


async def test_an_envelope_moved_to_another_person_or_event_does_not_open(
    personal: PersonalData,
) -> None:
    a, b = uuid4(), uuid4()
    [sealed_a, _] = await personal.seal(None, [planned(a, REGISTERED), planned(b, REGISTERED)])
    keys = await personal.data_keys(None, [a, b])
    moved = dict(sealed_a["person"], k=str(b))  # b's key, a's ciphertext
    with pytest.raises(InvalidTag):
        personal.open_data(keys, REGISTERED.event_type, b, {"person": moved})
    other_type = registry.WorkerProfileUpdated.event_type
    with pytest.raises(InvalidTag):
        personal.open_data(keys, other_type, a, {"person": sealed_a["person"]})


async def test_erasure_destroys_the_key_and_the_fields_open_as_erased(
    personal: PersonalData,
) -> None:
    subject = uuid4()
    [data] = await personal.seal(None, [planned(subject, REGISTERED)])
    erased = registry.WorkerErased(
        legal_basis="Luật 91/2025/QH15", request_reference="YC-1", erased_on=date(2026, 11, 2)
    )
    [erasure] = await personal.seal(None, [planned(subject, erased)])
    assert erasure == erased.model_dump(mode="json")  # no personal data to seal in it
    record = (await personal.keys.fetch(None, [subject]))[subject]
    assert record.wrapped is None
    assert record.erased_by == "admin-1"
    assert record.erased_why is not None
    assert "YC-1" in record.erased_why

    [opened] = await personal.open(None, [recorded(subject, REGISTERED.event_type, data)])
    assert opened.data["person"] is None
    assert opened.erased == ("person",)
    folded = opened.payload()  # the fold still runs, on neutral placeholders
    assert isinstance(folded, registry.WorkerRegistered)
    assert folded.person.citizen_id == ""
    assert folded.commune_code == REGISTERED.commune_code


async def test_no_personal_data_is_recorded_for_an_erased_person(
    personal: PersonalData,
) -> None:
    subject = uuid4()
    await personal.keys.erase(None, subject, AT, "admin-1", "request")
    with pytest.raises(SubjectErased):
        await personal.seal(None, [planned(subject, REGISTERED)])


async def test_rotating_the_master_key_rewraps_and_keeps_every_event_readable() -> None:
    old, new = os.urandom(32), os.urandom(32)
    keys = InMemoryKeyStore()
    before = PersonalData(keys, LocalMasterKey(old))
    subject = uuid4()
    [data] = await before.seal(None, [planned(subject, REGISTERED)])

    with pytest.raises(UnknownMasterKey):  # the new key alone cannot unwrap the old wraps
        await PersonalData(keys, LocalMasterKey(new)).data_keys(None, [subject])
    during = PersonalData(keys, LocalMasterKey(new, previous=[old]))
    assert await during.rotate(None) == 1
    assert await during.rotate(None) == 0  # idempotent

    after = PersonalData(keys, LocalMasterKey(new))
    [opened] = await after.open(None, [recorded(subject, REGISTERED.event_type, data)])
    assert opened.payload() == REGISTERED


async def test_a_rebuild_opens_with_the_keys_read_once(personal: PersonalData) -> None:
    a, b = uuid4(), uuid4()
    [da, db] = await personal.seal(None, [planned(a, REGISTERED), planned(b, REGISTERED)])
    await personal.keys.erase(None, b, AT, "admin-1", "request")
    opener = await Opener.of(None, personal)
    assert opener.payload(REGISTERED.event_type, a, da) == REGISTERED
    erased = opener.payload(REGISTERED.event_type, b, db)
    assert isinstance(erased, registry.WorkerRegistered)
    assert erased.person.full_name == ""


async def test_a_consumer_without_keys_validates_sealed_fields_as_placeholders(
    personal: PersonalData,
) -> None:
    subject = uuid4()
    [data] = await personal.seal(None, [planned(subject, REGISTERED)])
    read = registry.WorkerRegistered.model_validate(without_sealed(registry.WorkerRegistered, data))
    assert read.sex == REGISTERED.sex
    assert read.person.full_name == ""


def test_the_personal_fields_are_those_the_contracts_mark() -> None:
    found = {
        e.event_type: personal_fields(type(e))
        for e in [*REGISTRY_EXAMPLES, *PERMITS_SAMPLES]
        if personal_fields(type(e))
    }
    assert found == {
        registry.WorkerRegistered.event_type: ("person",),
        registry.WorkerProfileUpdated.event_type: ("person",),
        permits.ForeignWorkerRegistered.event_type: ("person",),
        permits.TemporaryResidenceRegistered.event_type: ("card",),
    }


async def test_every_personal_sample_seals_and_opens_back(personal: PersonalData) -> None:
    for sample in [*REGISTRY_EXAMPLES, *PERMITS_SAMPLES]:
        subject = uuid4()
        [data] = await personal.seal(None, [planned(subject, sample)])
        for name in personal_fields(type(sample)):
            value = data[name]
            assert value is None or envelope.is_envelope(value), sample.event_type
        [opened] = await personal.open(None, [recorded(subject, sample.event_type, data)])
        assert opened.payload() == sample


def test_the_master_key_is_refused_missing_outside_embedded_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="LMIS_MASTER_KEY"):
        load_master_key(mode="production", keys_dir=tmp_path, key=None, key_file=None)
    assert not (tmp_path / "master.key").exists()


def test_embedded_mode_makes_one_local_master_key_and_keeps_it(tmp_path: Path) -> None:
    first = load_master_key(mode="embedded", keys_dir=tmp_path, key=None, key_file=None)
    again = load_master_key(mode="embedded", keys_dir=tmp_path, key=None, key_file=None)
    assert first.key_id == again.key_id
    assert (tmp_path / "master.key").stat().st_mode & 0o077 == 0


def test_a_master_key_comes_from_a_long_secret_in_the_environment(tmp_path: Path) -> None:
    text = new_master_key_text()
    given = load_master_key(
        mode="production", keys_dir=tmp_path, key=SecretStr(text), key_file=None
    )
    assert given.key_id != ""
    with pytest.raises(ValueError, match="LMIS_MASTER_KEY"):
        load_master_key(mode="production", keys_dir=tmp_path, key=SecretStr("short"), key_file=None)
