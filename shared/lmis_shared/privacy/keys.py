"""The master key port (`KeyWrapper`) and its local implementation (`LocalMasterKey`).

A data key is stored only wrapped by a master key; the row keeps the id of the master key
that wrapped it, so a rotation can tell what is left to re-wrap. The port is the shape of a
KMS (wrap/unwrap, key ids): a province HSM or KMS implements it without the rest changing.

`LocalMasterKey` wraps with AES key wrap (RFC 3394, `cryptography`) under a 256-bit key derived
(HKDF-SHA256) from a secret of at least 32 characters. Its current key wraps; previous keys
(kept during a rotation) still unwrap.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from pydantic import SecretStr

MASTER_KEY_BYTES = 32
MASTER_KEY_NAME = "master.key"
MIN_SECRET_LENGTH = 32
_INFO = b"lmis/master-key/v1"


class KeyWrapper(Protocol):
    @property
    def key_id(self) -> str:
        """The id of the master key that `wrap` uses now."""
        ...

    def wrap(self, data_key: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, master_key_id: str) -> bytes:
        """The data key; UnknownMasterKey if `master_key_id` is not a key of this wrapper."""
        ...


class UnknownMasterKey(LookupError):
    def __init__(self, master_key_id: str) -> None:
        super().__init__(f"no master key with id {master_key_id} is configured")


def master_key_id(key: bytes) -> str:
    """A public id of a master key (a digest prefix: names it, reveals nothing of it)."""
    return hashlib.sha256(b"lmis-master-key-id|" + key).hexdigest()[:16]


class LocalMasterKey:
    def __init__(self, current: bytes, previous: Sequence[bytes] = ()) -> None:
        for key in (current, *previous):
            if len(key) != MASTER_KEY_BYTES:
                raise ValueError(f"a master key is {MASTER_KEY_BYTES} bytes")
        self._current = current
        self._current_id = master_key_id(current)  # a digest: made once, read per data key
        self._keys = {master_key_id(k): k for k in (*previous, current)}

    @property
    def key_id(self) -> str:
        return self._current_id

    def wrap(self, data_key: bytes) -> bytes:
        return aes_key_wrap(self._current, data_key)

    def unwrap(self, wrapped: bytes, master_key_id: str) -> bytes:
        key = self._keys.get(master_key_id)
        if key is None:
            raise UnknownMasterKey(master_key_id)
        return aes_key_unwrap(key, wrapped)


def parse_master_key(text: str, setting: str) -> bytes:
    """The 256-bit master key derived (HKDF-SHA256) from a secret of at least 32 characters
    (`openssl rand -base64 48`, or `lmis privacy new-master-key`)."""
    secret = text.strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"{setting} must be a secret of at least {MIN_SECRET_LENGTH} characters")
    derive = HKDF(algorithm=hashes.SHA256(), length=MASTER_KEY_BYTES, salt=None, info=_INFO)
    return derive.derive(secret.encode())


def new_master_key_text() -> str:
    return secrets.token_urlsafe(48)


def ensure_local_master_key(keys_dir: Path) -> Path:
    """Embedded mode only: `<keys_dir>/master.key` (mode 0600), made once. Written aside and
    linked into place, so a process starting at the same moment never reads it half-written."""
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = keys_dir / MASTER_KEY_NAME
    if path.exists():
        return path
    aside = keys_dir / f".{MASTER_KEY_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(new_master_key_text() + "\n")
    try:
        os.link(aside, path)  # fails if another process linked its key first: keep that one
    except FileExistsError:
        pass
    finally:
        aside.unlink()
    return path


def load_master_key(
    *,
    mode: str,
    keys_dir: Path,
    key: SecretStr | None,
    key_file: Path | None,
    previous_files: Sequence[Path] = (),
    setting: str = "LMIS_MASTER_KEY",
) -> LocalMasterKey:
    """The master key of a process: `<setting>` or `<setting>_FILE`; in embedded mode a
    generated local file when neither is set; refused missing outside embedded mode."""
    if key is not None:
        current = parse_master_key(key.get_secret_value(), setting)
    else:
        if key_file is None:
            if mode != "embedded":
                raise ValueError(f"{setting} or {setting}_FILE must be set outside embedded mode")
            key_file = ensure_local_master_key(keys_dir)
        current = parse_master_key(key_file.read_text(), f"{setting}_FILE")
    previous = [
        parse_master_key(p.read_text(), f"{setting}_FILE (previous)") for p in previous_files
    ]
    return LocalMasterKey(current, previous)
