"""Who sees which alerts: the grants table of the notify service, as data.

Each rule is its own kind of object (`alert.loan_overdue`, ...), so a role is granted the
rules its work needs (domain.md, Domain 5): the bank its loans, the police permits and
foreign workers, foreign affairs the citizens abroad; the labour offices everything in their
unit. Scope is checked by `Authorizer` on the alert's unit as everywhere else. Reading an
alert includes acknowledging it: "I have seen it" is what reading it is for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lmis_shared.auth import ANY, READ, WRITE, Grant, Role, grant
from lmis_shared.contracts.notify import AlertRule

ACKNOWLEDGE = "acknowledge"
REPORT = "report"


def alert_kind(rule: AlertRule) -> str:
    return f"alert.{rule.value}"


def _alerts(*rules: AlertRule) -> list[str]:
    return [alert_kind(rule) for rule in rules]


def _seeing(rules: Iterable[str]) -> Grant:
    return grant([READ, ACKNOWLEDGE], rules)


ALL_ALERTS = _alerts(*AlertRule)
PERMIT_ALERTS = _alerts(
    AlertRule.permit_expiring,
    AlertRule.permit_expired,
    AlertRule.working_without_permit,
    AlertRule.working_after_revocation,
)
ABROAD_ALERTS = _alerts(AlertRule.absconded, AlertRule.overdue_return)
RECRUITMENT_ALERTS = _alerts(AlertRule.fee_above_ceiling, AlertRule.suspicious_recruitment)
"""The police detect illegal brokers (the Cao Minh plan): they see these two."""

NOTIFY_GRANTS: Mapping[Role, tuple[Grant, ...]] = {
    Role.ADMIN: (grant([ANY], [ANY], anywhere=True),),
    Role.PROVINCE_OFFICER: (_seeing(ALL_ALERTS), grant([WRITE], [REPORT])),
    Role.COMMUNE_OFFICER: (_seeing(ALL_ALERTS), grant([WRITE], [REPORT])),
    Role.BANK: (_seeing(_alerts(AlertRule.loan_overdue)),),
    Role.POLICE: (_seeing([*PERMIT_ALERTS, *RECRUITMENT_ALERTS]),),
    Role.FOREIGN_AFFAIRS: (_seeing(ABROAD_ALERTS),),
}
