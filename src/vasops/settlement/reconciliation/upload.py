"""Reading a partner's reconciliation files (docs/partner-guide.md "结算对账文件格式").

Two files, each CSV (UTF-8 or GBK, detected; comma- or tab-separated) or Excel .xlsx (first
sheet, through ``core.imports``):

- 汇总 (required), one line per day × product: 日期, 产品代码, 条数, 金额（分）
  (CSV headers may also be the English keys day, product_code, count, fee_fen);
- 话单明细 (optional), one line per CDR: 话单编号, 手机号码, 产品代码, 金额（分）, 时间
  (cdr_id, msisdn, product_code, fee_fen, at — time in Beijing time, ``2026-12-05 09:30:00``).

Every bad line is reported (line number, column, reason; at most ``MAX_ERRORS``) and nothing is
kept when one is bad. The line number is the physical line of the file (the last one of a record
whose quoted field spans lines), blank lines counted, as Python's ``csv`` module counts them.

The summary (≤ 100,000 lines) is read line by line in Python. A CSV detail (a partner-month is
10,000,000 lines) is checked and converted by DuckDB in one vectorised pass (:func:`_read_detail_csv`):
DuckDB reads the file as physical lines (numbered in file order), splits them, and decides for
every line whether it is *certainly valid* — a conservative test: plain or simply quoted fields,
the documented cell formats, an own product, the month — writing the converted rows straight to
Parquet. The few lines it does not vouch for are read again and checked by the same Python rules
as an Excel file (:class:`_DetailRules`), which word every message (and accept the odd valid line
SQL did not, e.g. a time written ``2026-12-5 9:30:00``); a quoted field spanning lines hands the
rest of the file from there to Python's ``csv`` reader. The detail file is checked for duplicate
``cdr_id`` with DuckDB; the caller moves the Parquet file into place once the request is saved."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext

from vasops.core import imports, inputs
from vasops.core.rules import RowError
from vasops.settlement.errors import SettlementError
from vasops.settlement.reconciliation import rules

SUMMARY_COLUMNS = [
    imports.Column("day", "日期", required=True, max_length=20),
    imports.Column("product_code", "产品代码", required=True, max_length=20),
    imports.Column("count", "条数", required=True, max_length=20),
    imports.Column("fee_fen", "金额（分）", required=True, max_length=20),
]
DETAIL_COLUMNS = [
    imports.Column("cdr_id", "话单编号", required=True, max_length=rules.MAX_CDR_ID),
    imports.Column("msisdn", "手机号码", required=True, max_length=20),
    imports.Column("product_code", "产品代码", required=True, max_length=20),
    imports.Column("fee_fen", "金额（分）", required=True, max_length=20),
    imports.Column("at", "时间", required=True, max_length=30),
]
SUMMARY_MAX_ROWS = 100_000  # 31 days × 3,000 products
MAX_ERRORS = 10_000  # a file that wrong is refused after this many, with what was found
SAMPLE_BYTES = 64 * 1024
BATCH_ROWS = 200_000
UTC_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai
CHUNK_BYTES = 8 * 1024 * 1024  # the normalised copy of a CSV detail is written in pieces this big
MAX_LINE_BYTES = 8 * 1024 * 1024  # a longer physical line refuses the file
READ_BUFFER_BYTES = 32 * 1024 * 1024  # DuckDB's CSV buffer: each of its threads reads one at a time
# Python's csv module refuses a longer field ("field larger than field limit"), so SQL leaves a
# longer line to it
CSV_FIELD_LIMIT = 131_072
# What str.strip() removes besides the space (tests compare it with str.isspace()); SQL strips
# only spaces and leaves a cell holding any of these (or a control character) to Python
OTHER_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# DuckDB reads physical lines as one column: its delimiter must not occur in the file. These
# control characters are tried in turn (the input policy refuses them in a cell anyway).
LINE_SEPARATORS = [chr(c) for c in (*range(0x01, 0x09), *range(0x0E, 0x20))]


def detail_max_bytes() -> int:
    return int(getattr(settings, "VASOPS_RECONCILIATION_DETAIL_MAX_BYTES", 2 * 1024**3))


def reconciliation_root() -> Path:
    return Path(getattr(settings, "VASOPS_RECONCILIATION_DIR", settings.VAR_DIR / "reconciliation"))


@dataclass
class Summary:
    rows: dict[tuple[dt.date, int], rules.SideRow]
    encoding: str
    file_name: str


@dataclass
class Detail:
    path: Path  # a temporary Parquet file: cdr_id, msisdn, product_id, fee_fen, at, day, line
    rows: int
    encoding: str
    file_name: str


@dataclass
class _Errors:
    items: list[RowError] = field(default_factory=list)

    def add(self, line: int, column: str, message: str) -> None:
        self.items.append(RowError(line, column, message))
        if len(self.items) >= MAX_ERRORS:
            raise imports.ImportRefused(
                SettlementError.RECONCILIATION_ROWS_INVALID,
                self.items,
                gettext(
                    "文件错误过多（已发现 %(items_count)s 处），已停止检查，整批未导"
                    "入；请核对文件格式后重新上传。"
                )
                % {"items_count": len(self.items)},
            )


def _is_xlsx(upload: Any) -> bool:
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    name = PurePath(getattr(upload, "name", "") or "").suffix.lower()
    return head == b"PK\x03\x04" or name == ".xlsx"


# --- CSV: the header and the cells of a record ----------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """What the header of a CSV file says."""

    encoding: str
    delimiter: str
    position: dict[str, int]  # column key → index in a record
    width: int
    header_lines: int  # physical lines of the header record (1 unless a quoted header spans lines)


def _open_csv(upload: IO[bytes]) -> tuple[str, str, io.TextIOWrapper, Any]:
    """(encoding, delimiter, text, reader) over ``upload`` from its start."""
    upload.seek(0)
    sample = upload.read(SAMPLE_BYTES)
    upload.seek(0)
    encoding = rules.detect_encoding(sample)
    raw = getattr(upload, "file", upload)  # the file itself, not Django's proxy (read per line)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    first = sample.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first and b"," not in first else ","
    return encoding, delimiter, text, csv.reader(text, delimiter=delimiter)


def _read_header(reader: Any, columns: list[imports.Column]) -> tuple[dict[str, int], int]:
    """(column key → index, width) from the first record; a wrong header is an ImportFileError."""
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise imports.ImportFileError(gettext("文件是空的：第 1 行应为表头。")) from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise imports.ImportFileError(
            gettext("无法读取表头：%(exc)s。请使用 UTF-8 或 GBK 编码的 CSV。") % {"exc": exc}
        ) from exc
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        for col in columns:
            if name in (col.header, col.key) and col.key not in position:
                position[col.key] = i
    missing = [c.header for c in columns if c.required and c.key not in position]
    if missing:
        raise imports.ImportFileError(
            gettext("表头缺少：%(missing)s。第 1 行应为：%(header)s（或英文列名 %(key)s）。")
            % {
                "missing": "、".join(missing),
                "header": ",".join(c.header for c in columns),
                "key": ",".join(c.key for c in columns),
            }
        )
    return position, len(header)


def _record_cells(values: list[str], position: dict[str, int], width: int) -> dict[str, str] | None:
    """A record's cells ({key: stripped text}); ``{"__width__": n}`` when it has the wrong number
    of fields; None for a blank record (skipped)."""
    if not any(v.strip() for v in values):
        return None
    if len(values) != width:
        return {"__width__": str(len(values))}
    return {key: values[i].strip() for key, i in position.items()}


def _csv_rows(
    upload: IO[bytes], columns: list[imports.Column]
) -> tuple[str, Iterator[tuple[int, dict[str, str]]]]:
    """(encoding, rows): each row as (line number, {key: stripped text}); file-level problems are
    one ImportFileError."""
    encoding, _delimiter, _text, reader = _open_csv(upload)
    position, width = _read_header(reader, columns)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise imports.ImportFileError(
                    gettext("第 %(line_num)s 行附近有无法识别的字符：文件应整体为 UTF-8 或 GBK 编码。")
                    % {"line_num": reader.line_num + 1}
                ) from exc
            except csv.Error as exc:
                raise imports.ImportFileError(
                    gettext("第 %(line_num)s 行格式有误：%(exc)s。")
                    % {"line_num": reader.line_num, "exc": exc}
                ) from exc
            cells = _record_cells(values, position, width)
            if cells is not None:
                yield reader.line_num, cells

    return encoding, rows()


def _xlsx_rows(
    upload: IO[bytes], columns: list[imports.Column], max_rows: int, max_bytes: int | None
) -> tuple[str, Iterator[tuple[int, dict[str, str]]], list[RowError]]:
    sheet = imports.read_xlsx(upload, columns, max_rows=max_rows, max_bytes=max_bytes)
    return "xlsx", ((r.number, dict(r.cells)) for r in sheet.rows), list(sheet.errors)


def _open(
    upload: IO[bytes], columns: list[imports.Column], *, max_rows: int, max_bytes: int | None
) -> tuple[str, Iterator[tuple[int, dict[str, str]]], _Errors]:
    imports.check_size(upload, max_bytes=max_bytes)
    errors = _Errors()
    if _is_xlsx(upload):
        encoding, rows, found = _xlsx_rows(upload, columns, max_rows, max_bytes)
        errors.items.extend(found)
        return encoding, rows, errors
    encoding, rows = _csv_rows(upload, columns)
    return encoding, rows, errors


def _cell_problems(line: int, cells: dict[str, str], columns: list[imports.Column], errors: _Errors) -> bool:
    """The width and the input policy of a CSV row; True when the row can be read further."""
    if "__width__" in cells:
        errors.add(
            line,
            "",
            gettext("列数不对：应有 %(columns_count)s 列（与表头一致），实际 %(width)s 列。")
            % {"columns_count": len(columns), "width": cells["__width__"]},
        )
        return False
    ok = True
    for col in columns:
        text = cells.get(col.key, "")
        problem = inputs.text_problem(text, multiline=False)
        if problem:
            errors.add(line, col.header, problem)
            ok = False
        elif len(text) > col.max_length:
            errors.add(
                line,
                col.header,
                gettext("最多 %(max_length)s 个字符（现有 %(text_count)s 个）。")
                % {"max_length": col.max_length, "text_count": len(text)},
            )
            ok = False
    return ok


def read_summary(
    upload: IO[bytes], *, month: dt.date, own_products: dict[str, int], known_codes: set[str]
) -> Summary:
    """The day × product file, validated; raises ImportFileError / ImportRefused."""
    encoding, rows, errors = _open(upload, SUMMARY_COLUMNS, max_rows=SUMMARY_MAX_ROWS, max_bytes=None)
    own = set(own_products)
    seen: dict[tuple[dt.date, int], rules.SideRow] = {}
    count_rows = 0
    for line, cells in rows:
        count_rows += 1
        if count_rows > SUMMARY_MAX_ROWS:
            raise imports.ImportFileError(
                gettext("汇总文件最多 %(summary_max_rows)s 行；请检查是否误传了话单明细。")
                % {"summary_max_rows": SUMMARY_MAX_ROWS}
            )
        if not _cell_problems(line, cells, SUMMARY_COLUMNS, errors):
            continue
        day, problem = rules.parse_day(cells["day"], month)
        if problem:
            errors.add(line, "日期", problem)
        code = cells["product_code"]
        problem = rules.product_problem(code, own, known_codes)
        if problem:
            errors.add(line, "产品代码", problem)
        count, problem = rules.parse_int(cells["count"], "条数", maximum=rules.MAX_COUNT)
        if problem:
            errors.add(line, "条数", problem)
        fee, problem = rules.parse_int(cells["fee_fen"], "金额（分）", maximum=rules.MAX_FEN)
        if problem:
            errors.add(line, "金额（分）", problem)
        if day is None or code not in own or count is None or fee is None:
            continue
        key = (day, own_products[code])
        if key in seen:
            errors.add(
                line,
                "",
                gettext("重复：%(day)s 产品 %(code)s 已在第 %(line)s 行出现。")
                % {"day": day, "code": code, "line": seen[key].line},
            )
            continue
        seen[key] = rules.SideRow(count=count, fee_fen=fee, line=line)
    if count_rows == 0:
        raise imports.ImportFileError(gettext("文件中没有数据行（第 2 行起）。"))
    if errors.items:
        raise imports.ImportRefused(SettlementError.RECONCILIATION_ROWS_INVALID, errors.items)
    return Summary(rows=seen, encoding=encoding, file_name=_name(upload))


def _name(upload: Any) -> str:
    return PurePath(getattr(upload, "name", "") or "upload").name[:255]


def _detail_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.schema(
        [
            ("cdr_id", pa.string()),
            ("msisdn", pa.string()),
            ("product_id", pa.int64()),
            ("fee_fen", pa.int64()),
            ("at", pa.timestamp("us", tz="UTC")),
            ("day", pa.date32()),
            ("line", pa.int64()),
        ]
    )


# --- the detail: the rules of one row (the words of every message) --------------------------

DetailRow = tuple[str, str, int, int, dt.datetime, dt.date, int]


class _DetailRules:
    """The checks of one detail row, in Python: every message of a bad row comes from here."""

    def __init__(
        self, month: dt.date, own_products: dict[str, int], known_codes: set[str], errors: _Errors
    ) -> None:
        self.month = month
        self.own_products = own_products
        self.own = set(own_products)
        self.known = known_codes
        self.errors = errors

    def check(self, line: int, cells: dict[str, str]) -> DetailRow | None:
        """The row as written to Parquet, or None when it is bad (its errors added)."""
        errors = self.errors
        if not _cell_problems(line, cells, DETAIL_COLUMNS, errors):
            return None
        cdr_id, msisdn, code = cells["cdr_id"], cells["msisdn"], cells["product_code"]
        bad = False
        for column, problem in (
            ("话单编号", rules.cdr_id_problem(cdr_id)),
            ("手机号码", rules.msisdn_problem(msisdn)),
            ("产品代码", rules.product_problem(code, self.own, self.known)),
        ):
            if problem:
                errors.add(line, column, problem)
                bad = True
        fee, problem = rules.parse_int(cells["fee_fen"], "金额（分）", maximum=rules.MAX_FEN)
        if problem:
            errors.add(line, "金额（分）", problem)
            bad = True
        local = rules.parse_at(cells["at"])
        if local is None:
            errors.add(
                line,
                "时间",
                gettext("时间“%(at)s”无效，应为 YYYY-MM-DD HH:MM:SS（北京时间）。") % {"at": cells["at"]},
            )
            bad = True
        elif local.date().replace(day=1) != self.month:
            errors.add(
                line,
                "时间",
                gettext("时间 %(at)s 不在对账月份 %(month)s 内。")
                % {"at": cells["at"], "month": format(self.month, "%Y-%m")},
            )
            bad = True
        if bad:
            return None
        assert local is not None and fee is not None
        # naive UTC (Asia/Shanghai has no DST since 1991)
        return (cdr_id, msisdn, self.own_products[code], fee, local - UTC_OFFSET, local.date(), line)


class _RowWriter:
    """Rows to a Parquet file of the detail schema, in batches (bounded memory)."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self.schema = _detail_schema()
        self.columns: list[list[Any]] = [[] for _ in self.schema.names]
        self.rows = 0
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def add(self, row: DetailRow) -> None:
        for target, value in zip(self.columns, row, strict=True):
            target.append(value)
        self.rows += 1
        if len(self.columns[0]) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        self.writer.write_table(
            pa.Table.from_arrays(
                [pa.array(c, t) for c, t in zip(self.columns, self.schema.types, strict=True)],
                schema=self.schema,
            )
        )
        for c in self.columns:
            c.clear()

    def close(self) -> None:
        if self.writer is not None:
            if self.columns[0] or self.rows == 0:
                self._flush()
            self.writer.close()
            self.writer = None


def _finish(tmp: Path, rows: int, errors: _Errors, encoding: str, upload: Any) -> Detail:
    """Duplicates, no rows, or the errors found: raise; else the Detail of ``tmp``."""
    if not errors.items:
        for line, first, cdr_id in _duplicates(tmp):
            errors.add(
                line,
                "话单编号",
                gettext("重复：话单编号 %(cdr_id)s 已在第 %(first)s 行出现。")
                % {"cdr_id": cdr_id, "first": first},
            )
    if rows == 0 and not errors.items:
        raise imports.ImportFileError(gettext("话单明细文件中没有数据行（第 2 行起）。"))
    if errors.items:
        raise imports.ImportRefused(
            SettlementError.RECONCILIATION_ROWS_INVALID, sorted(errors.items, key=_order)
        )
    return Detail(path=tmp, rows=rows, encoding=encoding, file_name=_name(upload))


def read_detail(
    upload: IO[bytes], *, month: dt.date, own_products: dict[str, int], known_codes: set[str]
) -> Detail:
    """The CDR-level file, validated and written to a temporary Parquet file."""
    imports.check_size(upload, max_bytes=detail_max_bytes())
    root = reconciliation_root()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-detail-{uuid.uuid4().hex}.parquet"
    errors = _Errors()
    checker = _DetailRules(month, own_products, known_codes, errors)
    try:
        if _is_xlsx(upload):
            return _read_detail_xlsx(upload, tmp, checker)
        return _read_detail_csv(upload, tmp, checker)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_detail_xlsx(upload: IO[bytes], tmp: Path, checker: _DetailRules) -> Detail:
    """An Excel detail (≤ 1,048,576 rows), row by row through :class:`_DetailRules`."""
    sheet = imports.read_xlsx(upload, DETAIL_COLUMNS, max_rows=1_048_576, max_bytes=detail_max_bytes())
    errors = checker.errors
    errors.items.extend(sheet.errors)
    writer = _RowWriter(tmp)
    try:
        for row in sheet.rows:
            checked = checker.check(row.number, dict(row.cells))
            if checked is not None and not errors.items:  # once a line is bad nothing is written
                writer.add(checked)
    finally:
        writer.close()
    return _finish(tmp, writer.rows, errors, "xlsx", upload)


# --- the CSV detail through DuckDB ----------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """A file DuckDB reads as physical lines: UTF-8 after its first ``skip`` lines (the header),
    ``separator`` absent from it."""

    path: Path
    skip: int
    separator: str


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ``{path}`` is quoted by _sql_text; the numbers and the separator's code are built here
_LINES_SQL = (
    "SELECT row_number() OVER () + {skip} AS line, raw FROM read_csv({path}, "
    "columns = {{'raw': 'VARCHAR'}}, header = false, skip = {skip}, delim = E'\\x{separator:02x}', "
    "quote = '', escape = '', auto_detect = false, strict_mode = true, max_line_size = {max_line}, "
    "buffer_size = {buffer})"
)
_LEFT_SQL = (
    "SELECT s.line, s.raw FROM ({lines}) s "
    "SEMI JOIN (SELECT line FROM read_parquet(?) WHERE cdr_id IS NULL) t ON s.line = t.line ORDER BY s.line"
)
_FROM_SQL = "SELECT line, raw FROM ({lines}) WHERE line >= ? ORDER BY line"
_MERGE_SQL = (
    "COPY (SELECT * FROM (SELECT * FROM read_parquet(?) WHERE cdr_id IS NOT NULL AND line < ? "
    "UNION ALL SELECT * FROM read_parquet(?)) ORDER BY line) TO {target} (FORMAT parquet, COMPRESSION zstd)"
)


def _lines_sql(source: _Source) -> str:
    """The physical lines after the header, numbered as Python's csv module numbers them (a
    blank line is a NULL ``raw``). DuckDB keeps the file's order (preserve_insertion_order)."""
    return _LINES_SQL.format(
        skip=int(source.skip),
        path=_sql_text(str(source.path)),
        separator=ord(source.separator),
        max_line=MAX_LINE_BYTES,
        buffer=READ_BUFFER_BYTES,
    )


# Cells SQL vouches for (anything else is left to Python): the documented time formats with 1–2
# digit fields, or 14 digits (parse_at reads the same instant from each)
_AT_PATTERN = (
    r"[0-9]{4}(?:-[0-9]{1,2}-[0-9]{1,2}[ T]|/[0-9]{1,2}/[0-9]{1,2} )[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}"
    r"|[0-9]{14}"
)
_AT_DOCUMENTED = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"  # the common case, first
_AT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S"]
# A character that makes the policy refuse a cell, or that str.strip() would remove at its edges
_UNSURE_CHARACTER = (
    r"[\x00-\x1f\x7f-\x9f\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}\x{fffe}\x{ffff}]"
)

# One pass: every non-blank line after the header, its converted row when SQL vouches for it,
# else a NULL cdr_id and its line number (read again and checked in Python; such a file is
# always rewritten without them). ``{lines}`` and the column indexes are built here, never from
# the file.
_CLASSIFY_SQL = """
COPY (
WITH src AS ({lines}),
rec AS (
    SELECT line, raw, string_split(raw, $sep) AS parts FROM src
    WHERE raw IS NOT NULL
        AND (NOT (starts_with(raw, ' ') OR starts_with(raw, $sep)) OR trim(replace(raw, $sep, '')) <> '')
),
fields AS (
    SELECT line, raw,
        CASE
            WHEN NOT contains(raw, '"') THEN parts
            WHEN list_bool_and(list_transform(parts, lambda x: NOT contains(x, '"') OR (length(x) >= 2
                AND starts_with(x, '"') AND ends_with(x, '"') AND NOT contains(x[2:-2], '"'))))
            THEN list_transform(parts, lambda x: CASE WHEN starts_with(x, '"') THEN x[2:-2] ELSE x END)
        END AS f,
        -- a cell may start or end with a space (DuckDB's trim() would also take other characters)
        contains(raw, '"') OR contains(raw, $sep || ' ') OR contains(raw, ' ' || $sep)
            OR starts_with(raw, ' ') OR ends_with(raw, ' ') AS spaced
    FROM rec
),
cells AS (
    SELECT line, raw, f,
        CASE WHEN spaced THEN trim(f[{cdr_id}], ' ') ELSE f[{cdr_id}] END AS cdr_id,
        CASE WHEN spaced THEN trim(f[{msisdn}], ' ') ELSE f[{msisdn}] END AS msisdn,
        CASE WHEN spaced THEN trim(f[{product_code}], ' ') ELSE f[{product_code}] END AS code,
        CASE WHEN spaced THEN trim(f[{fee_fen}], ' ') ELSE f[{fee_fen}] END AS fee_text,
        CASE WHEN spaced THEN trim(f[{at}], ' ') ELSE f[{at}] END AS at_text
    FROM fields
),
typed AS (
    SELECT c.*, own.product_id,
        CASE WHEN NOT (contains(fee_text, ',') OR suffix(fee_text, '.0')) THEN fee_text
            WHEN suffix(replace(fee_text, ',', ''), '.0') THEN replace(fee_text, ',', '')[1:-3]
            ELSE replace(fee_text, ',', '') END AS fee_digits,
        CASE WHEN regexp_full_match(at_text, $at_documented) THEN try_strptime(at_text, '%Y-%m-%d %H:%M:%S')
            WHEN regexp_full_match(at_text, $at_pattern) THEN try_strptime(at_text, $at_formats) END AS ts
    FROM cells c LEFT JOIN own ON own.code = c.code
),
converted AS (
    SELECT *,
        CASE WHEN regexp_full_match(fee_digits, '[+-]?[0-9]+') THEN TRY_CAST(fee_digits AS BIGINT) END AS fee
    FROM typed
),
checked AS (
    SELECT line, cdr_id, msisdn, product_id, fee, ts,
        coalesce(f IS NOT NULL AND len(f) = $width AND strlen(raw) <= $field_limit
            AND length(cdr_id) BETWEEN 1 AND $cdr_max AND NOT regexp_matches(cdr_id, $unsure)
            AND regexp_full_match(msisdn, '[0-9]{{5,20}}')
            AND length(code) <= $code_max AND product_id IS NOT NULL
            AND length(fee_text) <= $fee_max AND fee BETWEEN 0 AND $max_fen
            AND ts >= $month_start AND ts < $month_end, false) AS ok
    FROM converted
)
SELECT  -- a NULL cdr_id marks a line left to Python (its other cells are never kept)
    CASE WHEN ok THEN cdr_id END AS cdr_id, msisdn, product_id, fee AS fee_fen,
    timezone('UTC', ts - INTERVAL 8 HOUR) AS "at", ts::DATE AS day, line
FROM checked
) TO {target} (FORMAT parquet, COMPRESSION zstd)
"""


def _classify(con: Any, source: _Source, layout: _Layout, month: dt.date, target: Path) -> tuple[int, int]:
    """Write every non-blank data line to ``target`` (NULLs but ``line`` for the ones SQL does not
    vouch for); (lines written, lines left to Python)."""
    index = {key: layout.position[key] + 1 for key in layout.position}
    sql = _CLASSIFY_SQL.format(lines=_lines_sql(source), target=_sql_text(str(target)), **index)
    sizes = {c.key: c.max_length for c in DETAIL_COLUMNS}
    written = con.execute(
        sql,
        {
            "sep": layout.delimiter,
            "width": layout.width,
            "field_limit": CSV_FIELD_LIMIT,
            "cdr_max": sizes["cdr_id"],
            "code_max": sizes["product_code"],
            "fee_max": sizes["fee_fen"],
            "unsure": _UNSURE_CHARACTER,
            "at_documented": _AT_DOCUMENTED,
            "at_pattern": _AT_PATTERN,
            "at_formats": _AT_FORMATS,
            "month_start": dt.datetime.combine(month, dt.time()),
            "month_end": dt.datetime.combine(rules.next_month(month), dt.time()),
            "max_fen": rules.MAX_FEN,
        },
    ).fetchone()[0]
    left = con.execute(
        "SELECT coalesce(sum(stats_null_count), 0) FROM parquet_metadata(?) WHERE path_in_schema = 'cdr_id'",
        [str(target)],
    ).fetchone()[0]
    return int(written), int(left)


def _file_path(upload: Any) -> Path | None:
    """The path of the uploaded file on disk, if it is one (Django keeps a large upload in a
    temporary file); None for one in memory."""
    getter = getattr(upload, "temporary_file_path", None)
    if callable(getter):
        return Path(getter())
    raw = getattr(upload, "file", upload)
    name = getattr(raw, "name", None)
    if isinstance(name, str) and os.path.isabs(name):
        try:
            if os.path.samestat(os.fstat(raw.fileno()), os.stat(name)):
                return Path(name)
        except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
            return None
    return None


_NEWLINE = re.compile(rb"\r\n|\r|\n")


def _direct_source(upload: Any, layout: _Layout) -> _Source | None:
    """The uploaded file itself when DuckDB can read it as it is: on disk, and UTF-8 (DuckDB
    checks that) or GBK with nothing but ASCII after the header."""
    path = _file_path(upload)
    if path is None:
        return None
    if layout.encoding == "gb18030":
        with open(path, "rb") as fh:
            head = fh.read(SAMPLE_BYTES)
            end = 0
            for _ in range(layout.header_lines):
                match = _NEWLINE.search(head, end)
                if match is None:
                    return None
                end = match.end()
            fh.seek(end)
            while chunk := fh.read(CHUNK_BYTES):
                if not chunk.isascii():
                    return None
    return _Source(path, layout.header_lines, LINE_SEPARATORS[0])


_SEPARATOR_BYTES = bytes(ord(c) for c in LINE_SEPARATORS)
_NOT_SEPARATOR_BYTES = bytes(b for b in range(256) if b not in _SEPARATOR_BYTES)


def _normalized_copy(upload: Any, layout: _Layout, target: Path) -> _Source:
    """The file as UTF-8 with every line break (CR LF, CR, LF — what Python's csv module counts)
    as LF, written to ``target``; a byte the encoding cannot decode is an ImportFileError naming
    its line."""
    upload.seek(0)
    raw = getattr(upload, "file", upload)
    present: set[int] = set()
    lines = 0
    pending = b""
    first = True
    with open(target, "wb") as out:
        while True:
            chunk = raw.read(CHUNK_BYTES)
            data = pending + chunk
            if chunk:
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # no LF: a file of CR line ends, or one very long line
                    cut = data.rfind(b"\r", 0, len(data) - 1) + 1
                if cut == 0:
                    if len(data) > MAX_LINE_BYTES:
                        raise imports.ImportFileError(
                            gettext("第 %(lines)s 行过长，无法读取。") % {"lines": lines + 1}
                        )
                    pending = data
                    continue
                piece, pending = data[:cut], data[cut:]
            else:
                piece, pending = data, b""
            encoding = layout.encoding if first else layout.encoding.replace("utf-8-sig", "utf-8")
            first = False
            try:
                text = piece.decode(encoding)
            except UnicodeDecodeError as exc:
                line = lines + _count_lines(piece[: exc.start]) + 1
                raise imports.ImportFileError(
                    gettext("第 %(line)s 行附近有无法识别的字符：文件应整体为 UTF-8 或 GBK 编码。")
                    % {"line": line}
                ) from exc
            lines += _count_lines(piece)
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            data_out = text.encode("utf-8")
            present.update(data_out.translate(None, _NOT_SEPARATOR_BYTES))
            out.write(data_out)
            if not chunk:
                break
    separator = next((c for c in LINE_SEPARATORS if ord(c) not in present), LINE_SEPARATORS[0])
    return _Source(target, layout.header_lines, separator)


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _connect() -> Any:
    import duckdb

    return duckdb.connect(config={"threads": 2, "preserve_insertion_order": True})


# A record Python's csv module finishes on its line (no quoted field left open), for ``,`` / tab
_COMPLETE = {
    d: re.compile(
        r'(?:"(?:[^"]|"")*"(?:[^"{d}][^{d}]*)?|[^"{d}][^{d}]*|)(?:{d}(?:"(?:[^"]|"")*"(?:[^"{d}][^{d}]*)?|[^"{d}][^{d}]*|))*'.format(
            d=re.escape(d)
        )
    )
    for d in (",", "\t")
}


def _read_detail_csv(upload: IO[bytes], tmp: Path, checker: _DetailRules) -> Detail:
    """A CSV detail: one DuckDB pass writes the lines SQL vouches for; Python checks the rest."""
    encoding, delimiter, text, reader = _open_csv(upload)
    try:
        position, width = _read_header(reader, DETAIL_COLUMNS)
        header_lines = reader.line_num
    finally:
        text.detach()  # keep the upload open
    layout = _Layout(encoding, delimiter, position, width, header_lines)
    root = tmp.parent
    scratch: list[Path] = []
    con = _connect()
    try:
        con.register("own", _own_table(checker.own_products))
        source, written, left = _first_pass(con, upload, layout, checker.month, tmp, scratch)
        if not left:
            return _finish(tmp, written, checker.errors, encoding, upload)
        extra = root / f"{tmp.stem}-extra.parquet"
        scratch.append(extra)
        kept_before = _check_in_python(con, source, layout, tmp, extra, checker)
        if checker.errors.items:
            return _finish(tmp, 0, checker.errors, encoding, upload)
        final = root / f"{tmp.stem}-final.parquet"
        scratch.append(final)
        rows = _merge(con, tmp, extra, kept_before, final)
        os.replace(final, tmp)
        return _finish(tmp, rows, checker.errors, encoding, upload)
    finally:
        con.close()
        for path in scratch:
            path.unlink(missing_ok=True)


def _first_pass(
    con: Any, upload: Any, layout: _Layout, month: dt.date, tmp: Path, scratch: list[Path]
) -> tuple[_Source, int, int]:
    """:func:`_classify` over the upload itself when DuckDB can read it (:func:`_direct_source`),
    else — or when DuckDB refuses it: mixed line ends, a byte that is not UTF-8 … — over a
    normalised copy (added to ``scratch``). (the source read, lines written, lines left)."""
    import duckdb

    source = _direct_source(upload, layout)
    if source is not None:
        try:
            return (source, *_classify(con, source, layout, month, tmp))
        except duckdb.InvalidInputException:
            tmp.unlink(missing_ok=True)
    scratch.append(tmp.parent / f"{tmp.stem}.csv")
    source = _normalized_copy(upload, layout, scratch[-1])
    try:
        return (source, *_classify(con, source, layout, month, tmp))
    except duckdb.InvalidInputException as exc:
        raise imports.ImportFileError(_unreadable(exc)) from exc


def _own_table(own_products: dict[str, int]) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "code": pa.array(list(own_products), pa.string()),
            "product_id": pa.array(list(own_products.values()), pa.int64()),
        }
    )


def _unreadable(exc: Exception) -> str:
    match = re.search(r"Line: (\d+)", str(exc))
    where = f"第 {match.group(1)} 行" if match else "文件"
    return f"{where}格式有误，无法读取：请使用 UTF-8 或 GBK 编码、逗号或制表符分隔的 CSV。"


def _check_in_python(
    con: Any, source: _Source, layout: _Layout, tmp: Path, extra: Path, checker: _DetailRules
) -> int | None:
    """Check, in line order, the lines SQL left (NULL in ``tmp``) with :class:`_DetailRules`;
    the valid ones go to ``extra``. From the first line whose quoted field stays open, every
    line is read by Python's csv module instead (a record spanning lines). Returns that line
    (rows of ``tmp`` from it on are not kept), or None."""
    errors = checker.errors
    complete = _COMPLETE[layout.delimiter]
    writer = _RowWriter(extra)
    try:
        result = con.execute(_LEFT_SQL.format(lines=_lines_sql(source)), [str(tmp)])
        open_from = None
        while open_from is None and (batch := result.fetchmany(10_000)):
            for line, raw in batch:
                if '"' in raw and not complete.fullmatch(raw):
                    open_from = line
                    break
                try:
                    values = next(csv.reader([raw], delimiter=layout.delimiter))
                except csv.Error as exc:
                    raise imports.ImportFileError(
                        gettext("第 %(line)s 行格式有误：%(exc)s。") % {"line": line, "exc": exc}
                    ) from exc
                _check_record(line, values, layout, checker, writer)
        if open_from is not None:
            _check_from(con, source, layout, open_from, checker, writer)
    finally:
        writer.close()
    if errors.items:
        extra.unlink(missing_ok=True)
    return open_from


def _check_record(
    line: int, values: list[str], layout: _Layout, checker: _DetailRules, writer: _RowWriter
) -> None:
    cells = _record_cells(values, layout.position, layout.width)
    if cells is None:
        return
    row = checker.check(line, cells)
    if row is not None and not checker.errors.items:
        writer.add(row)


def _check_from(
    con: Any, source: _Source, layout: _Layout, start: int, checker: _DetailRules, writer: _RowWriter
) -> None:
    """Every record from line ``start`` on, read by Python's csv module (as the lines come)."""
    result = con.execute(_FROM_SQL.format(lines=_lines_sql(source)), [start])

    def lines() -> Iterator[str]:
        while batch := result.fetchmany(10_000):
            for _line, raw in batch:
                yield (raw or "") + "\n"

    reader = csv.reader(lines(), delimiter=layout.delimiter)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise imports.ImportFileError(
                gettext("第 %(start)s 行格式有误：%(exc)s。")
                % {"start": start - 1 + reader.line_num, "exc": exc}
            ) from exc
        _check_record(start - 1 + reader.line_num, values, layout, checker, writer)


def _merge(con: Any, tmp: Path, extra: Path, before: int | None, target: Path) -> int:
    """The rows SQL vouched for (before line ``before``, if given) and the ones Python accepted,
    in line order, to ``target``; the number of rows."""
    sql = _MERGE_SQL.format(target=_sql_text(str(target)))
    last = before if before is not None else 2**62
    return int(con.execute(sql, [str(tmp), last, str(extra)]).fetchone()[0])


def _order(e: RowError) -> tuple[int, str]:
    return (e.row, e.column)


def _duplicates(path: Path, limit: int = 1000) -> list[tuple[int, int, str]]:
    """(line, first line, cdr_id) of every repeated cdr_id after its first line."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(
            "WITH repeated AS (SELECT cdr_id FROM read_parquet($path) GROUP BY cdr_id HAVING count(*) > 1) "
            "SELECT cdr_id, list(line ORDER BY line) FROM read_parquet($path) "
            "SEMI JOIN repeated USING (cdr_id) GROUP BY cdr_id ORDER BY min(line) LIMIT $limit",
            {"path": str(path), "limit": limit},
        ).fetchall()
    finally:
        con.close()
    found: list[tuple[int, int, str]] = []
    for cdr_id, lines in rows:
        found.extend((int(line), int(lines[0]), str(cdr_id)) for line in lines[1:])
    return found


def place_detail(detail: Detail, reconciliation_id: int, version: int) -> Path:
    """Move the validated detail file to its place: ``<dir>/<id>/detail-<version>.parquet``."""
    target_dir = reconciliation_root() / str(reconciliation_id)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"detail-{version}.parquet"
    os.replace(detail.path, target)
    return target
