"""Receiving an uploaded file with its cost bounded: the size, the memory, how many at once.

`received_file(request, max_bytes)` gives the uploaded file as a seekable binary file spooled
to disk past `SPOOL_BYTES`: the body itself (`text/csv`, the XLSX media type, ...) or the
file part of a `multipart/form-data` body, parsed by Starlette's streaming parser
(`python-multipart`). A body larger than `max_bytes` is a 413: at once when its
`Content-Length` says so, else as soon as that many bytes have come. A malformed form is a
422 naming `file`; a body cut off by the client a 400.

`ImportSlots` limits how many imports a process runs at once; past the limit the caller is
answered 503 with `Retry-After` rather than queued (a queue holds bodies).

`ImportLimits` are the settings (`LMIS_IMPORT_MAX_BYTES`, `LMIS_IMPORT_MAX_CONCURRENT`,
`LMIS_IMPORT_RETRY_AFTER`); a service's router gives its own default size.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from tempfile import SpooledTemporaryFile
from typing import IO

from fastapi import HTTPException, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect

from lmis_shared.imports import UnreadableFile

SPOOL_BYTES = 1024 * 1024
FORM = "multipart/form-data"
_MAX_FORM_FIELDS = 16


class ImportLimits(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LMIS_IMPORT_", extra="ignore")

    max_bytes: int = Field(
        64 * 1024 * 1024, gt=0, description="the largest upload an import accepts (413 above)"
    )
    max_concurrent: int = Field(
        2, gt=0, description="imports one API process runs at once (503 with Retry-After above)"
    )
    retry_after: int = Field(5, gt=0, description="seconds a refused import is told to wait")

    @classmethod
    def with_default_size(cls, max_bytes: int) -> ImportLimits:
        """The settings, with the service's own size unless `LMIS_IMPORT_MAX_BYTES` is set."""
        limits = cls()
        if "max_bytes" in limits.model_fields_set:
            return limits
        return limits.model_copy(update={"max_bytes": max_bytes})


class ImportSlots:
    """At most `limits.max_concurrent` imports at once in this process."""

    def __init__(self, limits: ImportLimits) -> None:
        self._limits = limits
        self._running = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._running >= self._limits.max_concurrent:
            raise HTTPException(
                503,
                f"{self._limits.max_concurrent} imports are running: try again later",
                headers={"Retry-After": str(self._limits.retry_after)},
            )
        self._running += 1
        try:
            yield
        finally:
            self._running -= 1


@asynccontextmanager
async def received_file(request: Request, max_bytes: int) -> AsyncIterator[IO[bytes]]:
    """The uploaded file (see the module doc), closed (its disk space freed) on leaving."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    body = _limited(request, max_bytes)
    if request.headers.get("content-type", "").partition(";")[0].strip().lower() != FORM:
        spooled = SpooledTemporaryFile[bytes](max_size=SPOOL_BYTES)
        try:
            async for chunk in body:
                await asyncio.to_thread(spooled.write, chunk)
            spooled.seek(0)
            yield spooled
        finally:
            spooled.close()
        return
    try:
        form = await MultiPartParser(
            request.headers, body, max_files=1, max_fields=_MAX_FORM_FIELDS
        ).parse()
    except MultiPartException:
        raise UnreadableFile("the multipart body is malformed") from None
    try:
        yield _file_of(form.multi_items())
    finally:
        await form.close()


def _file_of(items: list[tuple[str, UploadFile | str]]) -> IO[bytes]:
    """The part with a filename, else the part named `file`."""
    for _, value in items:
        if isinstance(value, UploadFile):
            value.file.seek(0)
            return value.file
    for name, value in items:
        if name == "file" and isinstance(value, str):
            spooled = SpooledTemporaryFile[bytes](max_size=SPOOL_BYTES)
            spooled.write(value.encode())
            spooled.seek(0)
            return spooled
    raise UnreadableFile("the form holds no file: send it as the part named 'file'")


async def _limited(request: Request, max_bytes: int) -> AsyncGenerator[bytes, None]:
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes)
            yield chunk
    except ClientDisconnect:  # nobody hears the answer; not a server error
        raise HTTPException(400, "the upload was cut off before its end") from None


def _too_large(max_bytes: int) -> HTTPException:
    limit = f"{max_bytes >> 20} MB" if max_bytes >= 1 << 20 else f"{max_bytes} bytes"
    return HTTPException(413, f"the file is larger than {limit}")
