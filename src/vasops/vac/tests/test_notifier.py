"""SP notifier: real HTTP to real SOAP peers on sockets (tests/fake_sp.py)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from vasops.vac import actions, tasks
from vasops.vac.models import NotifyOutbox, SpEndpoint
from vasops.vac.tests.fake_sp import FakeSp

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)
ORDER_KEY = "sp-secret-key"


@pytest.fixture
def peer(partner):
    with FakeSp(order_key=ORDER_KEY) as p:
        SpEndpoint.objects.create(partner=partner, url=p.url, order_key=ORDER_KEY)
        yield p


def test_notification_is_delivered_signed_over_real_http(peer, monthly):
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)
    report = tasks.deliver_notifications(now=NOW)
    assert report == tasks.DeliveryReport(delivered=1)
    row = NotifyOutbox.objects.get()
    assert row.state == NotifyOutbox.State.DELIVERED and row.attempts == 1
    got = peer.received[0]
    assert (got.user_id, got.update_type, got.product_id, got.sp_id) == (
        "8613012345678",
        1,
        monthly.product_code,
        "90001",
    )
    assert got.record_sequence_id == row.record_sequence_id
    assert peer.headers[0]["soapaction"] == '""'
    assert tasks.deliver_notifications(now=NOW) == tasks.DeliveryReport()  # nothing sent twice


@pytest.mark.parametrize("mode", ["fault", "refuse"])
def test_failure_backs_off_exponentially_and_later_delivers(peer, monthly, mode):
    if mode == "fault":
        peer.mode = "fault"
    else:
        peer.result_code = 9
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)
    assert tasks.deliver_notifications(now=NOW).retried == 1
    row = NotifyOutbox.objects.get()
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=30) and row.last_error
    assert tasks.deliver_notifications(now=NOW + dt.timedelta(seconds=29)) == tasks.DeliveryReport()
    tasks.deliver_notifications(now=NOW + dt.timedelta(seconds=30))
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == NOW + dt.timedelta(seconds=90)
    peer.mode, peer.result_code = "ok", 0
    assert tasks.deliver_notifications(now=NOW + dt.timedelta(seconds=90)).delivered == 1
    # the subscription never depended on the SP
    assert row.subscription.state == "active"


def test_wrong_order_key_is_not_delivered(peer, monthly, partner):
    SpEndpoint.objects.filter(partner=partner).update(order_key="wrong")
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)
    assert tasks.deliver_notifications(now=NOW).retried == 1


def test_unreachable_sp_and_missing_endpoint_retry(monthly, partner):
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)
    assert tasks.deliver_notifications(now=NOW).retried == 1
    assert "通知地址" in NotifyOutbox.objects.get().last_error
    SpEndpoint.objects.create(partner=partner, url="http://127.0.0.1:9/none")
    assert tasks.deliver_notifications(now=NOW + dt.timedelta(hours=1)).retried == 1


def test_after_max_attempts_the_row_is_failed(monthly):
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)
    NotifyOutbox.objects.update(attempts=tasks.MAX_ATTEMPTS - 1)
    assert tasks.deliver_notifications(now=NOW).failed == 1
    assert NotifyOutbox.objects.get().state == NotifyOutbox.State.FAILED


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 30), (2, 60), (3, 120), (11, 21600), (30, 21600)])
def test_backoff_doubles_up_to_six_hours(attempts, seconds):
    assert tasks.backoff(attempts) == dt.timedelta(seconds=seconds)


def test_a_slow_sp_does_not_hold_back_another_sp_nor_a_transaction(make_partner, make_product):
    """SP A takes 10 s to answer, SP B answers at once: B's notification is delivered and
    recorded at once, while A's send is still waiting, and no row lock is held meanwhile."""
    slow_partner, fast_partner = make_partner("慢公司"), make_partner("快公司")
    slow_product = make_product(slow_partner, billing_mode="free", fee_fen=0)
    fast_product = make_product(fast_partner, billing_mode="free", fee_fen=0)
    with FakeSp(delay=10.0) as slow, FakeSp() as fast:
        SpEndpoint.objects.create(partner=slow_partner, url=slow.url)
        SpEndpoint.objects.create(partner=fast_partner, url=fast.url)
        actions.subscribe(actor="gateway", msisdn="13012345670", product=slow_product, channel="crm")
        actions.subscribe(actor="gateway", msisdn="13012345671", product=fast_product, channel="crm")
        started = time.monotonic()

        def deliver() -> None:
            try:
                tasks.deliver_notifications()
            finally:
                connection.close()  # this thread's own connection

        worker = threading.Thread(target=deliver)
        worker.start()
        try:
            fast_row = NotifyOutbox.objects.get(partner=fast_partner)
            while fast_row.state != NotifyOutbox.State.DELIVERED and time.monotonic() - started < 5:
                time.sleep(0.05)
                fast_row.refresh_from_db()
            assert fast_row.state == NotifyOutbox.State.DELIVERED
            assert time.monotonic() - started < 3 and worker.is_alive()  # A is still sending
            # nothing is locked while A's SP thinks (NOWAIT would raise on a held row lock)
            with transaction.atomic():
                locked = list(
                    NotifyOutbox.objects.select_for_update(nowait=True).filter(partner=slow_partner)
                )
            assert len(locked) == 1 and locked[0].state == NotifyOutbox.State.PENDING
        finally:
            worker.join(20)
    assert NotifyOutbox.objects.get(partner=slow_partner).attempts == 1  # answered or timed out


def test_one_sp_gets_at_most_the_per_sp_number_of_concurrent_sends(partner, make_product):
    product = make_product(partner, billing_mode="free", fee_fen=0)
    with FakeSp(delay=0.3) as sp:
        SpEndpoint.objects.create(partner=partner, url=sp.url)
        for i in range(8):
            actions.subscribe(actor="gateway", msisdn=f"1301234560{i}", product=product, channel="crm")
        started = time.monotonic()
        assert tasks.deliver_notifications(per_sp=4) == tasks.DeliveryReport(delivered=8)
        took = time.monotonic() - started
    assert 0.55 < took < 2.0  # two rounds of four, not eight at once nor one by one
