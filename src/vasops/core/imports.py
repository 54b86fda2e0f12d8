"""The one way to read an imported file (catalogue products, exam questions, and the KPI and
reconciliation files to come). Interface, also in docs/architecture.md ("Imports"):

1. Declare the columns:
   ``COLUMNS = [imports.Column("name", "产品名称", required=True, max_length=255), ...]``.
2. In the action: ``sheet = imports.read_xlsx(upload, COLUMNS, max_rows=N)`` (``read_csv`` for a CSV
   file, ``read_table`` for either, told apart by content). It checks the file's
   size against ``settings.VASOPS_IMPORT_MAX_BYTES`` *before* opening it, streams the first sheet
   row by row and stops as soon as there are more than ``max_rows`` data rows; any file-level
   problem (too big, not an .xlsx, a broken workbook, a missing column, too many rows, no rows)
   is one :class:`ImportFileError` (400, ``core.import_file_invalid``) with one clear message.
   ``sheet.rows`` are the non-blank rows (``row.number`` as Excel shows it, ``row["name"]`` the
   cell as stripped text); every cell has already passed the input policy (``core.inputs``) and its
   column's length: the cells that did not are in ``sheet.errors``.
3. Validate the rows (the app's rules), adding :class:`RowError` s to ``sheet.errors``.
4. All or nothing (the default): ``if sheet.errors: raise imports.ImportRefused(code, sheet.errors)``
   before writing anything, inside the action's transaction. An import that the issue introducing
   it says is per-row writes the good rows and returns the errors instead.
5. The view (outside the rolled-back transaction) calls ``imports.keep_error_report(exc, actor=…)``:
   the full error list as an .xlsx :class:`~vasops.core.models.Document` the importer may download;
   the page shows the first ``ERRORS_SHOWN`` errors and links to it (``exc.shown``, ``exc.hidden``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext

from vasops.core import documents, inputs
from vasops.core.errors import CoreError, DomainError
from vasops.core.marks import gettext_noop
from vasops.core.models import Document
from vasops.core.rules import RowError, cell_text

__all__ = [
    "ERRORS_SHOWN",
    "XLSX",
    "Column",
    "ImportFileError",
    "ImportRefused",
    "Row",
    "RowError",
    "Sheet",
    "error_report_xlsx",
    "keep_error_report",
    "read_csv",
    "read_table",
    "read_xlsx",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 100  # errors listed on the page; all of them are in the error report
REPORT_KIND = "import_errors"
# Cells read per row (a sheet with 16,384 styled columns is not read to the end).
MAX_COLUMNS = 64


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Chinese header of the template
    required: bool = False  # the header row must have this column
    multiline: bool = False  # tab and newline allowed in the cell
    max_length: int = inputs.LINE_MAX_LENGTH


@dataclass(frozen=True)
class Row:
    number: int  # as Excel shows it (the header is row 1)
    cells: dict[str, str]

    def __getitem__(self, key: str) -> str:
        return self.cells.get(key, "")


@dataclass
class Sheet:
    header: list[str]
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class ImportFileError(DomainError):
    """The file as a whole cannot be imported: one message, nothing read further."""

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(CoreError.IMPORT_FILE_INVALID, message, status=400, field=field)


class ImportRefused(DomainError):
    """Rows are bad; nothing was written. ``errors`` lists every one (row, column, why);
    ``shown`` the first ``ERRORS_SHOWN`` for the page."""

    def __init__(self, code: str, errors: list[RowError], message: str | None = None) -> None:
        rows = len({e.row for e in errors})
        super().__init__(
            code,
            message
            or gettext("有 %(rows)s 行数据有误（共 %(count)s 处），整批未导入；请按错误报告修改后重新上传。")
            % {"rows": rows, "count": len(errors)},
            status=400,
            field="file",
        )
        self.errors = errors
        self.report: Document | None = None

    @property
    def shown(self) -> list[RowError]:
        return self.errors[:ERRORS_SHOWN]

    @property
    def hidden(self) -> int:
        return max(0, len(self.errors) - ERRORS_SHOWN)


def _size_of(upload: Any) -> int:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    position = upload.tell()
    upload.seek(0, io.SEEK_END)
    end = upload.tell()
    upload.seek(position)
    return int(end)


def check_size(upload: Any, *, max_bytes: int | None = None) -> None:
    limit = max_bytes if max_bytes is not None else settings.VASOPS_IMPORT_MAX_BYTES
    size = _size_of(upload)
    if size == 0:
        raise ImportFileError(gettext("上传的文件是空的。"))
    if size > limit:
        raise ImportFileError(
            gettext("文件有 %(size)s MB，超过导入文件的上限 %(limit)s MB；请分成几个文件导入。")
            % {"size": format(size / (1024 * 1024), ".1f"), "limit": format(limit / (1024 * 1024), ".0f")}
        )


_NOT_XLSX = gettext_noop("无法读取该文件：请上传按模板填写的 Excel（.xlsx）文件。")  # gettext() where used


def _rows(upload: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook

    upload.seek(0)
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # zip/xml errors of a file that is not a workbook
        raise ImportFileError(gettext(_NOT_XLSX)) from exc
    try:
        if not wb.worksheets:
            raise ImportFileError(gettext("该工作簿没有工作表。"))
        ws = wb.worksheets[0]
        iterator = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        while True:
            try:
                values = next(iterator)
            except StopIteration:
                return
            except Exception as exc:  # a workbook broken inside the sheet's XML
                raise ImportFileError(
                    gettext("%(not_xlsx)s（工作表内容已损坏）") % {"not_xlsx": gettext(_NOT_XLSX)}
                ) from exc
            yield values
    finally:
        wb.close()


def read_xlsx(
    upload: IO[bytes], columns: list[Column], *, max_rows: int, max_bytes: int | None = None
) -> Sheet:
    """The first sheet of ``upload`` read through the policy (see the module's docstring)."""
    check_size(upload, max_bytes=max_bytes)
    return _read(_rows(upload), columns, max_rows=max_rows)


_NOT_CSV = "无法读取该 CSV 文件：请用 UTF-8（可带 BOM）或 GBK 编码、逗号分隔，第 1 行为表头。"


def _csv_rows(upload: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    upload.seek(0)
    raw = upload.read()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_NOT_CSV)
    if "\x00" in text:
        raise ImportFileError(_NOT_CSV)
    try:
        for values in csv.reader(io.StringIO(text, newline="")):
            yield tuple(values[:MAX_COLUMNS])
    except csv.Error as exc:
        raise ImportFileError(_NOT_CSV + f"（{exc}）") from exc


def read_csv(
    upload: IO[bytes], columns: list[Column], *, max_rows: int, max_bytes: int | None = None
) -> Sheet:
    """A comma-separated file (UTF-8 with or without BOM, or GBK) read through the same policy as
    :func:`read_xlsx`: size checked first, the same header, row-cap, cell and error rules."""
    check_size(upload, max_bytes=max_bytes)
    return _read(_csv_rows(upload), columns, max_rows=max_rows)


def read_table(
    upload: IO[bytes], columns: list[Column], *, max_rows: int, max_bytes: int | None = None
) -> Sheet:
    """An .xlsx workbook or a CSV file, told apart by content (an .xlsx is a zip archive)."""
    check_size(upload, max_bytes=max_bytes)
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if head == b"PK\x03\x04":
        return _read(_rows(upload), columns, max_rows=max_rows)
    return _read(_csv_rows(upload), columns, max_rows=max_rows)


def _read(rows: Iterator[tuple[Any, ...]], columns: list[Column], *, max_rows: int) -> Sheet:
    header_values = next(rows, None)
    if header_values is None:
        raise ImportFileError(gettext("文件是空的：第 1 行应为表头。"))
    header = [cell_text(v) for v in header_values]
    position = {name: i for i, name in reversed(list(enumerate(header))) if name}
    missing = [c.header for c in columns if c.required and c.header not in position]
    if missing:
        raise ImportFileError(
            gettext("表头缺少：%(missing)s。第 1 行应为：%(header)s。请下载最新模板。")
            % {"missing": "、".join(missing), "header": "、".join(c.header for c in columns)}
        )
    sheet = Sheet(header=header)
    physical_cap = max(10 * max_rows, 10_000)  # blank rows count too, so the read always ends
    for number, values in enumerate(rows, start=2):
        if number > physical_cap:
            raise ImportFileError(
                gettext("文件超过 %(physical_cap)s 行（含空行）；请删除多余的行后重新上传。")
                % {"physical_cap": physical_cap}
            )
        cells: dict[str, str] = {}
        for col in columns:
            i = position.get(col.header)
            cells[col.key] = cell_text(values[i]) if i is not None and i < len(values) else ""
        if not any(cells.values()):
            continue
        if len(sheet.rows) >= max_rows:
            raise ImportFileError(
                gettext("一次最多导入 %(max_rows)s 行数据，本文件超过了这个数量；请分批导入。")
                % {"max_rows": max_rows}
            )
        for col in columns:
            text = cells[col.key]
            problem = inputs.text_problem(text, multiline=col.multiline)
            if problem:
                sheet.errors.append(RowError(number, col.header, problem))
                cells[col.key] = ""
            elif len(text) > col.max_length:
                sheet.errors.append(
                    RowError(
                        number,
                        col.header,
                        gettext("最多 %(max_length)s 个字符（现有 %(text_count)s 个）。")
                        % {"max_length": col.max_length, "text_count": len(text)},
                    )
                )
        sheet.rows.append(Row(number, cells))
    if not sheet.rows:
        raise ImportFileError(gettext("表格中没有数据行（第 2 行起）。"))
    return sheet


def error_report_xlsx(errors: list[RowError]) -> bytes:
    """Every error as .xlsx (行号, 列, 原因)."""
    from openpyxl import Workbook

    from vasops.core.listing import export_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(gettext("错误报告"))
    ws.append([gettext("行号"), gettext("列"), gettext("原因")])
    for e in errors:
        ws.append([e.row, export_cell(e.column), export_cell(e.message)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def keep_error_report(exc: ImportRefused, *, actor: Any, name: str = "import-errors.xlsx") -> Document:
    """Store the full error report of a refused import as a document its importer may download
    (``/documents/<uuid>/``). Call it after the import's transaction has rolled back."""
    doc = Document(
        original_name=name,
        content_type=XLSX,
        size=0,
        sha256="",
        kind=REPORT_KIND,
        partner_id=None,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    content = error_report_xlsx(exc.errors)
    doc.size = len(content)
    doc.sha256 = hashlib.sha256(content).hexdigest()
    doc.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(content), save=False)
    doc.save()
    exc.report = doc
    return doc


@documents.register_access_rule
def _importer_reads_own_report(user: Any, doc: Document) -> bool:
    return doc.kind == REPORT_KIND and doc.uploaded_by_id is not None and doc.uploaded_by_id == user.pk
