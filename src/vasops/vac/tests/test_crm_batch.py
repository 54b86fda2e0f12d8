"""CRM batch files: streaming reader, one error per bad line with its line number, exception file."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from vasops.vac.protocol.crm_batch import (
    RECEIPT_HEADER_BYTES,
    BatchHeader,
    BatchLineError,
    BatchReader,
    BatchRecord,
    ErrorKind,
    ExceptionFileWriter,
    format_header,
    format_record,
    normalize_msisdn,
    read_batch,
    write_batch,
)
from vasops.vac.protocol.soap import NotifyRequest


def _header(count: int) -> BatchHeader:
    return BatchHeader(
        sequence="0001",
        version="00000",
        created_at="20250315010000",
        system_code="100",
        first_record_time="20250314000000",
        last_record_time="20250314235959",
        record_count=count,
    )


GOOD = [
    "202503150930060001\t1\t8613012345678\t90\t96001\t9011000101\t1\t20250315093006\t10655001\t\t天气预报\t20250315093006\t20370101000000\t0315093006\t",
    "202503150930060002\t1\t13012345679\t90\t96001234\t9011000102\t2\t20250315093007\t\t\t\t\t\t\t",
    "202503150930060003\t2\tPSEUDO123\t31\t96001\t9011000103\t1\t20250315093008\t\t\t\t20250315093008\t\t\t",
]


def _file(lines: list[bytes | str], count: int | None = None) -> io.BytesIO:
    body = [line.encode("gbk") if isinstance(line, str) else line for line in lines]
    return io.BytesIO(
        format_header(_header(len(body) if count is None else count)) + b"".join(row + b"\n" for row in body)
    )


def test_header_line_is_105_bytes():
    assert len(format_header(_header(3))) == 105


def test_good_file_yields_every_record():
    items = list(read_batch(_file(GOOD)))
    assert all(isinstance(item, BatchRecord) for item in items), items
    assert [item.line_no for item in items] == [2, 3, 4]
    first = items[0]
    assert first.request.user_id == "8613012345678"
    assert first.request.content == "天气预报"
    assert first.update_time == datetime(2025, 3, 15, 9, 30, 6)
    assert first.expire_date == datetime(2037, 1, 1)
    assert items[1].msisdn == "8613012345679"  # bare 11 digits normalised
    assert items[1].effective_date is None
    assert items[2].msisdn is None  # pseudo-code user


def test_reader_exposes_header_and_counters():
    reader = BatchReader(_file(GOOD))
    assert len(list(reader)) == 3
    assert reader.header == _header(3)
    assert (reader.records, reader.errors, reader.lines) == (3, 0, 4)


def _bad(line: str, **changes: str) -> str:
    names = [
        "seq", "uid_type", "uid", "stype", "sp", "prod", "utype", "utime", "desc", "link", "content",
        "eff", "exp", "ts", "enc",
    ]  # fmt: skip
    values = dict(zip(names, line.split("\t"), strict=True))
    values.update(changes)
    return "\t".join(values.values())


BAD_LINES: list[tuple[bytes | str, ErrorKind, str, str | None, str]] = [
    ("a\tb\tc", ErrorKind.COLUMN_COUNT, "500", None, "3 columns"),
    (GOOD[0] + "\textra", ErrorKind.COLUMN_COUNT, "500", None, "16 columns"),
    (_bad(GOOD[0], uid="8623012"), ErrorKind.MSISDN, "503", "userId", "invalid MSISDN"),
    (_bad(GOOD[0], uid="86130123456789"), ErrorKind.MSISDN, "503", "userId", "invalid MSISDN"),
    (_bad(GOOD[0], utime="20250230093006"), ErrorKind.DATE, "508", "updateTime", "bad date"),
    (_bad(GOOD[0], eff="2025031509"), ErrorKind.DATE, "512", "effectiveDate", "bad date"),
    (_bad(GOOD[0], exp="20240101000000"), ErrorKind.DATE, "513", "expireDate", "before"),
    (_bad(GOOD[0], utype="3"), ErrorKind.UPDATE_TYPE, "507", "updateType", "updateType must be one of 1, 2"),
    (_bad(GOOD[0], utype="x"), ErrorKind.UPDATE_TYPE, "507", "updateType", "updateType"),
    (
        GOOD[0].encode("gbk").replace("天气".encode("gbk"), b"\xff\xfe"),
        ErrorKind.ENCODING,
        "511",
        "content",
        "not GBK",
    ),
    (_bad(GOOD[0], sp="9600"), ErrorKind.FIELD, "505", "spId", "5 or 8 digits"),
    (_bad(GOOD[0], uid_type="3"), ErrorKind.FIELD, "502", "userIdType", "userIdType"),
    (_bad(GOOD[0], content="长" * 141), ErrorKind.FIELD, "511", "content", "longer than 140"),
]


@pytest.mark.parametrize(("line", "kind", "code", "field", "reason"), BAD_LINES)
def test_each_bad_line_is_reported_with_line_number_and_reason_and_good_lines_still_come(
    line, kind, code, field, reason
):
    items = list(read_batch(_file([GOOD[0], line, GOOD[1]])))
    assert [type(i).__name__ for i in items] == ["BatchRecord", "BatchLineError", "BatchRecord"]
    error = items[1]
    assert (error.line_no, error.kind, error.code, error.field) == (3, kind, code, field)
    assert reason in error.reason
    assert error.raw == (line.encode("gbk") if isinstance(line, str) else line)
    assert [items[0].line_no, items[2].line_no] == [2, 4]


def test_file_with_every_kind_of_bad_line():
    lines = [GOOD[0]] + [line for line, *_ in BAD_LINES] + [GOOD[2]]
    items = list(read_batch(_file(lines)))
    errors = [i for i in items if isinstance(i, BatchLineError)]
    records = [i for i in items if isinstance(i, BatchRecord)]
    assert [r.line_no for r in records] == [2, len(lines) + 1]
    assert [e.line_no for e in errors] == list(range(3, 3 + len(BAD_LINES)))
    assert [e.kind for e in errors] == [kind for _l, kind, *_ in BAD_LINES]


def test_update_type_5_can_be_allowed():
    line = _bad(GOOD[0], utype="5", content="8613000000000")
    (item,) = read_batch(_file([line]), allowed_update_types={1, 2, 5})
    assert isinstance(item, BatchRecord)
    assert item.request.update_type == 5


def test_crlf_and_blank_lines_are_tolerated():
    raw = format_header(_header(2)) + GOOD[0].encode("gbk") + b"\r\n\r\n" + GOOD[1].encode("gbk")
    items = list(read_batch(io.BytesIO(raw)))
    assert [(type(i).__name__, i.line_no) for i in items] == [("BatchRecord", 2), ("BatchRecord", 4)]


def test_record_count_mismatch_is_reported_last():
    items = list(read_batch(_file(GOOD, count=5)))
    assert isinstance(items[-1], BatchLineError)
    assert (items[-1].kind, items[-1].code, items[-1].line_no) == (ErrorKind.RECORD_COUNT, "407", 1)
    assert sum(isinstance(i, BatchRecord) for i in items) == 3


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (b"too short\n", "160"),
        (b"\xff" * 104 + b"\n", "160"),
        (format_header(_header(1)).replace(b"20250315010000", b"2025031501000x"), "403"),
        (b"x" + format_header(_header(1))[1:], "401"),
    ],
)
def test_bad_header_is_an_error_of_line_1_and_records_still_come(header, code):
    items = list(read_batch(io.BytesIO(header + GOOD[0].encode("gbk") + b"\n")))
    assert isinstance(items[0], BatchLineError)
    assert (items[0].line_no, items[0].kind, items[0].code) == (1, ErrorKind.HEADER, code)
    assert isinstance(items[1], BatchRecord)


def test_empty_file_is_a_header_error():
    assert [(e.kind, e.code) for e in read_batch(io.BytesIO(b""))] == [(ErrorKind.HEADER, "160")]


def test_overlong_line_is_an_error_and_reading_goes_on():
    huge = b"9" * 50_000
    stream = io.BytesIO(format_header(_header(2)) + huge + b"\n" + GOOD[1].encode("gbk") + b"\n")
    items = list(BatchReader(stream, max_line_bytes=4096))
    assert isinstance(items[0], BatchLineError)
    assert (items[0].kind, items[0].line_no, len(items[0].raw)) == (ErrorKind.LINE_TOO_LONG, 2, 4096)
    assert isinstance(items[1], BatchRecord) and items[1].line_no == 3


class _CountingStream(io.BytesIO):
    """Records the largest read, to prove the reader never slurps the file."""

    largest = 0

    def read(self, size=-1):
        raise AssertionError("read() of the whole stream")

    def readline(self, size=-1):
        assert size > 0, "readline without a limit"
        data = super().readline(size)
        self.largest = max(self.largest, len(data))
        return data


def test_reader_streams_line_by_line():
    lines = [GOOD[i % 3].replace("0001\t", f"{i:04d}\t", 1) for i in range(2000)]
    stream = _CountingStream(_file(lines).getvalue())
    reader = read_batch(stream)
    first = next(reader)
    assert isinstance(first, BatchRecord)
    assert stream.tell() < 1000  # only the header and one line consumed so far
    assert sum(1 for _ in reader) == 1999
    assert stream.largest < 300


def test_gbk_chinese_text_round_trip():
    request = NotifyRequest(
        record_sequence_id="202503150930060009",
        user_id="8613012345678",
        service_type="90",
        sp_id="96001",
        product_id="9011000101",
        update_type=1,
        update_time="20250315093006",
        update_desc="彩信杂志",
        content="湖北联通·天气预报（包月）\t含制表符",
        time_stamp="0315093006",
    )
    stream = io.BytesIO()
    write_batch(stream, _header(1), [request])
    raw = stream.getvalue()
    assert "湖北联通".encode("gbk") in raw
    (item,) = read_batch(io.BytesIO(raw))
    assert isinstance(item, BatchRecord)
    assert item.request.content == "湖北联通·天气预报（包月） 含制表符"  # TAB in a value becomes a space
    assert item.request.update_desc == "彩信杂志"
    assert item.raw + b"\n" == format_record(request)


def test_exception_file_c2_format():
    bad = GOOD[0].encode("gbk").replace("天气".encode("gbk"), b"\xff\xfe")
    source = _file([GOOD[0], _bad(GOOD[0], utype="9"), bad, GOOD[1]])
    out = io.BytesIO()
    writer = ExceptionFileWriter(out, sequence=1, created_at=datetime(2025, 3, 15, 10, 0, 0))
    total = correct = 0
    for item in read_batch(source):
        total += 1
        if isinstance(item, BatchLineError):
            writer.write(item)
        else:
            correct += 1
    writer.close(total_records=total, correct_records=correct)
    data = out.getvalue()
    header, *lines = data.split(b"\n")[:-1]
    assert len(header) + 1 == RECEIPT_HEADER_BYTES
    assert header.startswith(
        b"0001" + b"00000" + b"20250315100000" + b"902" + b"0000000004" + b"0000000002::000"
    )
    assert lines == [_bad(GOOD[0], utype="9").encode("gbk") + b"::507", bad + b"::511"]


def test_exception_file_with_reason_column_and_a_record_refused_by_the_app():
    (record,) = read_batch(_file([GOOD[0]]))
    out = io.BytesIO()
    writer = ExceptionFileWriter(out, sequence="0007", created_at=datetime(2025, 3, 15), reason_column=True)
    writer.write(record, code="506", reason="产品不存在")
    with pytest.raises(ValueError):
        writer.write(record)
    writer.close(total_records=1, correct_records=0)
    line = out.getvalue().split(b"\n")[1]
    assert line == GOOD[0].encode("gbk") + b"::506\t" + "产品不存在".encode("gbk")
    assert out.getvalue()[:4] == b"0007"


def test_exception_writer_needs_a_seekable_stream():
    class Pipe(io.RawIOBase):
        def seekable(self):
            return False

    with pytest.raises(ValueError):
        ExceptionFileWriter(Pipe(), sequence=1, created_at=datetime(2025, 3, 15))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("8613012345678", "8613012345678"), ("13012345678", "8613012345678"), ("23012345678", None), ("", None)],
)
def test_normalize_msisdn(value, expected):
    assert normalize_msisdn(value) == expected
