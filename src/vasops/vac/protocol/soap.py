"""The VAC → SP order-relation notification ``orderRelationUpdateNotify`` (VAC.md Part B).

SOAP 1.1, rpc/encoded, operation namespace ``http://soap.bossagent.vac.unicom.com``. Standard library
only: the envelope is written as text (to control prefixes and the Axis 1 layout exactly) and parsed
with :mod:`xml.etree.ElementTree` after a pre-scan that refuses any DTD (a SOAP message must not
carry one; this also rules out entity-expansion attacks).

Public API:

* :class:`NotifyRequest` (the 15 fields of B.3, in order) and :class:`NotifyResponse` (B.4);
  :class:`UpdateType`, :class:`UserIdType`.
* :func:`encode_str` (B.5), :func:`sign` (fill ``encode_str`` from the SP's OrderKey),
  :func:`verify_encode_str`.
* :func:`build_request` — multiRef form by default (what Unicom's VAC sends), inline on request;
  :func:`build_response` and :func:`build_fault` for a test SP peer.
* :func:`parse_request`, :func:`parse_response` — both accept the multiRef and the inline form;
  :class:`SoapError` for malformed input, :class:`SoapFault` when the peer answered a SOAP Fault.
* :data:`HTTP_HEADERS` — ``Content-Type: text/xml; charset=utf-8`` and ``SOAPAction: ""``.

Ambiguities and choices:

1. encodeStr letter case is unspecified: we emit lowercase hex and compare case-insensitively.
   Without an OrderKey, encodeStr is sent empty (B.5) and :func:`verify_encode_str` accepts anything.
2. updateType 4 ("relation changed", reserved) is refused by :func:`build_request` (the brief and
   B.3 say 1/2/3/5 are in use); the parsers accept any integer so a peer's 4 is not lost.
3. Values are trimmed on parse (B.2: empty strings may arrive as whitespace); ``xsi:nil="true"`` and a
   missing string member read as ``""``; a missing or non-integer ``int`` member is a SoapError.
4. Members are matched by local name (rpc/encoded accessors are unqualified, but a qualified one is
   tolerated); the operation element must have the expected local name, its namespace is not
   enforced (some peers use another prefix URI for the same operation).
5. Field lengths of B.3 are checked when building (characters, not bytes); not when parsing.
6. The B.6 example's ``<linkId …></linkId>`` form is used for empty strings (never ``xsi:nil``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, fields, replace
from enum import IntEnum
from typing import Final
from xml.parsers import expat
from xml.sax.saxutils import escape

__all__ = [
    "HTTP_HEADERS",
    "NOTIFY_NS",
    "NotifyRequest",
    "NotifyResponse",
    "SoapError",
    "SoapFault",
    "UpdateType",
    "UserIdType",
    "build_fault",
    "build_request",
    "build_response",
    "encode_str",
    "parse_request",
    "parse_response",
    "sign",
    "verify_encode_str",
]

NOTIFY_NS: Final = "http://soap.bossagent.vac.unicom.com"
REQ_NS: Final = "http://req.sync.soap.bossagent.vac.unicom.com"
RSP_NS: Final = "http://rsp.sync.soap.bossagent.vac.unicom.com"
SOAPENV_NS: Final = "http://schemas.xmlsoap.org/soap/envelope/"
SOAPENC_NS: Final = "http://schemas.xmlsoap.org/soap/encoding/"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS: Final = "http://www.w3.org/2001/XMLSchema"
OPERATION: Final = "orderRelationUpdateNotify"
HTTP_HEADERS: Final = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


class UpdateType(IntEnum):
    SUBSCRIBE = 1
    UNSUBSCRIBE = 2
    ON_DEMAND = 3
    RELATION_CHANGED = 4  # reserved, not used yet
    NUMBER_CHANGE = 5


class UserIdType(IntEnum):
    MSISDN = 1
    PSEUDO_CODE = 2


class SoapError(ValueError):
    """Malformed SOAP message."""


class SoapFault(SoapError):
    """The peer answered with a SOAP Fault."""

    def __init__(self, faultcode: str, faultstring: str) -> None:
        super().__init__(f"SOAP Fault {faultcode}: {faultstring}")
        self.faultcode = faultcode
        self.faultstring = faultstring


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyRequest:
    """B.3 OrderRelationUpdateNotifyRequest; attribute order = wire order."""

    record_sequence_id: str
    user_id_type: int = UserIdType.MSISDN
    user_id: str
    service_type: str
    sp_id: str
    product_id: str
    update_type: int
    update_time: str
    update_desc: str = ""
    link_id: str = ""
    content: str = ""
    effective_date: str = ""
    expire_date: str = ""
    time_stamp: str
    encode_str: str = ""


@dataclass(frozen=True, slots=True)
class NotifyResponse:
    """B.4 OrderRelationUpdateNotifyResponse (resultCode 0 = success, also for a known relation)."""

    record_sequence_id: str
    result_code: int = 0

    @property
    def ok(self) -> bool:
        return self.result_code == 0


# (XML element name, attribute, is int, max size) in the fixed order of B.3.
REQUEST_FIELDS: Final[tuple[tuple[str, str, bool, int], ...]] = (
    ("recordSequenceId", "record_sequence_id", False, 18),
    ("userIdType", "user_id_type", True, 4),
    ("userId", "user_id", False, 36),
    ("serviceType", "service_type", False, 2),
    ("spId", "sp_id", False, 21),
    ("productId", "product_id", False, 21),
    ("updateType", "update_type", True, 4),
    ("updateTime", "update_time", False, 14),
    ("updateDesc", "update_desc", False, 100),
    ("linkId", "link_id", False, 20),
    ("content", "content", False, 140),
    ("effectiveDate", "effective_date", False, 14),
    ("expireDate", "expire_date", False, 14),
    ("time_stamp", "time_stamp", False, 10),
    ("encodeStr", "encode_str", False, 32),
)
assert [name for _, name, _, _ in REQUEST_FIELDS] == [f.name for f in fields(NotifyRequest)]

SENDABLE_UPDATE_TYPES: Final = frozenset(
    {UpdateType.SUBSCRIBE, UpdateType.UNSUBSCRIBE, UpdateType.ON_DEMAND, UpdateType.NUMBER_CHANGE}
)


# ------------------------------------------------------------------------- encodeStr -----


def encode_str(user_id: str, order_key: str, product_id: str, time_stamp: str) -> str:
    """B.5: MD5(userId + OrderKey + productId + time_stamp), lowercase hex; "" without an OrderKey."""
    if not order_key:
        return ""
    data = (user_id + order_key + product_id + time_stamp).encode("utf-8")
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def sign(request: NotifyRequest, order_key: str) -> NotifyRequest:
    """The request with ``encode_str`` computed from the SP's OrderKey."""
    return replace(
        request,
        encode_str=encode_str(request.user_id, order_key, request.product_id, request.time_stamp),
    )


def verify_encode_str(request: NotifyRequest, order_key: str) -> bool:
    """SP side: does ``encodeStr`` match our OrderKey? (No OrderKey configured: nothing to check.)"""
    if not order_key:
        return True
    expected = encode_str(request.user_id, order_key, request.product_id, request.time_stamp)
    return hmac.compare_digest(request.encode_str.strip().lower().encode(), expected.encode())


# -------------------------------------------------------------------------- building -----

_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
_ENVELOPE_OPEN = (
    f'<soapenv:Envelope xmlns:soapenv="{SOAPENV_NS}"\n'
    f'                  xmlns:xsd="{XSD_NS}"\n'
    f'                  xmlns:xsi="{XSI_NS}">\n'
    "  <soapenv:Body>\n"
)
_ENVELOPE_CLOSE = "  </soapenv:Body>\n</soapenv:Envelope>\n"
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str, name: str) -> str:
    if _INVALID_XML_CHARS.search(value):
        raise ValueError(f"{name}: contains characters XML cannot carry: {value!r}")
    return escape(value)


def _check_request(request: NotifyRequest) -> None:
    if request.update_type not in SENDABLE_UPDATE_TYPES:
        raise ValueError(f"updateType {request.update_type} is not one of 1, 2, 3, 5")
    if request.user_id_type not in (UserIdType.MSISDN, UserIdType.PSEUDO_CODE):
        raise ValueError(f"userIdType {request.user_id_type} is not 1 or 2")
    for xml_name, attr, is_int, size in REQUEST_FIELDS:
        if not is_int and len(getattr(request, attr)) > size:
            raise ValueError(f"{xml_name}: longer than {size} characters")


def _members(request: NotifyRequest, indent: str, *, int_refs: dict[str, str] | None) -> str:
    lines = []
    for xml_name, attr, is_int, _size in REQUEST_FIELDS:
        value = getattr(request, attr)
        if is_int and int_refs is not None:
            lines.append(f'{indent}<{xml_name} href="#{int_refs[xml_name]}"/>\n')
        elif is_int:
            lines.append(f'{indent}<{xml_name} xsi:type="soapenc:int">{int(value)}</{xml_name}>\n')
        else:
            text = _text(value, xml_name)
            lines.append(f'{indent}<{xml_name} xsi:type="soapenc:string">{text}</{xml_name}>\n')
    return "".join(lines)


def _int_multiref(ref: str, value: int) -> str:
    return (
        f'    <multiRef id="{ref}" soapenc:root="0"\n'
        f'        soapenv:encodingStyle="{SOAPENC_NS}"\n'
        '        xsi:type="soapenc:int"\n'
        f'        xmlns:soapenc="{SOAPENC_NS}">{int(value)}</multiRef>\n'
    )


def build_request(request: NotifyRequest, *, multiref: bool = True) -> bytes:
    """The SOAP envelope (UTF-8 bytes) of B.6: Axis 1 multiRef form, or the inline form."""
    _check_request(request)
    if multiref:
        refs = {"userIdType": "id1", "updateType": "id2"}
        body = (
            f"    <ns1:{OPERATION}\n"
            f'        soapenv:encodingStyle="{SOAPENC_NS}"\n'
            f'        xmlns:ns1="{NOTIFY_NS}">\n'
            f'      <{OPERATION}Request href="#id0"/>\n'
            f"    </ns1:{OPERATION}>\n"
            '    <multiRef id="id0" soapenc:root="0"\n'
            f'        soapenv:encodingStyle="{SOAPENC_NS}"\n'
            '        xsi:type="ns2:OrderRelationUpdateNotifyRequest"\n'
            f'        xmlns:soapenc="{SOAPENC_NS}"\n'
            f'        xmlns:ns2="{REQ_NS}">\n'
            + _members(request, "      ", int_refs=refs)
            + "    </multiRef>\n"
            + _int_multiref("id1", request.user_id_type)
            + _int_multiref("id2", request.update_type)
        )
        return (_XML_DECL + _ENVELOPE_OPEN + body + _ENVELOPE_CLOSE).encode("utf-8")
    envelope_open = _ENVELOPE_OPEN.replace(
        f'xmlns:xsi="{XSI_NS}">', f'xmlns:xsi="{XSI_NS}"\n                  xmlns:soapenc="{SOAPENC_NS}">'
    )
    body = (
        f'    <ns1:{OPERATION} soapenv:encodingStyle="{SOAPENC_NS}"\n'
        f'        xmlns:ns1="{NOTIFY_NS}">\n'
        f'      <{OPERATION}Request xsi:type="ns2:OrderRelationUpdateNotifyRequest"\n'
        f'          xmlns:ns2="{REQ_NS}">\n'
        + _members(request, "        ", int_refs=None)
        + f"      </{OPERATION}Request>\n"
        f"    </ns1:{OPERATION}>\n"
    )
    return (_XML_DECL + envelope_open + body + _ENVELOPE_CLOSE).encode("utf-8")


def build_response(response: NotifyResponse, *, multiref: bool = False) -> bytes:
    """The SP's answer (B.7): inline form by default, Axis 1 multiRef form on request."""
    seq = _text(response.record_sequence_id, "recordSequenceId")
    members = (
        f'<recordSequenceId xsi:type="xsd:string">{seq}</recordSequenceId>\n'
        f'        <resultCode xsi:type="xsd:int">{int(response.result_code)}</resultCode>\n'
    )
    if multiref:
        body = (
            f"    <ns1:{OPERATION}Response\n"
            f'        soapenv:encodingStyle="{SOAPENC_NS}"\n'
            f'        xmlns:ns1="{NOTIFY_NS}">\n'
            f'      <{OPERATION}Return href="#id0"/>\n'
            f"    </ns1:{OPERATION}Response>\n"
            '    <multiRef id="id0" soapenc:root="0"\n'
            f'        soapenv:encodingStyle="{SOAPENC_NS}"\n'
            '        xsi:type="ns2:OrderRelationUpdateNotifyResponse"\n'
            f'        xmlns:soapenc="{SOAPENC_NS}"\n'
            f'        xmlns:ns2="{RSP_NS}">\n'
            f"        {members}"
            "    </multiRef>\n"
        )
    else:
        body = (
            f"    <ns1:{OPERATION}Response\n"
            f'        soapenv:encodingStyle="{SOAPENC_NS}"\n'
            f'        xmlns:ns1="{NOTIFY_NS}">\n'
            f'      <{OPERATION}Return xsi:type="ns2:OrderRelationUpdateNotifyResponse"\n'
            f'          xmlns:ns2="{RSP_NS}">\n'
            f"        {members}"
            f"      </{OPERATION}Return>\n"
            f"    </ns1:{OPERATION}Response>\n"
        )
    return (_XML_DECL + _ENVELOPE_OPEN + body + _ENVELOPE_CLOSE).encode("utf-8")


def build_fault(faultstring: str, faultcode: str = "soapenv:Server") -> bytes:
    """A SOAP 1.1 Fault envelope (what a failing SP server returns with HTTP 500)."""
    body = (
        "    <soapenv:Fault>\n"
        f"      <faultcode>{_text(faultcode, 'faultcode')}</faultcode>\n"
        f"      <faultstring>{_text(faultstring, 'faultstring')}</faultstring>\n"
        "    </soapenv:Fault>\n"
    )
    return (_XML_DECL + _ENVELOPE_OPEN + body + _ENVELOPE_CLOSE).encode("utf-8")


# --------------------------------------------------------------------------- parsing -----


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refuse_dtd(*_args: object) -> None:
    raise SoapError("a SOAP message must not contain a DTD or entity declarations")


def _parse_xml(data: bytes | str) -> ET.Element:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = _refuse_dtd
    scanner.EntityDeclHandler = _refuse_dtd
    try:
        scanner.Parse(raw, True)
    except expat.ExpatError as exc:
        raise SoapError(f"not well-formed XML: {exc}") from None
    # Safe: the pre-scan above refused any DTD, hence any entity declaration.
    return ET.fromstring(raw)  # noqa: S314


class _Document:
    """An envelope's Body with its ``multiRef`` id table, resolving ``href="#id"``."""

    def __init__(self, data: bytes | str) -> None:
        root = _parse_xml(data)
        if root.tag != f"{{{SOAPENV_NS}}}Envelope":
            raise SoapError(f"root element is {root.tag}, not a SOAP 1.1 Envelope")
        body = root.find(f"{{{SOAPENV_NS}}}Body")
        if body is None:
            raise SoapError("the Envelope has no Body")
        self.body = body
        self.ids = {el.get("id"): el for el in body.iter() if el.get("id")}

    def deref(self, element: ET.Element) -> ET.Element:
        seen: set[str] = set()
        while (href := element.get("href")) is not None:
            ref = href.removeprefix("#")
            if ref in seen or ref not in self.ids:
                raise SoapError(f"href {href!r} does not resolve")
            seen.add(ref)
            element = self.ids[ref]
        return element

    def fault(self) -> None:
        fault = self.body.find(f"{{{SOAPENV_NS}}}Fault")
        if fault is not None:
            code = (fault.findtext("faultcode") or "").strip()
            text = (fault.findtext("faultstring") or "").strip()
            raise SoapFault(code, text)

    def operation(self, name: str) -> ET.Element:
        """The rpc operation element: the Body child named ``name`` (not a multiRef)."""
        for child in self.body:
            if _local(child.tag) == name:
                return child
        raise SoapError(f"the Body has no {name} element")

    def part(self, operation: ET.Element) -> ET.Element:
        for child in operation:
            return self.deref(child)
        raise SoapError(f"{_local(operation.tag)} has no part")

    def members(self, struct: ET.Element) -> dict[str, str | None]:
        """Member local name → trimmed text ("" for xsi:nil); first occurrence wins."""
        values: dict[str, str | None] = {}
        for child in struct:
            name = _local(child.tag)
            if name in values:
                continue
            target = self.deref(child)
            if target.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
                values[name] = ""
            else:
                values[name] = (target.text or "").strip()
        return values


def _int_member(values: dict[str, str | None], name: str) -> int:
    text = values.get(name)
    if not text:
        raise SoapError(f"{name} is missing")
    try:
        return int(text)
    except ValueError:
        raise SoapError(f"{name} is not an integer: {text!r}") from None


def parse_request(data: bytes | str) -> NotifyRequest:
    """Parse an ``orderRelationUpdateNotify`` request in multiRef or inline form."""
    doc = _Document(data)
    struct = doc.part(doc.operation(OPERATION))
    values = doc.members(struct)
    kwargs: dict[str, str | int] = {}
    for xml_name, attr, is_int, _size in REQUEST_FIELDS:
        kwargs[attr] = _int_member(values, xml_name) if is_int else (values.get(xml_name) or "")
    return NotifyRequest(**kwargs)  # type: ignore[arg-type]


def parse_response(data: bytes | str) -> NotifyResponse:
    """Parse the SP's answer (inline or multiRef); a SOAP Fault raises :class:`SoapFault`."""
    doc = _Document(data)
    doc.fault()
    struct = doc.part(doc.operation(OPERATION + "Response"))
    values = doc.members(struct)
    return NotifyResponse(
        record_sequence_id=values.get("recordSequenceId") or "",
        result_code=_int_member(values, "resultCode"),
    )
