"""Names folded for search: "nguyen van an" finds "Nguyễn Văn An".

Folding happens here, in Python, for the stored key and the query alike, so both sides are
folded by the same code; PostgreSQL's `unaccent` would need a superuser to install and
leaves `đ` alone unless its rules are edited. Vietnamese `đ`/`Đ` is a letter of its own, not
`d` with a combining mark, so Unicode decomposition does not strip it: it is mapped first.
"""

from __future__ import annotations

import unicodedata

_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def search_key(text: str) -> str:
    """Lower case, no diacritics, `đ` → `d`, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def like_word_prefix(word: str) -> str:
    """A LIKE pattern for `word` at the start of a word of a stored ` folded name`."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {escaped}%"
