"""Assertions on RFC 9457 problem answers, shared by the API tests."""

from __future__ import annotations

import httpx


def assert_invalid(response: httpx.Response, *fields: str) -> None:
    """`response` is a 422 problem whose errors name exactly `fields`, in that order."""
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == list(fields)
