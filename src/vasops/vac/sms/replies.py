"""What a user's SMS to VAC does (SGIP Deliver from the SMS gateway): the 二次确认 reply, the
``0000`` list and the ``TD<n>`` / ``00000`` unsubscriptions (words in :mod:`.texts`). Each reply
runs the VAC actions (actor ``"sms"``) and queues the answer SMS in the same transaction, so a
reply takes effect exactly once: a second ``Y`` finds nothing pending, a second ``TD1`` finds the
relation already ended, and each is told so."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from vasops.core import clock
from vasops.vac import actions, labels
from vasops.vac import msisdn as numbers
from vasops.vac.errors import VacRefused
from vasops.vac.models import LIVE_STATES, SmsMessage, Subscription
from vasops.vac.protocol.codes import ResultCode
from vasops.vac.sms import outbox, texts

ACTOR = "sms"
LIST_VALID = dt.timedelta(hours=24)  # a TD<n> refers to the list sent within this time
MAX_LISTED = 10

HELP = "回复0000查询已订购业务，回复TD+序号退订某项业务，回复00000退订全部业务。【中国联通】"


def _fee(sub: Subscription) -> str:
    return texts.fee_text(sub.product.fee_fen, sub.product.billing_mode)


@transaction.atomic(durable=True)
def handle(msisdn: str, text: str, *, now: dt.datetime | None = None) -> SmsMessage | None:
    """Do what the user's MO ``text`` asks and queue the answer; None when the number is not a
    mobile number (nothing to answer to)."""
    number = numbers.bare(msisdn)
    if number is None:
        return None
    now = now or clock.now()
    reply = texts.parse_reply(text)
    if reply.kind is texts.ReplyKind.CONFIRM:
        return _confirm(number, now)
    if reply.kind is texts.ReplyKind.LIST:
        return _list(number, now)
    if reply.kind is texts.ReplyKind.UNSUBSCRIBE:
        return _unsubscribe(number, reply.number, now)
    if reply.kind is texts.ReplyKind.UNSUBSCRIBE_ALL:
        return _unsubscribe_all(number, now)
    return outbox.enqueue(number, SmsMessage.Kind.REPLY, "抱歉，无法识别您的指令。" + HELP, now=now)


def _confirm(number: str, now: dt.datetime) -> SmsMessage:
    pending = (
        Subscription.objects.filter(msisdn=number, state=Subscription.State.PENDING_CONFIRMATION)
        .select_related("product", "product__partner", "product__business_line")
        .order_by("-requested_at", "-id")
        .first()
    )
    if pending is None:
        return outbox.enqueue(number, SmsMessage.Kind.REPLY, "您当前没有待确认的订购。" + HELP, now=now)
    product = pending.product
    try:
        answer = actions.confirm(actor=ACTOR, msisdn=number, product=product, now=now)
    except VacRefused as exc:
        text = f"订购“{product.name}”未能生效（{exc.result_code.zh}）。【中国联通】"
        return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, now=now)
    if not answer.decision.ok:  # too late: the relation was dropped
        text = f"订购“{product.name}”的确认已超时，本次订购未生效。【中国联通】"
        return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, now=now)
    text = f"您已成功订购“{product.name}”，资费{_fee(pending)}。{HELP}"
    return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, subscription=pending, now=now)


def _live(number: str) -> list[Subscription]:
    return list(
        Subscription.objects.filter(msisdn=number, state=Subscription.State.ACTIVE)
        .select_related("product", "partner")
        .order_by("id")
    )


def _list(number: str, now: dt.datetime) -> SmsMessage:
    subs = _live(number)
    if not subs:
        return outbox.enqueue(
            number, SmsMessage.Kind.LIST, "您目前没有订购任何增值业务。【中国联通】", now=now
        )
    shown = subs[:MAX_LISTED]
    lines = [f"{i}.{s.product.name}（{s.partner.name}）{_fee(s)}" for i, s in enumerate(shown, start=1)]
    more = f"（共{len(subs)}项，仅列出前{MAX_LISTED}项）" if len(subs) > MAX_LISTED else ""
    text = "您已订购：" + "；".join(lines) + more + "。回复TD+序号退订该项，回复00000退订全部。【中国联通】"
    return outbox.enqueue(number, SmsMessage.Kind.LIST, text, items=[s.pk for s in shown], now=now)


def _unsubscribe(number: str, position: int, now: dt.datetime) -> SmsMessage:
    listed = (
        SmsMessage.objects.filter(msisdn=number, kind=SmsMessage.Kind.LIST, created_at__gte=now - LIST_VALID)
        .order_by("-created_at", "-id")
        .first()
    )
    if listed is None or not listed.items:
        return outbox.enqueue(
            number, SmsMessage.Kind.REPLY, "请先回复0000查询已订购业务。【中国联通】", now=now
        )
    if not 1 <= position <= len(listed.items):
        text = f"序号{position}不在您的订购列表中。请回复0000重新查询。【中国联通】"
        return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, now=now)
    sub = (
        Subscription.objects.select_related("product", "product__partner", "product__business_line")
        .filter(pk=listed.items[position - 1])
        .first()
    )
    if sub is None or sub.msisdn != number or sub.state not in LIVE_STATES:
        name = sub.product.name if sub is not None else ""
        text = f"“{name}”已退订，无需重复操作。【中国联通】"
        return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, now=now)
    try:
        actions.unsubscribe(
            actor=ACTOR, msisdn=number, product=sub.product, reason=labels.SMS_UNSUBSCRIBE, now=now
        )
    except VacRefused:  # ended meanwhile
        text = f"“{sub.product.name}”已退订，无需重复操作。【中国联通】"
        return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, now=now)
    text = f"您已退订“{sub.product.name}”。【中国联通】"
    return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, subscription=sub, now=now)


def _unsubscribe_all(number: str, now: dt.datetime) -> SmsMessage:
    try:
        answer = actions.unsubscribe_all(
            actor=ACTOR, msisdn=number, reason=labels.SMS_UNSUBSCRIBE_ALL, now=now
        )
    except VacRefused as exc:
        if exc.result_code == ResultCode.NOT_SUBSCRIBED:
            text = "您目前没有订购任何增值业务。【中国联通】"
        else:
            text = f"全部退订未能办理（{exc.result_code.zh}）。【中国联通】"
        return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, now=now)
    text = f"您已退订全部{len(answer.changed)}项增值业务。【中国联通】"
    return outbox.enqueue(number, SmsMessage.Kind.REPLY, text, now=now)
