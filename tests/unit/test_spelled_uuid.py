"""`SpelledUUID` (an imported file's id in an import's worker process): the same value as the
plain UUID in every use, spelled once."""

from __future__ import annotations

import pickle
import uuid

from lmis_shared.events import SpelledUUID, spelled_uuid, versioned_uuid
from tests.copy_text_reference import field, line

VALUE = 0x0123456789ABCDEF0123456789ABCDEF


def test_a_spelled_id_is_the_plain_id_in_every_use() -> None:
    spelled, plain = versioned_uuid(VALUE, 5, SpelledUUID), versioned_uuid(VALUE, 5)

    assert isinstance(spelled, SpelledUUID)
    assert spelled == plain
    assert hash(spelled) == hash(plain)
    assert {plain: 1}[spelled] == 1
    assert str(spelled) == f"{spelled}" == str(plain)
    assert spelled.bytes == plain.bytes
    assert field(spelled) == str(plain)
    assert line([spelled]) == line([plain])
    # a file's state handed back by the worker (our own bytes, not untrusted data)
    back = pickle.loads(pickle.dumps(spelled))  # noqa: S301
    assert back == plain
    assert str(back) == str(plain)


def test_a_spelled_id_is_spelled_once() -> None:
    spelled = versioned_uuid(VALUE, 4, SpelledUUID)

    assert str(spelled) is str(spelled)
    assert str(uuid.UUID(int=VALUE)) is not str(uuid.UUID(int=VALUE))  # what it saves


def test_an_id_made_spelled_is_the_versioned_id_with_its_own_text() -> None:
    """`spelled_uuid` (the import worker's file ids) makes the id `versioned_uuid` makes, its
    text made at once: `UUID.__str__`'s, never another id's."""
    for value, version in ((VALUE, 5), (0, 5), (2**128 - 1, 4), (VALUE >> 3, 5)):
        made, plain = spelled_uuid(value, version), versioned_uuid(value, version)

        assert isinstance(made, SpelledUUID)
        assert made == plain
        assert made.version == version
        assert str(made) == str(plain) == str(uuid.UUID(int=plain.int))
