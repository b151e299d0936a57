"""Rate limits per caller on writes and imports: 429 with `Retry-After` past them.

A token bucket per caller (the token's subject) and kind of request: writes (POST, PUT, PATCH,
DELETE) and imports (a write under `/imports`, which costs far more), each with its rate and
burst from the settings (`write_rate_per_minute`, `write_burst`, `import_rate_per_minute`,
`import_burst`). Reads are not limited here.

The buckets live in the process: each replica limits on its own, so with N replicas behind a
load balancer a caller gets up to N times the rate. That bounds what one stolen or runaway
token can do to one process, which is the point; an exact platform-wide limit would need a
shared store on every write's path. Idle callers' buckets are dropped, so memory stays
bounded by the number of callers active within a refill period.

`rate_limit` is a dependency `create_app` puts behind the bearer-token gate of every route.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from lmis_shared.auth import Principal
from lmis_shared.settings import CommonSettings
from lmis_shared.web.problems import ProblemResponse, problem_response
from lmis_shared.web.security import current_principal

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MAX_CALLERS = 10_000  # past this many buckets, the full (idle) ones are dropped


class RateLimited(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("too many requests")
        self.retry_after = retry_after


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """`take(key)`: None when a request may go, else the seconds until one may."""

    def __init__(
        self, per_minute: float, burst: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._monotonic = monotonic
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float | None:
        now = self._monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_CALLERS:
                self._drop_idle(now)
            bucket = self._buckets[key] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / self._rate

    def _drop_idle(self, now: float) -> None:
        refill = self._burst / self._rate
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.at < refill}


@dataclass(frozen=True)
class RateLimits:
    writes: TokenBuckets
    imports: TokenBuckets

    @classmethod
    def from_settings(cls, settings: CommonSettings) -> RateLimits:
        return cls(
            TokenBuckets(settings.write_rate_per_minute, settings.write_burst),
            TokenBuckets(settings.import_rate_per_minute, settings.import_burst),
        )


async def rate_limit(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> None:
    if request.method not in _WRITES:
        return
    limits: RateLimits = request.app.state.rate_limits
    buckets = limits.imports if "/imports" in request.url.path else limits.writes
    wait = buckets.take(principal.subject)
    if wait is not None:
        raise RateLimited(wait)


def install_rate_limits(app: FastAPI, settings: CommonSettings) -> None:
    app.state.rate_limits = RateLimits.from_settings(settings)
    app.add_exception_handler(RateLimited, _too_many)


async def _too_many(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RateLimited)
    seconds = max(1, math.ceil(error.retry_after))
    return problem_response(
        request,
        429,
        type="rate-limited",
        detail=f"too many requests from this caller; try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )
