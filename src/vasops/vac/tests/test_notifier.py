"""SP notifier: real HTTP to a real SOAP peer on a socket (stdlib http.server in a thread)."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vasops.vac import actions, tasks
from vasops.vac.models import NotifyOutbox, SpEndpoint
from vasops.vac.protocol import soap

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)
ORDER_KEY = "sp-secret-key"


class Peer:
    """A tiny SP: verifies encodeStr with its OrderKey and answers per ``mode``."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[soap.NotifyRequest] = []
        self.headers: list[dict[str, str]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                peer.headers.append({k.lower(): v for k, v in self.headers.items()})
                request = soap.parse_request(body)
                peer.received.append(request)
                if peer.mode == "fault" or not soap.verify_encode_str(request, ORDER_KEY):
                    data, status = soap.build_fault("SP down"), 500
                else:
                    code = 0 if peer.mode == "ok" else 9
                    data = soap.build_response(
                        soap.NotifyResponse(request.record_sequence_id, code), multiref=True
                    )
                    status = 200
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Peer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def peer(partner):
    with Peer() as p:
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
        "13012345678",
        1,
        monthly.product_code,
        "90001",
    )
    assert got.record_sequence_id == row.record_sequence_id
    assert peer.headers[0]["soapaction"] == '""'
    assert tasks.deliver_notifications(now=NOW) == tasks.DeliveryReport()  # nothing sent twice


@pytest.mark.parametrize("mode", ["fault", "refuse"])
def test_failure_backs_off_exponentially_and_later_delivers(peer, monthly, mode):
    peer.mode = mode
    actions.subscribe(actor="gateway", msisdn="13012345678", product=monthly, channel="crm", now=NOW)
    assert tasks.deliver_notifications(now=NOW).retried == 1
    row = NotifyOutbox.objects.get()
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=30) and row.last_error
    assert tasks.deliver_notifications(now=NOW + dt.timedelta(seconds=29)) == tasks.DeliveryReport()
    tasks.deliver_notifications(now=NOW + dt.timedelta(seconds=30))
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == NOW + dt.timedelta(seconds=90)
    peer.mode = "ok"
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
