"""The binary interface (VAC.md Part A) of the gateway on a real TCP socket: the gateway's engine
and binary server in a background event loop, on the test database and Redis, driven by a small
blocking client (tests/binary_client.py). Bind, the SMS gateway's subscribe, MO on-demand, CDR
ids, and the malformed input the protocol speaks of."""

from __future__ import annotations

import datetime as dt
import os
import struct
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection

from vasops.vac import cache as vac_cache
from vasops.vac import ids, rules
from vasops.vac.gateway import Device
from vasops.vac.models import NotifyOutbox, SmsMessage, Subscription, UsageRecord
from vasops.vac.protocol import binary as b
from vasops.vac.protocol.codes import ResultCode as RC
from vasops.vac.tests.binary_client import MSISDN, BinaryClient, EngineThread, dsn_of, stamp

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = os.environ.get("VASOPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
PREFIX = f"vacbin:{uuid.uuid4().hex[:8]}:"
SPMS, SECRET = "241701", "vasops-test"  # VAC.md A.11
HEX, WAP = "HEX001", "WAP001"
DEVICES = {
    SPMS: Device(secret=SECRET),
    HEX: Device(secret="hex-secret", hex16=True),
    WAP: Device(secret="wap-secret"),
}
ACCESS_NO = b.Tlv.of(b.TlvTag.ACCESS_NO, "10655001")
COMMAND_WORD = b.Tlv.of(b.TlvTag.SMS_CONTENT, "DGTQYB")


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[int]:
    with django_db_blocker.unblock():
        dsn = dsn_of(connection.settings_dict)
    engine = EngineThread(dsn, REDIS_URL, PREFIX, DEVICES)
    port = engine.start()
    yield port
    engine.stop()
    vac_cache.clear(REDIS_URL, PREFIX)


@pytest.fixture(autouse=True)
def _fresh_cache(server, settings):
    settings.VASOPS_VAC_REDIS_URL = REDIS_URL
    settings.VASOPS_VAC_CACHE_PREFIX = PREFIX
    vac_cache.clear(REDIS_URL, PREFIX)


@pytest.fixture
def spms(server) -> Iterator[BinaryClient]:
    with BinaryClient(server, SPMS, SECRET) as client:
        assert client.bind().result_code == RC.SUCCESS
        yield client


def code_of(product) -> tuple[str, str]:
    return product.partner.enterprise_code, product.product_code


# --- Bind (A.6.1) ------------------------------------------------------------------------------


def test_unknown_device_is_3_and_a_wrong_authenticator_is_4_and_both_close(server):
    client = BinaryClient(server, "NOBODY", "x")
    assert client.bind().result_code == RC.INVALID_ACCOUNT and client.closed()
    client = BinaryClient(server, SPMS, SECRET)
    assert client.bind("wrong").result_code == RC.AUTH_MISMATCH and client.closed()


def test_the_16_hex_character_authenticator_is_accepted_only_for_a_device_configured_for_it(server):
    with BinaryClient(server, HEX, "hex-secret") as client:
        assert client.bind(hex16=True).result_code == RC.SUCCESS
    client = BinaryClient(server, SPMS, SECRET)
    assert client.bind(hex16=True).result_code == RC.AUTH_MISMATCH and client.closed()
    with BinaryClient(server, HEX, "hex-secret") as client:  # the raw digest stays valid for it
        assert client.bind().result_code == RC.SUCCESS


def test_a_bind_with_a_time_stamp_outside_the_skew_window_is_a_replay_and_refused(server):
    replay = BinaryClient(server, SPMS, SECRET)
    assert replay.bind(time_stamp=stamp(-dt.timedelta(minutes=11))).result_code == RC.TIMESTAMP_INVALID
    assert replay.closed()
    future = BinaryClient(server, SPMS, SECRET)
    assert future.bind(time_stamp=stamp(dt.timedelta(minutes=11))).result_code == RC.TIMESTAMP_INVALID
    with BinaryClient(server, SPMS, SECRET) as late:  # inside the 10-minute window
        assert late.bind(time_stamp=stamp(-dt.timedelta(minutes=9))).result_code == RC.SUCCESS


def test_a_second_bind_is_5_on_the_same_link_and_on_another_link_of_the_same_device(server):
    first = BinaryClient(server, SPMS, SECRET)
    assert first.bind().result_code == RC.SUCCESS
    assert first.bind().result_code == RC.ALREADY_BOUND  # the link stays up
    assert isinstance(first.send(b.Handset(sequence_id=first.next_seq())), b.HandsetResp)
    second = BinaryClient(server, SPMS, SECRET)
    assert second.bind().result_code == RC.ALREADY_BOUND and second.closed()
    assert isinstance(first.send(b.UnBind(sequence_id=first.next_seq())), b.UnBindResp)
    assert first.closed()
    with BinaryClient(server, SPMS, SECRET) as third:  # unbound: the device may bind again
        assert third.bind().result_code == RC.SUCCESS


def test_check_price_before_bind_is_6(server, monthly):
    client = BinaryClient(server, SPMS, SECRET)
    assert client.check_price(6, *code_of(monthly), "N1").result_code == RC.NOT_BOUND


def test_a_total_length_beyond_the_maximum_is_answered_1_then_the_link_closes(server):
    client = BinaryClient(server, SPMS, SECRET)
    assert client.bind().result_code == RC.SUCCESS
    huge = 40 * 1024
    resp = client.raw(b.HEADER.pack(huge, b.CommandId.CHECK_PRICE, 77) + b"\x00" * (huge - 12))
    assert isinstance(resp, b.CheckPriceResp)
    assert (resp.sequence_id, resp.result_code, resp.need_confirm) == (77, RC.INVALID_PDU_LENGTH, -1)
    assert client.closed()
    odd = BinaryClient(server, SPMS, SECRET)  # an unknown command: a bare Result_Code answer
    odd.sock.sendall(struct.pack(">III", 99_999, 0x10000009, 5) + b"\x00" * 1000)
    head = odd.sock.recv(16)
    assert struct.unpack(">IIII", head) == (16, 0x90000009, 5, RC.INVALID_PDU_LENGTH)
    assert odd.closed()


def test_an_unknown_command_closes_the_link(server):
    client = BinaryClient(server, SPMS, SECRET)
    assert client.bind().result_code == RC.SUCCESS
    assert client.raw(b.HEADER.pack(12, 0x10000004, 9)) is None


# --- subscribe (op 1) ---------------------------------------------------------------------------


def test_a_subscribe_from_the_sms_gateway_is_active_at_once_and_the_sp_is_told_once(spms, monthly):
    resp = spms.check_price(1, *code_of(monthly), "S1", updown=1, tlvs=(ACCESS_NO, COMMAND_WORD))
    assert (resp.result_code, resp.need_confirm) == (RC.SUCCESS, 0)
    sub = Subscription.objects.get()
    assert (sub.msisdn, sub.state, sub.channel) == ("13012345678", "active", "sms")
    assert UsageRecord.objects.get().cdr_id == f"M{sub.pk}-{rules.month_key(sub.effective_at)}"
    (notice,) = NotifyOutbox.objects.all()
    assert (notice.update_type, notice.user_id, notice.update_desc, notice.content, notice.expire_date) == (
        1,
        "8613012345678",
        "10655001",  # the AccessNo TLV (B.3)
        "DGTQYB",
        "20370101000000",
    )
    assert not SmsMessage.objects.exists()  # SPMS asked the user already: no second confirmation
    assert spms.check_price(1, *code_of(monthly), "S2").result_code == RC.ALREADY_SUBSCRIBED
    assert NotifyOutbox.objects.count() == 1


def test_a_subscribe_from_an_engine_that_does_not_confirm_waits_for_the_users_reply(server, monthly):
    with BinaryClient(server, WAP, "wap-secret", device_type=5) as wap:
        assert wap.bind().result_code == RC.SUCCESS
        assert wap.check_price(1, *code_of(monthly), "W1", order_method="02").result_code == RC.SUCCESS
    sub = Subscription.objects.get()
    assert (sub.state, sub.channel) == ("pending_confirmation", "wap")
    assert not NotifyOutbox.objects.exists()
    sms = SmsMessage.objects.get()
    assert (sms.msisdn, sms.kind, sms.subscription_id) == ("13012345678", "confirm", sub.pk)
    assert "回复“是”或“Y”" in sms.text and "5元/月" in sms.text


@pytest.mark.parametrize(("order_method", "channel"), sorted(rules.ORDER_METHODS.items()))
def test_order_method_codes_name_the_channel(spms, free, order_method, channel):
    assert spms.check_price(1, *code_of(free), "O1", order_method=order_method).result_code == RC.SUCCESS
    assert Subscription.objects.get().channel == channel


@pytest.mark.parametrize("order_method", ["99", "", None, "pigeon"])
def test_a_subscribe_without_a_known_order_method_is_100(spms, free, order_method):
    resp = spms.check_price(1, *code_of(free), "O2", order_method=order_method)
    assert resp.result_code == RC.FIELD_INVALID and "OrderMethod" in (resp.return_message or "")
    assert not Subscription.objects.exists()


# --- op 0: MO on-demand, AOMT with confirmation, CDR ids -------------------------------------


def test_op0_mo_on_demand_charges_now_answers_no_confirm_and_tells_the_sp_with_a_link_id(spms, per_use):
    resp = spms.check_price(0, *code_of(per_use), "0315093005SPMS010001", updown=1, tlvs=(ACCESS_NO,))
    assert (resp.result_code, resp.need_confirm, resp.confirm_interval) == (RC.SUCCESS, 0, -1)
    assert resp.link_id is not None and len(resp.link_id) == 20 and resp.link_id.isdigit()
    cdr = UsageRecord.objects.get()
    assert cdr.cdr_id.startswith("B") and cdr.cdr_id.endswith(f"-{SPMS}-0315093005SPMS010001")
    assert (cdr.fee_fen, cdr.link_id) == (100, resp.link_id)
    notice = NotifyOutbox.objects.get()
    assert (notice.update_type, notice.link_id, notice.update_desc) == (3, resp.link_id, "10655001")
    # the engine re-sends it: the same LinkID, no second charge, no second notice
    again = spms.check_price(0, *code_of(per_use), "0315093005SPMS010001", updown=1, tlvs=(ACCESS_NO,))
    assert (again.result_code, again.link_id) == (RC.SUCCESS, resp.link_id)
    assert UsageRecord.objects.count() == 1 and NotifyOutbox.objects.count() == 1


def test_op4_on_demand_re_sent_answers_the_first_link_id(spms, per_use):
    first = spms.check_price(4, *code_of(per_use), "D1")
    again = spms.check_price(4, *code_of(per_use), "D1")
    assert first.result_code == again.result_code == RC.SUCCESS
    assert first.link_id == again.link_id and first.link_id[:10].isdigit()
    assert UsageRecord.objects.count() == 1 and NotifyOutbox.objects.filter(update_type=3).count() == 1


def test_op0_aomt_charges_only_when_confirmed_under_a_cdr_id_unique_for_ever(spms, per_use):
    resp = spms.check_price(0, *code_of(per_use), "C1", updown=2)
    assert (resp.result_code, resp.need_confirm, resp.confirm_interval) == (RC.SUCCESS, 1, 60)
    assert not UsageRecord.objects.exists()
    assert spms.confirm("C1").result_code == RC.SUCCESS
    assert UsageRecord.objects.get().cdr_id == ids.binary_cdr_id(SPMS, "C1", dt.datetime.now(dt.UTC))
    assert spms.confirm("C1").result_code == RC.FIELD_INVALID  # nothing pending any more
    spms.check_price(0, *code_of(per_use), "C2", updown=2)
    assert spms.confirm("C2", err_code=RC.RESPONSE_TIMEOUT).result_code == RC.SUCCESS  # not delivered
    assert UsageRecord.objects.count() == 1


def test_last_years_cdr_with_the_same_sequence_number_does_not_stop_this_years_charge(spms, per_use):
    seq = "03150930052417010001"
    last_year = ids.binary_cdr_id(SPMS, seq, dt.datetime.now(dt.UTC) - dt.timedelta(days=365))
    UsageRecord.objects.create(
        cdr_id=last_year,
        msisdn="13012345678",
        product=per_use,
        partner=per_use.partner,
        fee_fen=100,
        kind="per_use",
        at=dt.datetime.now(dt.UTC) - dt.timedelta(days=365),
    )
    assert spms.check_price(0, *code_of(per_use), seq, updown=1).result_code == RC.SUCCESS
    assert UsageRecord.objects.count() == 2  # charged again: a new id


def test_another_request_under_a_cdr_id_already_written_is_3105_and_not_charged(spms, per_use, make_product):
    other = make_product(per_use.partner, billing_mode="per_use", fee_fen=300)
    cdr = ids.binary_cdr_id(SPMS, "X1", dt.datetime.now(dt.UTC))
    UsageRecord.objects.create(
        cdr_id=cdr,
        msisdn="13099999999",
        product=other,
        partner=other.partner,
        fee_fen=300,
        kind="per_use",
        at=dt.datetime.now(dt.UTC),
    )
    resp = spms.check_price(4, *code_of(per_use), "X1")
    assert resp.result_code == RC.CDR_DUPLICATE and resp.need_confirm == -1
    assert UsageRecord.objects.count() == 1 and not NotifyOutbox.objects.exists()


def test_unsubscribe_tells_the_sp_the_access_number_not_a_reason(spms, monthly):
    spms.check_price(1, *code_of(monthly), "U1")
    assert spms.check_price(2, *code_of(monthly), "U2", tlvs=(ACCESS_NO,)).result_code == RC.SUCCESS
    notice = NotifyOutbox.objects.get(update_type=2)
    assert notice.update_desc == "10655001" and notice.expire_date == notice.update_time


def test_block_restore_and_unsubscribe_all_over_the_socket(spms, monthly):
    assert spms.check_price(1, *code_of(monthly), "B1").result_code == RC.SUCCESS
    assert spms.check_price(7, *code_of(monthly), "B2").result_code == RC.SUCCESS
    assert Subscription.objects.get().state == "blocked"
    assert spms.check_price(1, *code_of(monthly), "B3").result_code == RC.CAPABILITY_BLOCKED
    assert spms.check_price(8, *code_of(monthly), "B4").result_code == RC.SUCCESS
    assert spms.check_price(1, *code_of(monthly), "B5").result_code == RC.SUCCESS
    assert spms.check_price(3, "00000", "00000", "B6", service_type="00").result_code == RC.SUCCESS
    assert spms.check_price(3, "00000", "00000", "B7", service_type="00").result_code == RC.NOT_SUBSCRIBED
    assert MSISDN.endswith(Subscription.objects.filter(state="unsubscribed").get().msisdn)


# --- one clock in the demo (issue 11) ------------------------------------------------------------


def test_the_gateway_reads_the_business_clock_in_the_demo_and_the_wall_clock_otherwise(settings):
    from vasops.vac.gateway import BusinessClock

    settings.VASOPS_TODAY, settings.VASOPS_DEMO_CLOCK_FILE = None, None  # production: neither exists
    assert BusinessClock.from_settings() == BusinessClock(demo=False)
    assert abs(BusinessClock().now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
    settings.VASOPS_TODAY = "2027-01-05"
    demo = BusinessClock.from_settings()
    assert demo.demo and demo.now().astimezone(rules.SHANGHAI).date() == dt.date(2027, 1, 5)


def test_in_the_demo_a_gateway_write_carries_the_date_the_django_side_shows(server, monthly):
    from vasops.core import clock
    from vasops.vac.gateway import BusinessClock

    demo = EngineThread(
        dsn_of(connection.settings_dict), REDIS_URL, PREFIX + "demo:", DEVICES, clock=BusinessClock(demo=True)
    )
    port = demo.start()
    try:
        with clock.frozen("2027-01-05"), BinaryClient(port, SPMS, SECRET) as spms:
            assert spms.bind().result_code == RC.SUCCESS  # the Bind window stays on the wall clock
            assert spms.check_price(1, *code_of(monthly), "Z1").result_code == RC.SUCCESS
            assert clock.today() == dt.date(2027, 1, 5)
    finally:
        demo.stop()
        vac_cache.clear(REDIS_URL, PREFIX + "demo:")
    sub = Subscription.objects.get()
    assert sub.effective_at.astimezone(rules.SHANGHAI).date() == dt.date(2027, 1, 5)
    assert UsageRecord.objects.get().cdr_id == f"M{sub.pk}-202701"
    assert NotifyOutbox.objects.get().update_time.startswith("20270105")
