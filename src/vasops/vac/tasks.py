"""Background jobs of the VAC: SP notification delivery (at-least-once, from the outbox), the
user SMS (vac.sms), the VAC → CRM exception file, and the sweep that drops unconfirmed
subscriptions.

Delivery never holds a transaction or a row lock while an SP answers (claim, commit, send,
record): due rows are claimed in one short transaction — their ``next_attempt_at`` moves a lease
ahead, so a crashed worker's rows are due again later and a concurrent worker skips them — then
sent over HTTP by worker threads, each SP through at most ``VASOPS_VAC_NOTIFY_PER_SP`` (4)
connections at a time and SPs side by side, and each answer is recorded in its own statement the
moment it arrives. One SP that takes its time (up to the 10 s timeout) delays only its own rows.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import urllib.error
import urllib.request
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.db import connection, transaction

from vasops.core import clock
from vasops.vac import actions, cache
from vasops.vac.models import NotifyOutbox, SpEndpoint
from vasops.vac.protocol import soap

BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=6)
MAX_ATTEMPTS = 12
TIMEOUT_SECONDS = 10.0
LEASE = dt.timedelta(seconds=3 * TIMEOUT_SECONDS)  # a claimed row is due again after this
MAX_SENDERS = 32


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """Delay before the next attempt after ``attempts`` failures: 30 s, 60 s, 120 s … ≤ 6 h."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def per_sp_limit() -> int:
    return max(1, int(cache.setting("VASOPS_VAC_NOTIFY_PER_SP", "4")))


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
    """Deliver one row (HTTP only, no database); None on success, else the error text."""
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


def _claim(limit: int, now: dt.datetime) -> list[NotifyOutbox]:
    """Due rows, taken in one short transaction (SKIP LOCKED: several workers can run); their
    next attempt moves :data:`LEASE` ahead before the transaction commits."""
    with transaction.atomic():
        rows = list(
            NotifyOutbox.objects.select_for_update(skip_locked=True)
            .filter(state=NotifyOutbox.State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        if rows:
            NotifyOutbox.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + LEASE)
    return rows


def _record(row: NotifyOutbox, error: str | None, now: dt.datetime) -> str:
    """Store one answer (its own statement); "delivered", "retried" or "failed"."""
    row.attempts += 1
    if error is None:
        row.state, row.delivered_at, row.last_error = NotifyOutbox.State.DELIVERED, now, ""
        outcome = "delivered"
    elif row.attempts >= MAX_ATTEMPTS:
        row.state, row.last_error = NotifyOutbox.State.FAILED, error  # goes to the daily sync file
        outcome = "failed"
    else:
        row.last_error, row.next_attempt_at = error, now + backoff(row.attempts)
        outcome = "retried"
    NotifyOutbox.objects.filter(pk=row.pk).update(
        state=row.state,
        attempts=row.attempts,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        encode_str=row.encode_str,
    )
    return outcome


def deliver_notifications(
    limit: int = 100, *, now: dt.datetime | None = None, per_sp: int | None = None
) -> DeliveryReport:
    """Send up to ``limit`` due notifications (module docstring). A crash after sending re-sends
    later (the SP answers 0 again for what it has). Inside a caller's transaction (tests) the
    rows are sent one after the other by this thread."""
    now = now or clock.now()
    rows = _claim(limit, now)
    if not rows:
        return DeliveryReport()
    endpoints = {
        e.partner_id: e for e in SpEndpoint.objects.filter(partner_id__in={r.partner_id for r in rows})
    }
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    if connection.in_atomic_block:
        for row in rows:
            counts[_record(row, _send(row, endpoints.get(row.partner_id)), now)] += 1
        return DeliveryReport(**counts)
    queues: dict[int, deque[NotifyOutbox]] = {}
    for row in rows:
        queues.setdefault(row.partner_id, deque()).append(row)
    limit_per_sp = per_sp or per_sp_limit()
    lanes = [  # round robin: every SP gets its first lane before any gets a second
        partner_id
        for depth in range(limit_per_sp)
        for partner_id, todo in queues.items()
        if depth < len(todo)
    ]
    results: queue.Queue[tuple[NotifyOutbox, str | None]] = queue.Queue()

    def lane(partner_id: int) -> None:
        todo, endpoint = queues[partner_id], endpoints.get(partner_id)
        while True:
            try:
                row = todo.popleft()
            except IndexError:
                return
            try:
                error = _send(row, endpoint)
            except Exception as exc:  # never lose a claimed row's answer
                error = f"{type(exc).__name__}: {exc}"[:1000]
            results.put((row, error))

    with ThreadPoolExecutor(min(MAX_SENDERS, len(lanes)), thread_name_prefix="vac-notify") as pool:
        for partner_id in lanes:
            pool.submit(lane, partner_id)
        for _ in rows:  # each answer recorded as it arrives
            row, error = results.get()
            counts[_record(row, error, now)] += 1
    return DeliveryReport(**counts)


def drop_unconfirmed() -> int:
    return actions.drop_unconfirmed()


_sms_lock = threading.Lock()


def send_sms() -> dict[str, int]:
    """Send the queued user SMS through the SMS gateway (vac.sms.outbox)."""
    from vasops.vac.sms import outbox

    with _sms_lock:
        return outbox.send_due()


def crm_exception_files() -> int:
    """Write yesterday's VAC → CRM exception file and read CRM's receipts (vac.crm.exception_file)."""
    from vasops.vac.crm import exception_file

    return exception_file.sweep()
