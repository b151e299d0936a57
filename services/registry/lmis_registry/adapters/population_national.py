"""The national population database's data exchange (Cơ sở dữ liệu quốc gia về dân cư), as an
HTTPS client: the shape of the adapter, to be pointed at the province's exchange gateway
(`LMIS_REGISTRY_POPULATION_REGISTER=national`, `..._URL`, `..._CLIENT_ID`, `..._SECRET`).
Never enabled in embedded mode, never required in production.

The exchange (the Ministry of Public Security's data-sharing gateway; the province receives
its exact specification and credentials with the connection agreement, so the paths and
fields below are the adapter's assumptions, kept in this one module):

    POST {url}/citizens/verify
    Authorization: Bearer <token from POST {url}/oauth/token, client credentials>
    Content-Type: application/json
    {"citizen_id": "012198001234", "full_name": "Lò Thị Mai",
     "date_of_birth": "1998-04-12", "permanent_residence": {"commune_code": "03637"}}

    200 {"found": true,
         "matches": {"full_name": true, "date_of_birth": true, "permanent_residence": false}}
    200 {"found": false}                             no citizen with this ID
    4xx other than 408/429                           refused: answered `unavailable`, not retried
    408, 429, 5xx, timeout, connection error         retried (below), then `unavailable`

Timeouts: `timeout_seconds` per attempt (connect, read, write, pool). Retries: at most
`attempts` in all, with exponential backoff and full jitter (`backoff_seconds` · 2^n, capped
at 8 s; `tenacity`). A registration waits at most about attempts × timeout: the register is
asked before the command runs, and its answer, whatever it is, is recorded.

Logs: the outcome, the HTTP status and the attempt count, never the request or response
body, which are personal data (`lmis_shared.logging` masks personal keys anyway).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from pydantic import SecretStr
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from lmis_registry.domain.workers import Identity, IdentityAnswer
from lmis_shared.contracts.registry_follow_up import IdentityCheckOutcome, IdentitySource

log = logging.getLogger(__name__)
SOURCE = IdentitySource.national_population_database
_RETRIED_STATUS = frozenset({408, 429})
_FIELDS = ("full_name", "date_of_birth", "permanent_residence")


class _Transient(Exception):
    """An answer worth asking again (408, 429, 5xx)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


def _retried(error: BaseException) -> bool:
    return isinstance(error, _Transient | httpx.TransportError)


class NationalPopulationRegister:
    """`PopulationRegister` over the national exchange's HTTPS API."""

    def __init__(
        self,
        url: str,
        client_id: str,
        secret: SecretStr,
        *,
        timeout_seconds: float = 5.0,
        attempts: int = 3,
        backoff_seconds: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=url.rstrip("/"), timeout=timeout_seconds, transport=transport
        )
        self._client_id = client_id
        self._secret = secret
        self._attempts = attempts
        self._backoff = backoff_seconds
        self._token: str | None = None

    async def verify(self, identity: Identity) -> IdentityAnswer:
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(self._attempts),
                wait=wait_random_exponential(multiplier=self._backoff, max=8),
                retry=retry_if_exception(_retried),
                reraise=True,
            ):
                with attempt:
                    answer = await self._ask(identity)
        except (_Transient, httpx.HTTPError) as error:
            log.warning(
                "population register unavailable",
                extra={"error": type(error).__name__, "attempts": self._attempts},
            )
            return IdentityAnswer(IdentityCheckOutcome.unavailable, SOURCE)
        return answer

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def is_closed(self) -> bool:
        return self._client.is_closed

    async def _ask(self, identity: Identity) -> IdentityAnswer:
        response = await self._client.post(
            "/citizens/verify", json=_request(identity), headers=await self._authorisation()
        )
        if response.status_code == 401:
            self._token = None  # expired: the retry fetches a new one
            raise _Transient(401)
        if response.status_code in _RETRIED_STATUS or response.status_code >= 500:
            raise _Transient(response.status_code)
        if response.status_code != 200:
            log.warning("population register refused", extra={"status": response.status_code})
            return IdentityAnswer(IdentityCheckOutcome.unavailable, SOURCE)
        try:
            return _answer(response.json())
        except ValueError:  # not JSON: a gateway's error page
            return IdentityAnswer(IdentityCheckOutcome.unavailable, SOURCE)

    async def _authorisation(self) -> dict[str, str]:
        if self._token is None:
            response = await self._client.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(self._client_id, self._secret.get_secret_value()),
            )
            if response.status_code != 200:
                raise _Transient(response.status_code)
            self._token = str(response.json()["access_token"])
        return {"Authorization": f"Bearer {self._token}"}


def _request(identity: Identity) -> dict[str, Any]:
    return {
        "citizen_id": identity.citizen_id,
        "full_name": identity.full_name,
        "date_of_birth": identity.date_of_birth.isoformat(),
        "permanent_residence": {"commune_code": identity.residence_commune},
    }


def _answer(body: Any) -> IdentityAnswer:
    """The exchange's answer; a body of another shape counts as `unavailable`."""
    if not isinstance(body, dict) or not isinstance(body.get("found"), bool):
        return IdentityAnswer(IdentityCheckOutcome.unavailable, SOURCE)
    if not body["found"]:
        return IdentityAnswer(IdentityCheckOutcome.not_found, SOURCE)
    matches = body.get("matches")
    if not isinstance(matches, dict):
        return IdentityAnswer(IdentityCheckOutcome.unavailable, SOURCE)
    differ = tuple(f for f in _FIELDS if matches.get(f) is not True)
    if differ:
        return IdentityAnswer(IdentityCheckOutcome.mismatch, SOURCE, differ)
    return IdentityAnswer(IdentityCheckOutcome.verified, SOURCE)
