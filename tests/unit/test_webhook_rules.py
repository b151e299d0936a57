"""Webhook rules, pure: backoff grows and is capped with jitter, callbacks are checked without
echoing them, secrets follow Standard Webhooks and overlap while rotated."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from standardwebhooks.webhooks import Webhook

from lmis_notify.application.delivery import signed_headers
from lmis_notify.domain.webhooks import (
    Subscription,
    SubscriptionStatus,
    backoff,
    check_callback,
    new_secret,
)
from lmis_shared.errors import InvalidInput

NOW = datetime.now(UTC)


def _subscription(**changes: object) -> Subscription:
    base = Subscription(
        id=uuid4(),
        feed="police",
        owner="p",
        role="police",
        scope="12",
        url="https://police.example/hook",
        event_types=None,
        units=None,
        secret=new_secret(lambda n: b"\x01" * n),
        previous_secret=None,
        previous_until=None,
        status=SubscriptionStatus.active,
        failures=0,
        cursor=(0, 0),
        next_attempt_at=NOW,
        created_at=NOW,
    )
    return Subscription(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def test_backoff_doubles_up_to_its_cap_and_jitter_spreads_it() -> None:
    top = [backoff(n, 2.0, 60.0, lambda: 0.999).total_seconds() for n in range(1, 9)]
    assert top[:5] == pytest.approx([2, 4, 8, 16, 32], rel=0.01)
    assert max(top) <= 60
    assert backoff(5, 2.0, 60.0, lambda: 0.0) == timedelta(seconds=0.2)  # never zero


def test_callbacks_must_be_https_with_a_host_on_the_allow_list_and_are_never_echoed() -> None:
    assert check_callback("https://bank.example/h", allow_http=False, allowed_hosts=())
    assert check_callback("http://127.0.0.1:8/h", allow_http=True, allowed_hosts=())
    for url, hosts in [
        ("http://bank.example/h", ()),
        ("https://user:pw@bank.example/h", ()),
        ("https://evil.example/h", ("bank.example",)),
        ("javascript:alert(1)", ()),
    ]:
        with pytest.raises(InvalidInput) as refused:
            check_callback(url, allow_http=False, allowed_hosts=hosts)
        assert refused.value.field == "body.url"
        assert url not in str(refused.value)


def test_a_secret_is_whsec_and_32_bytes_and_a_rotated_one_signs_until_its_overlap_ends() -> None:
    secret = new_secret(lambda n: b"\x07" * n)
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    rotated = _subscription(previous_secret=secret, previous_until=NOW + timedelta(hours=1))
    assert rotated.secrets(NOW) == [rotated.secret, secret]
    assert rotated.secrets(NOW + timedelta(hours=2)) == [rotated.secret]
    # the receivers' library checks the timestamp against its own clock (5 minutes' tolerance):
    # sign at the moment of verifying, not at NOW, taken when the module was imported
    headers = signed_headers(rotated.secrets(NOW), "police.x", datetime.now(UTC), '{"a":1}')
    for each in rotated.secrets(NOW):
        assert Webhook(each).verify('{"a":1}', headers) == {"a": 1}
