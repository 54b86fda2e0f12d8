"""orderRelationUpdateNotify against an independent SOAP stack (zeep), over real HTTP.

The SP side is zeep driven by ``data/vac_sync_notify_sp.wsdl`` (VAC.md B.8: rpc/encoded, the 15
request members in B.3 order). zeep deserialises our envelopes strictly (element names, order and
XSD types of the members; multiRef ``href`` resolved by zeep itself) and serialises its answers;
in the reverse direction zeep is the client and our parser reads what it sends. zeep ignores the
operation element's namespace, ``encodingStyle`` and the struct's ``xsi:type``, so the SP below
checks those against zeep's model of the WSDL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree
from zeep.exceptions import XMLParseError
from zeep.loader import parse_xml
from zeep.transports import Transport

from vasops.vac import actions, tasks
from vasops.vac.models import NotifyOutbox, SpEndpoint
from vasops.vac.protocol import soap
from vasops.vac.tests.fake_sp import FakeSp

DATA = Path(__file__).parent / "data"
WSDL = DATA / "vac_sync_notify_sp.wsdl"
OPERATION = "orderRelationUpdateNotify"
NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)
ORDER_KEY = "sp-order-key"
SOAPENV = "{http://schemas.xmlsoap.org/soap/envelope/}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

# B.3 member name → NotifyRequest attribute, in wire order (written out here, not taken from soap.py)
MEMBERS = {
    "recordSequenceId": "record_sequence_id",
    "userIdType": "user_id_type",
    "userId": "user_id",
    "serviceType": "service_type",
    "spId": "sp_id",
    "productId": "product_id",
    "updateType": "update_type",
    "updateTime": "update_time",
    "updateDesc": "update_desc",
    "linkId": "link_id",
    "content": "content",
    "effectiveDate": "effective_date",
    "expireDate": "expire_date",
    "time_stamp": "time_stamp",
    "encodeStr": "encode_str",
}

FULL = soap.NotifyRequest(
    record_sequence_id="202503150930060001",
    user_id_type=2,
    user_id="8613012345678",
    service_type="90",
    sp_id="96001",
    product_id="9011000101",
    update_type=3,
    update_time="20250315093006",
    update_desc="10655001 <接入号> & 'x'",
    link_id="03150930061234567890",
    content='点播 "DGTQYB" ]]> &amp;',
    effective_date="20250315093006",
    expire_date="20370101000000",
    time_stamp="0315093006",
    encode_str="104c5c35f6ab9d76183412df9d7c832d",
)


class OfflineTransport(Transport):
    """zeep loads the WSDL and imports through its transport: serve the SOAP-encoding schema
    from data/ and refuse any other download, so the tests never touch the network."""

    def load(self, url: str) -> bytes:
        if url.rstrip("/") == soap.SOAPENC_NS.rstrip("/"):
            return (DATA / "soap-encoding-subset.xsd").read_bytes()
        if "://" in url and not url.startswith("file://"):
            raise AssertionError(f"zeep tried to download {url}")
        return bytes(super().load(url))


@pytest.fixture(scope="module")
def client() -> zeep.Client:
    return zeep.Client(str(WSDL), transport=OfflineTransport())


def operation(client: zeep.Client) -> Any:
    return client.service._binding.get(OPERATION)


def wsdl_input_body() -> dict[str, str | None]:
    """use / encodingStyle of the operation's input soap:body (zeep drops them once resolved)."""
    ns = {"wsdl": "http://schemas.xmlsoap.org/wsdl/", "soap": "http://schemas.xmlsoap.org/wsdl/soap/"}
    path = f"wsdl:binding/wsdl:operation[@name='{OPERATION}']/wsdl:input/soap:body"
    (body,) = etree.parse(str(WSDL)).getroot().xpath(path, namespaces=ns)
    return {"use": body.get("use"), "encodingStyle": body.get("encodingStyle")}


def plain(struct: Any) -> dict[str, object]:
    """zeep's values → python values: soapenc:string / soapenc:int arrive as simpleContent
    objects (value in ``_value_1`` beside id/href); zeep reads an empty element as None, which
    is the empty string on the wire."""
    values: dict[str, object] = {}
    for name in struct:
        member = struct[name]
        value = getattr(member, "_value_1", member)
        values[name] = "" if value is None else value
    return values


def expected(request: soap.NotifyRequest) -> dict[str, object]:
    data = asdict(request)
    return {name: data[attr] for name, attr in MEMBERS.items()}


# ------------------------------------------------------------------ zeep as the SP server -----


class ZeepSp(FakeSp):
    """An SP whose request parsing and response building are done by zeep from the WSDL."""

    def __init__(self, client: zeep.Client) -> None:
        super().__init__()
        self.client = client
        self.op = operation(client)

    def respond(self, body: bytes) -> tuple[bytes, int]:
        return self.handle(body), 200

    def check_envelope(self, envelope: Any) -> None:
        """What an rpc/encoded SP dispatches and decodes on, and zeep does not check itself."""
        body = envelope.find(f"{SOAPENV}Body")
        call = body[0]
        info = wsdl_input_body()
        assert call.tag == self.op.input.body.qname.text, f"operation element {call.tag}"
        assert info["use"] == "encoded"
        assert call.get(f"{SOAPENV}encodingStyle") == info["encodingStyle"]
        accessor = call[0]
        if href := accessor.get("href"):
            (accessor,) = body.xpath("*[@id=$id]", id=href.removeprefix("#"))
            assert accessor.get(f"{SOAPENV}encodingStyle") == info["encodingStyle"]
        prefix, _, local = accessor.get(XSI_TYPE).rpartition(":")
        part_type = self.op.input.body.type.elements[0][1].type.qname
        assert etree.QName(accessor.nsmap[prefix or None], local) == part_type

    def handle(self, body: bytes) -> bytes:
        envelope = parse_xml(body, self.client.transport, settings=self.client.settings)
        self.check_envelope(envelope)
        struct = self.op.input.deserialize(envelope)  # zeep resolves href/multiRef itself
        values = plain(struct)
        self.received.append(values)
        answer = self.op.output.serialize(
            orderRelationUpdateNotifyReturn={
                "recordSequenceId": values["recordSequenceId"],
                "resultCode": self.result_code,
            }
        )
        return bytes(etree.tostring(answer.content, xml_declaration=True, encoding="UTF-8"))


@pytest.fixture
def zeep_sp(client):
    with ZeepSp(client) as sp:
        yield sp


@pytest.mark.django_db(transaction=True)
def test_zeep_sp_receives_exactly_the_outbox_row_from_deliver_notifications(
    zeep_sp, client, partner, monthly
):
    SpEndpoint.objects.create(partner=partner, url=zeep_sp.url, order_key=ORDER_KEY)
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)

    report = tasks.deliver_notifications(now=NOW)

    assert zeep_sp.errors == []
    assert report == tasks.DeliveryReport(delivered=1)  # our parser took zeep's resultCode 0
    row = NotifyOutbox.objects.get()
    assert row.state == NotifyOutbox.State.DELIVERED
    (got,) = zeep_sp.received
    assert list(got) == list(MEMBERS)
    assert got == {
        "recordSequenceId": row.record_sequence_id,
        "userIdType": row.user_id_type,
        "userId": row.user_id,
        "serviceType": row.service_type,
        "spId": row.sp_id,
        "productId": row.product_id,
        "updateType": row.update_type,
        "updateTime": row.update_time,
        "updateDesc": row.update_desc,
        "linkId": row.link_id,
        "content": row.content,
        "effectiveDate": row.effective_date,
        "expireDate": row.expire_date,
        "time_stamp": row.time_stamp,
        "encodeStr": row.encode_str,
    }
    assert (got["userId"], got["spId"], got["productId"], got["updateType"]) == (
        "8613012345678",
        "90001",
        monthly.product_code,
        1,
    )
    digest = f"{got['userId']}{ORDER_KEY}{got['productId']}{got['time_stamp']}".encode()
    assert got["encodeStr"] == hashlib.md5(digest, usedforsecurity=False).hexdigest()
    assert zeep_sp.headers[0]["soapaction"] == '""'
    assert zeep_sp.headers[0]["content-type"] == "text/xml; charset=utf-8"


@pytest.mark.django_db(transaction=True)
def test_zeep_sp_answering_result_code_1_is_a_failed_delivery(zeep_sp, partner, monthly):
    zeep_sp.result_code = 1
    SpEndpoint.objects.create(partner=partner, url=zeep_sp.url, order_key=ORDER_KEY)
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)
    assert tasks.deliver_notifications(now=NOW) == tasks.DeliveryReport(retried=1)
    assert zeep_sp.errors == [] and len(zeep_sp.received) == 1
    assert NotifyOutbox.objects.get().last_error == "SP resultCode 1"


@pytest.mark.parametrize("multiref", [True, False], ids=["multiref", "inline"])
def test_zeep_sp_decodes_every_member_of_both_envelope_forms(zeep_sp, multiref):
    answer = tasks.post(zeep_sp.url, soap.build_request(FULL, multiref=multiref))

    assert zeep_sp.errors == []
    assert zeep_sp.received == [expected(FULL)]
    assert isinstance(zeep_sp.received[0]["userIdType"], int)
    assert isinstance(zeep_sp.received[0]["updateType"], int)
    assert soap.parse_response(answer) == soap.NotifyResponse(FULL.record_sequence_id, 0)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("time_stamp", "timeStamp"),  # a misspelt member
        ('<userIdType href="#id1"/>', ""),  # a missing member
    ],
)
def test_zeep_sp_refuses_an_envelope_that_breaks_the_wsdl(client, old, new):
    """The SP check has teeth: zeep refuses what does not follow B.3."""
    envelope = soap.build_request(FULL).decode().replace(old, new).encode()
    with pytest.raises(XMLParseError):
        operation(client).input.deserialize(etree.fromstring(envelope))


def test_zeep_sp_refuses_members_out_of_order(client):
    envelope = soap.build_request(FULL).decode()
    envelope = envelope.replace('<userIdType href="#id1"/>\n', "").replace(
        '<updateType href="#id2"/>\n', '<updateType href="#id2"/>\n      <userIdType href="#id1"/>\n'
    )
    with pytest.raises(XMLParseError):
        operation(client).input.deserialize(etree.fromstring(envelope.encode()))


@pytest.mark.parametrize("multiref", [True, False], ids=["multiref", "inline"])
@pytest.mark.parametrize(
    ("old", "new"),
    [
        (f'xmlns:ns1="{soap.NOTIFY_NS}"', 'xmlns:ns1="http://other.example"'),  # operation namespace
        (f'xmlns:ns2="{soap.REQ_NS}"', 'xmlns:ns2="http://other.example"'),  # struct xsi:type
        (f'soapenv:encodingStyle="{soap.SOAPENC_NS}"', 'soapenv:encodingStyle=""'),
    ],
)
def test_zeep_sp_refuses_what_zeep_alone_would_let_through(zeep_sp, multiref, old, new):
    envelope = soap.build_request(FULL, multiref=multiref).decode().replace(old, new).encode()
    with pytest.raises(AssertionError):
        zeep_sp.handle(envelope)


# ------------------------------------------------------------------ zeep as the VAC client -----


def zeep_request(client: zeep.Client, request: soap.NotifyRequest) -> bytes:
    envelope = client.create_message(
        client.service, OPERATION, orderRelationUpdateNotifyRequest=expected(request)
    )
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def test_our_parse_request_reads_zeeps_inline_request(client):
    data = zeep_request(client, FULL)
    assert b"multiRef" not in data and b"href=" not in data  # zeep writes the inline form
    assert soap.parse_request(data) == FULL


def test_our_parse_request_reads_zeeps_request_with_empty_optional_members(client):
    minimal = soap.NotifyRequest(
        record_sequence_id="202503150930060002",
        user_id="8613012345678",
        service_type="90",
        sp_id="96001",
        product_id="9011000101",
        update_type=2,
        update_time="20250315093006",
        time_stamp="0315093006",
    )
    assert soap.parse_request(zeep_request(client, minimal)) == minimal


@pytest.mark.parametrize("multiref", [False, True], ids=["inline", "multiref"])
def test_zeep_client_calls_our_sp_and_reads_our_response(client, multiref):
    with FakeSp(multiref=multiref) as sp:
        service = client.create_service(
            "{http://soap.bossagent.vac.unicom.com}SyncNotifySPSoapBinding", sp.url
        )
        result = service.orderRelationUpdateNotify(orderRelationUpdateNotifyRequest=expected(FULL))

    assert sp.received == [FULL]
    assert sp.headers[0]["soapaction"] == '""'
    assert plain(result) == {"recordSequenceId": FULL.record_sequence_id, "resultCode": 0}
