"""The caller's context, the result, and the idempotency and If-Match rules of every command.

Idempotency: a command that carries an idempotency key stores its response in the same
transaction as its events; a repeat (or a racing twin) gets that first response back and
appends nothing. A key reused for a different request is refused. If-Match: a command that
names a version other than the current one is refused with 412 before anything is decided.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from lmis_shared.auth import Principal
from lmis_shared.errors import InvalidInput, PreconditionFailed
from lmis_shared.eventstore.api import AppendContext, StoredResponse


@dataclass(frozen=True)
class CommandContext:
    """Who asks, and the request's correlation, trace, idempotency and If-Match data."""

    principal: Principal
    correlation_id: UUID
    traceparent: str | None = None
    idempotency_key: str | None = None
    if_match: int | None = None

    def append_context(self, source: str, at: datetime) -> AppendContext:
        """The store's context of the events this command appends, recorded at `at`."""
        return AppendContext(
            actor=self.principal.subject,
            correlation_id=self.correlation_id,
            causation_id=None,
            traceparent=self.traceparent,
            source=source,
            recorded_at=at,
        )


@dataclass(frozen=True)
class CommandResult:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False

    @property
    def version(self) -> int:
        return int(self.body["version"])


class IdempotencyKeyReused(InvalidInput):
    def __init__(self) -> None:
        super().__init__("header.Idempotency-Key", "was already used for a different request")


def request_fingerprint(command_name: str, *parts: object) -> str:
    """A digest of what was asked (command, target, body), to tell a retry from a new request."""
    canonical = json.dumps([command_name, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_if_match(ctx: CommandContext, current_version: int) -> None:
    if ctx.if_match is not None and ctx.if_match != current_version:
        raise PreconditionFailed(ctx.if_match, current_version)


def replayed(stored: StoredResponse, fingerprint: str) -> CommandResult:
    """The first answer to an idempotency key, if this request is the same one."""
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return CommandResult(stored.status_code, stored.response, replayed=True)
