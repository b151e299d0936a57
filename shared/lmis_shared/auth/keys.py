"""The embedded key pair and the tokens it signs (`lmis token`, the demo loader, tests).

Production tokens come from the identity provider (e.g. Keycloak); this module is only for a
platform that runs on one machine, where the launcher creates a key pair once under
`<data_dir>/keys/`.
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lmis_shared.auth.principal import Role, is_unit_code, scope_fits_role
from lmis_shared.clock import Clock, SystemClock

PRIVATE_KEY_NAME = "jwt.key"
PUBLIC_KEY_NAME = "jwt.pub"
ALGORITHM = "RS256"


def ensure_local_keypair(keys_dir: Path) -> tuple[Path, Path]:
    """Create `jwt.key` (mode 0600) and `jwt.pub` in `keys_dir` once; return both paths.

    Safe to call from several processes at once: a file lock makes one of them generate the
    pair, so a private key never ends up next to another process's public key.
    """
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path, public_path = keys_dir / PRIVATE_KEY_NAME, keys_dir / PUBLIC_KEY_NAME
    with _locked(keys_dir / ".lock"):
        if not private_path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            _write_atomically(private_path, _private_pem(key), mode=0o600)
        if not public_path.exists():
            key = _load_private_key(private_path)
            _write_atomically(public_path, _public_pem(key.public_key()), mode=0o644)
    return private_path, public_path


def issue_token(
    private_key_path: Path,
    *,
    subject: str,
    role: str,
    scope: str,
    issuer: str,
    audience: str,
    ttl: timedelta,
    clock: Clock | None = None,
) -> str:
    """A signed RS256 bearer token for `subject` acting as `role` within unit `scope`."""
    if not is_unit_code(scope):
        raise ValueError("scope must be a province (2 digits) or commune (5 digits) code")
    if not scope_fits_role(Role(role), scope):  # Role(): ValueError for an unknown role
        raise ValueError(f"a {role} token needs a unit scope of its role's level")
    now = (clock or SystemClock()).now()
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "role": role,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, _load_private_key(private_key_path), algorithm=ALGORITHM)


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, content: bytes, *, mode: int) -> None:
    # Created with its final mode, so the private key is never readable by others, not even
    # for an instant; renamed into place, so a reader never sees half a key.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.chmod(temporary, mode)  # os.open's mode is filtered by the umask
    os.replace(temporary, path)


def _load_private_key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
