"""A person's name as typed (`text.person_name`): its one-pass check of a name of letters
keeps the rule as written out (letters, and no digit), messages included."""

from __future__ import annotations

import sys
from collections.abc import Callable

from hypothesis import example, given
from hypothesis import strategies as st

from lmis_shared.text import clean_text, person_name


def _as_written_out(value: str) -> str:
    value = clean_text(value)
    if not any(c.isalpha() for c in value):
        raise ValueError("must contain letters")
    if any(c.isdigit() for c in value):
        raise ValueError("must not contain digits")
    return value


def _outcome(check: Callable[[str], str], value: str) -> str:
    try:
        return "kept " + check(value)
    except ValueError as problem:
        return "refused " + str(problem)


@given(
    st.text(st.characters(codec="utf-8"), max_size=12) | st.text("Lò Văn Páo1²٣ \t", max_size=12)
)
@example("Nguyễn Văn An")
@example("  Lò  Thị\tMai ")
@example("Lò Văn 2")
@example("Lò Văn ²")  # a digit that is no decimal
@example("Lò Văn ٣")  # an Arabic-Indic digit
@example("")
@example("  ")
@example("---")
def test_a_name_is_kept_or_refused_as_the_rule_written_out_says(value: str) -> None:
    assert _outcome(person_name, value) == _outcome(_as_written_out, value)


def test_no_character_is_both_a_letter_and_a_digit() -> None:
    """What lets a name of letters skip the look for digits."""
    both = [i for i in range(sys.maxunicode + 1) if chr(i).isalpha() and chr(i).isdigit()]
    assert both == []
