"""Vietnamese alphabetical order, without ICU.

The embedded PostgreSQL has no ICU, so `ORDER BY name COLLATE "vi-x-icu"` is not available
everywhere. This key follows the CLDR Vietnamese collation closely enough for names of places
and people: letters compare by the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …),
where ă, â, đ, ê, ô, ơ, ư are letters of their own; tone marks only break ties (secondary
level, in the order none, huyền, hỏi, ngã, sắc, nặng); case breaks what is left (lower first).
Runs of digits compare as numbers, so "Phường 2" comes before "Phường 10".
"""

from __future__ import annotations

import unicodedata

# f, j, w, z are not Vietnamese letters but occur in foreign names; CLDR puts them in Latin order.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"  # one NFC code point per letter
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}

# Combining marks that make a new letter (ă â ê ô ơ ư) rather than a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}
# Tones, in CLDR's secondary order: huyền, hỏi, ngã, sắc, nặng (no mark = ngang = 0).
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

# Primary element classes: spaces before punctuation before digits before letters.
_SPACE, _PUNCT, _DIGIT, _LETTER, _OTHER = range(5)

Element = tuple[int, int]
SortKey = tuple[tuple[Element, ...], tuple[int, ...], tuple[int, ...]]


def vietnamese_sort_key(text: str) -> SortKey:
    """A key such that `sorted(names, key=vietnamese_sort_key)` is in Vietnamese order."""
    primary: list[Element] = []
    tones: list[int] = []
    cases: list[int] = []
    for cluster in _clusters(unicodedata.normalize("NFD", text)):
        base, marks = cluster[0], cluster[1:]
        if cluster.isdecimal():
            primary.append((_DIGIT, int(cluster)))
        elif base.isspace():
            primary.append((_SPACE, 0))
        elif base.isalpha():
            primary.append(_letter(base.lower(), marks))
            tones.append(max((_TONE_RANK.get(m, 0) for m in marks), default=0))
            cases.append(0 if base.islower() else 1)
        else:
            primary.append((_PUNCT, ord(base)))
    return tuple(primary), tuple(tones), tuple(cases)


def _letter(base: str, marks: str) -> Element:
    letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _LETTER_MARKS))
    rank = _LETTER_RANK.get(letter, _LETTER_RANK.get(base))
    return (_LETTER, rank) if rank is not None else (_OTHER, ord(base))


def _clusters(decomposed: str) -> list[str]:
    """Split into a base character with its combining marks; a run of digits is one cluster."""
    clusters: list[str] = []
    for char in decomposed:
        if clusters and _joins(clusters[-1], char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def _joins(cluster: str, char: str) -> bool:
    return bool(unicodedata.combining(char)) or (char.isdecimal() and cluster.isdecimal())
