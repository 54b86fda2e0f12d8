"""orderRelationUpdateNotify: the B.6 / B.7 examples of VAC.md, both serialisations, encodeStr."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from vasops.vac.protocol import soap
from vasops.vac.protocol.soap import (
    NotifyRequest,
    NotifyResponse,
    SoapError,
    SoapFault,
    UpdateType,
    build_request,
    build_response,
    encode_str,
    parse_request,
    parse_response,
)

# VAC.md B.6, the multiRef request, verbatim.
B6_MULTIREF = """\
<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                  xmlns:xsd="http://www.w3.org/2001/XMLSchema"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Body>
    <ns1:orderRelationUpdateNotify
        soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
        xmlns:ns1="http://soap.bossagent.vac.unicom.com">
      <orderRelationUpdateNotifyRequest href="#id0"/>
    </ns1:orderRelationUpdateNotify>
    <multiRef id="id0" soapenc:root="0"
        soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
        xsi:type="ns2:OrderRelationUpdateNotifyRequest"
        xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
        xmlns:ns2="http://req.sync.soap.bossagent.vac.unicom.com">
      <recordSequenceId xsi:type="soapenc:string">202503150930060001</recordSequenceId>
      <userIdType href="#id1"/>
      <userId xsi:type="soapenc:string">8613012345678</userId>
      <serviceType xsi:type="soapenc:string">90</serviceType>
      <spId xsi:type="soapenc:string">96001</spId>
      <productId xsi:type="soapenc:string">9011000101</productId>
      <updateType href="#id2"/>
      <updateTime xsi:type="soapenc:string">20250315093006</updateTime>
      <updateDesc xsi:type="soapenc:string">10655001</updateDesc>
      <linkId xsi:type="soapenc:string"></linkId>
      <content xsi:type="soapenc:string">DGTQYB</content>
      <effectiveDate xsi:type="soapenc:string">20250315093006</effectiveDate>
      <expireDate xsi:type="soapenc:string">20370101000000</expireDate>
      <time_stamp xsi:type="soapenc:string">0315093006</time_stamp>
      <encodeStr xsi:type="soapenc:string">104c5c35f6ab9d76183412df9d7c832d</encodeStr>
    </multiRef>
    <multiRef id="id1" soapenc:root="0"
        soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
        xsi:type="soapenc:int"
        xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">1</multiRef>
    <multiRef id="id2" soapenc:root="0"
        soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
        xsi:type="soapenc:int"
        xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">1</multiRef>
  </soapenv:Body>
</soapenv:Envelope>
"""

# VAC.md B.6, the inline form; VAC.md elides 13 members ("… the other 13 members …"), filled in here.
B6_INLINE = """\
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                  xmlns:xsd="http://www.w3.org/2001/XMLSchema"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">
  <soapenv:Body>
    <ns1:orderRelationUpdateNotify soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
                                   xmlns:ns1="http://soap.bossagent.vac.unicom.com">
      <orderRelationUpdateNotifyRequest xsi:type="ns2:OrderRelationUpdateNotifyRequest"
                                        xmlns:ns2="http://req.sync.soap.bossagent.vac.unicom.com">
        <recordSequenceId xsi:type="soapenc:string">202503150930060001</recordSequenceId>
        <userIdType xsi:type="soapenc:int">1</userIdType>
        <userId xsi:type="soapenc:string">8613012345678</userId>
        <serviceType xsi:type="soapenc:string">90</serviceType>
        <spId xsi:type="soapenc:string">96001</spId>
        <productId xsi:type="soapenc:string">9011000101</productId>
        <updateType xsi:type="soapenc:int">1</updateType>
        <updateTime xsi:type="soapenc:string">20250315093006</updateTime>
        <updateDesc xsi:type="soapenc:string">10655001</updateDesc>
        <linkId xsi:type="soapenc:string">
        </linkId>
        <content xsi:type="soapenc:string">DGTQYB</content>
        <effectiveDate xsi:type="soapenc:string">20250315093006</effectiveDate>
        <expireDate xsi:type="soapenc:string">20370101000000</expireDate>
        <time_stamp xsi:type="soapenc:string">0315093006</time_stamp>
        <encodeStr xsi:type="soapenc:string">104c5c35f6ab9d76183412df9d7c832d</encodeStr>
      </orderRelationUpdateNotifyRequest>
    </ns1:orderRelationUpdateNotify>
  </soapenv:Body>
</soapenv:Envelope>
"""

# VAC.md B.7, verbatim.
B7_RESPONSE = """\
<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                  xmlns:xsd="http://www.w3.org/2001/XMLSchema"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soapenv:Body>
    <ns1:orderRelationUpdateNotifyResponse
        soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
        xmlns:ns1="http://soap.bossagent.vac.unicom.com">
      <orderRelationUpdateNotifyReturn xsi:type="ns2:OrderRelationUpdateNotifyResponse"
          xmlns:ns2="http://rsp.sync.soap.bossagent.vac.unicom.com">
        <recordSequenceId xsi:type="xsd:string">202503150930060001</recordSequenceId>
        <resultCode xsi:type="xsd:int">0</resultCode>
      </orderRelationUpdateNotifyReturn>
    </ns1:orderRelationUpdateNotifyResponse>
  </soapenv:Body>
</soapenv:Envelope>
"""

B7_MULTIREF = """\
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <ns1:orderRelationUpdateNotifyResponse soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
      xmlns:ns1="http://soap.bossagent.vac.unicom.com">
   <orderRelationUpdateNotifyReturn href="#id0"/>
  </ns1:orderRelationUpdateNotifyResponse>
  <multiRef id="id0" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
      xsi:type="ns2:OrderRelationUpdateNotifyResponse"
      xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
      xmlns:ns2="http://rsp.sync.soap.bossagent.vac.unicom.com">
   <recordSequenceId xsi:type="soapenc:string">202503150930060001</recordSequenceId>
   <resultCode href="#id1"/>
  </multiRef>
  <multiRef id="id1" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"
      xsi:type="xsd:int" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">1</multiRef>
 </soapenv:Body>
</soapenv:Envelope>
"""

EXAMPLE = NotifyRequest(
    record_sequence_id="202503150930060001",
    user_id_type=1,
    user_id="8613012345678",
    service_type="90",
    sp_id="96001",
    product_id="9011000101",
    update_type=UpdateType.SUBSCRIBE,
    update_time="20250315093006",
    update_desc="10655001",
    link_id="",
    content="DGTQYB",
    effective_date="20250315093006",
    expire_date="20370101000000",
    time_stamp="0315093006",
    encode_str="104c5c35f6ab9d76183412df9d7c832d",
)


def _c14n(xml: str | bytes) -> str:
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    return ET.canonicalize(text, strip_text=True)


def test_encode_str_vector_from_vac_md():
    assert encode_str("8613012345678", "sp-order-key", "9011000101", "0315093006") == (
        "104c5c35f6ab9d76183412df9d7c832d"
    )


def test_encode_str_is_empty_without_an_order_key():
    assert encode_str("8613012345678", "", "9011000101", "0315093006") == ""


def test_sign_and_verify():
    unsigned = NotifyRequest(**{**_values(EXAMPLE), "encode_str": ""})
    signed = soap.sign(unsigned, "sp-order-key")
    assert signed == EXAMPLE
    assert soap.verify_encode_str(signed, "sp-order-key")
    upper = NotifyRequest(**{**_values(EXAMPLE), "encode_str": EXAMPLE.encode_str.upper()})
    assert soap.verify_encode_str(upper, "sp-order-key")  # case-insensitive
    assert not soap.verify_encode_str(signed, "another-key")


def _values(request: NotifyRequest) -> dict[str, object]:
    return {name: getattr(request, name) for _x, name, _i, _s in soap.REQUEST_FIELDS}


def test_built_multiref_request_is_the_b6_example():
    assert _c14n(build_request(EXAMPLE)) == _c14n(B6_MULTIREF)


def test_built_request_has_the_15_members_in_the_documented_order_and_namespace():
    root = ET.fromstring(build_request(EXAMPLE))
    body = root.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    operation = body[0]
    assert operation.tag == "{http://soap.bossagent.vac.unicom.com}orderRelationUpdateNotify"
    struct = body.find("multiRef[@id='id0']")
    assert [child.tag for child in struct] == [
        "recordSequenceId", "userIdType", "userId", "serviceType", "spId", "productId", "updateType",
        "updateTime", "updateDesc", "linkId", "content", "effectiveDate", "expireDate", "time_stamp",
        "encodeStr",
    ]  # fmt: skip


def test_built_inline_request_is_the_b6_inline_example():
    assert _c14n(build_request(EXAMPLE, multiref=False)) == _c14n(B6_INLINE)


@pytest.mark.parametrize("xml", [B6_MULTIREF, B6_INLINE], ids=["multiRef", "inline"])
def test_both_forms_parse_to_the_same_request(xml):
    assert parse_request(xml) == EXAMPLE
    assert parse_request(xml.encode("utf-8")) == EXAMPLE


@pytest.mark.parametrize("multiref", [True, False])
@pytest.mark.parametrize("update_type", [1, 2, 3, 5])
def test_request_round_trip_with_chinese_and_markup(multiref, update_type):
    request = NotifyRequest(
        **{**_values(EXAMPLE), "update_type": update_type, "content": '退订 <天气> & "预报"', "link_id": ""}
    )
    assert parse_request(build_request(request, multiref=multiref)) == request


def test_number_change_carries_the_old_number_in_content():
    request = NotifyRequest(**{**_values(EXAMPLE), "update_type": 5, "content": "8613000000000"})
    parsed = parse_request(build_request(request))
    assert (parsed.update_type, parsed.content) == (UpdateType.NUMBER_CHANGE, "8613000000000")


def test_build_refuses_reserved_or_unknown_update_type_and_oversize_fields():
    with pytest.raises(ValueError, match="updateType"):
        build_request(NotifyRequest(**{**_values(EXAMPLE), "update_type": 4}))
    with pytest.raises(ValueError, match="recordSequenceId"):
        build_request(NotifyRequest(**{**_values(EXAMPLE), "record_sequence_id": "1" * 19}))
    with pytest.raises(ValueError, match="XML"):
        build_request(NotifyRequest(**{**_values(EXAMPLE), "content": "bad\x01"}))


def test_nil_members_read_as_empty():
    xml = B6_INLINE.replace(
        '<content xsi:type="soapenc:string">DGTQYB</content>', '<content xsi:nil="true"/>'
    )
    assert parse_request(xml).content == ""


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<a>", "well-formed"),
        ("<a/>", "Envelope"),
        (B6_MULTIREF.replace('href="#id1"', 'href="#nowhere"'), "resolve"),
        (B6_INLINE.replace(">1</userIdType>", ">one</userIdType>"), "userIdType"),
        (
            B6_INLINE.replace("ns1:orderRelationUpdateNotify", "ns1:somethingElse"),
            "orderRelationUpdateNotify",
        ),
        (
            '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + B6_INLINE,
            "DTD",
        ),
    ],
)
def test_malformed_requests_raise_soap_error(xml, message):
    with pytest.raises(SoapError, match=message):
        parse_request(xml)


def test_b7_response_parses():
    assert parse_response(B7_RESPONSE) == NotifyResponse("202503150930060001", 0)


def test_multiref_response_parses():
    response = parse_response(B7_MULTIREF)
    assert response == NotifyResponse("202503150930060001", 1)
    assert not response.ok


def test_built_response_is_the_b7_example():
    assert _c14n(build_response(NotifyResponse("202503150930060001", 0))) == _c14n(B7_RESPONSE)


@pytest.mark.parametrize("multiref", [True, False])
def test_response_round_trip(multiref):
    response = NotifyResponse("202503150930060002", 1)
    assert parse_response(build_response(response, multiref=multiref)) == response


def test_fault_raises_soap_fault():
    with pytest.raises(SoapFault) as info:
        parse_response(soap.build_fault("order key mismatch"))
    assert info.value.faultcode == "soapenv:Server"
    assert info.value.faultstring == "order key mismatch"


def test_http_headers():
    assert soap.HTTP_HEADERS == {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
