"""A feed's `where`: only events whose field holds one of the listed values reach the feed
(notify's alerts by rule); a filter naming a field the event lacks is refused; a feed without
one is written as before the filter existed (`feed.defined.v1` keeps its wire form)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lmis_shared.contracts.feeds import FeedDefinition, load_catalogue

RAISED = "lmis.notify.alert.raised.v1"


def test_the_police_feed_takes_broker_alerts_and_no_loan_alert() -> None:
    police = load_catalogue().by_name()["police"]
    assert police.allows(RAISED, {"rule": "suspicious_recruitment"})
    assert police.allows(RAISED, {"rule": "fee_above_ceiling"})
    assert not police.allows(RAISED, {"rule": "loan_overdue"})
    assert police.allows("lmis.registry.worker.departed.v1", {"departure_date": "2026-01-02"})


def test_a_filter_on_a_field_the_event_lacks_is_refused() -> None:
    police = load_catalogue().by_name()["police"].model_dump()
    with pytest.raises(ValidationError, match="unknown fields"):
        FeedDefinition.model_validate(police | {"where": {RAISED: {"colour": ["red"]}}})


def test_a_feed_without_a_filter_is_written_without_one() -> None:
    bank = load_catalogue().by_name()["bank"]
    assert "where" not in bank.model_dump()
    assert "where" in load_catalogue().by_name()["police"].model_dump()
