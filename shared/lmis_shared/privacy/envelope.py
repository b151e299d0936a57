"""One personal field's value sealed with AES-256-GCM (`cryptography`), as JSON.

    {"$enc": "v1", "k": "<subject id>", "n": "<base64 nonce>", "c": "<base64 ciphertext+tag>"}

`k` names the data key (the subject's: a consumer with a key grant asks for that key), `n` is a
fresh random 96-bit nonce per envelope, `c` the GCM ciphertext of the field's compact JSON
(UTF-8, non-ASCII as it is) with its 128-bit tag. The associated data (not stored: both
sides know it) binds the envelope to its event type, subject and field.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic_core import to_json

VERSION = "v1"
MARK = "$enc"
DATA_KEY_BYTES = 32
NONCE_BYTES = 12


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def new_data_keys(count: int) -> list[bytes]:
    """`count` data keys from one read of the system's randomness (`new_data_key` reads it
    once per key: the same source, in one call)."""
    return _split(os.urandom(DATA_KEY_BYTES * count), DATA_KEY_BYTES)


def new_nonces(count: int) -> list[bytes]:
    """`count` fresh random nonces, from one read of the system's randomness."""
    return _split(os.urandom(NONCE_BYTES * count), NONCE_BYTES)


def _split(raw: bytes, size: int) -> list[bytes]:
    return [raw[i : i + size] for i in range(0, len(raw), size)]


def associated_data(event_type: str, subject: UUID | str, field: str) -> bytes:
    return f"lmis/{VERSION}|{event_type}|{subject}|{field}".encode()


def is_envelope(value: object) -> bool:
    return isinstance(value, dict) and value.get(MARK) == VERSION


def seal(key: bytes, subject: UUID, value: Any, aad: bytes) -> dict[str, str]:
    return sealed_with(AESGCM(key), str(subject), os.urandom(NONCE_BYTES), value, aad)


def sealed_with(
    cipher: AESGCM, subject: str, nonce: bytes, value: Any, aad: bytes
) -> dict[str, str]:
    """`seal` with the subject's cipher and a fresh nonce made by the caller (a bulk import
    draws its nonces and keys in one read of the system's randomness)."""
    sealed = cipher.encrypt(nonce, to_json(value), aad)
    # `_b64` written in place: an import seals a field a row
    n = binascii.b2a_base64(nonce, newline=False).decode("ascii")
    c = binascii.b2a_base64(sealed, newline=False).decode("ascii")
    return {MARK: VERSION, "k": subject, "n": n, "c": c}


def unseal(key: bytes, envelope: dict[str, Any], aad: bytes) -> Any:
    """The field's value; `cryptography`'s InvalidTag if the key, place or text is wrong."""
    nonce, sealed = base64.b64decode(envelope["n"]), base64.b64decode(envelope["c"])
    return json.loads(AESGCM(key).decrypt(nonce, sealed, aad))


def _b64(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).decode("ascii")
