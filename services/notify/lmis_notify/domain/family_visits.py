"""The family visits of a worker who stays abroad illegally (Đồng Tháp plan: the commune
"regularly visits the families of workers who overstay ... to persuade them to come back of
their own accord"), as deadlines of the rule `family_visit_due` on the worker's stream, so the
alert belongs to the worker's commune.

    absconded / overstayed     the first visit is due at once (from the day it began), unless
                               a visit is already due (an absconder later reported overstaying)
    family visit recorded      fixes the visit due; the next one falls due `interval` days
                               after the visit (`RuleSettings.family_visit_interval_days`)
    returned                   fixes any visit due (`rules._returned`)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from lmis_notify.domain.model import Deadline, Decision, Subject
from lmis_shared.contracts.notify import AlertRule
from lmis_shared.contracts.registry_follow_up import WorkerFamilyVisitRecorded

if TYPE_CHECKING:
    from lmis_notify.domain.rules import RuleSettings

FAMILY_VISIT_DUE = AlertRule.family_visit_due


def first_visit_due(s: Subject, since: date) -> list[Deadline]:
    """The first visit, due from `since`; none if a visit is already due."""
    if any(d.rule is FAMILY_VISIT_DUE for d in s.deadlines):
        return []
    return [Deadline(FAMILY_VISIT_DUE, s.id, since)]


def visit_recorded(s: Subject, e: WorkerFamilyVisitRecorded, settings: RuleSettings) -> Decision:
    """The visit fixes what was due; the next one is due after the interval."""
    after = timedelta(days=settings.family_visit_interval_days)
    following = Deadline(FAMILY_VISIT_DUE, s.id, e.visited_on + after)
    fixed = {d for d in s.deadlines if d.rule is FAMILY_VISIT_DUE} - {following}
    live = (s.deadlines - fixed) | {following}
    return Decision(
        replace(s, deadlines=frozenset(live)), fixes=tuple(sorted(fixed)), deadlines=(following,)
    )
