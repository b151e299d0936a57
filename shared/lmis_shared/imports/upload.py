"""The uploaded file out of a request body: the body itself, or the file part of a
`multipart/form-data` body (`curl -F file=@workers.xlsx`, an HTML form).

`python-multipart`, which FastAPI's `UploadFile` needs, is not among the project's packages,
and the framing of RFC 7578 is simple and exact to split (the boundary never occurs inside a
part), so it is split here rather than guessed at by a mail parser.
"""

from __future__ import annotations

from email.message import EmailMessage

from lmis_shared.imports.errors import UnreadableFile

_HEADER_END = b"\r\n\r\n"


def uploaded_file(body: bytes, content_type: str | None) -> bytes:
    """The file's bytes: the part with a filename (else the part named `file`) of a form, or
    the whole body for any other content type (`text/csv`, the XLSX media type, ...)."""
    media = EmailMessage()
    media["content-type"] = content_type or "application/octet-stream"
    if media.get_content_type() != "multipart/form-data":
        return body
    boundary = media.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise UnreadableFile("the multipart body has no boundary")
    return _file_part(body, boundary.encode("latin-1"))


def _file_part(body: bytes, boundary: bytes) -> bytes:
    named: bytes | None = None
    # parts sit between "--boundary" lines; the last delimiter is "--boundary--"
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        headers, found, content = chunk.removeprefix(b"\r\n").partition(_HEADER_END)
        if not found:
            raise UnreadableFile("a part of the multipart body is malformed")
        content = content.removesuffix(b"\r\n")
        disposition = _disposition(headers)
        if disposition.get_param("filename", header="content-disposition") is not None:
            return content
        if disposition.get_param("name", header="content-disposition") == "file":
            named = content
    if named is None:
        raise UnreadableFile("the form holds no file: send it as the part named 'file'")
    return named


def _disposition(headers: bytes) -> EmailMessage:
    message = EmailMessage()
    for line in headers.decode("utf-8", errors="replace").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-disposition":
            message["content-disposition"] = value.strip()
    return message
