"""The VAC real-time authentication / pricing interface (实时鉴权计费接口), binary over TCP.

Pure encoding and decoding of the PDUs of ``protocols/VAC.md`` Part A; no sockets, no Django.

* Header (A.3): TotalLength, CommandId, SequenceId — big-endian u32, TotalLength includes the header.
* Messages (A.6): :class:`Bind`, :class:`BindResp`, :class:`UnBind`, :class:`UnBindResp`,
  :class:`Handset`, :class:`HandsetResp`, :class:`CheckPrice`, :class:`CheckPriceResp`,
  :class:`CheckPriceConfirm`, :class:`CheckPriceConfirmResp`, and the body-less-known
  :class:`TrafficPrice` / :class:`TrafficPriceResp`.
* :func:`encode` / :func:`decode`; :class:`ProtocolError` (a :class:`ResultCode` plus a message and
  whatever of CommandId / SequenceId / field was known) for malformed input; :func:`error_response`
  turns it into the response the server should send, or ``None`` when it should close the link.
* :class:`FrameReader` splits a TCP byte stream into PDUs.

Ambiguities in VAC.md and how they are resolved here (the A.11 test vectors decide where they can):

1. char[n] fields: VAC.md says "strip trailing NULs and spaces". We cut at the first NUL (C-string
   semantics, so garbage after a terminator is ignored) and then strip trailing spaces; leading
   spaces are kept. Text is ASCII; a non-ASCII byte is FIELD_INVALID (100), or 102 / 104 in
   SourceDevice_ID / DestinationDevice_ID.
2. ProductID (CheckPrice) is "8 spaces unless ServiceIDType = 5"; the A.11 vector sends 8 spaces.
   We therefore pad ProductID with **spaces** (not NULs) on encode, so an empty ProductID encodes as
   8 spaces and the vector round-trips byte for byte. All other char[n] fields are NUL-padded.
3. Integer4 signedness: A.2 says "treat as signed" in general, but the field tables say u32 except
   ConfirmInterval (i32) and NeedConfirm (i8). We follow the field tables; ConfirmInterval and
   NeedConfirm accept -1 (sent as 0xFFFFFFFF / 0xFF).
4. "greater than 30K": taken as 30 * 1024 = 30720 bytes (:data:`MAX_PDU_LENGTH`); TotalLength < 12 is
   also INVALID_PDU_LENGTH (1).
5. A fixed body that is shorter than specified is DECODE_FAILED (2); a body with trailing bytes where
   no TLVs are allowed (Bind, CheckPriceConfirm, the Result_Code-only responses) is also 2. A TLV
   that runs past TotalLength is 2. Unknown TLV tags (and tag 0) are kept, never rejected.
6. Unknown CommandId (including the reserved ContentAbstract 0x10000008 and 0x10000004): VAC.md gives
   no code; we raise DECODE_FAILED (2) and :func:`error_response` returns ``None`` (log and close).
7. Bind Time_Stamp: only "format checked" (error 105). decode() requires 10 digits forming a valid
   MMDDHHMMSS (month 01-12, day 01-31, hour < 24, minute and second < 60) and raises
   TIMESTAMP_INVALID (105) otherwise; the skew window is the server's business.
8. TLV values: VAC.md says ASCII text. :meth:`Tlv.of` encodes ``str`` values as GBK (ASCII-compatible;
   ReturnMessage may carry Chinese); :attr:`Tlv.text` strips trailing NULs and decodes GBK with
   replacement. SMSContent may be UCS2/binary: use the raw ``value`` bytes for it.
9. TrafficPrice (0x10000007) has no known body: the request keeps its body as opaque bytes; its
   response is assumed to start with a 4-byte Result_Code like the other responses [I].
10. The Bind authenticator's "16 hex characters" variant (one client) is accepted only when asked
    (:func:`verify_bind` ``allow_hex16=True``).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Final, NamedTuple, TypeAlias

from .codes import ResultCode

__all__ = [
    "HEADER_LENGTH",
    "MAX_PDU_LENGTH",
    "Address",
    "AddressType",
    "Bind",
    "BindResp",
    "CheckPrice",
    "CheckPriceConfirm",
    "CheckPriceConfirmResp",
    "CheckPriceResp",
    "CommandId",
    "FeeType",
    "FrameReader",
    "Handset",
    "HandsetResp",
    "Header",
    "Message",
    "OperationType",
    "ProtocolError",
    "ResultCode",
    "ServiceIdType",
    "ServiceUpDownType",
    "Tlv",
    "TlvTag",
    "TrafficPrice",
    "TrafficPriceResp",
    "UnBind",
    "UnBindResp",
    "bind_authenticator",
    "bind_authenticator_hex16",
    "decode",
    "encode",
    "error_response",
    "parse_header",
    "verify_bind",
]

HEADER: Final = struct.Struct(">III")
HEADER_LENGTH: Final = 12
MAX_PDU_LENGTH: Final = 30 * 1024
RESPONSE_BIT: Final = 0x80000000
MAX_SECRET_LENGTH: Final = 40


class CommandId(IntEnum):
    """A.4 command ids; a response id is the request id | 0x80000000."""

    BIND = 0x10000001
    UNBIND = 0x10000002
    HANDSET = 0x10000003
    CHECK_PRICE = 0x10000005
    CHECK_PRICE_CONFIRM = 0x10000006
    TRAFFIC_PRICE = 0x10000007
    BIND_RESP = 0x80000001
    UNBIND_RESP = 0x80000002
    HANDSET_RESP = 0x80000003
    CHECK_PRICE_RESP = 0x80000005
    CHECK_PRICE_CONFIRM_RESP = 0x80000006
    TRAFFIC_PRICE_RESP = 0x80000007


class TlvTag(IntEnum):
    """A.7 optional-parameter tags."""

    LINK_ID = 0x0001
    MEDIA_TYPE = 0x0002
    CLIENT_IP = 0x0003
    AMOUNT = 0x0004
    PK_TOTAL = 0x0005
    PK_NUMBER = 0x0006
    SMS_FORMAT = 0x0007
    SMS_CONTENT_LEN = 0x0008
    SMS_CONTENT = 0x0009
    SP_DEAL_RESULT = 0x000A
    SESSION_ID = 0x1201
    FEE_TYPE = 0x1202
    FIXED_FEE = 0x1204
    SESSION_END = 0x1205
    SERVICE_TYPE = 0x1207
    NEED_TO_NEXT_NODE = 0x1208
    ORIGINAL_DA = 0x1209
    TRANSCODING = 0x120A
    ERR_CODE = 0x1401
    FEE_CODE = 0x1403
    RETURN_MESSAGE = 0x1501
    SERVICE_STATUS = 0x1502
    USER_STATUS = 0x1503
    REDIRECT = 0x1504
    DEST_ADDR_LIST = 0x1506
    PUSH_ID = 0x1507
    FEE = 0x1508
    CP_ID = 0x1509
    CONTENT_ID = 0x1510
    ORDER_METHOD = 0x1511
    SP_PRODUCT_ID = 0x1512
    SPEC_PRODUCT_ID = 0x1513
    PRODUCT_ID = 0x1514
    ACCESS_NO = 0x1515


class AddressType(IntEnum):
    """A.8.1 OA/DA/FA type."""

    NONE = 0
    MSISDN = 1
    PSEUDO_CODE = 2
    IMSI = 3


class ServiceIdType(IntEnum):
    """A.8.2: what the ServiceID field holds."""

    SERVICE_ID = 1
    SP_PRODUCT_ID = 3
    SPEC_PRODUCT_ID = 5


class ServiceUpDownType(IntEnum):
    """A.8.3 业务上下行类型."""

    MOAT = 1
    AOMT = 2
    MOMT = 3
    P_TO_E = 4
    OTHER = 9


class OperationType(IntEnum):
    """A.8.4 Operation_Type."""

    AUTH_CHARGE = 0
    SUBSCRIBE = 1
    UNSUBSCRIBE = 2
    UNSUBSCRIBE_ALL = 3
    ON_DEMAND = 4
    CHECK = 6
    BLOCK = 7
    RESTORE = 8


class FeeType(IntEnum):
    """A.8.6 FeeType (TLV 0x1202)."""

    CHANNEL_OFFSET = 0
    FREE = 1
    PER_ITEM = 2
    MONTHLY = 3
    CAPPED = 4
    BY_VOLUME = 5
    BY_DURATION = 6
    MULTI_MONTH = 7
    MONTHLY_PLUS_UNIT = 8


class ProtocolError(Exception):
    """Malformed PDU. ``code`` is the A.9 result code to answer with (1, 2, 100, 105 …)."""

    def __init__(
        self,
        code: ResultCode,
        message: str,
        *,
        command_id: int | None = None,
        sequence_id: int | None = None,
        field: str | None = None,
        frames: tuple[bytes, ...] = (),
    ) -> None:
        super().__init__(f"[{int(code)}] {message}")
        self.code = code
        self.message = message
        self.command_id = command_id
        self.sequence_id = sequence_id
        self.field = field
        #: FrameReader only: the whole frames that preceded the bad header in the same chunk.
        self.frames = frames


class Header(NamedTuple):
    total_length: int
    command_id: int
    sequence_id: int


def parse_header(data: bytes) -> Header:
    """Read and check the 12-byte header (length bounds only; the command id is not checked)."""
    if len(data) < HEADER_LENGTH:
        raise ProtocolError(
            ResultCode.INVALID_PDU_LENGTH, f"short header: {len(data)} bytes, need {HEADER_LENGTH}"
        )
    total, command_id, sequence_id = HEADER.unpack_from(data)
    if total < HEADER_LENGTH or total > MAX_PDU_LENGTH:
        raise ProtocolError(
            ResultCode.INVALID_PDU_LENGTH,
            f"TotalLength {total} outside {HEADER_LENGTH}..{MAX_PDU_LENGTH}",
            command_id=command_id,
            sequence_id=sequence_id,
        )
    return Header(total, command_id, sequence_id)


# --------------------------------------------------------------------------- field helpers ----


def _u32(value: int, field: str) -> bytes:
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{field}: {value} is not an unsigned 32-bit integer")
    return struct.pack(">I", value)


def _i32(value: int, field: str) -> bytes:
    if not -0x80000000 <= value <= 0x7FFFFFFF:
        raise ValueError(f"{field}: {value} is not a signed 32-bit integer")
    return struct.pack(">i", value)


def _u8(value: int, field: str) -> bytes:
    if not 0 <= value <= 0xFF:
        raise ValueError(f"{field}: {value} is not an unsigned byte")
    return bytes((value,))


def _i8(value: int, field: str) -> bytes:
    if not -0x80 <= value <= 0x7F:
        raise ValueError(f"{field}: {value} is not a signed byte")
    return struct.pack(">b", value)


def _text(value: str, size: int, field: str, pad: bytes = b"\x00") -> bytes:
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError(f"{field}: {value!r} is not ASCII") from None
    if len(raw) > size:
        raise ValueError(f"{field}: {value!r} is longer than {size} bytes")
    return raw.ljust(size, pad)


class _Body:
    """Cursor over a PDU body that raises ProtocolError with the PDU's context."""

    __slots__ = ("command_id", "data", "pos", "sequence_id")

    def __init__(self, data: bytes, command_id: int, sequence_id: int) -> None:
        self.data = data
        self.pos = 0
        self.command_id = command_id
        self.sequence_id = sequence_id

    def error(self, code: ResultCode, message: str, field: str | None = None) -> ProtocolError:
        return ProtocolError(
            code, message, command_id=self.command_id, sequence_id=self.sequence_id, field=field
        )

    def need(self, size: int, what: str) -> None:
        if len(self.data) < size:
            raise self.error(ResultCode.DECODE_FAILED, f"{what} body is {len(self.data)} bytes, need {size}")

    def exact(self, size: int, what: str) -> None:
        if len(self.data) != size:
            raise self.error(
                ResultCode.DECODE_FAILED, f"{what} body is {len(self.data)} bytes, expected {size}"
            )

    def take(self, size: int, field: str) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise self.error(ResultCode.DECODE_FAILED, f"{field}: body ends early", field)
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def u32(self, field: str) -> int:
        value: int = struct.unpack(">I", self.take(4, field))[0]
        return value

    def i32(self, field: str) -> int:
        value: int = struct.unpack(">i", self.take(4, field))[0]
        return value

    def u8(self, field: str) -> int:
        return self.take(1, field)[0]

    def i8(self, field: str) -> int:
        value: int = struct.unpack(">b", self.take(1, field))[0]
        return value

    def text(self, size: int, field: str, code: ResultCode = ResultCode.FIELD_INVALID) -> str:
        raw = self.take(size, field).split(b"\x00", 1)[0].rstrip(b" ")
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise self.error(code, f"{field}: not ASCII text: {raw!r}", field) from None

    def tlvs(self) -> tuple[Tlv, ...]:
        items: list[Tlv] = []
        while self.pos < len(self.data):
            if len(self.data) - self.pos < 4:
                raise self.error(ResultCode.DECODE_FAILED, "truncated TLV header", "TLV")
            tag, length = struct.unpack_from(">HH", self.data, self.pos)
            self.pos += 4
            if self.pos + length > len(self.data):
                raise self.error(
                    ResultCode.DECODE_FAILED,
                    f"TLV 0x{tag:04x} length {length} runs past the end of the PDU",
                    "TLV",
                )
            items.append(Tlv(tag, self.data[self.pos : self.pos + length]))
            self.pos += length
        return tuple(items)


# -------------------------------------------------------------------------------- TLV -----


@dataclass(frozen=True, slots=True)
class Tlv:
    """One optional parameter: Tag u16, Length u16 (value bytes only), Value."""

    tag: int
    value: bytes

    @classmethod
    def of(cls, tag: int, value: str | bytes | int) -> Tlv:
        """A TLV from text (GBK, ASCII-compatible), raw bytes or a number (decimal digits)."""
        if isinstance(value, int):
            raw = str(value).encode("ascii")
        elif isinstance(value, str):
            raw = value.encode("gbk")
        else:
            raw = bytes(value)
        return cls(tag, raw)

    @property
    def text(self) -> str:
        """The value as text, trailing NUL padding removed."""
        return self.value.rstrip(b"\x00").decode("gbk", errors="replace")

    def encode(self) -> bytes:
        if not 0 <= self.tag <= 0xFFFF:
            raise ValueError(f"TLV tag {self.tag} out of range")
        if len(self.value) > 0xFFFF:
            raise ValueError(f"TLV 0x{self.tag:04x} value longer than 65535 bytes")
        return struct.pack(">HH", self.tag, len(self.value)) + self.value


def _tlv_text(tlvs: tuple[Tlv, ...], tag: int) -> str | None:
    for item in tlvs:
        if item.tag == tag:
            return item.text
    return None


def _tlv_int(tlvs: tuple[Tlv, ...], tag: int) -> int | None:
    text = _tlv_text(tlvs, tag)
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else None


# ----------------------------------------------------------------------- authenticator -----


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data, usedforsecurity=False).digest()


def bind_authenticator(source_device_id: str, secret: str, time_stamp: str) -> bytes:
    """Check_Source = MD5(SourceDevice_ID + shared secret + Time_Stamp), the raw 16-byte digest."""
    return _md5((source_device_id + secret + time_stamp).encode("ascii"))


def bind_authenticator_hex16(source_device_id: str, secret: str, time_stamp: str) -> bytes:
    """The variant of one client: characters 9–24 of the lowercase hex digest, as 16 ASCII bytes."""
    return bind_authenticator(source_device_id, secret, time_stamp).hex()[8:24].encode("ascii")


def verify_bind(bind: Bind, secret: str, *, allow_hex16: bool = False) -> bool:
    """Whether the Bind's Check_Source matches ``secret`` (constant-time comparison)."""
    expected = bind_authenticator(bind.source_device_id, secret, bind.time_stamp)
    if hmac.compare_digest(bind.check_source, expected):
        return True
    if allow_hex16:
        variant = bind_authenticator_hex16(bind.source_device_id, secret, bind.time_stamp)
        return hmac.compare_digest(bind.check_source.lower(), variant)
    return False


def _valid_mmddhhmmss(value: str) -> bool:
    if len(value) != 10 or not value.isdigit() or not value.isascii():
        return False
    month, day, hour, minute, second = (int(value[i : i + 2]) for i in range(0, 10, 2))
    return 1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 60


# --------------------------------------------------------------------------- messages -----


def _device_block(source_type: int, source_id: str, dest_type: int, dest_id: str) -> bytes:
    return (
        _u32(source_type, "SourceDevice_Type")
        + _text(source_id, 20, "SourceDevice_ID")
        + _u32(dest_type, "DestinationDevice_Type")
        + _text(dest_id, 20, "DestinationDevice_ID")
    )


def _read_device_block(body: _Body) -> tuple[int, str, int, str]:
    return (
        body.u32("SourceDevice_Type"),
        body.text(20, "SourceDevice_ID", ResultCode.SOURCE_DEVICE_ID_INVALID),
        body.u32("DestinationDevice_Type"),
        body.text(20, "DestinationDevice_ID", ResultCode.DEST_DEVICE_ID_INVALID),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Bind:
    """A.6.1 Bind 连接请求 — body 78 bytes."""

    COMMAND_ID: ClassVar[int] = CommandId.BIND
    BODY_LENGTH: ClassVar[int] = 78

    sequence_id: int
    source_device_type: int
    source_device_id: str
    dest_device_type: int = 0
    dest_device_id: str
    check_source: bytes
    time_stamp: str
    version: int

    @classmethod
    def create(
        cls,
        *,
        sequence_id: int,
        source_device_type: int,
        source_device_id: str,
        dest_device_type: int = 0,
        dest_device_id: str,
        secret: str,
        time_stamp: str,
        version: int,
    ) -> Bind:
        """A Bind with Check_Source computed from the shared secret."""
        if len(secret.encode("ascii")) > MAX_SECRET_LENGTH:
            raise ValueError(f"shared secret longer than {MAX_SECRET_LENGTH} bytes")
        return cls(
            sequence_id=sequence_id,
            source_device_type=source_device_type,
            source_device_id=source_device_id,
            dest_device_type=dest_device_type,
            dest_device_id=dest_device_id,
            check_source=bind_authenticator(source_device_id, secret, time_stamp),
            time_stamp=time_stamp,
            version=version,
        )

    def encode_body(self) -> bytes:
        if len(self.check_source) != 16:
            raise ValueError("Check_Source must be 16 bytes")
        return (
            _device_block(
                self.source_device_type, self.source_device_id, self.dest_device_type, self.dest_device_id
            )
            + self.check_source
            + _text(self.time_stamp, 10, "Time_Stamp")
            + _u32(self.version, "Version")
        )

    @classmethod
    def decode_body(cls, body: _Body) -> Bind:
        body.exact(cls.BODY_LENGTH, "Bind")
        src_type, src_id, dst_type, dst_id = _read_device_block(body)
        check_source = body.take(16, "Check_Source")
        time_stamp = body.text(10, "Time_Stamp")
        if not _valid_mmddhhmmss(time_stamp):
            raise body.error(
                ResultCode.TIMESTAMP_INVALID, f"Time_Stamp {time_stamp!r} is not MMDDHHMMSS", "Time_Stamp"
            )
        return cls(
            sequence_id=body.sequence_id,
            source_device_type=src_type,
            source_device_id=src_id,
            dest_device_type=dst_type,
            dest_device_id=dst_id,
            check_source=check_source,
            time_stamp=time_stamp,
            version=body.u32("Version"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _ResultOnly:
    """A response whose body is only Result_Code (u32)."""

    BODY_LENGTH: ClassVar[int] = 4
    NAME: ClassVar[str] = "response"

    sequence_id: int
    result_code: int = ResultCode.SUCCESS

    def encode_body(self) -> bytes:
        return _u32(self.result_code, "Result_Code")

    @classmethod
    def _result_code(cls, body: _Body) -> int:
        body.exact(cls.BODY_LENGTH, cls.NAME)
        return body.u32("Result_Code")


@dataclass(frozen=True, slots=True, kw_only=True)
class BindResp(_ResultOnly):
    """A.6.2 BindResp — Result_Code."""

    COMMAND_ID: ClassVar[int] = CommandId.BIND_RESP
    NAME: ClassVar[str] = "BindResp"

    @classmethod
    def decode_body(cls, body: _Body) -> BindResp:
        return cls(sequence_id=body.sequence_id, result_code=cls._result_code(body))


@dataclass(frozen=True, slots=True, kw_only=True)
class UnBindResp(_ResultOnly):
    """A.6.4 UnBindResp — Result_Code."""

    COMMAND_ID: ClassVar[int] = CommandId.UNBIND_RESP
    NAME: ClassVar[str] = "UnBindResp"

    @classmethod
    def decode_body(cls, body: _Body) -> UnBindResp:
        return cls(sequence_id=body.sequence_id, result_code=cls._result_code(body))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckPriceConfirmResp(_ResultOnly):
    """A.6.9 CheckPriceConfirmResp — Result_Code."""

    COMMAND_ID: ClassVar[int] = CommandId.CHECK_PRICE_CONFIRM_RESP
    NAME: ClassVar[str] = "CheckPriceConfirmResp"

    @classmethod
    def decode_body(cls, body: _Body) -> CheckPriceConfirmResp:
        return cls(sequence_id=body.sequence_id, result_code=cls._result_code(body))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Empty:
    """A PDU without body."""

    NAME: ClassVar[str] = "PDU"

    sequence_id: int

    def encode_body(self) -> bytes:
        return b""

    @classmethod
    def _check(cls, body: _Body) -> None:
        body.exact(0, cls.NAME)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnBind(_Empty):
    """A.6.3 UnBind 去连接请求 — no body."""

    COMMAND_ID: ClassVar[int] = CommandId.UNBIND
    NAME: ClassVar[str] = "UnBind"

    @classmethod
    def decode_body(cls, body: _Body) -> UnBind:
        cls._check(body)
        return cls(sequence_id=body.sequence_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Handset(_Empty):
    """A.6.5 Handset 链路握手 — no body."""

    COMMAND_ID: ClassVar[int] = CommandId.HANDSET
    NAME: ClassVar[str] = "Handset"

    @classmethod
    def decode_body(cls, body: _Body) -> Handset:
        cls._check(body)
        return cls(sequence_id=body.sequence_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class HandsetResp(_Empty):
    """A.6.5 HandsetResp — no body."""

    COMMAND_ID: ClassVar[int] = CommandId.HANDSET_RESP
    NAME: ClassVar[str] = "HandsetResp"

    @classmethod
    def decode_body(cls, body: _Body) -> HandsetResp:
        cls._check(body)
        return cls(sequence_id=body.sequence_id)


@dataclass(frozen=True, slots=True)
class Address:
    """An OA/DA/FA block of CheckPrice: type u32, network char[10], address char[36]."""

    type: int = AddressType.MSISDN
    network_id: str = ""
    number: str = ""

    def encode(self, name: str) -> bytes:
        return (
            _u32(self.type, f"{name}_Type")
            + _text(self.network_id, 10, f"{name}Network_ID")
            + _text(self.number, 36, name)
        )

    @classmethod
    def decode(cls, body: _Body, name: str) -> Address:
        return cls(body.u32(f"{name}_Type"), body.text(10, f"{name}Network_ID"), body.text(36, name))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckPrice:
    """A.6.6 CheckPrice 鉴权批价请求 — fixed body 297 bytes + TLVs."""

    COMMAND_ID: ClassVar[int] = CommandId.CHECK_PRICE
    BODY_LENGTH: ClassVar[int] = 297

    sequence_id: int
    source_device_type: int
    source_device_id: str
    dest_device_type: int = 0
    dest_device_id: str
    sequence_number: str
    oa: Address
    da: Address
    fa: Address
    service_id_type: int
    sp_id: str
    service_id: str
    product_id: str = ""
    service_updown_type: int
    begin_time: str
    resent_times: int = 0
    operation_type: int
    service_type: str
    tlvs: tuple[Tlv, ...] = ()

    def tlv(self, tag: int) -> str | None:
        """Text of the first TLV with ``tag`` (trailing NULs stripped), or None."""
        return _tlv_text(self.tlvs, tag)

    @property
    def link_id(self) -> str | None:
        return self.tlv(TlvTag.LINK_ID)

    @property
    def fee_type(self) -> int | None:
        return _tlv_int(self.tlvs, TlvTag.FEE_TYPE)

    @property
    def fee(self) -> int | None:
        """Fee TLV in fen; None when absent or not a number."""
        return _tlv_int(self.tlvs, TlvTag.FEE)

    @property
    def order_method(self) -> str | None:
        return self.tlv(TlvTag.ORDER_METHOD)

    @property
    def access_no(self) -> str | None:
        return self.tlv(TlvTag.ACCESS_NO)

    @property
    def sms_content(self) -> bytes | None:
        """SMSContent raw bytes (its coding is given by SMSFormat)."""
        for item in self.tlvs:
            if item.tag == TlvTag.SMS_CONTENT:
                return item.value
        return None

    def encode_body(self) -> bytes:
        return (
            _device_block(
                self.source_device_type, self.source_device_id, self.dest_device_type, self.dest_device_id
            )
            + _text(self.sequence_number, 20, "SequenceNumber")
            + self.oa.encode("OA")
            + self.da.encode("DA")
            + self.fa.encode("FA")
            + _u32(self.service_id_type, "ServiceIDType")
            + _text(self.sp_id, 21, "SP_ID")
            + _text(self.service_id, 21, "ServiceID")
            + _text(self.product_id, 8, "ProductID", pad=b" ")
            + _u32(self.service_updown_type, "Service_updown_Type")
            + _text(self.begin_time, 14, "Begin_Time")
            + _u8(self.resent_times, "ResentTimes")
            + _u32(self.operation_type, "Operation_Type")
            + _text(self.service_type, 2, "ServiceType")
            + b"".join(item.encode() for item in self.tlvs)
        )

    @classmethod
    def decode_body(cls, body: _Body) -> CheckPrice:
        body.need(cls.BODY_LENGTH, "CheckPrice")
        src_type, src_id, dst_type, dst_id = _read_device_block(body)
        return cls(
            sequence_id=body.sequence_id,
            source_device_type=src_type,
            source_device_id=src_id,
            dest_device_type=dst_type,
            dest_device_id=dst_id,
            sequence_number=body.text(20, "SequenceNumber"),
            oa=Address.decode(body, "OA"),
            da=Address.decode(body, "DA"),
            fa=Address.decode(body, "FA"),
            service_id_type=body.u32("ServiceIDType"),
            sp_id=body.text(21, "SP_ID"),
            service_id=body.text(21, "ServiceID"),
            product_id=body.text(8, "ProductID"),
            service_updown_type=body.u32("Service_updown_Type"),
            begin_time=body.text(14, "Begin_Time"),
            resent_times=body.u8("ResentTimes"),
            operation_type=body.u32("Operation_Type"),
            service_type=body.text(2, "ServiceType"),
            tlvs=body.tlvs(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckPriceResp:
    """A.6.7 CheckPriceResp — fixed body 45 bytes + TLVs."""

    COMMAND_ID: ClassVar[int] = CommandId.CHECK_PRICE_RESP
    BODY_LENGTH: ClassVar[int] = 45

    sequence_id: int
    result_code: int = ResultCode.SUCCESS
    confirm_interval: int = -1
    need_confirm: int = 0
    original_address: str = ""
    tlvs: tuple[Tlv, ...] = ()

    def tlv(self, tag: int) -> str | None:
        """Text of the first TLV with ``tag`` (trailing NULs stripped), or None."""
        return _tlv_text(self.tlvs, tag)

    @property
    def link_id(self) -> str | None:
        return self.tlv(TlvTag.LINK_ID)

    @property
    def fee_type(self) -> int | None:
        return _tlv_int(self.tlvs, TlvTag.FEE_TYPE)

    @property
    def return_message(self) -> str | None:
        return self.tlv(TlvTag.RETURN_MESSAGE)

    @property
    def redirect(self) -> int | None:
        return _tlv_int(self.tlvs, TlvTag.REDIRECT)

    def encode_body(self) -> bytes:
        return (
            _u32(self.result_code, "Result_Code")
            + _i32(self.confirm_interval, "ConfirmInterval")
            + _i8(self.need_confirm, "NeedConfirm")
            + _text(self.original_address, 36, "originalADR")
            + b"".join(item.encode() for item in self.tlvs)
        )

    @classmethod
    def decode_body(cls, body: _Body) -> CheckPriceResp:
        body.need(cls.BODY_LENGTH, "CheckPriceResp")
        return cls(
            sequence_id=body.sequence_id,
            result_code=body.u32("Result_Code"),
            confirm_interval=body.i32("ConfirmInterval"),
            need_confirm=body.i8("NeedConfirm"),
            original_address=body.text(36, "originalADR"),
            tlvs=body.tlvs(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckPriceConfirm:
    """A.6.8 CheckPriceConfirm 鉴权批价确认 — body 88 bytes."""

    COMMAND_ID: ClassVar[int] = CommandId.CHECK_PRICE_CONFIRM
    BODY_LENGTH: ClassVar[int] = 88

    sequence_id: int
    source_device_type: int
    source_device_id: str
    dest_device_type: int = 0
    dest_device_id: str
    sequence_number: str
    err_code: int = ResultCode.SUCCESS
    end_time: str
    service_type: str

    def encode_body(self) -> bytes:
        return (
            _device_block(
                self.source_device_type, self.source_device_id, self.dest_device_type, self.dest_device_id
            )
            + _text(self.sequence_number, 20, "SequenceNumber")
            + _u32(self.err_code, "ErrCode")
            + _text(self.end_time, 14, "End_Time")
            + _text(self.service_type, 2, "ServiceType")
        )

    @classmethod
    def decode_body(cls, body: _Body) -> CheckPriceConfirm:
        body.exact(cls.BODY_LENGTH, "CheckPriceConfirm")
        src_type, src_id, dst_type, dst_id = _read_device_block(body)
        return cls(
            sequence_id=body.sequence_id,
            source_device_type=src_type,
            source_device_id=src_id,
            dest_device_type=dst_type,
            dest_device_id=dst_id,
            sequence_number=body.text(20, "SequenceNumber"),
            err_code=body.u32("ErrCode"),
            end_time=body.text(14, "End_Time"),
            service_type=body.text(2, "ServiceType"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TrafficPrice:
    """A.6.10 TrafficPrice 流量批价 — body not specified anywhere; kept as opaque bytes."""

    COMMAND_ID: ClassVar[int] = CommandId.TRAFFIC_PRICE

    sequence_id: int
    body: bytes = b""

    def encode_body(self) -> bytes:
        return self.body

    @classmethod
    def decode_body(cls, body: _Body) -> TrafficPrice:
        return cls(sequence_id=body.sequence_id, body=body.data)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrafficPriceResp:
    """TrafficPriceResp — assumed Result_Code u32 followed by unknown bytes [I]."""

    COMMAND_ID: ClassVar[int] = CommandId.TRAFFIC_PRICE_RESP

    sequence_id: int
    result_code: int = ResultCode.SUCCESS
    extra: bytes = b""

    def encode_body(self) -> bytes:
        return _u32(self.result_code, "Result_Code") + self.extra

    @classmethod
    def decode_body(cls, body: _Body) -> TrafficPriceResp:
        body.need(4, "TrafficPriceResp")
        result_code = body.u32("Result_Code")
        return cls(sequence_id=body.sequence_id, result_code=result_code, extra=body.data[4:])


Message: TypeAlias = (
    Bind
    | BindResp
    | UnBind
    | UnBindResp
    | Handset
    | HandsetResp
    | CheckPrice
    | CheckPriceResp
    | CheckPriceConfirm
    | CheckPriceConfirmResp
    | TrafficPrice
    | TrafficPriceResp
)

_MESSAGE_TYPES: tuple[type[Message], ...] = (
    Bind,
    BindResp,
    UnBind,
    UnBindResp,
    Handset,
    HandsetResp,
    CheckPrice,
    CheckPriceResp,
    CheckPriceConfirm,
    CheckPriceConfirmResp,
    TrafficPrice,
    TrafficPriceResp,
)
MESSAGE_TYPES: Final[dict[int, type[Message]]] = {cls.COMMAND_ID: cls for cls in _MESSAGE_TYPES}


def encode(msg: Message) -> bytes:
    """The whole PDU (header + body) of ``msg``. Raises ValueError for a value that does not fit."""
    body = msg.encode_body()
    total = HEADER_LENGTH + len(body)
    if total > MAX_PDU_LENGTH:
        raise ValueError(f"PDU of {total} bytes exceeds {MAX_PDU_LENGTH}")
    return HEADER.pack(total, msg.COMMAND_ID, _checked_sequence(msg.sequence_id)) + body


def _checked_sequence(value: int) -> int:
    _u32(value, "SequenceId")
    return value


def decode(data: bytes) -> Message:
    """Decode one whole PDU. Raises :class:`ProtocolError` for malformed input."""
    data = bytes(data)
    header = parse_header(data)
    if header.total_length != len(data):
        raise ProtocolError(
            ResultCode.INVALID_PDU_LENGTH,
            f"TotalLength {header.total_length} but {len(data)} bytes given",
            command_id=header.command_id,
            sequence_id=header.sequence_id,
        )
    cls = MESSAGE_TYPES.get(header.command_id)
    if cls is None:
        raise ProtocolError(
            ResultCode.DECODE_FAILED,
            f"unknown CommandId 0x{header.command_id:08x}",
            command_id=header.command_id,
            sequence_id=header.sequence_id,
        )
    return cls.decode_body(_Body(data[HEADER_LENGTH:], header.command_id, header.sequence_id))


def error_response(error: ProtocolError) -> Message | None:
    """The response a server answers a malformed request with, or None: close the connection.

    None when the header could not be read, the command is unknown, is itself a response, or has a
    response that cannot carry a result code (HandsetResp).
    """
    seq = error.sequence_id
    if seq is None:
        return None
    code = int(error.code)
    match error.command_id:
        case CommandId.BIND:
            return BindResp(sequence_id=seq, result_code=code)
        case CommandId.UNBIND:
            return UnBindResp(sequence_id=seq, result_code=code)
        case CommandId.CHECK_PRICE:
            message = error.message.encode("ascii", errors="replace")[:256]
            return CheckPriceResp(
                sequence_id=seq,
                result_code=code,
                confirm_interval=-1,
                need_confirm=-1,
                tlvs=(Tlv(TlvTag.RETURN_MESSAGE, message),),
            )
        case CommandId.CHECK_PRICE_CONFIRM:
            return CheckPriceConfirmResp(sequence_id=seq, result_code=code)
        case CommandId.TRAFFIC_PRICE:
            return TrafficPriceResp(sequence_id=seq, result_code=code)
        case _:
            return None


# ------------------------------------------------------------------------ framing ----------


class FrameReader:
    """Splits a byte stream into whole PDUs (header included), whatever the chunking.

    ``feed(chunk)`` returns the frames completed by the chunk, in order. A TotalLength below 12 or
    above ``max_length`` raises :class:`ProtocolError` (INVALID_PDU_LENGTH): the stream cannot be
    resynchronised, so the reader stays broken (every later ``feed`` raises again) and the caller
    should answer (if it can) and close. Whole frames that came before the bad header in the same
    chunk are not lost: they are in the exception's ``frames``, to be handled first.
    """

    __slots__ = ("_buffer", "_error", "max_length")

    def __init__(self, max_length: int = MAX_PDU_LENGTH) -> None:
        if max_length < HEADER_LENGTH:
            raise ValueError("max_length must be at least the header length")
        self.max_length = max_length
        self._buffer = bytearray()
        self._error: ProtocolError | None = None

    @property
    def buffered(self) -> int:
        """Bytes received but not yet returned as a frame (non-zero at EOF = truncated PDU)."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes]:
        if self._error is not None:
            raise self._error
        self._buffer += chunk
        frames: list[bytes] = []
        pos = 0
        buffer = self._buffer
        while len(buffer) - pos >= HEADER_LENGTH:
            total, command_id, sequence_id = HEADER.unpack_from(buffer, pos)
            if total < HEADER_LENGTH or total > self.max_length:
                del buffer[:pos]
                self._error = ProtocolError(
                    ResultCode.INVALID_PDU_LENGTH,
                    f"TotalLength {total} outside {HEADER_LENGTH}..{self.max_length}",
                    command_id=command_id,
                    sequence_id=sequence_id,
                )
                raise ProtocolError(
                    self._error.code,
                    self._error.message,
                    command_id=command_id,
                    sequence_id=sequence_id,
                    frames=tuple(frames),
                )
            if len(buffer) - pos < total:
                break
            frames.append(bytes(buffer[pos : pos + total]))
            pos += total
        del buffer[:pos]
        return frames
