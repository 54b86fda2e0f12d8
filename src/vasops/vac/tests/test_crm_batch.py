"""CRM batch files: streaming reader, one error per bad line with its line number, exception file."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime

import pytest

from vasops.vac.protocol.crm_batch import (
    RECEIPT_HEADER_BYTES,
    BatchHeader,
    BatchLineError,
    BatchReader,
    BatchRecord,
    BatchRow,
    ErrorKind,
    ExceptionFileWriter,
    format_header,
    format_record,
    parse_line,
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
    (_bad(GOOD[0], link="LK\x001"), ErrorKind.FIELD, "510", "linkId", "NUL byte"),
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
        assert size is not None and size > 0, "read() of the whole stream"
        data = super().read(size)
        self.largest = max(self.largest, len(data))
        return data

    def readline(self, size=-1):
        assert size > 0, "readline without a limit"
        data = super().readline(size)
        self.largest = max(self.largest, len(data))
        return data


def test_reader_streams_block_by_block():
    lines = [GOOD[i % 3].replace("0001\t", f"{i:04d}\t", 1) for i in range(2000)]
    stream = _CountingStream(_file(lines).getvalue())
    reader = iter(BatchReader(stream, block_bytes=4096))
    first = next(reader)
    assert isinstance(first, BatchRecord)
    assert stream.tell() <= 4096  # one block read so far, of a 200 KB file
    assert sum(1 for _ in reader) == 1999
    assert stream.largest <= 4096


# --- the reader against the line-by-line reference -------------------------------------------


def reference_items(data: bytes, allowed=frozenset({1, 2}), max_line_bytes=8192):
    """What the reader yielded before it read blocks: readline(limit) per line, parse_line per
    body line (the field-by-field checks), the header and record-count rules of the module."""
    stream = io.BytesIO(data)

    def lines():
        while chunk := stream.readline(max_line_bytes + 1):
            if len(chunk) > max_line_bytes and not chunk.endswith(b"\n"):
                head = chunk[:max_line_bytes]
                while chunk and not chunk.endswith(b"\n"):
                    chunk = stream.readline(max_line_bytes)
                yield head, True, stream.tell()
            else:
                yield chunk.removesuffix(b"\n").removesuffix(b"\r"), False, stream.tell()

    out = []
    source = lines()
    first = next(source, None)
    if first is None:
        return [(BatchLineError(1, ErrorKind.HEADER, "160", "empty file: no header line"), 0)]
    header = None
    if first[1]:
        out.append(
            (BatchLineError(1, ErrorKind.HEADER, "160", "header line too long", None, first[0]), first[2])
        )
    else:
        reader = BatchReader(io.BytesIO(first[0] + b"\n"))
        head_items = list(reader)
        header = reader.header
        out += [(e, first[2]) for e in head_items if e.kind != ErrorKind.RECORD_COUNT]
    body = 0
    for line_no, (raw, too_long, offset) in enumerate(source, start=2):
        if too_long:
            body += 1
            reason = f"line longer than {max_line_bytes} bytes"
            out.append((BatchLineError(line_no, ErrorKind.LINE_TOO_LONG, "500", reason, None, raw), offset))
        elif raw.strip():
            body += 1
            out.append((parse_line(line_no, raw, frozenset(allowed)), offset))
    if header is not None and header.record_count != body:
        reason = f"header says {header.record_count} records, the file has {body}"
        out.append((BatchLineError(1, ErrorKind.RECORD_COUNT, "407", reason, "record count"), len(data)))
    return out


def _mutations(rng: random.Random, line: bytes) -> bytes:
    """A line changed the ways real files go wrong (and some ways that are still right)."""
    fields = line.split(b"\t")
    kind = rng.randrange(16)
    i = rng.randrange(len(fields))
    if kind == 0:
        fields[i] = b" " + fields[i] + b" "  # padded values are stripped
    elif kind == 1:
        fields[i] = fields[i][: rng.randrange(len(fields[i]) + 1)]
    elif kind == 2:
        fields[i] = fields[i] + bytes([rng.randrange(256)])
    elif kind == 3:
        fields[i] = "０１２".encode("gbk") + fields[i]  # full-width digits (\d takes them)
    elif kind == 4:
        fields[i] = "长".encode("gbk") * rng.choice([10, 50, 71, 141])
    elif kind == 5:
        fields.insert(i, b"x")
    elif kind == 6 and len(fields) > 1:
        del fields[i]
    elif kind == 7:
        fields[i] = b"\x81"  # a GBK lead byte alone
    elif kind == 8:
        fields[i] = fields[i] + b"\r"
    elif kind == 9:
        fields[11] = b"20250315093006"
        fields[12] = rng.choice([b"20250315093005", b"20250315093006", b"20250230000000", b""])
    elif kind == 10:
        fields[13] = rng.choice([b"0229120000", b"0230120000", b"1231235959", b"123123595", b""])
    elif kind == 11:
        fields[6] = rng.choice([b"1", b"2", b"01", b"0002", b"10", b"3", b"00001", b""])
    elif kind == 12:
        fields[2] = rng.choice(
            [b"8613012345678", b"13012345678", b"1301234567", b"86130123456789", b"+8613012345678"]
        )
    elif kind == 13:
        fields[1] = rng.choice([b"1", b"2", b"3", b" 1"])
    elif kind == 14:
        fields[4] = rng.choice([b"96001", b"96001234", b"9600", b"960012", b"96001A"])
    return b"\t".join(fields)


def _random_file(seed: int, count: int = 600) -> bytes:
    rng = random.Random(seed)
    good = [line.encode("gbk") for line in GOOD]
    body = []
    for n in range(count):
        line = good[n % 3]
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            line = _mutations(rng, line)
        body.append(line)
        if rng.random() < 0.03:
            body.append(rng.choice([b"", b"   ", b"\t\t", b"\r"]))
    end = rng.choice([b"\n", b"\r\n"])
    data = format_header(_header(len(body) - rng.randrange(2))) + end.join(body)
    return data + (end if rng.random() < 0.8 else b"")  # a last line without newline, sometimes


def _same(items, expected):
    assert [type(i).__name__ for i in items] == [type(e).__name__ for e in expected]
    for got, want in zip(items, expected, strict=True):
        assert got == want, (got, want)


@pytest.mark.parametrize("seed", range(12))
def test_the_fast_reader_yields_what_the_line_by_line_reference_yields(seed):
    data = _random_file(seed)
    expected = reference_items(data, allowed={1, 2, 10, 11})
    for block in (7, 100, 4096, 1 << 18):
        reader = BatchReader(io.BytesIO(data), allowed_update_types={1, 2, 10, 11}, block_bytes=block)
        items = []
        for item in reader:
            items.append((item, reader.offset))
        _same([i for i, _ in items], [e for e, _ in expected])
        # where a resumed reader would start: just after the line of each item
        assert [o for _, o in items] == [o for _, o in expected]
        rows = list(
            BatchReader(io.BytesIO(data), allowed_update_types={1, 2, 10, 11}, block_bytes=block).rows()
        )
        _same(rows, [e if isinstance(e, BatchLineError) else BatchRow.of(e) for e, _ in expected])


def test_overlong_lines_across_blocks_and_at_the_end():
    long = b"9" * 300
    data = format_header(_header(4)) + long + b"\n" + GOOD[0].encode("gbk") + b"\r\n" + long + b"\r\n" + long
    for block in (1, 64, 299, 300, 301, 1024):
        items = list(BatchReader(io.BytesIO(data), max_line_bytes=256, block_bytes=block))
        _same(items, [e for e, _ in reference_items(data, max_line_bytes=256)])
        assert [type(i).__name__ for i in items] == [
            "BatchLineError",
            "BatchRecord",
            "BatchLineError",
            "BatchLineError",
        ]


def test_a_resumed_reader_starts_at_an_offset_with_the_header_given():
    data = _random_file(99, count=200)
    header_line = data[: data.index(b"\n") + 1]
    whole = BatchReader(io.BytesIO(data), allowed_update_types={1, 2})
    items = []
    for item in whole.rows():
        items.append((item, whole.offset, whole.lines))
    k = 77
    _item, offset, lines = items[k]
    stream = io.BytesIO(data)
    stream.seek(offset)
    resumed = BatchReader(stream, allowed_update_types={1, 2}, header=header_line, block_bytes=50)
    rest = [
        i for i in resumed.rows() if not (isinstance(i, BatchLineError) and i.kind == ErrorKind.RECORD_COUNT)
    ]
    expected = [
        i
        for i, _o, _l in items[k + 1 :]
        if not (isinstance(i, BatchLineError) and i.kind == ErrorKind.RECORD_COUNT)
    ]
    # line numbers restart after the header: line 2 of the resumed reader is line lines + 1
    shift = lines - 1
    assert [i.line_no + shift for i in rest] == [i.line_no for i in expected]
    assert [i.raw for i in rest] == [i.raw for i in expected]
    assert resumed.offset == whole.offset == len(data)


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


def test_exception_file_header_writes_an_instant_in_beijing_time():
    out = io.BytesIO()
    writer = ExceptionFileWriter(out, sequence=1, created_at=datetime(2025, 3, 15, 2, 0, 0, tzinfo=UTC))
    writer.close(total_records=0, correct_records=0)
    assert out.getvalue()[9:23] == b"20250315100000"  # 02:00 UTC = 10:00 in Beijing


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
