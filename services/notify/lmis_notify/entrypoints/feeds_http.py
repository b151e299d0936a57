"""The agency feeds over HTTP: the catalogue, an admin's change of a purpose, and the pull API.

    GET /v1/feeds                               every feed: purpose, legal basis, contents
    PUT /v1/feeds/{feed}                        (admin) a feed's new definition, audited
    GET /v1/feeds/{feed}/events?after=&limit=   the feed's records in publication order

A page's records are the same as the Kafka topic's (the feed outbox): the source event's
CloudEvents attributes, the reduced data. Each page that holds records is an entry of the
access record (`export`: this agency received these subjects' data, for the feed's purpose).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from lmis_notify.application.feed_ports import FeedState, StoredFeedRecord
from lmis_notify.application.feeds import Feeds
from lmis_notify.domain.feeds import Feed
from lmis_shared.access.web import Access
from lmis_shared.contracts.feeds import FEED_NAME, FeedDefinition
from lmis_shared.errors import InvalidInput
from lmis_shared.events import utc_iso
from lmis_shared.web import PROBLEM_RESPONSES, Context

router = APIRouter(prefix="/v1", tags=["feeds"])
_POSITION = re.compile(r"^(\d{1,20})\.(\d{1,20})$")


def _feeds(request: Request) -> Feeds:
    feeds: Feeds = request.app.state.notify.feeds
    return feeds


App = Annotated[Feeds, Depends(_feeds)]
FeedName = Annotated[str, Path(pattern=FEED_NAME)]


class FeedOut(BaseModel):
    definition: FeedDefinition
    catalogue_version: int
    version: int
    defined_at: str
    defined_by: str


class FeedRecordOut(BaseModel):
    position: str
    """Pass it as `after` to read on from this record."""
    id: str
    type: str
    source: str
    subject: str
    time: str
    streamversion: int
    unit: str | None
    traceparent: str | None
    data: dict[str, Any]


class FeedEvents(BaseModel):
    feed: str
    items: list[FeedRecordOut]
    next_after: str | None


def _feed_out(state: FeedState) -> FeedOut:
    return FeedOut(
        definition=state.definition,
        catalogue_version=state.catalogue_version,
        version=state.version,
        defined_at=utc_iso(state.defined_at),
        defined_by=state.defined_by,
    )


def _record_out(stored: StoredFeedRecord) -> FeedRecordOut:
    r, m = stored.record, stored.record.metadata
    return FeedRecordOut(
        position=_position(stored.position),
        id=str(m.event_id),
        type=m.event_type,
        source=m.source,
        subject=str(m.stream_id),
        time=utc_iso(m.recorded_at),
        streamversion=m.stream_version,
        unit=r.unit,
        traceparent=m.traceparent,
        data=r.data,
    )


def _position(position: tuple[int, int]) -> str:
    return f"{position[0]}.{position[1]}"


def _after(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    found = _POSITION.fullmatch(text)
    if found is None:
        raise InvalidInput("query.after", "must be a position from a previous page")
    return int(found[1]), int(found[2])


@router.get("/feeds", response_model=list[FeedOut], summary="The agency feeds and their purposes")
async def list_feeds(ctx: Context, app: App) -> list[FeedOut]:
    return [_feed_out(state) for state in await app.catalogue()]


@router.put(
    "/feeds/{feed}",
    summary="Change a feed's purpose or contents (admin)",
    description="Recorded as `lmis.notify.feed.defined.v1` on the feed's stream. The processor "
    "applies it to the events it reads next; `lmis rebuild notify` derives the feed again.",
    responses={403: PROBLEM_RESPONSES[403]},
)
async def define_feed(
    feed: FeedName, definition: FeedDefinition, ctx: Context, app: App
) -> JSONResponse:
    done = await app.define(feed, definition, ctx, _defined)
    return JSONResponse(done.body, status_code=done.status_code)


def _defined(feed: Feed) -> dict[str, Any]:
    return {
        "definition": feed.definition.model_dump(mode="json"),
        "catalogue_version": feed.catalogue_version,
        "version": feed.version,
    }


@router.get(
    "/feeds/{feed}/events",
    response_model=FeedEvents,
    summary="Page through a feed (pull)",
    description="An agency reads its own feed (a commune officer its commune's records), an "
    "admin any (403 otherwise). `after`: the `position` of the last record read.",
    responses={403: PROBLEM_RESPONSES[403]},
)
async def feed_events(
    feed: FeedName,
    ctx: Context,
    app: App,
    access: Access,
    after: Annotated[str | None, Query(max_length=41)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FeedEvents:
    page = await app.page(ctx.principal, feed, _after(after), limit)
    if page.items:
        fields = sorted({f for s in page.items for f in s.record.data})
        await access.record("export", [s.record.metadata.stream_id for s in page.items], fields)
    return FeedEvents(
        feed=feed,
        items=[_record_out(s) for s in page.items],
        next_after=_position(page.next_after) if page.next_after else None,
    )
