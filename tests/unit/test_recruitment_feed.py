"""The police feed carries the broker facts (complaints, contracts checked against the
register) without fees or the officer's free-text reason; no other agency gets them."""

from __future__ import annotations

from lmis_notify.domain.feed_routing import SubjectUnits, route
from lmis_shared.contracts import registry_senders as s
from lmis_shared.contracts.feeds import load_catalogue
from tests.unit.test_recruitment_alerts import checked

FEEDS = load_catalogue().feeds
PROVINCE = SubjectUnits(commune="03637", province="12")


def test_a_contract_through_an_unlicensed_intermediary_reaches_the_police_without_fees() -> None:
    event = checked(90_000_000, outcome=s.SenderCheckOutcome.overridden)
    data = event.model_dump(mode="json")
    routed = route(FEEDS, event.event_type, "worker", data, PROVINCE)
    assert [r.feed for r in routed] == ["police"]
    assert routed[0].data["outcome"] == "overridden"
    assert "fees_vnd" not in routed[0].data
    assert "override_reason" not in routed[0].data


def test_a_complaint_reaches_the_police_of_its_province_only() -> None:
    complaint = s.BrokerComplaintRecorded(
        received_on=checked(1).signed_on,
        category=s.ComplaintCategory.unlicensed_recruitment,
        commune_code="03637",
        province_code="12",
        reference="CA-17",
    )
    data = complaint.model_dump(mode="json")
    routed = route(FEEDS, complaint.event_type, "sending_organisation", data, PROVINCE)
    assert [r.feed for r in routed] == ["police"]
    elsewhere = SubjectUnits(commune="26734", province="79")
    assert route(FEEDS, complaint.event_type, "sending_organisation", data, elsewhere) == []
