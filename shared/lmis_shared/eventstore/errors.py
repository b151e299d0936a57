"""What an append can refuse, with the context a caller needs to react (retry, replay)."""

from __future__ import annotations

from uuid import UUID

from lmis_shared.eventstore.api import StoredResponse


class WrongExpectedVersion(Exception):
    """The stream is not at the version the writer expected: reload, decide again, retry.

    `actual_version` is None when the store could not tell (a writer committed in between).
    """

    def __init__(self, stream_id: UUID, expected_version: int, actual_version: int | None) -> None:
        super().__init__(
            f"stream {stream_id} expected at version {expected_version}, "
            f"found {'unknown' if actual_version is None else actual_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version


class DuplicateCommand(Exception):
    """The idempotency key was already applied; `stored` is the first response, to replay."""

    def __init__(self, stored: StoredResponse) -> None:
        # the key is caller-chosen: keep it out of the message in case it embeds an identifier
        super().__init__("idempotency key already applied")
        self.stored = stored


class DuplicateEventId(ValueError):
    """An event id is already in the store: event ids are what consumers de-duplicate on."""

    def __init__(self, event_id: UUID | None) -> None:
        super().__init__(f"event id {event_id} is already stored")
        self.event_id = event_id
