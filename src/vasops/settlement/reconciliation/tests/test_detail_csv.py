"""The CSV detail (话单明细) read by DuckDB: the same rows, line numbers and messages as a
line-by-line reading, for files in memory and on disk (where DuckDB reads the upload itself), in
UTF-8 or GBK, with blank lines, quoted fields, fields spanning lines and control characters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile

from vasops.core import imports
from vasops.settlement.reconciliation import upload

MONTH = dt.date(2026, 12, 1)
OWN = {"1065880101": 1, "1065880102": 2}
KNOWN = {*OWN, "1065990101"}
HEADER = "话单编号,手机号码,产品代码,金额（分）,时间\n"


def row(
    cdr: str, *, msisdn: str = "18602710001", code: str = "1065880102", fee: str = "100", at: str = ""
) -> str:
    return f"{cdr},{msisdn},{code},{fee},{at or '2026-12-01 10:00:00'}\n"


def good(count: int, start: int = 1) -> str:
    return "".join(row(f"U{i}") for i in range(start, start + count))


def as_upload(data: bytes, where: str) -> SimpleUploadedFile | TemporaryUploadedFile:
    if where == "memory":
        return SimpleUploadedFile("detail.csv", data, content_type="text/csv")
    file = TemporaryUploadedFile("detail.csv", "text/csv", len(data), None)  # what Django keeps on disk
    file.write(data)
    file.seek(0)
    return file


def read(data: bytes, where: str = "memory") -> upload.Detail:
    return upload.read_detail(as_upload(data, where), month=MONTH, own_products=OWN, known_codes=KNOWN)


def refused(data: bytes, where: str = "memory") -> list[tuple[int, str, str]]:
    with pytest.raises(imports.ImportRefused) as err:
        read(data, where)
    return [(e.row, e.column, e.message) for e in err.value.errors]


def rows_of(detail: upload.Detail) -> list[dict]:
    return sorted(pq.read_table(detail.path).to_pylist(), key=lambda r: r["line"])


def no_scratch_left(dirs) -> bool:
    return not list(Path(dirs.rec).glob(".tmp-*")) if Path(dirs.rec).exists() else True


@pytest.fixture(params=["memory", "disk"])
def where(request, dirs):
    return request.param


def test_the_rows_are_written_with_the_detail_schema_in_utc(where):
    detail = read(
        (HEADER + row("U1", at="2026-12-01 00:30:00") + row("U2", code="1065880101")).encode(), where
    )
    assert pq.read_schema(detail.path).remove_metadata() == upload._detail_schema()
    assert detail.rows == 2 and detail.encoding == "utf-8"
    first, second = rows_of(detail)
    assert first == {
        "cdr_id": "U1",
        "msisdn": "18602710001",
        "product_id": 2,
        "fee_fen": 100,
        "at": dt.datetime(2026, 11, 30, 16, 30, tzinfo=dt.UTC),  # 00:30 in Beijing
        "day": dt.date(2026, 12, 1),  # the Beijing business day
        "line": 2,
    }
    assert (second["cdr_id"], second["product_id"], second["line"]) == ("U2", 1, 3)


@pytest.mark.parametrize("body", ["ascii", "chinese_note"])
def test_a_gbk_detail_is_read_like_utf8(where, body):
    header, lines = HEADER, good(3)
    if body == "chinese_note":  # not ASCII after the header: transcoded before DuckDB reads it
        header = header.replace("\n", ",备注\n")
        lines = lines.replace("\n", ",包月用户\n")
    gbk = read((header + lines).encode("gbk"), where)
    utf8 = read((header + lines).encode(), where)
    assert gbk.encoding == "gb18030" and utf8.encoding == "utf-8"
    assert rows_of(gbk) == rows_of(utf8) and gbk.rows == 3


def test_a_bad_line_deep_in_a_big_file_is_reported_with_its_line(where, monkeypatch):
    # small DuckDB buffers: the file is read in many pieces by both threads
    monkeypatch.setattr(upload, "READ_BUFFER_BYTES", 1024 * 1024)
    monkeypatch.setattr(upload, "MAX_LINE_BYTES", 256 * 1024)
    body = (
        HEADER
        + good(20_000)
        + "\n \n,,,,\n"
        + good(40_000, 20_001)
        + row("X1", msisdn="bad")
        + good(5, 70_000)
    )
    # header, 20,000 lines, 3 blank ones, 40,000 more: the bad one is line 60,005
    assert refused(body.encode(), where) == [(60_005, "手机号码", "手机号码“bad”应为 5–20 位数字。")]


def test_a_big_valid_file_keeps_every_line_number(where, monkeypatch):
    monkeypatch.setattr(upload, "READ_BUFFER_BYTES", 1024 * 1024)
    monkeypatch.setattr(upload, "MAX_LINE_BYTES", 256 * 1024)
    body = HEADER + good(30_000) + "\n\n" + good(30_000, 30_001)
    detail = read(body.encode(), where)
    assert detail.rows == 60_000
    lines = {
        r["cdr_id"]: r["line"] for r in pq.read_table(detail.path, columns=["cdr_id", "line"]).to_pylist()
    }
    assert lines["U1"] == 2 and lines["U30000"] == 30_001 and lines["U30001"] == 30_004
    assert lines["U60000"] == 60_003


def test_blank_and_whitespace_lines_are_skipped_but_counted(where):
    body = HEADER + good(1) + "\n   \n\t,\u3000, , ,\n" + row("U2", fee="-1")
    assert refused(body.encode(), where) == [(6, "金额（分）", "金额（分）不能为负数（-1）。")]


def test_crlf_cr_and_lf_line_ends_are_all_counted_as_lines(where, dirs):
    body = (
        HEADER
        + good(2, 1).replace("\n", "\r\n")
        + good(2, 3).replace("\n", "\r")
        + row("U5", code="9999999999")
    )
    assert refused(body.encode(), where) == [(6, "产品代码", "产品代码 9999999999 不存在。")]
    assert no_scratch_left(dirs)


def test_quoted_cells_are_unquoted(where):
    body = (
        HEADER
        + '"U1","18602710001","1065880102","1,000","2026-12-01 10:00:00"\n'
        + '" U2 ",18602710001,1065880102,"1""0",x\n'
    )
    assert refused(body.encode(), where) == [  # a line's errors ordered by column name
        (3, "时间", "时间“x”无效，应为 YYYY-MM-DD HH:MM:SS（北京时间）。"),
        (3, "金额（分）", '金额（分）“1"0”应为整数（金额以分为单位）。'),
    ]
    detail = read(
        (HEADER + '"U1","18602710001","1065880102","1,000","2026-12-01 10:00:00"\n').encode(), where
    )
    assert [(r["cdr_id"], r["fee_fen"]) for r in rows_of(detail)] == [("U1", 1000)]


def test_a_quoted_note_spanning_lines_is_kept_and_later_lines_keep_their_numbers(where):
    header = HEADER.replace("\n", ",备注\n")
    body = (
        header
        + row("U1").replace("\n", ',"第一行\n第二行\n"\n')  # lines 2–4
        + row("U2").replace("\n", ",\n")  # line 5
    )
    detail = read(body.encode(), where)
    assert [(r["cdr_id"], r["line"]) for r in rows_of(detail)] == [("U1", 4), ("U2", 5)]
    bad = body + row("U3", msisdn="123").replace("\n", ",\n")
    assert refused(bad.encode(), where) == [(6, "手机号码", "手机号码“123”应为 5–20 位数字。")]


def test_a_line_break_inside_a_checked_cell_is_refused_on_the_records_last_line(where):
    body = HEADER + good(1) + 'U2,"18602\n710001",1065880102,100,2026-12-01 10:00:00\n' + good(1, 3)
    assert refused(body.encode(), where) == [
        (4, "手机号码", "此字段只能填写一行，含有不允许的字符：换行或制表符（第 6 个字符）。")
    ]


def test_control_characters_are_refused_in_a_cell_and_ignored_in_an_extra_column(where):
    header = HEADER.replace("\n", ",备注\n")
    body = (
        header
        + row("U\x011").replace("\n", ",\n")
        + row("U2", msisdn="186\x0002710001").replace("\n", ",\n")
        + row("U3", at="2026-12-01\x1f10:00:00").replace("\n", ",\n")
        + row("U4").replace("\n", ",\x01\x00\x1b\n")  # not a column we read
    )
    assert refused(body.encode(), where) == [
        (2, "话单编号", "含有不允许的字符：控制字符 U+0001（第 2 个字符）。"),
        (3, "手机号码", "含有不允许的字符：空字符（NUL）（第 4 个字符）。"),
        (4, "时间", "含有不允许的字符：控制字符 U+001F（第 11 个字符）。"),
    ]
    detail = read((header + row("U4").replace("\n", ",\x01\x00\x1b\n")).encode(), where)
    assert [r["cdr_id"] for r in rows_of(detail)] == ["U4"]


def test_cells_sql_does_not_vouch_for_are_decided_by_the_python_rules(where):
    body = (
        HEADER
        + row("U1", at="2026-12-5 9:30:00")  # single digits: strptime reads them
        + row("\u3000U2\u3000", msisdn=" 18602710001\xa0", fee="100.0")  # stripped like str.strip()
        + good(1, 3)
    )
    detail = read(body.encode(), where)
    assert [(r["cdr_id"], r["msisdn"], r["fee_fen"], r["line"]) for r in rows_of(detail)] == [
        ("U1", "18602710001", 100, 2),
        ("U2", "18602710001", 100, 3),
        ("U3", "18602710001", 100, 4),
    ]
    assert rows_of(detail)[0]["at"] == dt.datetime(2026, 12, 5, 1, 30, tzinfo=dt.UTC)


def test_a_byte_that_is_not_utf8_deep_in_the_file_names_its_line(where, dirs):
    data = (HEADER + good(3_000)).encode() + b"U9,1860\xff2710001,1065880102,100,2026-12-01 10:00:00\n"
    assert len(data) > upload.SAMPLE_BYTES  # detected as UTF-8 from the start of the file
    with pytest.raises(imports.ImportFileError) as err:
        read(data, where)
    assert err.value.message == "第 3002 行附近有无法识别的字符：文件应整体为 UTF-8 或 GBK 编码。"
    assert no_scratch_left(dirs)


def test_only_a_header_is_no_data(where):
    with pytest.raises(imports.ImportFileError) as err:
        read((HEADER + "\n\n").encode(), where)
    assert err.value.message == "话单明细文件中没有数据行（第 2 行起）。"


def test_too_many_errors_stop_the_check(where, monkeypatch, dirs):
    monkeypatch.setattr(upload, "MAX_ERRORS", 3)
    body = HEADER + "".join(row(f"U{i}", code="9999999999") for i in range(10))
    with pytest.raises(imports.ImportRefused) as err:
        read(body.encode(), where)
    assert "文件错误过多（已发现 3 处）" in err.value.message
    assert [e.row for e in err.value.errors] == [2, 3, 4]
    assert no_scratch_left(dirs)


def test_other_whitespace_is_what_str_strip_removes_besides_the_space():
    assert upload.OTHER_WHITESPACE == "".join(
        c for c in map(chr, range(0x110000)) if c.isspace() and c != " "
    )
