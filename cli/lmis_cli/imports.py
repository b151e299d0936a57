"""`lmis import workers FILE [--report errors.xlsx]`: bulk import through the service's API.

The CLI goes through the HTTP API, not the database: an import is then authenticated,
authorised row by row (a commune officer's token imports only that commune's rows) and
validated by the same code as every other write, and an officer's workstation needs a token,
not database credentials or the service's lookup key. In embedded mode the token is signed
with the platform's own key pair when `--token` is not given.

The file is read here first (a file-level problem is reported before anything is sent), then
sent in chunks of `--chunk-rows` rows, each a small CSV in the template's own headings: the
progress bar moves with every chunk, and a failed chunk loses nothing, since sending the
file again skips what was imported. The service numbers a chunk's rows from 2 in the order
they were sent, which maps each reported row back to its row in the original file; every
chunk carries the same correlation id, so a row repeating a row of an earlier chunk is
reported as a repeat, not skipped as if imported by an earlier run.

Exit code: 0 when every row was imported or skipped, 1 when rows were rejected or the file
could not be sent.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lmis_cli.services import SERVICES, load, service_url
from lmis_shared.declaration import ImportKind

if TYPE_CHECKING:  # the import package (openpyxl) loads only when a command runs
    from lmis_shared.imports import ImportSummary, Row, Table, Template

imports_app = typer.Typer(help="Import existing records from CSV or XLSX", no_args_is_help=True)

DEFAULT_CHUNK_ROWS = 2000
Post = Callable[[bytes], dict[str, Any]]
"""Sends one chunk (CSV bytes) and answers the service's JSON summary of it."""


@dataclass(frozen=True)
class Target:
    path: str
    template: Template


@imports_app.callback()
def imports() -> None:
    """Import existing records from CSV or XLSX files in the published templates."""


File = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX")]
Report = Annotated[Path | None, typer.Option(help="write the rejected rows to this XLSX workbook")]
Url = Annotated[
    str | None, typer.Option(help="the service's base URL (default: LMIS_<SERVICE>_URL)")
]
Token = Annotated[
    str | None, typer.Option(envvar="LMIS_TOKEN", help="bearer token (embedded: optional)")
]
ChunkRows = Annotated[int, typer.Option(min=1, help="rows per request")]


def _import_command(service: str, kind: ImportKind) -> Callable[..., None]:
    """`lmis import <kind> FILE`: one command per import kind a service declares."""

    def command(
        file: File,
        report: Report = None,
        url: Url = None,
        token: Token = None,
        chunk_rows: ChunkRows = DEFAULT_CHUNK_ROWS,
    ) -> None:
        target = Target(kind.path, load(kind.template))
        base = url or service_url(service)
        run_import(target, file, report, base, token or _embedded_token(), chunk_rows)

    command.__doc__ = kind.help
    return command


for _service, _declaration in SERVICES.items():
    for _kind in _declaration.imports:
        imports_app.command(_kind.name)(_import_command(_service, _kind))


def run_import(
    target: Target, file: Path, report: Path | None, base_url: str, token: str, chunk_rows: int
) -> None:
    from lmis_shared.imports import UnreadableFile, error_report_xlsx, read_table

    console = Console()
    try:
        table = read_table(file.read_bytes(), target.template)
    except UnreadableFile as unreadable:
        console.print(f"[red]Không đọc được tệp:[/red] {unreadable.message}")
        raise typer.Exit(1) from None
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "text/csv; charset=utf-8",
        # one correlation id for every chunk: the service tells a row repeated in a later
        # chunk of this file from a row imported by an earlier run
        "X-Correlation-ID": str(uuid.uuid4()),
    }
    with httpx.Client(base_url=base_url, headers=headers, timeout=300) as client:

        def post(chunk: bytes) -> dict[str, Any]:
            response = client.post(target.path, content=chunk)
            while response.status_code == HTTPStatus.TOO_MANY_REQUESTS:  # nothing was imported
                time.sleep(min(float(response.headers.get("Retry-After", "1")), 60.0))
                response = client.post(target.path, content=chunk)
            if response.status_code != 200:
                raise ChunkRefused(response)
            answer: dict[str, Any] = response.json()
            return answer

        try:
            summary = _with_progress(console, table, chunk_rows, post)
        except (ChunkRefused, httpx.HTTPError) as failure:
            console.print(f"[red]Nhập dừng lại:[/red] {_explain(failure)}")
            console.print("Các dòng đã nhập được giữ; chạy lại lệnh để nhập tiếp.")
            raise typer.Exit(1) from None
    _print(console, summary)
    if report is not None:
        report.write_bytes(error_report_xlsx(summary.errors, summary))
        console.print(f"Báo cáo lỗi: {report}")
    if summary.rejected:
        raise typer.Exit(1)


class ChunkRefused(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def upload(
    table: Table, chunk_rows: int, post: Post, advance: Callable[[int], None] | None = None
) -> ImportSummary:
    """Send `table` chunk by chunk; the summary's rows and columns are the file's own."""
    from lmis_shared.imports import ImportSummary

    summary = ImportSummary(rows=len(table.rows), unrecognised_columns=table.unrecognised)
    for start in range(0, len(table.rows), chunk_rows):
        chunk = table.rows[start : start + chunk_rows]
        answer = post(chunk_csv(table.template, chunk))
        _merge(summary, table, chunk, answer)
        if advance:
            advance(len(chunk))
    return summary


def chunk_csv(template: Template, rows: Sequence[Row]) -> bytes:
    """The rows as a CSV in the template's headings: row i of `rows` is the CSV's row i + 2."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.heading for c in template.columns])
    for row in rows:
        writer.writerow([row.values.get(c.field, "") for c in template.columns])
    return out.getvalue().encode("utf-8")


def _merge(
    summary: ImportSummary, table: Table, chunk: Sequence[Row], answer: dict[str, Any]
) -> None:
    from lmis_shared.imports import RowError

    def original(number: int) -> Row:
        return chunk[number - 2]

    summary.imported += int(answer["imported"])
    summary.skipped_rows += [original(n).number for n in answer["skipped_rows"]]
    for error in answer["errors"]:
        row, field = original(int(error["row"])), str(error["field"])
        summary.errors.append(RowError(row.number, table.heading(field), field, error["reason"]))


def _with_progress(console: Console, table: Table, chunk_rows: int, post: Post) -> ImportSummary:
    columns = (
        TextColumn("Đang nhập"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("dòng"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("import", total=len(table.rows))
        return upload(table, chunk_rows, post, lambda n: progress.advance(task, n))


def _print(console: Console, summary: ImportSummary) -> None:
    console.print(
        f"Số dòng: {summary.rows} · đã nhập: {summary.imported} · "
        f"bỏ qua (đã nhập trước đó): {summary.skipped} · bị từ chối: {summary.rejected}"
    )
    if summary.unrecognised_columns:
        shown = ", ".join(summary.unrecognised_columns)
        console.print(f"[yellow]Cột không nhận ra (bỏ qua):[/yellow] {shown}")
    for error in summary.sorted_errors()[:20]:
        console.print(f"  dòng {error.row_number}, cột {error.column}: {error.reason_vi}")
    if len(summary.errors) > 20:
        console.print(f"  … và {len(summary.errors) - 20} lỗi khác (xem --report)")


def _explain(failure: Exception) -> str:
    if isinstance(failure, ChunkRefused):
        try:
            problem = failure.response.json()
            return f"{problem.get('title')}: {problem.get('detail')}"
        except ValueError:
            return str(failure)
    return type(failure).__name__


def _embedded_token() -> str:
    from lmis_shared.auth import ensure_local_keypair, issue_token
    from lmis_shared.settings import CommonSettings

    settings = CommonSettings()
    if settings.mode != "embedded":
        raise typer.BadParameter("give --token (or LMIS_TOKEN) outside embedded mode")
    private, _ = ensure_local_keypair(settings.keys_dir)
    return issue_token(
        private,
        subject="lmis-import",
        role="admin",
        scope="12",
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(hours=2),
    )
