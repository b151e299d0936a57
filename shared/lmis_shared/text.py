"""Text as people type it: Vietnamese is normalised to NFC at the edge, so "Nguyễn" typed with
combining marks and typed precomposed are one name (and one search key)."""

from __future__ import annotations

import unicodedata


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean_text(value: str) -> str:
    """NFC, trimmed, inner runs of white space folded: text kept exactly as typed otherwise."""
    return " ".join(nfc(value).split())


def person_name(value: str) -> str:
    """A person's name as typed (`clean_text`): it has letters and no digits."""
    value = clean_text(value)
    if not any(c.isalpha() for c in value):
        raise ValueError("must contain letters")
    if any(c.isdigit() for c in value):
        raise ValueError("must not contain digits")
    return value
