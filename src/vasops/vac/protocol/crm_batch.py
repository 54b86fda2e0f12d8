"""CRM → VAC batch order files and the exception (receipt) file VAC writes back.

VAC.md C.3 says the real CRM layout is unknown and recommends the C.1 / C.2 file family; this module
implements that recommendation:

* GBK text, ``\\n`` line ends (``\\r\\n`` tolerated), **one fixed-length header line** (C.1 request
  header, 104 characters + newline: sequence 4, version 5, creation time 14, system code 3, first
  record time 14, last record time 14, record count 10, reserve 40);
* then one record per line, TAB-separated, the 15 ``orderRelationUpdateNotify`` fields of B.3 in
  that order (:data:`vasops.vac.protocol.soap.REQUEST_FIELDS`);
* the exception file is a C.2 receipt: a fixed 111-character header (sequence 4, version 5, time 14,
  system code 3, total 10, correct 10, ``::``, file error code 3, reserve 60) and one line per
  rejected record: the record **verbatim** (the original bytes) + ``::`` + a 3-digit code.

The reader streams: it reads one line at a time with a length limit, splits the raw bytes on TAB
before decoding (TAB never occurs inside a GBK double-byte character), and decodes each field on its
own, so an undecodable line is an error of that line only (and names the field).

Public API: :func:`read_batch` / :class:`BatchReader` (yield :class:`BatchRecord` or
:class:`BatchLineError`), :class:`BatchHeader`, :class:`ErrorKind`, :func:`normalize_msisdn`,
:class:`ExceptionFileWriter`, :func:`format_header`, :func:`format_record`, :func:`write_batch`.

Ambiguities and choices (all [I], VAC.md has no vectors for this part):

1. Error codes follow C.2: record field n wrong → ``500 + n`` (field 7 updateType → ``507``); a
   record with the wrong number of columns or a line too long → ``500`` (no field); header field n
   wrong → ``400 + n``; a header line of the wrong length / missing → ``160`` (file format).
2. The human-readable reason is not part of the C.2 line; :class:`ExceptionFileWriter` appends it as
   an extra TAB-separated column only with ``reason_column=True``.
3. updateType: C.3 says "1/2 applied"; other values are errors unless ``allowed_update_types`` says
   otherwise (e.g. add 5 for number changes).
4. userIdType 1 requires an MSISDN: ``86`` + 11 digits or 11 digits starting with 1
   (:func:`normalize_msisdn` gives the ``86`` form). updateTime is required; effectiveDate /
   expireDate may be empty; time_stamp is empty or MMDDHHMMSS; expireDate before effectiveDate is a
   date error.
5. Values are stripped of surrounding spaces. Blank lines are skipped (not records, not errors) but
   keep their line numbers. The header's record count is checked against the records read; a
   mismatch is reported last, as an error of line 1 (code ``407``).
6. Only the first problem of a line is reported (one code per exception line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import IO, Final

from .soap import REQUEST_FIELDS, NotifyRequest, UserIdType

__all__ = [
    "BatchHeader",
    "BatchLineError",
    "BatchReader",
    "BatchRecord",
    "ErrorKind",
    "ExceptionFileWriter",
    "format_header",
    "format_record",
    "normalize_msisdn",
    "read_batch",
    "write_batch",
]

ENCODING: Final = "gbk"
FIELD_COUNT: Final = 15
MAX_LINE_BYTES: Final = 8192  # C.2 records are at most 4096 characters
HEADER_LAYOUT: Final = (
    ("file sequence", 4),
    ("version", 5),
    ("creation time", 14),
    ("system code", 3),
    ("first record time", 14),
    ("last record time", 14),
    ("record count", 10),
    ("reserve", 40),
)
HEADER_CHARS: Final = sum(size for _, size in HEADER_LAYOUT)  # 104, + "\n" = 105 bytes
RECEIPT_HEADER_BYTES: Final = 4 + 5 + 14 + 3 + 10 + 10 + 2 + 3 + 60 + 1  # 112
DEFAULT_UPDATE_TYPES: Final = frozenset({1, 2})
_MSISDN = re.compile(r"(?:86)?(1\d{10})")
_SP_ID = re.compile(r"\d{5}(?:\d{3})?")
_PRODUCT_ID = re.compile(r"[0-9A-Za-z]{1,21}")


class ErrorKind(StrEnum):
    COLUMN_COUNT = "column_count"
    LINE_TOO_LONG = "line_too_long"
    ENCODING = "encoding"
    MSISDN = "msisdn"
    DATE = "date"
    UPDATE_TYPE = "update_type"
    FIELD = "field"
    HEADER = "header"
    RECORD_COUNT = "record_count"


@dataclass(frozen=True, slots=True)
class BatchHeader:
    sequence: str
    version: str
    created_at: str
    system_code: str
    first_record_time: str
    last_record_time: str
    record_count: int
    reserve: str = ""


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A well-formed line; ``request`` carries the 15 fields exactly as a SOAP notification would."""

    line_no: int
    request: NotifyRequest
    update_time: datetime
    effective_date: datetime | None
    expire_date: datetime | None
    raw: bytes

    @property
    def msisdn(self) -> str | None:
        """The user's MSISDN in ``86`` + 11-digit form (None for a pseudo-code user)."""
        if self.request.user_id_type != UserIdType.MSISDN:
            return None
        return normalize_msisdn(self.request.user_id)


@dataclass(frozen=True, slots=True)
class BatchLineError:
    """A line that cannot be applied: where, which field, why, and the C.2 code."""

    line_no: int
    kind: ErrorKind
    code: str
    reason: str
    field: str | None = None
    raw: bytes = b""


def normalize_msisdn(value: str) -> str | None:
    """``86`` + 11 digits for ``8613012345678`` or ``13012345678``; None if not an MSISDN."""
    match = _MSISDN.fullmatch(value.strip())
    return "86" + match.group(1) if match else None


def _parse_time(value: str) -> datetime | None:
    if len(value) != 14 or not value.isdigit() or not value.isascii():
        return None
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _valid_mmddhhmmss(value: str) -> bool:
    if len(value) != 10 or not value.isdigit() or not value.isascii():
        return False
    try:
        datetime.strptime("2000" + value, "%Y%m%d%H%M%S")  # 2000 is a leap year: 0229 is valid
    except ValueError:
        return False
    return True


class _Invalid(Exception):
    def __init__(self, kind: ErrorKind, index: int, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.index = index
        self.reason = reason


def _bad(index: int, reason: str, kind: ErrorKind = ErrorKind.FIELD) -> _Invalid:
    return _Invalid(kind, index, f"{REQUEST_FIELDS[index - 1][0]}: {reason}")


def _check_length(values: list[str]) -> None:
    for index, (name, _attr, _is_int, size) in enumerate(REQUEST_FIELDS, start=1):
        if len(values[index - 1]) > size:
            raise _Invalid(ErrorKind.FIELD, index, f"{name}: longer than {size} characters")


def _parse_fields(
    values: list[str], allowed_update_types: frozenset[int]
) -> tuple[NotifyRequest, datetime, datetime | None, datetime | None]:
    (seq, user_id_type, user_id, service_type, sp_id, product_id, update_type, update_time) = values[:8]
    (update_desc, link_id, content, effective, expire, time_stamp, encode_str) = values[8:]

    if not seq or not seq.isdigit() or not seq.isascii():
        raise _bad(1, f"record sequence id must be digits, got {seq!r}")
    if user_id_type not in ("1", "2"):
        raise _bad(2, f"userIdType must be 1 (MSISDN) or 2 (pseudo-code), got {user_id_type!r}")
    if user_id_type == "1" and normalize_msisdn(user_id) is None:
        raise _bad(3, f"invalid MSISDN {user_id!r}", ErrorKind.MSISDN)
    if not user_id:
        raise _bad(3, "empty user id")
    if not re.fullmatch(r"\d\d", service_type):
        raise _bad(4, f"service type must be 2 digits, got {service_type!r}")
    if not _SP_ID.fullmatch(sp_id):
        raise _bad(5, f"SP id must be 5 or 8 digits, got {sp_id!r}")
    if not _PRODUCT_ID.fullmatch(product_id):
        raise _bad(6, f"invalid product id {product_id!r}")
    if not update_type.isdigit() or not update_type.isascii() or int(update_type) not in allowed_update_types:
        allowed = ", ".join(str(v) for v in sorted(allowed_update_types))
        raise _bad(7, f"updateType must be one of {allowed}, got {update_type!r}", ErrorKind.UPDATE_TYPE)
    parsed_update_time = _parse_time(update_time)
    if parsed_update_time is None:
        raise _bad(8, f"bad date {update_time!r} (yyyyMMddHHmmss)", ErrorKind.DATE)
    _check_length(values)
    parsed_effective = _parse_time(effective) if effective else None
    if effective and parsed_effective is None:
        raise _bad(12, f"bad date {effective!r} (yyyyMMddHHmmss)", ErrorKind.DATE)
    parsed_expire = _parse_time(expire) if expire else None
    if expire and parsed_expire is None:
        raise _bad(13, f"bad date {expire!r} (yyyyMMddHHmmss)", ErrorKind.DATE)
    if parsed_effective and parsed_expire and parsed_expire < parsed_effective:
        raise _bad(13, f"expires {expire} before it takes effect {effective}", ErrorKind.DATE)
    if time_stamp and not _valid_mmddhhmmss(time_stamp):
        raise _bad(14, f"bad time stamp {time_stamp!r} (MMDDHHMMSS)", ErrorKind.DATE)
    request = NotifyRequest(
        record_sequence_id=seq,
        user_id_type=int(user_id_type),
        user_id=user_id,
        service_type=service_type,
        sp_id=sp_id,
        product_id=product_id,
        update_type=int(update_type),
        update_time=update_time,
        update_desc=update_desc,
        link_id=link_id,
        content=content,
        effective_date=effective,
        expire_date=expire,
        time_stamp=time_stamp,
        encode_str=encode_str,
    )
    return request, parsed_update_time, parsed_effective, parsed_expire


def _parse_header(line: bytes) -> tuple[BatchHeader | None, BatchLineError | None]:
    def error(code: str, reason: str, field: str | None = None) -> tuple[None, BatchLineError]:
        return None, BatchLineError(1, ErrorKind.HEADER, code, reason, field, line)

    try:
        text = line.decode(ENCODING)
    except UnicodeDecodeError as exc:
        return error("160", f"header is not GBK text: {exc.reason} at byte {exc.start}")
    if len(text) != HEADER_CHARS:
        return error("160", f"header line has {len(text)} characters, expected {HEADER_CHARS}")
    parts: list[str] = []
    pos = 0
    for _name, size in HEADER_LAYOUT:
        parts.append(text[pos : pos + size])
        pos += size
    seq, version, created, system_code, first, last, count, reserve = parts
    if not (seq.isdigit() and seq.isascii()):
        return error("401", f"file sequence must be 4 digits, got {seq!r}", "file sequence")
    if _parse_time(created) is None:
        return error("403", f"bad creation time {created!r}", "creation time")
    for index, (name, value) in enumerate(((HEADER_LAYOUT[4][0], first), (HEADER_LAYOUT[5][0], last))):
        if value.strip(" 0") and _parse_time(value) is None:
            return error(str(405 + index), f"bad {name} {value!r}", name)
    if not count.strip().isdigit():
        return error("407", f"record count must be digits, got {count!r}", "record count")
    return (
        BatchHeader(seq, version, created, system_code, first, last, int(count.strip()), reserve.rstrip()),
        None,
    )


def _strip_newline(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
    if line.endswith(b"\r"):
        line = line[:-1]
    return line


class BatchReader:
    """Iterates a CRM batch file (binary stream), yielding BatchRecord or BatchLineError per line.

    ``header`` is set once the first line has been read. Counters: ``records`` (good lines),
    ``errors`` (error items yielded), ``lines`` (physical lines read).
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        allowed_update_types: Iterable[int] = DEFAULT_UPDATE_TYPES,
        max_line_bytes: int = MAX_LINE_BYTES,
    ) -> None:
        self.stream = stream
        self.allowed_update_types = frozenset(allowed_update_types)
        self.max_line_bytes = max_line_bytes
        self.header: BatchHeader | None = None
        self.records = 0
        self.errors = 0
        self.lines = 0

    def _lines(self) -> Iterator[tuple[bytes, bool]]:
        """(line without newline, too long?) — never holds more than max_line_bytes of one line."""
        while True:
            chunk = self.stream.readline(self.max_line_bytes + 1)
            if not chunk:
                return
            if len(chunk) > self.max_line_bytes and not chunk.endswith(b"\n"):
                head = chunk[: self.max_line_bytes]
                while chunk and not chunk.endswith(b"\n"):  # skip the rest of the line
                    chunk = self.stream.readline(self.max_line_bytes)
                yield head, True
            else:
                yield _strip_newline(chunk), False

    def __iter__(self) -> Iterator[BatchRecord | BatchLineError]:
        for item in self._items():
            if isinstance(item, BatchLineError):
                self.errors += 1
            else:
                self.records += 1
            yield item

    def _items(self) -> Iterator[BatchRecord | BatchLineError]:
        lines = self._lines()
        first = next(lines, None)
        if first is None:
            yield BatchLineError(1, ErrorKind.HEADER, "160", "empty file: no header line")
            return
        self.lines = 1
        header_line, too_long = first
        if too_long:
            yield BatchLineError(1, ErrorKind.HEADER, "160", "header line too long", None, header_line)
        else:
            self.header, header_error = _parse_header(header_line)
            if header_error is not None:
                yield header_error
        body_lines = 0
        for raw, too_long in lines:
            self.lines += 1
            line_no = self.lines
            if too_long:
                body_lines += 1
                reason = f"line longer than {self.max_line_bytes} bytes"
                yield BatchLineError(line_no, ErrorKind.LINE_TOO_LONG, "500", reason, None, raw)
                continue
            if not raw.strip():
                continue
            body_lines += 1
            yield self._parse_line(line_no, raw)
        if self.header is not None and self.header.record_count != body_lines:
            yield BatchLineError(
                1,
                ErrorKind.RECORD_COUNT,
                "407",
                f"header says {self.header.record_count} records, the file has {body_lines}",
                "record count",
            )

    def _parse_line(self, line_no: int, raw: bytes) -> BatchRecord | BatchLineError:
        columns = raw.split(b"\t")
        if len(columns) != FIELD_COUNT:
            reason = f"{len(columns)} columns, expected {FIELD_COUNT}"
            return BatchLineError(line_no, ErrorKind.COLUMN_COUNT, "500", reason, None, raw)
        values: list[str] = []
        for index, column in enumerate(columns, start=1):
            try:
                values.append(column.decode(ENCODING).strip(" "))
            except UnicodeDecodeError as exc:
                name = REQUEST_FIELDS[index - 1][0]
                reason = f"{name}: not GBK text ({exc.reason} at byte {exc.start})"
                return BatchLineError(line_no, ErrorKind.ENCODING, str(500 + index), reason, name, raw)
        try:
            request, update_time, effective, expire = _parse_fields(values, self.allowed_update_types)
        except _Invalid as exc:
            name = REQUEST_FIELDS[exc.index - 1][0]
            return BatchLineError(line_no, exc.kind, str(500 + exc.index), exc.reason, name, raw)
        return BatchRecord(line_no, request, update_time, effective, expire, raw)


def read_batch(
    stream: IO[bytes], *, allowed_update_types: Iterable[int] = DEFAULT_UPDATE_TYPES
) -> Iterator[BatchRecord | BatchLineError]:
    """Yield a :class:`BatchRecord` or a :class:`BatchLineError` for every line of a batch file."""
    yield from BatchReader(stream, allowed_update_types=allowed_update_types)


# ----------------------------------------------------------------------------- writing -----


def _digits(value: int | str, size: int, name: str) -> str:
    text = str(value).rjust(size, "0")
    if len(text) != size or not text.isdigit():
        raise ValueError(f"{name}: {value!r} does not fit {size} digits")
    return text


def _fixed(value: str, size: int, name: str) -> str:
    if len(value) > size:
        raise ValueError(f"{name}: {value!r} longer than {size}")
    return value.ljust(size)


def format_header(header: BatchHeader) -> bytes:
    """The 105-byte request header line (C.1) of a batch file."""
    text = (
        _digits(header.sequence, 4, "file sequence")
        + _fixed(header.version, 5, "version")
        + _fixed(header.created_at, 14, "creation time")
        + _fixed(header.system_code, 3, "system code")
        + _fixed(header.first_record_time, 14, "first record time")
        + _fixed(header.last_record_time, 14, "last record time")
        + _digits(header.record_count, 10, "record count")
        + _fixed(header.reserve, 40, "reserve")
    )
    return text.encode("ascii") + b"\n"


_SEPARATORS = re.compile("[\t\r\n]")


def format_record(request: NotifyRequest) -> bytes:
    """One TAB-separated GBK body line (with ``\\n``); TAB/CR/LF inside values become spaces."""
    values = (str(getattr(request, attr)) for _name, attr, _is_int, _size in REQUEST_FIELDS)
    return "\t".join(_SEPARATORS.sub(" ", value) for value in values).encode(ENCODING) + b"\n"


def write_batch(stream: IO[bytes], header: BatchHeader, requests: Iterable[NotifyRequest]) -> None:
    """Write a whole batch file (used by tests and by a simulated CRM)."""
    stream.write(format_header(header))
    for request in requests:
        stream.write(format_record(request))


class ExceptionFileWriter:
    """Writes the C.2 exception receipt: header, then ``<record verbatim>::<code>`` per bad line.

    The header (fixed length) is written as a placeholder first and rewritten by :meth:`close`, when
    the totals are known, so the stream must be seekable (a file opened ``"w+b"`` or ``"wb"``).
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        sequence: int | str,
        created_at: datetime,
        system_code: str = "902",
        reason_column: bool = False,
    ) -> None:
        if not stream.seekable():
            raise ValueError("the exception file stream must be seekable")
        self.stream = stream
        self.sequence = _digits(sequence, 4, "file sequence")
        self.created_at = created_at.strftime("%Y%m%d%H%M%S")
        self.system_code = _fixed(system_code, 3, "system code")
        self.reason_column = reason_column
        self.written = 0
        self._start = stream.tell()
        stream.write(self._header(0, 0, "000"))

    def _header(self, total: int, correct: int, file_error_code: str) -> bytes:
        text = (
            self.sequence
            + "00000"
            + self.created_at
            + self.system_code
            + _digits(total, 10, "total records")
            + _digits(correct, 10, "correct records")
            + "::"
            + _digits(file_error_code, 3, "file error code")
            + " " * 60
            + "\n"
        )
        data = text.encode("ascii")
        assert len(data) == RECEIPT_HEADER_BYTES
        return data

    def write(
        self, item: BatchLineError | BatchRecord, *, code: str | None = None, reason: str | None = None
    ) -> None:
        """Write one rejected line. For a BatchRecord refused later (by the app), give ``code``."""
        if isinstance(item, BatchLineError):
            code = code or item.code
            reason = reason or item.reason
        elif code is None:
            raise ValueError("a BatchRecord needs the code it is rejected with")
        line = _strip_newline(item.raw) + b"::" + _digits(code, 3, "code").encode("ascii")
        if self.reason_column and reason:
            line += b"\t" + _SEPARATORS.sub(" ", reason).encode(ENCODING, errors="replace")
        self.stream.write(line + b"\n")
        self.written += 1

    def close(self, *, total_records: int, correct_records: int, file_error_code: str = "000") -> None:
        """Rewrite the header with the totals and leave the stream positioned at its end."""
        end = self.stream.tell()
        self.stream.seek(self._start)
        self.stream.write(self._header(total_records, correct_records, file_error_code))
        self.stream.seek(end)
        self.stream.flush()
