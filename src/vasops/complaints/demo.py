"""Demo complaints, built only through the actions (every row has its audit trail): one in every
state — waiting to be taken (from the CS system), received by an agent, dispatched and overdue
(escalated), answered, closed, closed with a refund charged back to the partner, and a reopened
repeat complaint. Call after the VAC demo traffic (the users' relations and CDRs of December)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vasops.complaints import actions, tasks
from vasops.complaints.models import Complaint
from vasops.core import clock
from vasops.partners.queries import partner_users
from vasops.vac.models import Subscription


def _user_with(product: Any, offset: int) -> str:
    msisdns = list(
        Subscription.objects.filter(product=product)
        .order_by("msisdn")
        .values_list("msisdn", flat=True)
        .distinct()
    )
    return msisdns[offset % len(msisdns)] if msisdns else f"1860271{offset:04d}"


def seed_complaints(partner: Any, *, agent: Any, head: Any) -> list[Complaint]:
    products = [
        s.product
        for s in Subscription.objects.filter(partner=partner)
        .select_related("product")
        .order_by("product_id")[:1]
    ]
    if not products:
        return []
    product = products[0]
    answerer = partner_users(partner).first()
    made: list[Complaint] = []

    def receive(day: dt.date, offset: int, category: str, text: str, **kw: Any) -> Complaint:
        with clock.frozen(day):
            params: dict[str, Any] = {
                "actor": agent,
                "source": Complaint.Source.CONSOLE,
                "msisdn": _user_with(product, offset),
                "category": category,
                "description": text,
                "product": product,
            }
            params.update(kw)
            complaint, _ = actions.receive_complaint(**params)
        made.append(complaint)
        return complaint

    # 1. closed with a refund charged back (upheld unauthorised ordering, ×2, user unsubscribed)
    c = receive(dt.date(2026, 12, 28), 1, "unauthorised_order", "用户称从未订购该业务，12 月被扣包月费。")
    with clock.frozen(dt.date(2026, 12, 28)):
        actions.dispatch_complaint(c, actor=agent, note="请提供订购记录和二次确认记录。")
    with clock.frozen(dt.date(2026, 12, 29)):
        actions.answer_complaint(c, actor=answerer, answer="经核查为渠道推广误订购，同意退费并已退订。")
    with clock.frozen(dt.date(2027, 1, 4)):
        actions.refund_complaint(
            c,
            actor=agent,
            period_start=dt.date(2026, 12, 1),
            period_end=dt.date(2026, 12, 31),
            upheld=True,
            unsubscribe=True,
            reason="",
        )
        actions.close_complaint(
            c, actor=agent, reply="已为您退订并按扣费的 2 倍退费，退款将在下月话费中返还。", verdict="upheld"
        )
    # 2. closed, not upheld
    c = receive(dt.date(2026, 12, 29), 2, "charge_dispute", "用户对 12 月包月费有疑问。")
    with clock.frozen(dt.date(2026, 12, 29)):
        actions.dispatch_complaint(c, actor=agent)
    with clock.frozen(dt.date(2026, 12, 30)):
        actions.answer_complaint(c, actor=answerer, answer="用户 12 月 5 日经营业厅订购，扣费正确。")
        actions.close_complaint(
            c, actor=agent, reply="经核实您于 12 月 5 日在营业厅订购，扣费无误。", verdict="not_upheld"
        )
    # 3. answered, waiting for CS to reply to the user
    c = receive(dt.date(2027, 1, 4), 3, "content", "短信内容与宣传不符。")
    with clock.frozen(dt.date(2027, 1, 4)):
        actions.dispatch_complaint(c, actor=agent)
    with clock.frozen(dt.date(2027, 1, 5)):
        actions.answer_complaint(c, actor=answerer, answer="已调整内容编辑规范，向用户致歉。")
    # 4. dispatched and overdue: the partner did not answer in 24 working hours (escalated)
    c = receive(dt.date(2026, 12, 30), 4, "cannot_unsubscribe", "发送 0000 退订不成功。")
    with clock.frozen(dt.date(2026, 12, 30)):
        actions.dispatch_complaint(c, actor=agent)
    # 5. dispatched, within its limit
    c = receive(dt.date(2027, 1, 5), 5, "charge_dispute", "用户称退订后仍被扣费。")
    with clock.frozen(dt.date(2027, 1, 5)):
        actions.dispatch_complaint(c, actor=agent)
    # 6. reopened: the user was not satisfied (a repeat complaint, back with the partner)
    c = receive(dt.date(2026, 12, 28), 6, "other", "客服热线无人接听。")
    with clock.frozen(dt.date(2026, 12, 28)):
        actions.dispatch_complaint(c, actor=agent)
    with clock.frozen(dt.date(2026, 12, 29)):
        actions.answer_complaint(c, actor=answerer, answer="已增加坐席。")
        actions.close_complaint(c, actor=agent, reply="合作方已增加客服坐席。")
    with clock.frozen(dt.date(2027, 1, 5)):
        actions.reopen_complaint(c, actor=agent, reason="用户再次来电：热线仍无人接听。")
    # 7. received by an agent, product not yet known
    receive(dt.date(2027, 1, 5), 7, "other", "用户收到不明扣费短信，尚不清楚是哪项业务。", product=None)
    # 8. from the CS system, waiting for an agent to take it (首问负责)
    with clock.frozen(dt.date(2027, 1, 5)):
        complaint, _ = actions.receive_complaint(
            actor=agent,
            source=Complaint.Source.API,
            msisdn=_user_with(product, 8),
            category="unauthorised_order",
            description="10010 转来：用户称未订购。",
            external_id="CRM-20270105-0001",
        )
    made.append(complaint)
    with clock.frozen(dt.date(2027, 1, 5)):
        tasks.sweep_complaints()
    return made
