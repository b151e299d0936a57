"""Text as people type it: Vietnamese is normalised to NFC at the edge, so "Nguyễn" typed with
combining marks and typed precomposed are one name (and one search key)."""

from __future__ import annotations

import unicodedata


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean_text(value: str) -> str:
    """NFC, trimmed, inner runs of white space folded: text kept exactly as typed otherwise."""
    return " ".join(nfc(value).split())
