"""Where an outbound worker file stands today, and the dates that bring it there.

Each file first gets its outcome, then its dates, worked out backwards from the event that
fixes the outcome (the return, the absconding, the start of the overstay): registration ≤
training ≤ contract ≤ departure ≤ return, and nothing that has happened is dated after
`today`. The registry's rules hold by construction: a departure before the contract's end,
absconding within the contract, overstaying after it, an extension beyond the first end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lmis_cli.demo import _markets as mk
from lmis_cli.demo._random import add_months, days_between, weighted

OUTCOMES = (
    ("registered", 4.0),
    ("in_training", 9.0),
    ("contracted", 6.0),
    ("withdrawn", 8.0),
    ("departed", 44.0),
    ("returned", 23.5),
    ("absconded", 4.5),
    ("overstaying", 1.0),
)
"""Where files stand today; overstaying as in the Lai Châu cohort (11 of 1,042)."""

ABROAD = frozenset({"departed", "returned", "absconded", "overstaying"})
COURSE_DAYS = {"ko": (120, 180), "ja": (120, 240), "zh": (30, 60), "de": (240, 360), "en": (60, 90)}


@dataclass
class Story:
    """A file's dates, worked out before its steps are written."""

    outcome: str
    market: mk.Market
    months: int
    registered_on: date = date.min
    courses: list[dict[str, Any]] = field(default_factory=list)
    signed_on: date | None = None
    start: date | None = None
    departed_on: date | None = None
    extended_to: date | None = None
    absconded_on: date | None = None
    overstaying_since: date | None = None
    returned_on: date | None = None
    return_reason: str = "contract_completed"
    withdrawn_on: date | None = None
    withdrawal_reason: str = "personal"


# --- the story: dates, backwards from the outcome ------------------------------------------


def write_story(rng: random.Random, story: Story, today: date) -> None:
    months_days = story.months * 30
    match story.outcome:
        case "registered":
            story.registered_on = today - days_between(rng, 0, 90)
        case "in_training":
            _in_training(rng, story, today)
        case "contracted":
            _sign(rng, story, today - days_between(rng, 0, 120))
            assert story.signed_on is not None
            story.start = story.signed_on + days_between(rng, 30, 150)
        case "withdrawn":
            _withdrawn(rng, story, today)
        case "departed":
            _still_abroad(rng, story, today, months_days)
        case "returned":
            _returned(rng, story, today, months_days)
        case "absconded":
            story.absconded_on = today - days_between(rng, 1, 3 * 365)
            _depart(rng, story, story.absconded_on - days_between(rng, 30, months_days - 30))
        case "overstaying":
            story.overstaying_since = today - days_between(rng, 10, 2 * 365)
            _ends_on(rng, story, story.overstaying_since - days_between(rng, 1, 60))


def _still_abroad(rng: random.Random, story: Story, today: date, months_days: int) -> None:
    extendable = story.market.extension_months
    variant = weighted(rng, (("working", 85), ("extended", 12 if extendable else 0), ("due", 3)))
    if variant == "working":
        _depart(rng, story, today - days_between(rng, 10, max(11, months_days - 20)))
    elif variant == "extended":
        # the original end fell within the last ten months or falls soon; the extension runs on
        _ends_on(rng, story, today + days_between(rng, -300, 40))
        assert story.start is not None
        story.extended_to = add_months(story.start, story.months + extendable)
    else:  # the contract ended weeks ago and no return is recorded yet: an alert to raise
        _ends_on(rng, story, today - days_between(rng, 1, 45))


def _returned(rng: random.Random, story: Story, today: date, months_days: int) -> None:
    back = today - days_between(rng, 1, 3 * 365)
    story.returned_on = back
    variant = weighted(rng, (("completed", 78), ("early", 14), ("deported", 8)))
    if variant == "completed":
        extension = story.market.extension_months if rng.random() < 0.25 else 0
        _ends_on(rng, story, back - days_between(rng, 0, 20), extension)
    elif variant == "early":
        story.return_reason = weighted(
            rng,
            (("early_termination", 5), ("sickness", 3), ("employer_closed", 1), ("personal", 2)),
        )
        _depart(rng, story, back - days_between(rng, 60, months_days - 30))
    else:  # absconded, was caught and sent home
        story.return_reason = "deported"
        story.absconded_on = back - days_between(rng, 30, 400)
        _depart(rng, story, story.absconded_on - days_between(rng, 30, months_days - 30))


def _ends_on(rng: random.Random, story: Story, end: date, extension: int = 0) -> None:
    """A contract (extended by `extension` months) that ends on or just before `end`."""
    story.start = add_months(end, -(story.months + extension))
    if extension:
        story.extended_to = add_months(story.start, story.months + extension)
    _signed_before(rng, story, story.start - days_between(rng, 0, 3))


def _depart(rng: random.Random, story: Story, departed_on: date) -> None:
    story.start = departed_on + days_between(rng, 0, 3)
    _signed_before(rng, story, departed_on)


def _signed_before(rng: random.Random, story: Story, departed_on: date) -> None:
    story.departed_on = departed_on
    wait = (30, 120) if story.market.public_only else (20, 90)
    _sign(rng, story, departed_on - days_between(rng, *wait))


def _sign(rng: random.Random, story: Story, signed_on: date) -> None:
    story.signed_on = signed_on
    trained = rng.random() < 0.88
    wait = (60, 240) if story.market.key == "kr-eps" else (10, 90)
    _prepare(rng, story, signed_on - days_between(rng, 1, 10), trained, wait)


def _prepare(
    rng: random.Random,
    story: Story,
    ready_on: date,
    trained: bool,
    wait: tuple[int, int],
    *,
    language_passed: bool = True,
) -> None:
    """Courses finished by `ready_on` (orientation last), and the registration before them."""
    cursor = ready_on
    if trained:
        started = cursor - days_between(rng, 7, 20)
        story.courses.insert(0, _course("orientation", None, started, cursor, True))
        cursor = started - days_between(rng, *wait)
        if story.market.language:
            started = cursor - days_between(rng, *COURSE_DAYS[story.market.language])
            course = _course("language", story.market, started, cursor, language_passed)
            story.courses.insert(0, course)
            cursor = started
    story.registered_on = cursor - days_between(rng, 3, 30)


def _in_training(rng: random.Random, story: Story, today: date) -> None:
    kind = "language" if story.market.language else "orientation"
    high = COURSE_DAYS.get(story.market.language or "", (7, 20))[1]
    enrolled = today - days_between(rng, 0, high)
    story.courses.append(_course(kind, story.market, enrolled, None, True))
    story.registered_on = enrolled - days_between(rng, 3, 30)


def _withdrawn(rng: random.Random, story: Story, today: date) -> None:
    gave_up = today - days_between(rng, 0, 4 * 365)
    reasons = [("failed_exam", 35 if story.market.exam else 0), ("health", 15), ("personal", 25)]
    reasons += [("no_placement", 10), ("visa_refused", 15)]
    story.withdrawn_on, story.withdrawal_reason = gave_up, weighted(rng, reasons)
    ready = gave_up - days_between(rng, 1, 60)
    match story.withdrawal_reason:
        case "failed_exam":
            _prepare(rng, story, ready, True, (0, 0), language_passed=False)
            story.courses = [c for c in story.courses if c["kind"] == "language"]
        case "visa_refused":
            _sign(rng, story, ready)
            story.start = ready + days_between(rng, 30, 90)
        case "no_placement":
            _prepare(rng, story, gave_up - days_between(rng, 60, 300), True, (10, 60))
        case _:
            story.registered_on = ready - days_between(rng, 10, 120)


def _course(
    kind: str, market: mk.Market | None, started: date, done: date | None, passed: bool
) -> dict[str, Any]:
    language = market.language if market and kind == "language" else None
    exam = market.exam if market and kind == "language" else None
    return {
        "kind": kind,
        "language": language,
        "exam": exam,
        "enrolled_on": started,
        "completed_on": done,
        "passed": passed,
    }
