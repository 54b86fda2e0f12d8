"""VAC → SP order-relation sync files (定购关系同步接口, VAC.md C.1): the pure codec.

* Request file: GBK, one fixed 105-byte header line (sequence 4, version 5, creation time 14,
  system code 3, first record time 14, last record time 14, record count 10, reserve 40, ``\\n``),
  then one TAB-separated line per record with the 15 ``orderRelationUpdateNotify`` fields of B.3 in
  that order (:data:`vasops.vac.protocol.soap.REQUEST_FIELDS`).
* File name: ``SubscribeInfo`` + SPID (8 digits, zero-padded) + ``yyyyMMddHHmm`` + province code (3)
  + sequence ``nnnn`` + ``.req`` (the receipt has the same stem and ``.rsp``).
* Directories: ``VAC/SubscribeInfo/<SPID>/{add,all}/request`` and ``…/response/{right,bad,semiwrong}``.
* Receipt: a fixed 87-byte header (sequence 4, version 5, creation time 14, system code 3, total 10,
  correct 10, reserve 40 holding the file-level error code, ``\\n``); only ``semiwrong`` receipts have
  a body, one ``RecordSequenceID<TAB>ResultCode`` line per record.

Choices where C.1 is silent (all [I]): the record count is right-aligned with zeros (as PRM files
do); ``<SPID>`` in the directory is the same 8-digit form as in the file name; the receipt's body
separator is TAB, but a run of spaces is accepted too; a receipt's error code is the reserve field
stripped of spaces (``000`` / empty = no file-level error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any, Final

from .crm_batch import _digits, _fixed
from .crm_batch import format_record as _format_line
from .soap import REQUEST_FIELDS, NotifyRequest

__all__ = [
    "MAX_RECORDS",
    "Box",
    "Kind",
    "Receipt",
    "ReceiptError",
    "SyncFileName",
    "SyncHeader",
    "directory",
    "file_name",
    "format_header",
    "format_receipt",
    "format_record",
    "next_sequence",
    "parse_file_name",
    "parse_receipt",
]

ENCODING: Final = "gbk"
VERSION: Final = "00000"
SYSTEM_CODE: Final = "902"  # VAC
HEADER_BYTES: Final = 105
RECEIPT_HEADER_BYTES: Final = 87
MAX_RECORDS: Final = 100_000
MAX_SEQUENCE: Final = 9999
PREFIX: Final = "SubscribeInfo"
_NAME = re.compile(r"SubscribeInfo(\d{8})(\d{12})(\d{3})(\d{4})\.(req|rsp)")


class Kind(StrEnum):
    ADD = "add"  # daily incremental
    ALL = "all"  # monthly full


class Box(StrEnum):
    REQUEST = "request"
    RIGHT = "right"
    BAD = "bad"
    SEMIWRONG = "semiwrong"


class ReceiptError(ValueError):
    """A receipt that cannot be read (wrong header length, not digits …)."""


@dataclass(frozen=True, slots=True)
class SyncHeader:
    sequence: int
    created_at: str  # yyyyMMddHHmmss
    first_record_time: str
    last_record_time: str
    record_count: int
    version: str = VERSION
    system_code: str = SYSTEM_CODE
    reserve: str = ""


@dataclass(frozen=True, slots=True)
class SyncFileName:
    sp_id: str
    stamp: str  # yyyyMMddHHmm
    province: str
    sequence: int
    suffix: str

    @property
    def stem(self) -> str:
        return f"{PREFIX}{self.sp_id}{self.stamp}{self.province}{self.sequence:04d}"


@dataclass(frozen=True, slots=True)
class Receipt:
    box: Box
    sequence: str
    version: str
    created_at: str
    system_code: str
    total: int
    correct: int
    error_code: str  # file-level error code from the reserve field, "" when none
    failing: tuple[str, ...] = ()  # semiwrong: RecordSequenceIDs with ResultCode != 0


def sp_digits(sp_id: str) -> str:
    """The SPID as 8 digits, left-padded with zeros (``43390`` → ``00043390``)."""
    return _digits(sp_id.strip(), 8, "SPID")


def next_sequence(previous: int | None) -> int:
    """The file sequence after ``previous`` (None = first of the day): 0001 … 9999, then 0001."""
    if previous is None or previous >= MAX_SEQUENCE:
        return 1
    return previous + 1


def file_name(sp_id: str, created_at: datetime, province: str, sequence: int, suffix: str = "req") -> str:
    """``SubscribeInfo`` + SPID(8) + yyyyMMddHHmm + province(3) + nnnn + ``.req``/``.rsp``.

    ``created_at`` is the local (Beijing) wall time the caller wants in the name."""
    if suffix not in ("req", "rsp"):
        raise ValueError(f"suffix must be req or rsp, got {suffix!r}")
    return (
        PREFIX
        + sp_digits(sp_id)
        + created_at.strftime("%Y%m%d%H%M")
        + _digits(province, 3, "province code")
        + _digits(sequence, 4, "file sequence")
        + "."
        + suffix
    )


def parse_file_name(name: str) -> SyncFileName | None:
    """The parts of a request/receipt file name; None if ``name`` is not one."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    sp_id, stamp, province, sequence, suffix = match.groups()
    return SyncFileName(sp_id, stamp, province, int(sequence), suffix)


def directory(kind: Kind | str, sp_id: str, box: Box | str = Box.REQUEST) -> PurePosixPath:
    """``VAC/SubscribeInfo/<SPID>/<kind>/request`` or ``…/<kind>/response/<box>``, relative to the root."""
    base = PurePosixPath("VAC", "SubscribeInfo", sp_digits(sp_id), Kind(kind).value)
    box = Box(box)
    return base / "request" if box is Box.REQUEST else base / "response" / box.value


def format_header(header: SyncHeader) -> bytes:
    """The fixed 105-byte request header line."""
    text = (
        _digits(header.sequence, 4, "file sequence")
        + _digits(header.version, 5, "version")
        + _digits(header.created_at, 14, "creation time")
        + _digits(header.system_code, 3, "system code")
        + _fixed(header.first_record_time, 14, "first record time")
        + _fixed(header.last_record_time, 14, "last record time")
        + _digits(header.record_count, 10, "record count")
        + _fixed(header.reserve, 40, "reserve")
    )
    data = text.encode("ascii") + b"\n"
    assert len(data) == HEADER_BYTES
    return data


def format_record(request: NotifyRequest) -> bytes:
    """One GBK body line with ``\\n``; a value longer than its B.3 size is an error (ValueError), a
    character GBK cannot encode becomes ``?``."""
    for name, attr, _is_int, size in REQUEST_FIELDS:
        if len(str(getattr(request, attr))) > size:
            raise ValueError(f"{name}: {getattr(request, attr)!r} longer than {size}")
    try:
        return _format_line(request)
    except UnicodeEncodeError:  # e.g. an emoji in a free-text reason: GBK has no such character
        changes: dict[str, Any] = {
            attr: value.encode(ENCODING, errors="replace").decode(ENCODING)
            for _name, attr, _is_int, _size in REQUEST_FIELDS
            if isinstance(value := getattr(request, attr), str)
        }
        return _format_line(replace(request, **changes))


def format_receipt(
    *,
    sequence: int | str,
    created_at: str,
    total: int,
    correct: int,
    error_code: str = "",
    failing: tuple[tuple[str, int], ...] = (),
    system_code: str = "000",
) -> bytes:
    """A receipt as the SP writes it (for tests and a simulated SP)."""
    text = (
        _digits(sequence, 4, "file sequence")
        + VERSION
        + _digits(created_at, 14, "creation time")
        + _digits(system_code, 3, "system code")
        + _digits(total, 10, "total records")
        + _digits(correct, 10, "correct records")
        + _fixed(error_code, 40, "reserve")
        + "\n"
    )
    body = "".join(f"{rsid}\t{code}\n" for rsid, code in failing)
    return (text + body).encode(ENCODING)


def _number(value: str, name: str) -> int:
    value = value.strip()
    if not value.isdigit() or not value.isascii():
        raise ReceiptError(f"{name} must be digits, got {value!r}")
    return int(value)


def parse_receipt(data: bytes, box: Box | str) -> Receipt:
    """Read a receipt found in ``response/<box>``; raises :class:`ReceiptError`."""
    box = Box(box)
    if box is Box.REQUEST:
        raise ValueError("a receipt lives in right, bad or semiwrong")
    header, _sep, body = data.partition(b"\n")
    header = header.removesuffix(b"\r")
    if len(header) != RECEIPT_HEADER_BYTES - 1:
        raise ReceiptError(f"receipt header has {len(header)} bytes, expected {RECEIPT_HEADER_BYTES - 1}")
    try:
        text = header.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ReceiptError(f"receipt header is not ASCII (byte {exc.start})") from exc
    sequence, version, created, system = text[0:4], text[4:9], text[9:23], text[23:26]
    total = _number(text[26:36], "total records")
    correct = _number(text[36:46], "correct records")
    error_code = text[46:86].strip()
    if error_code.strip("0") == "":
        error_code = ""
    failing: list[str] = []
    for number, raw in enumerate(body.split(b"\n"), start=2):
        line = raw.removesuffix(b"\r").decode(ENCODING, errors="replace").strip()
        if not line:
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) != 2:
            raise ReceiptError(f"line {number}: expected RecordSequenceID<TAB>ResultCode, got {line!r}")
        rsid, code = parts[0].strip(), _number(parts[1], f"line {number}: ResultCode")
        if code != 0:
            failing.append(rsid)
    return Receipt(box, sequence, version, created, system, total, correct, error_code, tuple(failing))
