"""The binary interface on a real TCP socket, driven by a small blocking client."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from vasops.vac import tcp_server
from vasops.vac.models import Subscription, UsageRecord
from vasops.vac.protocol import binary as b
from vasops.vac.protocol.codes import ResultCode as RC

pytestmark = pytest.mark.django_db(transaction=True)
DEVICE, SECRET = "SPMS01", "s3cret"
MSISDN = "8613012345678"


@pytest.fixture
def server(settings):
    settings.VASOPS_VAC_TCP_CLIENTS = {DEVICE: SECRET}
    loop = asyncio.new_event_loop()
    srv = loop.run_until_complete(tcp_server.serve("127.0.0.1", 0))
    port = srv.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield port

    async def stop() -> None:
        srv.close()
        current = asyncio.current_task()
        for task in asyncio.all_tasks():
            if task is not current:
                task.cancel()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


class Client:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.frames = b.FrameReader()
        self.buffer: list[bytes] = []
        self.seq = 0

    def raw(self, data: bytes) -> b.Message | None:
        self.sock.sendall(data)
        while not self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buffer.extend(self.frames.feed(chunk))
        return b.decode(self.buffer.pop(0))

    def send(self, msg: b.Message) -> b.Message | None:
        return self.raw(b.encode(msg))

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def bind(self, secret: str = SECRET) -> b.Message | None:
        return self.send(
            b.Bind.create(
                sequence_id=self.next_seq(),
                source_device_type=1,
                source_device_id=DEVICE,
                dest_device_id="VAC",
                secret=secret,
                time_stamp="0310120000",
                version=0x10,
            )
        )

    def check_price(self, op: int, sp_id: str, service_id: str, number: str = "SN0001") -> b.CheckPriceResp:
        addr = b.Address(1, "WCDMA", MSISDN)
        msg = b.CheckPrice(
            sequence_id=self.next_seq(),
            source_device_type=1,
            source_device_id=DEVICE,
            dest_device_id="VAC",
            sequence_number=number,
            oa=addr,
            da=addr,
            fa=b.Address(1, "", ""),
            service_id_type=3,
            sp_id=sp_id,
            service_id=service_id,
            service_updown_type=2,
            begin_time="20260310120000",
            operation_type=op,
            service_type="90",
            tlvs=(b.Tlv.of(b.TlvTag.ORDER_METHOD, "crm"),),
        )
        resp = self.send(msg)
        assert isinstance(resp, b.CheckPriceResp) and resp.sequence_id == msg.sequence_id
        return resp


def test_bind_with_wrong_secret_is_refused_and_closed(server):
    client = Client(server)
    resp = client.bind("wrong")
    assert isinstance(resp, b.BindResp) and resp.result_code == RC.AUTH_MISMATCH
    assert client.sock.recv(10) == b""


def test_check_price_before_bind_answers_not_bound(server, monthly):
    resp = Client(server).check_price(6, "90001", monthly.product_code)
    assert resp.result_code == RC.NOT_BOUND


def test_subscribe_charge_confirm_unbind_over_a_real_socket(server, monthly):
    client = Client(server)
    assert client.bind().result_code == RC.SUCCESS
    assert client.bind().result_code == RC.ALREADY_BOUND
    assert client.send(b.Handset(sequence_id=client.next_seq())) == b.HandsetResp(sequence_id=client.seq)
    assert client.check_price(1, "90001", monthly.product_code).result_code == RC.SUCCESS
    assert Subscription.objects.get().state == "active"
    assert client.check_price(1, "90001", monthly.product_code).result_code == RC.ALREADY_SUBSCRIBED
    assert client.check_price(6, "90001", monthly.product_code).result_code == RC.SUCCESS
    # first month already charged on subscribe → no further charge this month
    assert client.check_price(0, "90001", monthly.product_code).need_confirm == 0
    assert client.check_price(1, "99999", monthly.product_code).result_code == RC.SP_NOT_FOUND
    assert client.check_price(1, "90001", "0000000000").result_code == RC.SERVICE_NOT_FOUND
    assert client.check_price(2, "90001", monthly.product_code).result_code == RC.SUCCESS
    assert client.check_price(2, "90001", monthly.product_code).result_code == RC.NOT_SUBSCRIBED
    assert isinstance(client.send(b.UnBind(sequence_id=client.next_seq())), b.UnBindResp)
    assert client.sock.recv(10) == b""


def test_per_use_charge_waits_for_confirm(server, per_use):
    client = Client(server)
    client.bind()
    resp = client.check_price(0, "90001", per_use.product_code, number="SN0042")
    assert (resp.result_code, resp.need_confirm, resp.confirm_interval) == (RC.SUCCESS, 1, 60)
    assert not UsageRecord.objects.exists()
    confirm = b.CheckPriceConfirm(
        sequence_id=client.next_seq(),
        source_device_type=1,
        source_device_id=DEVICE,
        dest_device_id="VAC",
        sequence_number="SN0042",
        end_time="20260310120005",
        service_type="90",
    )
    assert client.send(confirm).result_code == RC.SUCCESS
    assert UsageRecord.objects.get().cdr_id == f"{DEVICE}-SN0042"
    # a second confirm of the same transaction is refused and charges nothing
    assert client.send(confirm).result_code == RC.FIELD_INVALID
    assert UsageRecord.objects.count() == 1


def test_malformed_check_price_gets_error_response(server):
    client = Client(server)
    client.bind()
    bad = b.HEADER.pack(12 + 10, b.CommandId.CHECK_PRICE, 77) + b"\x00" * 10
    resp = client.raw(bad)
    assert isinstance(resp, b.CheckPriceResp)
    assert (resp.sequence_id, resp.result_code, resp.need_confirm) == (77, RC.DECODE_FAILED, -1)


def test_bad_length_closes_after_answering(server):
    client = Client(server)
    client.bind()
    resp = client.raw(b.HEADER.pack(5, b.CommandId.BIND, 9))
    assert isinstance(resp, b.BindResp) and resp.result_code == RC.INVALID_PDU_LENGTH
    assert client.sock.recv(10) == b""
