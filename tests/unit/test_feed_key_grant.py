"""The feeds' key grant (`adapters/key_grant.py`) with the privacy module's in-memory key store:
it opens what a feed was handed (already reduced), nulls and names an erased person's fields,
withholds what it holds no grant for, and is refused without the producers' master keys
outside embedded mode."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lmis_notify.adapters.key_grant import KeyGrant, key_grant
from lmis_shared.privacy import envelope
from lmis_shared.privacy.keys import LocalMasterKey
from lmis_shared.privacy.keystore import InMemoryKeyStore, KeyRecord
from lmis_shared.privacy.personal import PersonalData
from lmis_shared.settings import CommonSettings
from tests.unit.alert_examples import Stream, worker_registered

PERSON = {"full_name": "Lò Thị Mai", "citizen_id": "012198001234"}


def _sealed_registration() -> tuple[PersonalData, Any, dict[str, Any]]:
    """A worker's registration as the registry stores it (its `person` sealed)."""
    wrapper, keys = LocalMasterKey(os.urandom(32)), InMemoryKeyStore()
    decoded = Stream("worker").event(worker_registered())
    meta, subject, data_key = (
        decoded.event.metadata,
        decoded.event.metadata.stream_id,
        os.urandom(32),
    )
    keys.records[subject] = KeyRecord(
        subject, wrapper.wrap(data_key), wrapper.key_id, datetime.now(UTC)
    )
    aad = envelope.associated_data(meta.event_type, subject, "person")
    reduced = {"person": envelope.seal(data_key, subject, PERSON, aad), "province_code": "12"}
    return PersonalData(keys, wrapper), meta, reduced


async def test_the_grant_opens_the_allowed_fields_and_marks_an_erased_persons() -> None:
    personal, meta, reduced = _sealed_registration()
    grant = KeyGrant(None, {"registry": personal})  # type: ignore[arg-type]  # fake keys
    [opened] = await grant.reveal([(meta, reduced)])
    assert opened == {"person": PERSON, "province_code": "12"}

    await personal.keys.erase(None, meta.stream_id, datetime.now(UTC), "dpo-1", "why")
    [erased] = await grant.reveal([(meta, reduced)])
    assert erased == {"person": None, "province_code": "12", "erased": ["person"]}


async def test_without_a_grant_for_the_producer_sealed_fields_are_withheld() -> None:
    personal, meta, reduced = _sealed_registration()
    grant = KeyGrant(None, {"permits": personal})  # type: ignore[arg-type]
    assert await grant.reveal([(meta, reduced)]) == [{"province_code": "12"}]


def test_the_grant_is_refused_without_the_producers_master_keys_outside_embedded_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    common = CommonSettings.model_construct(mode="production", data_dir=tmp_path)
    monkeypatch.delenv("LMIS_REGISTRY_MASTER_KEY", raising=False)
    monkeypatch.delenv("LMIS_REGISTRY_MASTER_KEY_FILE", raising=False)
    with pytest.raises(ValueError, match="LMIS_REGISTRY_MASTER_KEY"):
        key_grant(None, ["registry"], common)  # type: ignore[arg-type]
    monkeypatch.setenv("LMIS_REGISTRY_MASTER_KEY", "k" * 48)
    assert key_grant(None, ["registry"], common)  # type: ignore[arg-type]
    assert not (tmp_path / "keys").exists()  # no local key made outside embedded mode
