"""One personal field's value sealed with AES-256-GCM (`cryptography`), as JSON.

    {"$enc": "v1", "k": "<subject id>", "n": "<base64 nonce>", "c": "<base64 ciphertext+tag>"}

`k` names the data key (the subject's: a consumer with a key grant asks for that key), `n` is a
fresh random 96-bit nonce per envelope, `c` the GCM ciphertext of the field's compact JSON
with its 128-bit tag. The associated data (not stored: both sides know it) binds the envelope
to its event type, subject and field.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
MARK = "$enc"
DATA_KEY_BYTES = 32
_NONCE_BYTES = 12


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=DATA_KEY_BYTES * 8)


def associated_data(event_type: str, subject: UUID, field: str) -> bytes:
    return f"lmis/{VERSION}|{event_type}|{subject}|{field}".encode()


def is_envelope(value: object) -> bool:
    return isinstance(value, dict) and value.get(MARK) == VERSION


def seal(key: bytes, subject: UUID, value: Any, aad: bytes) -> dict[str, str]:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, _compact(value).encode(), aad)
    return {MARK: VERSION, "k": str(subject), "n": _b64(nonce), "c": _b64(sealed)}


_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""One encoder made once: `json.dumps` with these options makes a new one per call."""


def unseal(key: bytes, envelope: dict[str, Any], aad: bytes) -> Any:
    """The field's value; `cryptography`'s InvalidTag if the key, place or text is wrong."""
    nonce, sealed = base64.b64decode(envelope["n"]), base64.b64decode(envelope["c"])
    return json.loads(AESGCM(key).decrypt(nonce, sealed, aad))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
