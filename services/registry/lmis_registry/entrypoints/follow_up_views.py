"""How a worker file shows its follow-up: identity status and the checks behind it, the
residence check, the family visits (wire shapes only; `domain/workers/checks.py` has the
rules)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lmis_registry.domain.workers import FollowUp, IdentityStatus
from lmis_shared.contracts.registry_follow_up import (
    FamilyVisitNextStep,
    FamilyVisitOutcome,
    IdentityCheckOutcome,
    IdentitySource,
    ResidenceCheckOutcome,
    Verifier,
)


class _FromState(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IdentityCheckView(_FromState):
    outcome: IdentityCheckOutcome
    source: IdentitySource
    checked_at: datetime
    mismatched: list[str] = Field(description="the fields that differ, never their values")


class ResidenceCheckView(_FromState):
    checked_on: date
    checked_by: Verifier
    outcome: ResidenceCheckOutcome


class FamilyVisitView(_FromState):
    visited_on: date
    visited_by: Verifier
    outcome: FamilyVisitOutcome
    next_step: FamilyVisitNextStep


class FollowUpView(BaseModel):
    identity: IdentityStatus = Field(
        description="verified by the population register or a confirmed residence check; "
        "`unverified` and `mismatch` files are listed for follow-up"
    )
    identity_check: IdentityCheckView | None
    residence_check: ResidenceCheckView | None
    family_visits: list[FamilyVisitView]

    @classmethod
    def of(cls, follow_up: FollowUp) -> FollowUpView:
        return cls(
            identity=follow_up.identity,
            identity_check=(
                IdentityCheckView.model_validate(follow_up.identity_check)
                if follow_up.identity_check
                else None
            ),
            residence_check=(
                ResidenceCheckView.model_validate(follow_up.residence_check)
                if follow_up.residence_check
                else None
            ),
            family_visits=[FamilyVisitView.model_validate(v) for v in follow_up.family_visits],
        )
