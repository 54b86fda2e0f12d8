"""SGIP 1.2 (China Unicom SMS gateway interface protocol), the messages VAC needs to reach users
by SMS through the SMS gateway (SMG): ``protocols/SGIP.md``. Pure encoding and decoding, no
sockets, no Django.

* Header (§4, 20 bytes): Message Length (header included), Command ID, and the 12-byte sequence
  number = node number, ``mmddhhmmss`` as a decimal number, counter — big-endian u32 each.
* Messages (§6): :class:`Bind` / :class:`BindResp` (and every other ``…_Resp``: Result u8 +
  Reserve 8), :class:`Unbind` / :class:`UnbindResp`, :class:`Submit` (SP → SMG, MT),
  :class:`Deliver` (SMG → SP, MO), :class:`Report`.
* :func:`encode`, :func:`decode`, :class:`FrameReader` (a byte stream → PDUs, 2 KiB maximum);
  :class:`SgipError` for malformed input.

Choices where SGIP.md leaves room [I]: text fields are NUL-padded ASCII, cut at the first NUL on
decode; message content keeps its bytes (decode with :func:`decode_content` per MessageCoding:
15 GBK, 8 UCS2 big-endian, 0 ASCII); the 8-byte Reserve of Deliver/Submit (where the VAC era puts
a LinkID, §10) is kept as text.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Final, TypeAlias

__all__ = [
    "HEADER_LENGTH",
    "MAX_PDU_LENGTH",
    "Bind",
    "BindResp",
    "CommandId",
    "Deliver",
    "DeliverResp",
    "FrameReader",
    "LoginType",
    "Message",
    "Report",
    "ReportResp",
    "Sequence",
    "SgipError",
    "Submit",
    "SubmitResp",
    "Unbind",
    "UnbindResp",
    "decode",
    "decode_content",
    "encode",
    "encode_content",
]

HEADER: Final = struct.Struct(">IIIII")
HEADER_LENGTH: Final = 20
MAX_PDU_LENGTH: Final = 2048  # §2: at most 2 KB per message
RESPONSE_BIT: Final = 0x80000000


class CommandId(IntEnum):
    BIND = 0x00000001
    UNBIND = 0x00000002
    SUBMIT = 0x00000003
    DELIVER = 0x00000004
    REPORT = 0x00000005
    BIND_RESP = 0x80000001
    UNBIND_RESP = 0x80000002
    SUBMIT_RESP = 0x80000003
    DELIVER_RESP = 0x80000004
    REPORT_RESP = 0x80000005


class LoginType(IntEnum):
    """§7.1: who connects to whom."""

    SP_TO_SMG = 1  # the SP's commands (Submit)
    SMG_TO_SP = 2  # the SMG's commands (Deliver, Report, UserRpt)


class Coding(IntEnum):
    """§7.5 MessageCoding (the ones VAC writes or reads)."""

    ASCII = 0
    BINARY = 4
    UCS2 = 8
    GBK = 15


class SgipError(Exception):
    """Malformed input. ``result`` is the §8 code to answer with (5 format, 7 command id, 8 length)."""

    def __init__(self, result: int, message: str, *, command_id: int | None = None) -> None:
        super().__init__(f"[{result}] {message}")
        self.result = result
        self.command_id = command_id


@dataclass(frozen=True, slots=True)
class Sequence:
    """§4: the node that created the command, when (``mmddhhmmss`` as a number), a counter."""

    node: int
    time: int
    counter: int

    def __str__(self) -> str:
        return f"{self.node}-{self.time}-{self.counter}"


def _u8(value: int) -> bytes:
    return bytes((value & 0xFF,))


def _u32(value: int) -> bytes:
    return struct.pack(">I", value & 0xFFFFFFFF)


def _text(value: str | bytes, size: int) -> bytes:
    raw = value.encode("ascii") if isinstance(value, str) else value
    if len(raw) > size:
        raise ValueError(f"{raw!r} is longer than {size} bytes")
    return raw.ljust(size, b"\x00")


class _Body:
    __slots__ = ("command_id", "data", "pos")

    def __init__(self, data: bytes, command_id: int) -> None:
        self.data, self.pos, self.command_id = data, 0, command_id

    def take(self, size: int, name: str) -> bytes:
        end = self.pos + size
        if end > len(self.data):
            raise SgipError(5, f"{name}: the body ends early", command_id=self.command_id)
        chunk, self.pos = self.data[self.pos : end], end
        return chunk

    def u8(self, name: str) -> int:
        return self.take(1, name)[0]

    def u32(self, name: str) -> int:
        value: int = struct.unpack(">I", self.take(4, name))[0]
        return value

    def text(self, size: int, name: str) -> str:
        return self.take(size, name).split(b"\x00", 1)[0].decode("ascii", errors="replace")

    def done(self, name: str) -> None:
        if self.pos != len(self.data):
            raise SgipError(8, f"{name}: {len(self.data) - self.pos} bytes after the body")


# --------------------------------------------------------------------------------- messages ---


@dataclass(frozen=True, slots=True, kw_only=True)
class Bind:
    """§6.1 — body 41 bytes."""

    COMMAND_ID: ClassVar[int] = CommandId.BIND
    sequence: Sequence
    login_type: int
    login_name: str
    login_password: str
    reserve: str = ""

    def encode_body(self) -> bytes:
        return (
            _u8(self.login_type)
            + _text(self.login_name, 16)
            + _text(self.login_password, 16)
            + _text(self.reserve, 8)
        )

    @classmethod
    def decode_body(cls, body: _Body, sequence: Sequence) -> Bind:
        msg = cls(
            sequence=sequence,
            login_type=body.u8("Login Type"),
            login_name=body.text(16, "Login Name"),
            login_password=body.text(16, "Login Password"),
            reserve=body.text(8, "Reserve"),
        )
        body.done("Bind")
        return msg


@dataclass(frozen=True, slots=True, kw_only=True)
class _Resp:
    """§6.2 — the generic response body: Result u8, Reserve 8."""

    COMMAND_ID: ClassVar[int] = 0
    sequence: Sequence
    result: int = 0
    reserve: str = ""

    def encode_body(self) -> bytes:
        return _u8(self.result) + _text(self.reserve, 8)

    @classmethod
    def decode_body(cls, body: _Body, sequence: Sequence) -> _Resp:
        msg = cls(sequence=sequence, result=body.u8("Result"), reserve=body.text(8, "Reserve"))
        body.done("response")
        return msg


@dataclass(frozen=True, slots=True, kw_only=True)
class BindResp(_Resp):
    COMMAND_ID: ClassVar[int] = CommandId.BIND_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitResp(_Resp):
    COMMAND_ID: ClassVar[int] = CommandId.SUBMIT_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverResp(_Resp):
    COMMAND_ID: ClassVar[int] = CommandId.DELIVER_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportResp(_Resp):
    COMMAND_ID: ClassVar[int] = CommandId.REPORT_RESP


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbind:
    """§6.3 — no body."""

    COMMAND_ID: ClassVar[int] = CommandId.UNBIND
    sequence: Sequence

    def encode_body(self) -> bytes:
        return b""

    @classmethod
    def decode_body(cls, body: _Body, sequence: Sequence) -> Unbind:
        body.done("Unbind")
        return cls(sequence=sequence)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnbindResp:
    COMMAND_ID: ClassVar[int] = CommandId.UNBIND_RESP
    sequence: Sequence

    def encode_body(self) -> bytes:
        return b""

    @classmethod
    def decode_body(cls, body: _Body, sequence: Sequence) -> UnbindResp:
        body.done("Unbind_Resp")
        return cls(sequence=sequence)


@dataclass(frozen=True, slots=True, kw_only=True)
class Submit:
    """§6.4 — SP → SMG (MT): body 123 + 21 × UserCount + MessageLength."""

    COMMAND_ID: ClassVar[int] = CommandId.SUBMIT
    sequence: Sequence
    sp_number: str
    charge_number: str
    user_numbers: tuple[str, ...]
    corp_id: str
    service_type: str
    fee_type: int
    fee_value: str
    given_value: str = "0"
    agent_flag: int = 0
    morelateto_mt_flag: int = 2
    priority: int = 0
    expire_time: str = ""
    schedule_time: str = ""
    report_flag: int = 1
    tp_pid: int = 0
    tp_udhi: int = 0
    message_coding: int = Coding.GBK
    message_type: int = 0
    content: bytes = b""
    reserve: str = ""

    def encode_body(self) -> bytes:
        if not 1 <= len(self.user_numbers) <= 100:
            raise ValueError("UserCount must be 1-100")
        return (
            _text(self.sp_number, 21)
            + _text(self.charge_number, 21)
            + _u8(len(self.user_numbers))
            + b"".join(_text(n, 21) for n in self.user_numbers)
            + _text(self.corp_id, 5)
            + _text(self.service_type, 10)
            + _u8(self.fee_type)
            + _text(self.fee_value, 6)
            + _text(self.given_value, 6)
            + _u8(self.agent_flag)
            + _u8(self.morelateto_mt_flag)
            + _u8(self.priority)
            + _text(self.expire_time, 16)
            + _text(self.schedule_time, 16)
            + _u8(self.report_flag)
            + _u8(self.tp_pid)
            + _u8(self.tp_udhi)
            + _u8(self.message_coding)
            + _u8(self.message_type)
            + _u32(len(self.content))
            + self.content
            + _text(self.reserve, 8)
        )

    @classmethod
    def decode_body(cls, body: _Body, sequence: Sequence) -> Submit:
        sp_number, charge = body.text(21, "SPNumber"), body.text(21, "ChargeNumber")
        count = body.u8("UserCount")
        users = tuple(body.text(21, "UserNumber") for _ in range(count))
        fields = {
            "corp_id": body.text(5, "CorpId"),
            "service_type": body.text(10, "ServiceType"),
            "fee_type": body.u8("FeeType"),
            "fee_value": body.text(6, "FeeValue"),
            "given_value": body.text(6, "GivenValue"),
            "agent_flag": body.u8("AgentFlag"),
            "morelateto_mt_flag": body.u8("MorelatetoMTFlag"),
            "priority": body.u8("Priority"),
            "expire_time": body.text(16, "ExpireTime"),
            "schedule_time": body.text(16, "ScheduleTime"),
            "report_flag": body.u8("ReportFlag"),
            "tp_pid": body.u8("TP_pid"),
            "tp_udhi": body.u8("TP_udhi"),
            "message_coding": body.u8("MessageCoding"),
            "message_type": body.u8("MessageType"),
        }
        length = body.u32("MessageLength")
        content = body.take(length, "MessageContent")
        reserve = body.text(8, "Reserve")
        body.done("Submit")
        return cls(
            sequence=sequence,
            sp_number=sp_number,
            charge_number=charge,
            user_numbers=users,
            content=content,
            reserve=reserve,
            **fields,  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Deliver:
    """§6.5 — SMG → SP (MO): body 57 + MessageLength."""

    COMMAND_ID: ClassVar[int] = CommandId.DELIVER
    sequence: Sequence
    user_number: str
    sp_number: str
    tp_pid: int = 0
    tp_udhi: int = 0
    message_coding: int = Coding.ASCII
    content: bytes = b""
    reserve: str = ""

    def encode_body(self) -> bytes:
        return (
            _text(self.user_number, 21)
            + _text(self.sp_number, 21)
            + _u8(self.tp_pid)
            + _u8(self.tp_udhi)
            + _u8(self.message_coding)
            + _u32(len(self.content))
            + self.content
            + _text(self.reserve, 8)
        )

    @classmethod
    def decode_body(cls, body: _Body, sequence: Sequence) -> Deliver:
        user, sp = body.text(21, "UserNumber"), body.text(21, "SPNumber")
        pid, udhi, coding = body.u8("TP_pid"), body.u8("TP_udhi"), body.u8("MessageCoding")
        content = body.take(body.u32("MessageLength"), "MessageContent")
        reserve = body.text(8, "Reserve")
        body.done("Deliver")
        return cls(
            sequence=sequence,
            user_number=user,
            sp_number=sp,
            tp_pid=pid,
            tp_udhi=udhi,
            message_coding=coding,
            content=content,
            reserve=reserve,
        )

    @property
    def text(self) -> str:
        return decode_content(self.content, self.message_coding)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """§6.6 — SMG → SP: the outcome of a Submit. State 0 delivered, 1 waiting, 2 failed."""

    COMMAND_ID: ClassVar[int] = CommandId.REPORT
    sequence: Sequence
    submit_sequence: Sequence
    report_type: int = 0
    user_number: str
    state: int = 0
    error_code: int = 0
    reserve: str = ""

    def encode_body(self) -> bytes:
        s = self.submit_sequence
        return (
            _u32(s.node)
            + _u32(s.time)
            + _u32(s.counter)
            + _u8(self.report_type)
            + _text(self.user_number, 21)
            + _u8(self.state)
            + _u8(self.error_code)
            + _text(self.reserve, 8)
        )

    @classmethod
    def decode_body(cls, body: _Body, sequence: Sequence) -> Report:
        submit = Sequence(body.u32("node"), body.u32("time"), body.u32("counter"))
        msg = cls(
            sequence=sequence,
            submit_sequence=submit,
            report_type=body.u8("ReportType"),
            user_number=body.text(21, "UserNumber"),
            state=body.u8("State"),
            error_code=body.u8("ErrorCode"),
            reserve=body.text(8, "Reserve"),
        )
        body.done("Report")
        return msg


Message: TypeAlias = (
    Bind | BindResp | Unbind | UnbindResp | Submit | SubmitResp | Deliver | DeliverResp | Report | ReportResp
)
_TYPES: dict[int, type[Message]] = {
    cls.COMMAND_ID: cls
    for cls in (
        Bind,
        BindResp,
        Unbind,
        UnbindResp,
        Submit,
        SubmitResp,
        Deliver,
        DeliverResp,
        Report,
        ReportResp,
    )
}
RESPONSES: Final[dict[int, type[Message]]] = {
    CommandId.BIND: BindResp,
    CommandId.SUBMIT: SubmitResp,
    CommandId.DELIVER: DeliverResp,
    CommandId.REPORT: ReportResp,
}


def encode(msg: Message) -> bytes:
    body = msg.encode_body()
    total = HEADER_LENGTH + len(body)
    if total > MAX_PDU_LENGTH:
        raise ValueError(f"SGIP message of {total} bytes exceeds {MAX_PDU_LENGTH}")
    s = msg.sequence
    return (
        HEADER.pack(total, msg.COMMAND_ID, s.node & 0xFFFFFFFF, s.time & 0xFFFFFFFF, s.counter & 0xFFFFFFFF)
        + body
    )


def decode(data: bytes) -> Message:
    if len(data) < HEADER_LENGTH:
        raise SgipError(8, f"short message: {len(data)} bytes")
    total, command_id, node, when, counter = HEADER.unpack_from(data)
    if total != len(data) or not HEADER_LENGTH <= total <= MAX_PDU_LENGTH:
        raise SgipError(8, f"Message Length {total} for {len(data)} bytes", command_id=command_id)
    cls = _TYPES.get(command_id)
    if cls is None:
        raise SgipError(7, f"unknown Command ID 0x{command_id:08x}", command_id=command_id)
    return cls.decode_body(_Body(bytes(data[HEADER_LENGTH:]), command_id), Sequence(node, when, counter))  # type: ignore[return-value]


def decode_content(content: bytes, coding: int) -> str:
    """The message text per MessageCoding (§7.5): 8 UCS2 (big-endian), 15 GBK, else ASCII/GBK."""
    if coding == Coding.UCS2:
        return content.decode("utf-16-be", errors="replace")
    return content.decode("gbk", errors="replace")


def encode_content(text: str) -> tuple[bytes, int]:
    """(bytes, MessageCoding) for a text: ASCII when it is, else GBK (15)."""
    if text.isascii():
        return text.encode("ascii"), Coding.ASCII
    return text.encode("gbk", errors="replace"), Coding.GBK


class FrameReader:
    """A TCP byte stream → whole SGIP messages. A length outside 20..2048 raises
    :class:`SgipError` (the stream cannot be resynchronised: close the connection, §2)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        self._buffer += chunk
        frames: list[bytes] = []
        while len(self._buffer) >= 4:
            total = int.from_bytes(self._buffer[:4], "big")
            if not HEADER_LENGTH <= total <= MAX_PDU_LENGTH:
                raise SgipError(8, f"Message Length {total}")
            if len(self._buffer) < total:
                break
            frames.append(bytes(self._buffer[:total]))
            del self._buffer[:total]
        return frames
