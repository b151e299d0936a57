"""A stream's history a page at a time: `?after=<version>&limit=<n>` on every history route.

A history is the events of one stream in version order, so the cursor is simply the version
of the last event a page showed: the next page holds the events after it. `next_cursor` is
None on the last page. The stream is read whole anyway (its state decides who may read it),
so the page bounds what is sent and recorded as read, not what is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Response

from lmis_shared.events import RecordedEvent

MAX_PAGE = 500


@dataclass(frozen=True)
class Window:
    after: int
    limit: int

    def page(self, recorded: Sequence[RecordedEvent]) -> tuple[list[RecordedEvent], int | None]:
        """The events of this page, and the cursor of the next one (None: no more)."""
        later = [r for r in recorded if r.metadata.stream_version > self.after]
        shown = later[: self.limit]
        more = len(later) > len(shown)
        return shown, (shown[-1].metadata.stream_version if more and shown else None)

    def linked_page(
        self, recorded: Sequence[RecordedEvent], answer: Response
    ) -> list[RecordedEvent]:
        """`page` for a history whose body is a list: the next page goes in a `Link` header."""
        shown, next_cursor = self.page(recorded)
        if next_cursor is not None:
            answer.headers["Link"] = f'<?after={next_cursor}&limit={self.limit}>; rel="next"'
        return shown


def history_window(
    after: Annotated[
        int, Query(ge=0, le=2**62, description="the `next_cursor` of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="events a page")] = 100,
) -> Window:
    return Window(after, limit)


HistoryWindow = Annotated[Window, Depends(history_window)]
"""What a history route takes: the page asked for."""
