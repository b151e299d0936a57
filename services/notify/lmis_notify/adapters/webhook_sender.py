"""`Sender` on httpx: one POST per attempt, never following a redirect (a 3xx is a failure: a
receiver that moved registers its new URL), with a timeout, and only to hosts of the allow-list
when one is set (checked again here: a URL stored before the list changed is refused too).
Failures are reported by kind, never with a response body (it may echo our data)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from lmis_notify.application.webhook_ports import Sent


class HttpxSender:
    def __init__(self, timeout: float, allowed_hosts: tuple[str, ...]) -> None:
        self._client = httpx.AsyncClient(follow_redirects=False, timeout=timeout)
        self._allowed = allowed_hosts

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Sent:
        host = (urlsplit(url).hostname or "").lower()
        if self._allowed and host not in self._allowed:
            return Sent(None, "host_not_allowed")
        try:
            response = await self._client.post(url, content=body, headers=dict(headers))
        except httpx.TimeoutException:
            return Sent(None, "timeout")
        except httpx.HTTPError:
            return Sent(None, "connect")
        if response.is_redirect:
            return Sent(response.status_code, "redirect")
        return Sent(response.status_code, None if response.is_success else "status")

    async def close(self) -> None:
        await self._client.aclose()
