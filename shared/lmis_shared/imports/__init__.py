"""Bulk import of existing records from CSV or XLSX files with Vietnamese headings.

Shared by the services (the registry's workers, the permits register): a service declares its
`Template` as data and maps each row to its own API command models with `build_command`, so
an imported row is validated exactly as a request body is. This package reads and reports;
deciding and appending stay in the service.

Public API:
    Column(heading, field, required=False, example="", help="", aliases=(), parse=None,
           digits=None)                          one column of a template (frozen)
    Template(name, sheet, columns, ignored=("STT", "Ghi chú"), notes=())
        .match(heading) -> Column | None         case-, diacritics- and spacing-blind
    vietnamese_date(text) -> date                dd/mm/yyyy or yyyy-mm-dd
    choice(labels) -> Parse, choices(labels) -> Parse      Vietnamese label -> API value(s)
    read_table(data: bytes | IO[bytes], template, *, max_rows=MAX_ROWS) -> Table
                                                 streamed; limits applied while reading
    stream_table(data, template, *, max_rows=MAX_ROWS) -> context of (head Table, rows)
                                                 the rows as they are read (`reading.py`)
    streamed.streamed_table(open, batch_size) -> StreamedTable   read in a thread, rows in
                                                 batches to the event loop as they are read
    Table(template, headings, rows, unrecognised, format, example_skipped)
        .heading(field) -> str, .error(row, field, reason) -> RowError
    Row(number: int, values: Mapping[str, str])
    build_command(table, row, model, *, group="", extra=None) -> model instance
                                                 raises RowRejected(errors)
    decided(table, row, group, decide, *, columns=None) -> events
                                                 a domain refusal as RowRejected on its column
    RowError(row_number, column, field, reason), RowRejected, UnreadableFile (422, `file`)
    ImportSummary(rows, imported, skipped_rows, errors, unrecognised_columns).as_json()
    template_xlsx(template) -> bytes, error_report_xlsx(errors, summary=None) -> bytes
    XLSX_MEDIA_TYPE, REPORT_HEADINGS ("Dòng", "Cột", "Lý do")
"""

from lmis_shared.imports.commands import build_command, decided
from lmis_shared.imports.errors import RowError, RowRejected, UnreadableFile
from lmis_shared.imports.reading import MAX_ROWS, Row, Table, read_table, stream_table
from lmis_shared.imports.summary import ImportSummary
from lmis_shared.imports.template import Column, Parse, Template
from lmis_shared.imports.values import choice, choices, vietnamese_date
from lmis_shared.imports.workbooks import (
    REPORT_HEADINGS,
    XLSX_MEDIA_TYPE,
    error_report_xlsx,
    template_xlsx,
)

__all__ = [
    "MAX_ROWS",
    "REPORT_HEADINGS",
    "XLSX_MEDIA_TYPE",
    "Column",
    "ImportSummary",
    "Parse",
    "Row",
    "RowError",
    "RowRejected",
    "Table",
    "Template",
    "UnreadableFile",
    "build_command",
    "choice",
    "choices",
    "decided",
    "error_report_xlsx",
    "read_table",
    "stream_table",
    "template_xlsx",
    "vietnamese_date",
]
