"""Keys of the keyed hashes that find a person without storing the identifier in clear
(citizen ID, passport number). Each service that looks people up has its own key setting."""

from __future__ import annotations

from pydantic import SecretStr

DEVELOPMENT_LOOKUP_KEY = "lmis-development-lookup-key-not-for-production"
MIN_LOOKUP_KEY_LENGTH = 32


def lookup_secret(key: SecretStr, mode: str, setting: str) -> bytes:
    """The key for a process in `mode`; the development default is refused outside embedded.

    Changing a key changes every derived id: set it once, before the first real data.
    """
    value = key.get_secret_value()
    if mode != "embedded" and (
        value == DEVELOPMENT_LOOKUP_KEY or len(value) < MIN_LOOKUP_KEY_LENGTH
    ):
        raise ValueError(
            f"{setting} must be set to a secret of at least {MIN_LOOKUP_KEY_LENGTH} characters "
            "outside embedded mode"
        )
    return value.encode()
