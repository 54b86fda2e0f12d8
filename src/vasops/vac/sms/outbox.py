"""The user SMS queue (:class:`~vasops.vac.models.SmsMessage`) and its sender: an SGIP 1.2 client
of the SMS gateway (SGIP.md §2: VAC connects, ``Bind`` with LoginType 1, one ``Submit`` per
message, ``Unbind``).

A message is queued in the transaction of the change it talks about (a pending subscription, a
user's reply) and sent afterwards by :func:`send_due` (the worker's sweep, and ``run_vac_sms``
every few seconds). Sending claims the due rows with a lease (like the SP notifications: no
transaction is held while the gateway answers); a gateway that is down or refuses leaves the
rows pending with a growing delay (30 s, 60 s … 30 min) and they are sent when it is back —
nothing is lost. A Submit_Resp with Result 0 makes a row ``submitted``; the gateway's Report
(received by :mod:`vasops.vac.sms.server`) then makes it ``delivered`` or ``undelivered``.

Configuration (Django setting, else environment variable):

=================================  ============================================================
``VASOPS_VAC_SGIP_SMG``            ``host:port`` of the SMS gateway (empty: nothing is sent)
``VASOPS_VAC_SGIP_LOGIN`` / ``…_PASSWORD``  VAC's login at the gateway
``VASOPS_VAC_SGIP_NODE``           VAC's SGIP node number (``3AAAAQQQQQ``, default 3027000000)
``VASOPS_VAC_SMS_NUMBER``          the number users see and reply to (default 10655133)
``VASOPS_VAC_SGIP_CORP_ID``        CorpId of the Submit (default 00000)
=================================  ============================================================
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import socket
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from vasops.core import clock
from vasops.vac import cache
from vasops.vac import msisdn as numbers
from vasops.vac.models import SmsMessage, Subscription
from vasops.vac.protocol import sgip

log = logging.getLogger("vasops.vac.sms")

BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 60  # about a day of retries
LEASE = dt.timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0
MAX_TEXT_BYTES = 600


@dataclass(frozen=True, slots=True)
class SgipConfig:
    smg: tuple[str, int] | None
    login: str
    password: str
    node: int
    sms_number: str
    corp_id: str

    @classmethod
    def from_settings(cls) -> SgipConfig:
        target = cache.setting("VASOPS_VAC_SGIP_SMG", "").strip()
        smg = None
        if target:
            host, _, port = target.rpartition(":")
            smg = (host or "127.0.0.1", int(port))
        return cls(
            smg=smg,
            login=cache.setting("VASOPS_VAC_SGIP_LOGIN", "vac"),
            password=cache.setting("VASOPS_VAC_SGIP_PASSWORD", ""),
            node=int(cache.setting("VASOPS_VAC_SGIP_NODE", "3027000000")),
            sms_number=cache.setting("VASOPS_VAC_SMS_NUMBER", "10655133"),
            corp_id=cache.setting("VASOPS_VAC_SGIP_CORP_ID", "00000"),
        )


def backoff(attempts: int) -> dt.timedelta:
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def enqueue(
    msisdn: str,
    kind: str,
    text: str,
    *,
    subscription: Subscription | None = None,
    items: Seq[int] = (),
    now: dt.datetime | None = None,
) -> SmsMessage:
    """Queue one SMS to ``msisdn`` (bare) in the caller's transaction."""
    now = now or clock.now()
    raw = text.encode("gbk", errors="replace")[:MAX_TEXT_BYTES]
    return SmsMessage.objects.create(
        msisdn=msisdn,
        kind=kind,
        text=raw.decode("gbk", errors="ignore"),
        subscription=subscription,
        items=list(items),
        next_attempt_at=now,
        created_at=now,
    )


# --- the SGIP client -------------------------------------------------------------------------

_counter = itertools.count(1)


def sequence(node: int, now: dt.datetime) -> sgip.Sequence:
    """§4: this node, ``mmddhhmmss`` (Beijing) as a number, a counter that wraps."""
    when = int(now.astimezone(clock.SHANGHAI).strftime("%m%d%H%M%S"))
    return sgip.Sequence(node, when, next(_counter) & 0xFFFFFFFF)


class SgipClient:
    """A blocking SGIP client connection to the SMS gateway (LoginType 1)."""

    def __init__(self, config: SgipConfig, *, timeout: float = TIMEOUT_SECONDS) -> None:
        if config.smg is None:
            raise ConnectionError("no SMS gateway configured (VASOPS_VAC_SGIP_SMG)")
        self.config = config
        self.sock = socket.create_connection(config.smg, timeout=timeout)
        self.frames = sgip.FrameReader()
        self.pending: list[bytes] = []

    def call(self, msg: sgip.Message) -> sgip.Message:
        self.sock.sendall(sgip.encode(msg))
        while not self.pending:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the SMS gateway closed the connection")
            self.pending.extend(self.frames.feed(chunk))
        answer = sgip.decode(self.pending.pop(0))
        if answer.sequence != msg.sequence:
            raise ConnectionError(f"answer to {answer.sequence}, not to {msg.sequence}")
        return answer

    def bind(self, now: dt.datetime) -> None:
        answer = self.call(
            sgip.Bind(
                sequence=sequence(self.config.node, now),
                login_type=sgip.LoginType.SP_TO_SMG,
                login_name=self.config.login,
                login_password=self.config.password,
            )
        )
        if not isinstance(answer, sgip.BindResp) or answer.result != 0:
            raise ConnectionError(f"the SMS gateway refused the Bind: {answer}")

    def submit(self, msisdn: str, text: str, now: dt.datetime) -> tuple[sgip.Sequence, int]:
        content, coding = sgip.encode_content(text)
        msg = sgip.Submit(
            sequence=sequence(self.config.node, now),
            sp_number=self.config.sms_number,
            charge_number="0" * 21,  # VAC pays: the user is not charged for VAC's messages
            user_numbers=(numbers.COUNTRY_CODE + msisdn,),
            corp_id=self.config.corp_id,
            service_type="VAC",
            fee_type=1,  # free for the user (§7.2)
            fee_value="0",
            morelateto_mt_flag=3,  # system feedback (§7.3)
            report_flag=1,  # always report
            message_coding=coding,
            content=content,
        )
        answer = self.call(msg)
        return msg.sequence, answer.result if isinstance(answer, sgip.SubmitResp) else 255

    def close(self, now: dt.datetime) -> None:
        try:
            self.call(sgip.Unbind(sequence=sequence(self.config.node, now)))
        except (OSError, sgip.SgipError):
            pass
        finally:
            self.sock.close()


# --- sending ---------------------------------------------------------------------------------


def _claim(limit: int, now: dt.datetime) -> list[SmsMessage]:
    with transaction.atomic():
        rows = list(
            SmsMessage.objects.select_for_update(skip_locked=True)
            .filter(state=SmsMessage.State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:limit]
        )
        if rows:
            SmsMessage.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=now + LEASE)
    return rows


def _failed(row: SmsMessage, error: str, now: dt.datetime) -> str:
    row.attempts += 1
    update: dict[str, Any] = {"attempts": row.attempts, "last_error": error[:255]}
    if row.attempts >= MAX_ATTEMPTS:
        update["state"] = SmsMessage.State.FAILED
        outcome = "failed"
    else:
        update["next_attempt_at"] = now + backoff(row.attempts)
        outcome = "retried"
    SmsMessage.objects.filter(pk=row.pk).update(**update)
    return outcome


def send_due(
    limit: int = 100, *, now: dt.datetime | None = None, config: SgipConfig | None = None
) -> dict[str, int]:
    """Send the due messages over one SGIP connection; {"submitted", "retried", "failed"}."""
    now = now or clock.now()
    config = config or SgipConfig.from_settings()
    counts = {"submitted": 0, "retried": 0, "failed": 0}
    if config.smg is None:
        return counts
    rows = _claim(limit, now)
    if not rows:
        return counts
    client: SgipClient | None = None
    try:
        client = SgipClient(config)
        client.bind(now)
    except (OSError, sgip.SgipError) as exc:
        log.warning("vac sms: the SMS gateway is not reachable: %s", exc)
        for row in rows:
            counts[_failed(row, f"短信网关不可用：{exc}", now)] += 1
        if client is not None:
            client.sock.close()
        return counts
    try:
        for i, row in enumerate(rows):
            try:
                seq, result = client.submit(row.msisdn, row.text, now)
            except (OSError, sgip.SgipError) as exc:  # the link broke: this and the rest retry
                for rest in rows[i:]:
                    counts[_failed(rest, f"短信网关连接中断：{exc}", now)] += 1
                return counts
            if result == 0:
                SmsMessage.objects.filter(pk=row.pk).update(
                    state=SmsMessage.State.SUBMITTED,
                    attempts=row.attempts + 1,
                    submit_sequence=str(seq),
                    submitted_at=now,
                    last_error="",
                )
                counts["submitted"] += 1
            else:
                counts[_failed(row, f"Submit_Resp Result {result}", now)] += 1
    finally:
        client.close(now)
    return counts


def record_report(report: sgip.Report) -> bool:
    """A Report (§6.6) on a Submit of ours: State 0 → delivered, 2 → undelivered (1: waiting)."""
    state = {0: SmsMessage.State.DELIVERED, 2: SmsMessage.State.UNDELIVERED}.get(report.state)
    update: dict[str, Any] = {"report_state": report.state, "report_error": report.error_code}
    if state is not None:
        update["state"] = state
    return bool(SmsMessage.objects.filter(submit_sequence=str(report.submit_sequence)).update(**update))
