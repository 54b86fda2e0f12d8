"""Background jobs of the VAC: SP notification delivery (at-least-once, from the outbox) and the
sweep that drops unconfirmed subscriptions."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.db import transaction

from vasops.core import clock
from vasops.vac import actions
from vasops.vac.models import NotifyOutbox, SpEndpoint
from vasops.vac.protocol import soap

BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=6)
MAX_ATTEMPTS = 12
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after ``attempts`` failures: 30 s, 60 s, 120 s … ≤ 6 h."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def request_of(row: NotifyOutbox, order_key: str) -> soap.NotifyRequest:
    return soap.sign(
        soap.NotifyRequest(
            record_sequence_id=row.record_sequence_id or "",
            user_id_type=row.user_id_type,
            user_id=row.user_id,
            service_type=row.service_type,
            sp_id=row.sp_id,
            product_id=row.product_id,
            update_type=row.update_type,
            update_time=row.update_time,
            update_desc=row.update_desc,
            link_id=row.link_id,
            content=row.content,
            effective_date=row.effective_date,
            expire_date=row.expire_date,
            time_stamp=row.time_stamp,
        ),
        order_key,
    )


def post(url: str, body: bytes, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """POST a SOAP envelope; the response body (also for HTTP 500, which carries a Fault)."""
    req = urllib.request.Request(url, data=body, headers=dict(soap.HTTP_HEADERS), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return bytes(resp.read())
    except urllib.error.HTTPError as exc:
        return bytes(exc.read())


def _send(row: NotifyOutbox, endpoint: SpEndpoint | None) -> str | None:
    """Deliver one row; None on success, else the error text."""
    if endpoint is None or not endpoint.enabled:
        return "SP 未配置启用的通知地址"
    request = request_of(row, endpoint.order_key)
    row.encode_str = request.encode_str
    try:
        answer = soap.parse_response(post(endpoint.url, soap.build_request(request)))
    except (OSError, soap.SoapError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    if answer.result_code != 0:
        return f"SP resultCode {answer.result_code}"
    return None


def deliver_notifications(limit: int = 100, *, now: dt.datetime | None = None) -> DeliveryReport:
    """Send up to ``limit`` due notifications. Rows are claimed with SKIP LOCKED, so several
    workers can run; a crash after sending re-sends later (the SP answers 0 again)."""
    now = now or clock.now()
    delivered = retried = failed = 0
    with transaction.atomic():
        rows = list(
            NotifyOutbox.objects.select_for_update(skip_locked=True)
            .filter(state=NotifyOutbox.State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        endpoints = {
            e.partner_id: e for e in SpEndpoint.objects.filter(partner_id__in={r.partner_id for r in rows})
        }
        for row in rows:
            error = _send(row, endpoints.get(row.partner_id))
            row.attempts += 1
            if error is None:
                row.state = NotifyOutbox.State.DELIVERED
                row.delivered_at = now
                row.last_error = ""
                delivered += 1
            else:
                row.last_error = error
                if row.attempts >= MAX_ATTEMPTS:
                    row.state = NotifyOutbox.State.FAILED  # goes to the daily order-relation file
                    failed += 1
                else:
                    row.next_attempt_at = now + backoff(row.attempts)
                    retried += 1
            row.save()
    return DeliveryReport(delivered, retried, failed)


def drop_unconfirmed() -> int:
    return actions.drop_unconfirmed()
