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

Speed (bench/crm.py reads a million lines in a few seconds): the reader takes the file in blocks
of whole lines, decodes a block at once (bytes that are not GBK become U+FFFD; a newline is never
part of a GBK character) and matches all its lines with one precompiled pattern whose first branch
is an ordinary good record written the plain way; the dates are looked up in a small cache. That
fast path only *accepts*: any other line — padded, odd digits, not GBK, wrong in any way — goes
through the field-by-field checks (:func:`parse_line`), which alone say what is wrong with it. So
every line gives the record and the error it gave when the file was read line by line
(tests/test_crm_batch.py holds the reader to that reference on randomly damaged files).

Public API: :func:`read_batch` / :class:`BatchReader` (yield :class:`BatchRecord` or
:class:`BatchLineError`; :meth:`BatchReader.rows` yields the lighter :class:`BatchRow`),
:func:`parse_line`, :class:`BatchHeader`, :class:`ErrorKind`,
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
   (``vasops.vac.msisdn.with_country_code`` gives the ``86`` form). updateTime is required; effectiveDate /
   expireDate may be empty; time_stamp is empty or MMDDHHMMSS; expireDate before effectiveDate is a
   date error.
5. Values are stripped of surrounding spaces. Blank lines are skipped (not records, not errors) but
   keep their line numbers. The header's record count is checked against the records read; a
   mismatch is reported last, as an error of line 1 (code ``407``).
6. Only the first problem of a line is reported (one code per exception line).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import IO, Any, Final, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from ..msisdn import with_country_code
from .soap import REQUEST_FIELDS, NotifyRequest, UserIdType

__all__ = [
    "BatchHeader",
    "BatchLineError",
    "BatchReader",
    "BatchRecord",
    "BatchRow",
    "ErrorKind",
    "ExceptionFileWriter",
    "format_header",
    "format_record",
    "parse_line",
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
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_SP_ID = re.compile(r"\d{5}(?:\d{3})?")
_PRODUCT_ID = re.compile(r"[0-9A-Za-z]{1,21}")
_T = TypeVar("_T", "BatchRecord", "BatchRow")


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
        return with_country_code(self.request.user_id)


@dataclass(frozen=True, slots=True)
class BatchLineError:
    """A line that cannot be applied: where, which field, why, and the C.2 code."""

    line_no: int
    kind: ErrorKind
    code: str
    reason: str
    field: str | None = None
    raw: bytes = b""


class BatchRow(NamedTuple):
    """A well-formed line as an applier needs it (:meth:`BatchReader.rows`): what
    :class:`BatchRecord` holds, less the fields nothing applies. :func:`parse_line` on
    ``(line_no, raw)`` gives the full record."""

    line_no: int
    raw: bytes
    msisdn: str | None  # ``86`` + 11 digits; None for a pseudo-code user (userIdType 2)
    sp_id: str
    product_id: str
    update_type: int
    link_id: str

    @classmethod
    def of(cls, record: BatchRecord) -> BatchRow:
        r = record.request
        return cls(record.line_no, record.raw, record.msisdn, r.sp_id, r.product_id, r.update_type, r.link_id)


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

    for index, value in enumerate(values, start=1):
        if "\x00" in value:  # PostgreSQL text cannot hold it: refused here, not at COPY time
            raise _bad(index, "contains a NUL byte (0x00)")
    if not seq or not seq.isdigit() or not seq.isascii():
        raise _bad(1, f"record sequence id must be digits, got {seq!r}")
    if user_id_type not in ("1", "2"):
        raise _bad(2, f"userIdType must be 1 (MSISDN) or 2 (pseudo-code), got {user_id_type!r}")
    if user_id_type == "1" and with_country_code(user_id) is None:
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


def parse_line(
    line_no: int, raw: bytes, allowed_update_types: frozenset[int] = DEFAULT_UPDATE_TYPES
) -> BatchRecord | BatchLineError:
    """One body line (without its newline), checked field by field: the record, or the first
    problem of the line. This is the reference the reader's fast path is held to."""
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
        request, update_time, effective, expire = _parse_fields(values, allowed_update_types)
    except _Invalid as exc:
        name = REQUEST_FIELDS[exc.index - 1][0]
        return BatchLineError(line_no, exc.kind, str(500 + exc.index), exc.reason, name, raw)
    return BatchRecord(line_no, request, update_time, effective, expire, raw)


# ---------------------------------------------------------------------------- fast path -----


def _line_pattern(capture: set[str]) -> re.Pattern[str]:
    """A whole body line (newline included) that is an ordinary good record of an MSISDN user,
    written the plain way — or, second branch, any other line. The first branch accepts only
    what _parse_fields accepts, narrowed: ASCII digits (str.isdigit and \\d take other scripts'
    digits), no padding spaces, lengths within REQUEST_FIELDS, no U+FFFD (where the block decoder
    put bytes that are not GBK). Dates are checked by the caller. ``capture``: which fields
    become groups (by attribute name; ``msisdn`` = the 11 digits)."""

    def field(name: str, body: str) -> str:
        return f"({body})" if name in capture else f"(?:{body})"

    free = "[^\\t\\n\\ufffd\\x00]"
    parts = [
        field("record_sequence_id", "[0-9]{1,18}"),
        "1",
        field("user_id", "(?:86)?" + field("msisdn", "1[0-9]{10}")),
        field("service_type", "[0-9]{2}"),
        field("sp_id", "[0-9]{5}(?:[0-9]{3})?"),
        field("product_id", "[0-9A-Za-z]{1,21}"),
        field("update_type", "[0-9]{1,4}"),
        field("update_time", "[0-9]{14}"),
        field("update_desc", free + "{0,100}"),
        field("link_id", free + "{0,20}"),
        field("content", free + "{0,140}"),
        field("effective_date", "(?:[0-9]{14})?"),
        field("expire_date", "(?:[0-9]{14})?"),
        field("time_stamp", "(?:[0-9]{10})?"),
        field("encode_str", free + "{0,32}?"),
    ]
    return re.compile("\\t".join(parts) + "\\r?\\n|.*\\n")


_ROW_FIELDS: Final = (
    "msisdn",
    "sp_id",
    "product_id",
    "update_type",
    "update_time",
    "link_id",
    "effective_date",
    "expire_date",
    "time_stamp",
)
_ROW_LINE: Final = _line_pattern(set(_ROW_FIELDS))
_RECORD_LINE: Final = _line_pattern({attr for _name, attr, _is_int, _size in REQUEST_FIELDS} | {"msisdn"})
_CACHE_SIZE: Final = 4096
_times: dict[str, datetime | None] = {}  # yyyyMMddHHmmss → _parse_time (files repeat their times)
_stamps: dict[str, bool] = {}  # MMDDHHMMSS → _valid_mmddhhmmss
_new_row = tuple.__new__


def _time(value: str) -> datetime | None:
    try:
        return _times[value]
    except KeyError:
        if len(_times) >= _CACHE_SIZE:
            _times.clear()
        parsed = _times[value] = _parse_time(value)
        return parsed


def _stamp_ok(value: str) -> bool:
    try:
        return _stamps[value]
    except KeyError:
        if len(_stamps) >= _CACHE_SIZE:
            _stamps.clear()
        valid = _stamps[value] = _valid_mmddhhmmss(value)
        return valid


def _dates(
    update_time: str, effective: str, expire: str, stamp: str
) -> tuple[datetime, datetime | None, datetime | None] | None:
    """(update, effective, expire) times when the four date fields pass _parse_fields' checks."""
    parsed_update_time = _time(update_time)
    if parsed_update_time is None:
        return None
    parsed_effective = parsed_expire = None
    if effective and (parsed_effective := _time(effective)) is None:
        return None
    if expire and (parsed_expire := _time(expire)) is None:
        return None
    if parsed_effective and parsed_expire and parsed_expire < parsed_effective:
        return None
    if stamp and not _stamp_ok(stamp):
        return None
    return parsed_update_time, parsed_effective, parsed_expire


def _record(
    line_no: int, raw: bytes, groups: tuple[str, ...] | None, allowed: frozenset[int]
) -> BatchRecord | BatchLineError:
    if groups is None or not groups[2]:
        return parse_line(line_no, raw, allowed)
    (seq, user_id, _msisdn, service_type, sp_id, product_id, update_type, update_time) = groups[:8]
    (desc, link, content, effective, expire, stamp, encode) = groups[8:]
    dates = _dates(update_time, effective, expire, stamp)
    if dates is None or int(update_type) not in allowed:
        return parse_line(line_no, raw, allowed)
    if " " in desc + link + content + encode:
        desc, link, content, encode = (v.strip(" ") for v in (desc, link, content, encode))
    request = NotifyRequest(
        record_sequence_id=seq,
        user_id_type=1,
        user_id=user_id,
        service_type=service_type,
        sp_id=sp_id,
        product_id=product_id,
        update_type=int(update_type),
        update_time=update_time,
        update_desc=desc,
        link_id=link,
        content=content,
        effective_date=effective,
        expire_date=expire,
        time_stamp=stamp,
        encode_str=encode,
    )
    return BatchRecord(line_no, request, dates[0], dates[1], dates[2], raw)


def _row(
    line_no: int, raw: bytes, groups: tuple[str, ...] | None, allowed: frozenset[int]
) -> BatchRow | BatchLineError:
    if groups is not None and groups[0]:
        msisdn, sp_id, product_id, update_type, update_time, link, effective, expire, stamp = groups
        kind = int(update_type)
        if kind in allowed and _dates(update_time, effective, expire, stamp) is not None:
            if " " in link:
                link = link.strip(" ")
            return _new_row(BatchRow, (line_no, raw, "86" + msisdn, sp_id, product_id, kind, link))
    item = parse_line(line_no, raw, allowed)
    return item if isinstance(item, BatchLineError) else BatchRow.of(item)


# ------------------------------------------------------------------------------- reader -----

BLOCK_BYTES: Final = 1 << 18
_TOO_LONG: Final = -1  # _segments' size of a line too long: _TOO_LONG - bytes consumed


class BatchReader:
    """Iterates a CRM batch file (binary stream), yielding BatchRecord or BatchLineError per line
    (:meth:`rows`: BatchRow or BatchLineError).

    The stream is read in blocks of ``block_bytes`` (never more, never the whole file); a block's
    lines are decoded and matched at once, which is what makes a million lines a few seconds.
    ``header``: the header line when the stream is positioned after it (a resumed file); line 1
    is then that header and the body is read from the stream's position.

    ``header`` is set once the first line has been read. Counters: ``records`` (good lines),
    ``errors`` (error items yielded), ``lines`` (physical lines read); ``offset``: the stream
    position just after the last line yielded (where a resumed reader starts).
    """

    def __init__(
        self,
        stream: IO[bytes],
        *,
        allowed_update_types: Iterable[int] = DEFAULT_UPDATE_TYPES,
        max_line_bytes: int = MAX_LINE_BYTES,
        header: bytes | None = None,
        block_bytes: int = BLOCK_BYTES,
    ) -> None:
        self.stream = stream
        self.allowed_update_types = frozenset(allowed_update_types)
        self.max_line_bytes = max_line_bytes
        self.block_bytes = max(block_bytes, 1)
        self.header_line = header
        self.header: BatchHeader | None = None
        self.records = 0
        self.errors = 0
        self.lines = 0
        self.offset = stream.tell() if stream.seekable() else 0

    def __iter__(self) -> Iterator[BatchRecord | BatchLineError]:
        return self._items(_record, _RECORD_LINE, 2)

    def rows(self) -> Iterator[BatchRow | BatchLineError]:
        """Like iterating the reader, with a :class:`BatchRow` for each good line."""
        return self._items(_row, _ROW_LINE, 0)

    def _segments(self) -> Iterator[tuple[bytes, int]]:
        """Runs of whole lines, each line ending with a newline, and how many bytes of the stream
        they are (the last line of a file without a final newline gets one) — or, for a line that
        does not fit, its first max_line_bytes bytes with ``_TOO_LONG``. So at most a block and
        a line are held at any time."""
        limit = self.max_line_bytes
        pending = b""
        while block := self.stream.read(self.block_bytes):
            data = pending + block if pending else block
            cut = data.rfind(b"\n") + 1
            if cut:
                yield data[:cut], cut
                pending = data[cut:]
            else:
                pending = data
            if len(pending) > limit:  # a line longer than the limit: its head, skip the rest
                head, consumed = pending[:limit], len(pending)
                while True:
                    block = self.stream.read(self.block_bytes)
                    end = block.find(b"\n")
                    if not block or end >= 0:
                        break
                    consumed += len(block)
                yield head, _TOO_LONG - consumed - (end + 1 if block else 0)
                pending = block[end + 1 :] if block else b""
        cut = pending.rfind(b"\n") + 1
        if cut:  # lines left after a skipped one
            yield pending[:cut], cut
        if pending[cut:]:
            yield pending[cut:] + b"\n", len(pending) - cut

    def _items(
        self,
        parse: Callable[[int, bytes, Any, frozenset[int]], _T | BatchLineError],
        pattern: re.Pattern[str],
        key: int,
    ) -> Iterator[_T | BatchLineError]:
        """``pattern`` (_line_pattern) splits a block into lines; its group ``key`` is set when
        the first branch (a good ordinary record) matched; ``parse`` makes the item of a line."""
        limit = self.max_line_bytes
        allowed = self.allowed_update_types
        too_long_reason = f"line longer than {limit} bytes"
        body_lines = 0
        started = False
        if self.header_line is not None:
            started = True
            header = _strip_newline(self.header_line)
            yield from self._header(header[:limit], len(header) > limit)
        for segment, size in self._segments():
            if size < 0:  # a line too long for a block
                self.lines += 1
                self.offset += _TOO_LONG - size
                if not started:
                    started = True
                    yield from self._header(segment, True)
                    continue
                body_lines += 1
                self.errors += 1
                yield BatchLineError(
                    self.lines, ErrorKind.LINE_TOO_LONG, "500", too_long_reason, None, segment
                )
                continue
            lines = segment.split(b"\n")
            lines.pop()  # after the last newline
            text = segment.decode(ENCODING, "replace")  # bytes that are not GBK → U+FFFD
            matches: list[Any] = pattern.findall(text)
            if len(matches) != len(lines):  # cannot happen (a decoding error never takes "\n")
                matches = [None] * len(lines)
            has_cr = b"\r" in segment
            added = len(segment) - size  # 1 when the file's last line has no newline
            for raw, groups in zip(lines, matches, strict=True):
                self.lines += 1
                self.offset += len(raw) + 1 - added
                if len(raw) > limit:
                    raw, groups, too_long = raw[:limit], None, True
                else:
                    too_long = False
                    if has_cr and raw.endswith(b"\r"):
                        raw = raw[:-1]
                if not started:
                    started = True
                    yield from self._header(raw, too_long)
                    continue
                if too_long:
                    body_lines += 1
                    self.errors += 1
                    yield BatchLineError(
                        self.lines, ErrorKind.LINE_TOO_LONG, "500", too_long_reason, None, raw
                    )
                    continue
                if groups is None or not groups[key]:
                    if not raw.strip():
                        continue
                    groups = None
                body_lines += 1
                item = parse(self.lines, raw, groups, allowed)
                if isinstance(item, BatchLineError):
                    self.errors += 1
                else:
                    self.records += 1
                yield item
        if not started:
            self.errors += 1
            yield BatchLineError(1, ErrorKind.HEADER, "160", "empty file: no header line")
            return
        if self.header is not None and self.header.record_count != body_lines:
            self.errors += 1
            yield BatchLineError(
                1,
                ErrorKind.RECORD_COUNT,
                "407",
                f"header says {self.header.record_count} records, the file has {body_lines}",
                "record count",
            )

    def _header(self, line: bytes, too_long: bool) -> Iterator[BatchLineError]:
        self.lines = 1
        if too_long:
            error: BatchLineError | None = BatchLineError(
                1, ErrorKind.HEADER, "160", "header line too long", None, line
            )
        else:
            self.header, error = _parse_header(line)
        if error is not None:
            self.errors += 1
            yield error


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
        if created_at.tzinfo is not None:  # an instant: written in Beijing time
            created_at = created_at.astimezone(_SHANGHAI)
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
        self,
        item: BatchLineError | BatchRecord | BatchRow,
        *,
        code: str | None = None,
        reason: str | None = None,
    ) -> None:
        """Write one rejected line. For a record refused later (by the app), give ``code``."""
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
