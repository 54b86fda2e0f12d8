"""Reading a partner's reconciliation files (docs/partner-guide.md "结算对账文件格式").

Two files, each CSV (UTF-8 or GBK, detected; comma- or tab-separated; streamed line by line) or
Excel .xlsx (first sheet, through ``core.imports``):

- 汇总 (required), one line per day × product: 日期, 产品代码, 条数, 金额（分）
  (CSV headers may also be the English keys day, product_code, count, fee_fen);
- 话单明细 (optional), one line per CDR: 话单编号, 手机号码, 产品代码, 金额（分）, 时间
  (cdr_id, msisdn, product_code, fee_fen, at — time in Beijing time, ``2026-12-05 09:30:00``).

Every bad line is reported (line number, column, reason) and nothing is kept when one is bad.
The detail is written to Parquet as it is read (bounded memory) and checked for duplicate
``cdr_id`` with DuckDB; the caller moves the file into place once the request is saved."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
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


def _csv_rows(
    upload: IO[bytes], columns: list[imports.Column]
) -> tuple[str, Iterator[tuple[int, dict[str, str]]]]:
    """(encoding, rows): each row as (line number, {key: stripped text}); file-level problems are
    one ImportFileError."""
    upload.seek(0)
    sample = upload.read(SAMPLE_BYTES)
    upload.seek(0)
    encoding = rules.detect_encoding(sample)
    raw = getattr(upload, "file", upload)  # the file itself, not Django's proxy (read per line)
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    first = sample.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first and b"," not in first else ","
    reader = csv.reader(text, delimiter=delimiter)
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
    width = len(header)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = 1
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
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != width:
                yield line, {"__width__": str(len(values))}
                continue
            yield line, {key: values[i].strip() for key, i in position.items()}

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


def read_detail(
    upload: IO[bytes], *, month: dt.date, own_products: dict[str, int], known_codes: set[str]
) -> Detail:
    """The CDR-level file, validated and written to a temporary Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    encoding, rows, errors = _open(upload, DETAIL_COLUMNS, max_rows=1_048_576, max_bytes=detail_max_bytes())
    root = reconciliation_root()
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-detail-{uuid.uuid4().hex}.parquet"
    schema = _detail_schema()
    own = set(own_products)
    columns: list[list[Any]] = [[] for _ in schema.names]
    total = 0
    writer = pq.ParquetWriter(tmp, schema, compression="zstd")
    try:

        def flush() -> None:
            writer.write_table(
                pa.Table.from_arrays(
                    [pa.array(c, t) for c, t in zip(columns, schema.types, strict=True)], schema=schema
                )
            )
            for c in columns:
                c.clear()

        for line, cells in rows:
            if not _cell_problems(line, cells, DETAIL_COLUMNS, errors):
                continue
            cdr_id, msisdn, code = cells["cdr_id"], cells["msisdn"], cells["product_code"]
            bad = False
            for column, problem in (
                ("话单编号", rules.cdr_id_problem(cdr_id)),
                ("手机号码", rules.msisdn_problem(msisdn)),
                ("产品代码", rules.product_problem(code, own, known_codes)),
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
                    gettext("时间“%(time)s”无效，应为 YYYY-MM-DD HH:MM:SS（北京时间）。")
                    % {"time": cells["at"]},
                )
                bad = True
            elif local.date().replace(day=1) != month:
                errors.add(
                    line,
                    "时间",
                    gettext("时间 %(time)s 不在对账月份 %(month)s 内。")
                    % {"time": cells["at"], "month": format(month, "%Y-%m")},
                )
                bad = True
            if bad or errors.items:
                continue  # once a line is bad nothing is written; keep checking the rest
            assert local is not None and fee is not None
            for target, value in zip(
                columns,
                (
                    cdr_id,
                    msisdn,
                    own_products[code],
                    fee,
                    local - UTC_OFFSET,  # naive UTC (Asia/Shanghai has no DST since 1991)
                    local.date(),
                    line,
                ),
                strict=True,
            ):
                target.append(value)
            total += 1
            if len(columns[0]) >= BATCH_ROWS:
                flush()
        if columns[0] or total == 0:
            flush()
        writer.close()
        if not errors.items:
            for line, first, cdr_id in _duplicates(tmp):
                errors.add(
                    line,
                    "话单编号",
                    gettext("重复：话单编号 %(cdr_id)s 已在第 %(first)s 行出现。")
                    % {"cdr_id": cdr_id, "first": first},
                )
        if total == 0 and not errors.items:
            raise imports.ImportFileError(gettext("话单明细文件中没有数据行（第 2 行起）。"))
        if errors.items:
            raise imports.ImportRefused(
                SettlementError.RECONCILIATION_ROWS_INVALID, sorted(errors.items, key=_order)
            )
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    return Detail(path=tmp, rows=total, encoding=encoding, file_name=_name(upload))


def _order(e: RowError) -> tuple[int, str]:
    return (e.row, e.column)


def _duplicates(path: Path, limit: int = 1000) -> list[tuple[int, int, str]]:
    """(line, first line, cdr_id) of every repeated cdr_id after its first line."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT cdr_id, list(line ORDER BY line) FROM read_parquet(?) GROUP BY cdr_id "
            "HAVING count(*) > 1 ORDER BY min(line) LIMIT ?",
            [str(path), limit],
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
