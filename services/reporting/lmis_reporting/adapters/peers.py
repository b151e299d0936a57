"""The other services' APIs, asked on behalf of the signed-in officer with the officer's own
bearer token: the dashboard never holds more rights than the person looking at it.

`PeerApis.get` forwards one GET (a list page, an export, a report document) and hands back the
answer as it came. Timeouts are short: a page waits for no service that is down, it says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=2.0)


@dataclass(frozen=True)
class PeerAnswer:
    status: int
    content_type: str
    content_disposition: str | None
    body: bytes


class PeerApis:
    """GETs at the services named in `bases` (service name -> base URL); `transport` carries
    one to an app in the same process (the reporting service's own API)."""

    def __init__(self, bases: Mapping[str, str]) -> None:
        self._bases = dict(bases)

    def knows(self, service: str) -> bool:
        return service in self._bases

    async def get(
        self,
        service: str,
        path: str,
        params: list[tuple[str, str]],
        credential: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> PeerAnswer:
        headers = {"Authorization": f"Bearer {credential}"}
        async with httpx.AsyncClient(
            base_url=self._bases[service], timeout=TIMEOUT, transport=transport
        ) as client:
            response = await client.get(
                path, params=httpx.QueryParams(tuple(params)), headers=headers
            )
        return PeerAnswer(
            status=response.status_code,
            content_type=response.headers.get("content-type", "application/octet-stream"),
            content_disposition=response.headers.get("content-disposition"),
            body=response.content,
        )
