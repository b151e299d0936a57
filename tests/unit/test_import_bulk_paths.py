"""The bulk import's cheaper forms of the per-row work give what the ordinary forms give:
sealing a batch of new subjects, the imported file's id, the citizen key, a state's version
stamp. Each test fails if the cheap form drifts from the ordinary one."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import unicodedata
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lmis_registry.adapters.open_files import CitizenKeys, citizen_key
from lmis_registry.application.import_files import FILE_ID_NAMESPACE, import_file_id
from lmis_registry.domain import workers
from lmis_shared.contracts import registry
from lmis_shared.events import spelled_uuid, versioned_uuid
from lmis_shared.privacy import envelope
from lmis_shared.privacy.keys import LocalMasterKey
from lmis_shared.privacy.keystore import InMemoryKeyStore
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.text import search_key
from tests.unit.test_privacy import REGISTERED, Planned

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def personal() -> PersonalData:
    return PersonalData(InMemoryKeyStore(), LocalMasterKey(os.urandom(32)))


def test_a_batch_of_new_subjects_is_sealed_each_with_its_own_key_and_opens_again() -> None:
    sealing = personal()
    subjects = [uuid4() for _ in range(3)]
    names = ["Lò Thị Mai", "Giàng A Sử", "Nguyễn Văn Đạt"]
    events = [
        Planned(s, REGISTERED.event_type, REGISTERED.model_dump(mode="json")) for s in subjects
    ]
    for event, name in zip(events, names, strict=True):
        event.data["person"]["full_name"] = name
    sealed, records = sealing.seal_new_subjects(events)

    assert [r.subject_id for r in records] == subjects
    assert len({r.wrapped for r in records}) == 3  # a key per person
    nonces = {data["person"]["n"] for data in sealed}
    assert len(nonces) == 3
    for subject, data, record, name in zip(subjects, sealed, records, names, strict=True):
        assert name not in json.dumps(data, ensure_ascii=False)
        assert data["person"]["k"] == str(subject)
        key = sealing.unwrap(record)
        aad = envelope.associated_data(REGISTERED.event_type, subject, "person")
        assert envelope.unseal(key, data["person"], aad)["full_name"] == name
        # only the personal field is sealed; the rest is as it was
        assert {k: v for k, v in data.items() if k != "person"} == {
            k: v for k, v in REGISTERED.model_dump(mode="json").items() if k != "person"
        }


def test_a_subjects_second_event_in_the_batch_is_sealed_with_the_same_key() -> None:
    sealing = personal()
    subject = uuid4()
    data = REGISTERED.model_dump(mode="json")
    events = [Planned(subject, REGISTERED.event_type, data)] * 2
    sealed, records = sealing.seal_new_subjects(events)
    assert len(records) == 1
    key = sealing.unwrap(records[0])
    aad = envelope.associated_data(REGISTERED.event_type, subject, "person")
    assert [envelope.unseal(key, d["person"], aad) for d in sealed] == [data["person"]] * 2
    assert sealed[0]["person"]["n"] != sealed[1]["person"]["n"]


async def test_a_batch_seals_what_the_single_append_seals_and_only_that() -> None:
    """A personal field without a value or sealed already stays as it is, an event type
    without personal fields is not copied, and only a subject with a field sealed gets a key:
    as `seal` does, field for field."""
    sealing = personal()
    sealed_already = envelope.seal(envelope.new_data_key(), uuid4(), {"a": 1}, b"x")
    enrolled = "lmis.registry.worker.enrolled_in_training.v1"
    events = [
        Planned(uuid4(), REGISTERED.event_type, {**REGISTERED.model_dump(mode="json"), **extra})
        for extra in ({}, {"person": None}, {"person": sealed_already}, {})
    ]
    events.insert(2, Planned(events[0].stream_id, enrolled, {"course": "x"}))
    events.append(Planned(events[0].stream_id, REGISTERED.event_type, events[0].data))

    batch, records = sealing.seal_new_subjects(events)
    single = await sealing.seal(None, events)

    assert [r.subject_id for r in records] == [events[0].stream_id, events[4].stream_id]
    assert [d is e.data for d, e in zip(batch, events, strict=True)] == [
        False,
        True,
        True,
        True,
        False,
        False,
    ]
    keys = {r.subject_id: sealing.unwrap(r) for r in records}
    for b, s, e in zip(batch, single, events, strict=True):
        assert [k for k, v in b.items() if v != e.data[k]] == [
            k for k, v in s.items() if v != e.data[k]
        ]
        if b is not e.data:
            assert sealing.open_data(keys, e.event_type, e.stream_id, b)[0] == e.data


def test_an_erasure_opens_no_stream() -> None:
    erased = registry.WorkerErased(
        legal_basis="Art. 16", request_reference="R-1", erased_on=AT.date()
    )
    event = Planned(uuid4(), erased.event_type, erased.model_dump(mode="json"))
    with pytest.raises(ValueError, match="erasure"):
        personal().seal_new_subjects([event])


def test_the_envelope_of_a_batch_opens_with_the_single_event_form() -> None:
    key, subject = envelope.new_data_key(), uuid4()
    aad = envelope.associated_data("t", subject, "person")
    value = {"full_name": "Tòng Thị Hương", "note": "ư ơ đ \u2028"}
    one = envelope.seal(key, subject, value, aad)
    assert envelope.unseal(key, one, aad) == value
    assert [len(k) for k in envelope.new_data_keys(3)] == [envelope.DATA_KEY_BYTES] * 3
    assert len(set(envelope.new_nonces(50))) == 50


@given(st.text(min_size=0, max_size=40), st.dates())
def test_the_imported_files_id_is_uuid5_of_the_key_and_date(key: str, registered: date) -> None:
    name = f"{key}|{registered.isoformat()}"
    expected = uuid.uuid5(FILE_ID_NAMESPACE, name)
    assert import_file_id(key, registered) == expected
    # as the import worker makes it: spelled at once, with uuid5's own text
    spelled = import_file_id(key, registered, spelled_uuid)
    assert spelled == expected
    assert str(spelled) == str(expected)


@given(st.text(max_size=20))
def test_the_citizen_key_is_the_hmac_of_the_citizen_id(citizen_id: str) -> None:
    expected = hmac.new(b"secret", citizen_id.encode(), hashlib.sha256).hexdigest()
    assert citizen_key(b"secret", citizen_id) == expected


@given(st.text(max_size=20), st.binary(min_size=1, max_size=100))
@example("012084000000", bytes(range(64)))  # SHA-256's block: used as it is
@example("012084000000", bytes(range(65)))  # longer: hashed first
@example("", b"\xff" * 100)
def test_the_citizen_keys_of_an_import_are_the_hmacs_of_the_ids(
    citizen_id: str, secret: bytes
) -> None:
    """`CitizenKeys` (the HMAC keyed once, copied per call) and `citizen_key` agree, for a
    secret shorter and longer than SHA-256's block alike."""
    assert CitizenKeys(secret)(citizen_id) == citizen_key(secret, citizen_id)


@given(st.binary(min_size=16, max_size=16), st.sampled_from([1, 3, 4, 5]))
def test_a_versioned_uuid_is_the_one_uuid_makes(raw: bytes, version: int) -> None:
    """The variant and version set in one step give the UUID `uuid` makes (pickled alike)."""
    made, expected = (
        versioned_uuid(int.from_bytes(raw), version),
        uuid.UUID(bytes=raw, version=version),
    )
    assert made == expected
    assert made.is_safe is expected.is_safe
    assert made.__getstate__() == expected.__getstate__()


@pytest.mark.parametrize("value", [-1, 1 << 128])
def test_a_versioned_uuid_of_more_than_128_bits_is_refused_as_uuid_refuses_it(value: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        versioned_uuid(value, 4)
    with pytest.raises(ValueError, match="out of range"):
        uuid.UUID(int=value)


def test_a_version_stamp_is_a_copy_like_replace_makes() -> None:
    file_id = uuid4()
    [event] = workers.decide(None, workers.RegisterWorker(**_register()), AT.date())
    state = workers.evolve(None, event, file_id)
    stamped = state.with_version(7)
    assert stamped == replace(state, version=7)
    assert (state.version, stamped.version, stamped.id) == (0, 7, file_id)
    assert state.person == stamped.person


def whole_text_search_key(text: str) -> str:
    """`search_key` as it was written first, folding the whole text at once."""
    decomposed = unicodedata.normalize("NFD", text.translate(str.maketrans({"đ": "d", "Đ": "D"})))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


VIETNAMESE = st.text(
    st.sampled_from("aăâđeêioôơuưyAĐƠ \t\u00a0\u0301\u0300\u0303\u0309\u0323İß") | st.characters(),
    max_size=30,
)


@given(VIETNAMESE)
def test_search_keys_folded_word_by_word_are_the_whole_texts(text: str) -> None:
    assert search_key(text) == whole_text_search_key(text)


def test_search_keys_of_names() -> None:
    assert search_key("  Nguyễn  Văn Đạt ") == "nguyen van dat"
    assert search_key("Lò \u0301 Thị") == "lo thi"  # a lone mark is no word


def _register() -> dict[str, Any]:
    return {
        "full_name": "Giàng A Sử",
        "date_of_birth": date(1996, 9, 21),
        "sex": "male",
        "ethnicity": "09",
        "citizen_id": "012096000871",
        "commune_code": "03618",
        "registered_on": date(2024, 3, 15),
    }
