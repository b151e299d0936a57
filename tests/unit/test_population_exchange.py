"""The national population database's exchange adapter against a local HTTP double of the
exchange (`httpx.MockTransport`: the other side of the wire, not our code): what it asks,
how it reads the answers, that it retries what is worth retrying, answers `unavailable`
rather than failing a registration, and logs nothing personal."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from pydantic import SecretStr

from lmis_registry.adapters.population_national import NationalPopulationRegister
from lmis_registry.domain.workers import Identity
from lmis_shared.contracts.registry_follow_up import IdentityCheckOutcome

MAI = Identity("012198001234", "Lò Thị Mai", date(1998, 4, 12), "03637")
TOKEN = httpx.Response(200, json={"access_token": "t-1", "expires_in": 300})


def exchange(*answers: httpx.Response | Exception) -> tuple[list[httpx.Request], Callable]:
    """The exchange answering each verification with the next of `answers`."""
    asked: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return TOKEN
        asked.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return asked, handle


def register(handle: Callable, attempts: int = 3) -> NationalPopulationRegister:
    return NationalPopulationRegister(
        "https://exchange.example/api",
        "lmis-lai-chau",
        SecretStr("s3cret"),
        attempts=attempts,
        backoff_seconds=0.001,
        transport=httpx.MockTransport(handle),
    )


async def test_a_matching_identity_is_verified_with_the_documented_request() -> None:
    asked, handle = exchange(
        httpx.Response(
            200,
            json={
                "found": True,
                "matches": dict.fromkeys(
                    ("full_name", "date_of_birth", "permanent_residence"), True
                ),
            },
        )
    )

    answer = await register(handle).verify(MAI)

    assert answer.outcome == IdentityCheckOutcome.verified
    [request] = asked
    assert request.headers["Authorization"] == "Bearer t-1"
    assert json.loads(request.content) == {
        "citizen_id": "012198001234",
        "full_name": "Lò Thị Mai",
        "date_of_birth": "1998-04-12",
        "permanent_residence": {"commune_code": "03637"},
    }


async def test_a_mismatch_names_the_fields_and_an_unknown_id_is_not_found() -> None:
    matches = {"full_name": True, "date_of_birth": False, "permanent_residence": True}
    _, handle = exchange(
        httpx.Response(200, json={"found": True, "matches": matches}),
        httpx.Response(200, json={"found": False}),
    )
    exchange_register = register(handle)

    mismatch = await exchange_register.verify(MAI)
    assert (mismatch.outcome, mismatch.mismatched) == ("mismatch", ("date_of_birth",))
    assert (await exchange_register.verify(MAI)).outcome == IdentityCheckOutcome.not_found


async def test_a_busy_exchange_is_asked_again() -> None:
    asked, handle = exchange(
        httpx.Response(503),
        httpx.ConnectTimeout("slow"),
        httpx.Response(200, json={"found": False}),
    )

    assert (await register(handle).verify(MAI)).outcome == IdentityCheckOutcome.not_found
    assert len(asked) == 3


@pytest.mark.parametrize(
    "answers",
    [
        [httpx.Response(503), httpx.Response(502), httpx.Response(504)],
        [httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow")],
        [httpx.Response(400)],  # refused: asking again would not help
        [httpx.Response(200, text="<html>maintenance</html>")],
    ],
    ids=["down", "timing out", "refused", "not json of ours"],
)
async def test_an_exchange_that_cannot_answer_is_unavailable_and_logs_nothing_personal(
    answers: list[httpx.Response | Exception], caplog: pytest.LogCaptureFixture
) -> None:
    asked, handle = exchange(*answers)
    caplog.set_level(logging.DEBUG)

    answer = await register(handle).verify(MAI)

    assert answer.outcome == IdentityCheckOutcome.unavailable
    assert len(asked) == len(answers)
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "012198001234" not in logged
    assert "Lò Thị" not in logged
