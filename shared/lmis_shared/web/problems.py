"""RFC 9457 problem details for every 4xx/5xx answer, and the one map from errors to them.

Every error leaves the API as `application/problem+json`:
    {"type", "title", "status", "detail", "instance", "title_vi", "correlation_id", ...}
with extension members where they help: `errors: [{field, message}]` for invalid input
(`field` in dotted form, e.g. `body.citizen_id`), `current_state`/`allowed_commands` for a
refused transition, `trace_id` for a 500. Titles are English; `title_vi` is Vietnamese.

A service maps its own error classes in ONE place and hands the map to `create_app`:

    problems = ProblemMapping()          # already knows lmis_shared.errors
    problems.register(WorkerNotFound, status=404, type="worker-not-found",
                      title="Worker file not found", title_vi="Không tìm thấy hồ sơ")

Details and extension values are shown to clients: they must not hold personal identifiers.
Validation messages never echo the submitted value.

Public API:
    Problem, FieldError                  pydantic models (OpenAPI documentation)
    ProblemResponse                      JSONResponse with media type application/problem+json
    ProblemMapping()                     .register(error_class, *, status, type, title,
                                         title_vi, extensions=None, detail=None)
                                         .lookup(error) -> ProblemType | None
    problem_response(request, status, *, type=None, title=None, title_vi=None,
                     detail=None, headers=None, extensions=None) -> ProblemResponse
    install_problem_handlers(app, mapping) -> None        (called by create_app)
    PROBLEM_TYPE_BASE, STATUS_TITLES
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from lmis_shared import errors
from lmis_shared.logging import redact_text
from lmis_shared.web.fields import field_errors

PROBLEM_TYPE_BASE = "urn:lmis:problem:"

STATUS_TITLES: Mapping[int, tuple[str, str]] = {
    400: ("Bad request", "Yêu cầu không hợp lệ"),
    401: ("Authentication required", "Chưa xác thực"),
    403: ("Forbidden", "Không có quyền truy cập"),
    404: ("Not found", "Không tìm thấy"),
    405: ("Method not allowed", "Phương thức không được hỗ trợ"),
    406: ("Not acceptable", "Không đáp ứng được định dạng yêu cầu"),
    409: ("Conflict", "Xung đột dữ liệu"),
    412: ("Precondition failed", "Điều kiện tiên quyết không thỏa mãn"),
    413: ("Content too large", "Dữ liệu gửi lên quá lớn"),
    415: ("Unsupported media type", "Kiểu dữ liệu không được hỗ trợ"),
    422: ("Invalid data", "Dữ liệu không hợp lệ"),
    428: ("Precondition required", "Thiếu điều kiện tiên quyết"),
    429: ("Too many requests", "Quá nhiều yêu cầu"),
    500: ("Internal server error", "Lỗi máy chủ nội bộ"),
    503: ("Service unavailable", "Dịch vụ tạm thời không sẵn sàng"),
}


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem detail as LMIS sends it (extension members allowed)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    title_vi: str | None = None
    correlation_id: str | None = None
    errors: list[FieldError] | None = None


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


E = TypeVar("E", bound=Exception)


@dataclass(frozen=True)
class ProblemType:
    status: int
    type: str
    title: str
    title_vi: str
    extensions: Callable[[Any], Mapping[str, object]] | None = None
    detail: Callable[[Any], str] | None = None


class ProblemMapping:
    """Error class → problem type; the most specific registered class wins."""

    def __init__(self) -> None:
        self._types: dict[type[Exception], ProblemType] = {}
        self._register_shared_errors()

    def register(
        self,
        error: type[E],
        *,
        status: int,
        type: str,
        title: str,
        title_vi: str,
        extensions: Callable[[E], Mapping[str, object]] | None = None,
        detail: Callable[[E], str] | None = None,
    ) -> None:
        self._types[error] = ProblemType(status, type, title, title_vi, extensions, detail)

    def lookup(self, error: Exception) -> ProblemType | None:
        for cls in type(error).__mro__:
            if cls in self._types:
                return self._types[cls]
        return None

    def classes(self) -> list[type[Exception]]:
        return list(self._types)

    def _register_shared_errors(self) -> None:
        for error, status, type_, title, title_vi in _SHARED_PROBLEMS:
            self.register(error, status=status, type=type_, title=title, title_vi=title_vi)


_SHARED_PROBLEMS: tuple[tuple[type[Exception], int, str, str, str], ...] = (
    (errors.NotFound, 404, "not-found", "Not found", "Không tìm thấy"),
    (errors.Forbidden, 403, "forbidden", "Forbidden", "Không có quyền truy cập"),
    (
        errors.ConcurrencyConflict,
        409,
        "concurrency-conflict",
        "Changed by someone else",
        "Dữ liệu đã bị người khác thay đổi",
    ),
    (
        errors.PreconditionFailed,
        412,
        "precondition-failed",
        "Stale version",
        "Phiên bản dữ liệu đã cũ",
    ),
    (
        errors.InvalidTransition,
        409,
        "invalid-transition",
        "Not allowed in the current state",
        "Không được phép ở trạng thái hiện tại",
    ),
    (errors.InvalidInput, 422, "validation", "Invalid data", "Dữ liệu không hợp lệ"),
    (
        errors.RegistrationRefused,
        409,
        "registration-refused",
        "The file cannot be opened from here",
        "Không thể mở hồ sơ tại đơn vị này",
    ),
)
"""The problem type of each error of `lmis_shared.errors`: (class, status, type, title,
title_vi), registered by every `ProblemMapping`."""


def problem_response(
    request: Request,
    status: int,
    *,
    type: str | None = None,
    title: str | None = None,
    title_vi: str | None = None,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, object] | None = None,
) -> ProblemResponse:
    """A problem detail answer; `type` is a suffix of PROBLEM_TYPE_BASE (None: about:blank)."""
    default_title, default_title_vi = _status_titles(status)
    body: dict[str, object] = {
        "type": f"{PROBLEM_TYPE_BASE}{type}" if type else "about:blank",
        "title": title or default_title,
        "status": status,
        "detail": detail,
        "instance": redact_text(request.url.path),
        "title_vi": title_vi or default_title_vi,
        "correlation_id": _correlation_id(request),
        **(extensions or {}),
    }
    return ProblemResponse(
        {k: v for k, v in body.items() if v is not None}, status_code=status, headers=headers
    )


def install_problem_handlers(app: FastAPI, mapping: ProblemMapping) -> None:
    """Answer validation errors, HTTP errors and every mapped error class as problems."""
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)

    async def mapped(request: Request, error: Exception) -> ProblemResponse:
        problem = mapping.lookup(error)
        if problem is None:  # registered subclasses only reach here; keep mypy honest
            raise error
        return _mapped_response(request, error, problem)

    for cls in mapping.classes():
        app.add_exception_handler(cls, mapped)


def _mapped_response(request: Request, error: Exception, problem: ProblemType) -> ProblemResponse:
    if problem.extensions is not None:
        extensions = dict(problem.extensions(error))
    elif isinstance(error, errors.DomainError):
        extensions = error.extensions()
    else:
        extensions = {}
    detail = problem.detail(error) if problem.detail is not None else str(error)
    return problem_response(
        request,
        problem.status,
        type=problem.type,
        title=problem.title,
        title_vi=problem.title_vi,
        detail=redact_text(detail),
        extensions=extensions,
    )


async def _validation_handler(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    found = field_errors(error.errors())
    return problem_response(
        request,
        422,
        type="validation",
        detail="; ".join(f"{e['field']}: {e['message']}" for e in found),
        extensions={"errors": found},
    )


async def _http_handler(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, StarletteHTTPException)
    phrase = _phrase(error.status_code)
    detail = error.detail if isinstance(error.detail, str) and error.detail != phrase else None
    return problem_response(
        request,
        error.status_code,
        type=_HTTP_TYPES.get(error.status_code),
        detail=detail,
        headers=error.headers,
    )


# statuses raised as plain HTTP errors that have a type of their own elsewhere: an upload over
# its limit (`web/uploads.py`) answers with the same type as a JSON body over its limit
_HTTP_TYPES = {413: "content-too-large"}


def _status_titles(status: int) -> tuple[str, str]:
    return STATUS_TITLES.get(status) or (_phrase(status), "Lỗi")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _correlation_id(request: Request) -> str | None:
    value = request.scope.get("state", {}).get("correlation_id")
    return str(value) if value is not None else None
