"""Handling 处理: take (首问负责), dispatch to the partner as a work order with a working-hour SLA,
the partner's answer, CS's reply and closure, the user's reopening, and the SLA escalation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from vasops.catalog.models import Product
from vasops.complaints import queries, rules
from vasops.complaints.actions.common import (
    answer_hours,
    close_hours,
    heads,
    locked,
    partner_recipients,
    require_owner,
    snap,
)
from vasops.complaints.errors import ComplaintError
from vasops.complaints.events import ComplaintEvent
from vasops.complaints.models import Complaint
from vasops.core import audit, clock, fsm, notify
from vasops.core.errors import DomainError, NotFound, PermissionDenied, required_text
from vasops.core.marks import gettext_noop
from vasops.partners.queries import partner_of
from vasops.workorders import actions as workorder_actions
from vasops.workorders import rules as workorder_rules


def _url(c: Complaint) -> str:
    return c.get_absolute_url()


def _local(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else "—"


@transaction.atomic(durable=True)
def claim_complaint(complaint: Complaint, *, actor: Any) -> Complaint:
    """An agent takes an unowned complaint (from the CS system or the public form): from now on
    they are its first-responsible owner to closure (首问负责)."""
    c = locked(complaint)
    require_owner(actor, c)
    if c.owner_id == actor.pk:
        return c
    before = snap(c)
    c.owner = actor
    c.save(update_fields=["owner", "updated_at"])
    audit.record(
        actor=actor,
        action=ComplaintEvent.COMPLAINT_CLAIMED,
        obj=c,
        partner_id=c.partner_id,
        before=before,
        after=snap(c),
    )
    return c


@transaction.atomic(durable=True)
def dispatch_complaint(
    complaint: Complaint, *, actor: Any, product: Product | None = None, note: str = ""
) -> Complaint:
    """Send the complaint to the partner of its product as a work order (客户投诉 type). The
    partner answers within ``VASOPS_COMPLAINT_ANSWER_HOURS`` working hours (default 24); the
    complaint is to be closed within ``VASOPS_COMPLAINT_CLOSE_HOURS`` (default 48) of the first
    dispatch. An answered complaint may be sent back (the answer did not solve it): a fresh
    answer limit, the same closure limit."""
    c = locked(complaint)
    require_owner(actor, c)
    before = snap(c)
    if product is not None:
        c.product = product
        c.partner = product.partner
    if c.product_id is None or c.partner_id is None:
        raise DomainError(
            ComplaintError.NO_PARTNER,
            gettext("请先确定投诉涉及的产品（据此确定合作伙伴）再派单。"),
            field="product",
        )
    fsm.transition(c, "dispatch", label=gettext("派单"))
    now = clock.now()
    if c.owner_id is None:
        c.owner = actor
    c.answer_due_at = queries.add_working_hours(now, answer_hours())
    c.answered_at = None
    c.answer_escalated_at = None
    if c.dispatched_at is None or c.close_due_at is None:
        c.close_due_at = queries.add_working_hours(now, close_hours())
    c.dispatched_at = c.dispatched_at or now
    text = f"{c.get_category_display()}：{c.description}" + (
        f"\n客服说明：{note.strip()}" if note.strip() else ""
    )
    if c.work_order is None:
        c.work_order = workorder_actions.open_work_order(
            actor=actor,
            type=workorder_rules.CS_COMPLAINT,
            title=f"客户投诉 {c.number}：{c.product}"[:200],
            description=text,
            partner=c.partner,
            related=c,
        )
    else:
        workorder_actions.follow_linked(
            c.work_order, actor=actor, target=workorder_rules.IN_PROGRESS, note=note
        )
    c.save()
    audit.record(
        actor=actor,
        action=ComplaintEvent.COMPLAINT_DISPATCHED,
        obj=c,
        partner_id=c.partner_id,
        before=before,
        after={**snap(c), "work_order": c.work_order.number if c.work_order else ""},
        reason=note,
    )
    notify.send(
        partner_recipients(c),
        subject=notify.text(gettext_noop("客户投诉 %(number)s 待答复"), number=c.number),
        body=notify.text(
            gettext_noop("请在 %(local)s 前答复（%(answer_hours)s 个工作小时）。%(text)s"),
            local=_local(c.answer_due_at),
            answer_hours=answer_hours(),
            text=text[:300],
        ),
        url=_url(c),
    )
    return c


@transaction.atomic(durable=True)
def answer_complaint(complaint: Complaint, *, actor: Any, answer: str) -> Complaint:
    """The partner answers (its handling and result); CS then replies to the user."""
    c = locked(complaint)
    partner = partner_of(actor)
    if partner is None or c.partner_id != partner.pk or c.dispatched_at is None:
        raise NotFound()
    text = required_text(
        answer, ComplaintError.ANSWER_REQUIRED, gettext("请填写处理情况和结果。"), field="answer"
    )
    before = snap(c)
    fsm.transition(c, "answer", label=gettext("答复"))
    c.answered_at = clock.now()
    c.partner_answer = text
    if c.work_order is not None:
        workorder_actions.follow_linked(c.work_order, actor=actor, target=workorder_rules.RESOLVED, note=text)
    c.save()
    audit.record(
        actor=actor,
        action=ComplaintEvent.COMPLAINT_ANSWERED,
        obj=c,
        partner_id=c.partner_id,
        before=before,
        after=snap(c),
        reason=text[:500],
    )
    notify.send(
        [c.owner] if c.owner else [],
        subject=notify.text(gettext_noop("投诉 %(number)s 合作伙伴已答复"), number=c.number),
        body=notify.text(
            gettext_noop("%(text)s\n请回复用户并办结（时限 %(local)s）。"),
            text=text[:300],
            local=_local(c.close_due_at),
        ),
        url=_url(c),
    )
    return c


@transaction.atomic(durable=True)
def close_complaint(complaint: Complaint, *, actor: Any, reply: str, verdict: str = "") -> Complaint:
    """CS replies to the user and closes (办结). Only the first-responsible owner (or a department
    head) closes."""
    c = locked(complaint)
    require_owner(actor, c)
    text = required_text(
        reply, ComplaintError.REPLY_REQUIRED, gettext("请填写回复用户的内容。"), field="reply"
    )
    if verdict not in Complaint.Verdict.values:
        raise DomainError(
            ComplaintError.UNKNOWN_CATEGORY,
            gettext("未知的认定“%(verdict)s”。") % {"verdict": verdict},
            field="verdict",
        )
    before = snap(c)
    fsm.transition(c, "close", label=gettext("办结"))
    c.closed_at = clock.now()
    c.reply = text
    if verdict:
        c.verdict = verdict
    if c.owner_id is None:
        c.owner = actor
    if c.work_order is not None:
        workorder_actions.follow_linked(c.work_order, actor=actor, target=workorder_rules.CLOSED, note=text)
    c.save()
    audit.record(
        actor=actor,
        action=ComplaintEvent.COMPLAINT_CLOSED,
        obj=c,
        partner_id=c.partner_id,
        before=before,
        after=snap(c),
        reason=text[:500],
    )
    notify.send(
        partner_recipients(c) if c.dispatched_at else [],
        subject=notify.text(gettext_noop("客户投诉 %(number)s 已办结"), number=c.number),
        body=text[:300],
        url=_url(c),
    )
    return c


@transaction.atomic(durable=True)
def reopen_complaint(complaint: Complaint, *, actor: Any, reason: str, by_user: bool = False) -> Complaint:
    """The user is not satisfied: the closed complaint is reopened and counted as a repeat
    complaint (重复投诉). Recorded by an agent, the CS system, or by the user on the public status
    page (``by_user``: the caller checked the complaint number and MSISDN). It goes back to the
    partner with fresh limits when it had one, else back to the CS queue; the owner stays."""
    c = locked(complaint)
    if not by_user and not queries.visible_to(actor).filter(pk=c.pk).exists():
        raise NotFound()
    if not by_user and partner_of(actor) is not None:
        raise PermissionDenied(gettext("合作伙伴不能重开客户投诉。"))
    text = required_text(
        reason, ComplaintError.REASON_REQUIRED, gettext("请说明再次投诉的原因。"), field="reason"
    )
    before = snap(c)
    now = clock.now()
    if c.partner_id is not None and c.dispatched_at is not None:
        fsm.transition(c, "reopen_to_partner", label=gettext("重开"))
        c.answer_due_at = queries.add_working_hours(now, answer_hours())
        c.close_due_at = queries.add_working_hours(now, close_hours())
        c.answered_at = None
        if c.work_order is not None:
            workorder_actions.follow_linked(
                c.work_order,
                actor=actor if not by_user else "用户",
                target=workorder_rules.IN_PROGRESS,
                note=text,
            )
    else:
        fsm.transition(c, "reopen", label=gettext("重开"))
        c.close_due_at = None
    c.closed_at = None
    c.answer_escalated_at = None
    c.close_escalated_at = None
    c.reopen_count += 1
    c.save()
    audit.record(
        actor=actor if not by_user else "用户（进度查询页）",
        action=ComplaintEvent.COMPLAINT_REOPENED,
        obj=c,
        partner_id=c.partner_id,
        before=before,
        after=snap(c),
        reason=text[:500],
    )
    notify.send(
        [c.owner, *(partner_recipients(c) if c.state == rules.DISPATCHED else [])],
        subject=notify.text(
            gettext_noop("客户投诉 %(number)s 用户再次投诉（第 %(reopen_count)s 次）"),
            number=c.number,
            reopen_count=c.reopen_count,
        ),
        body=text[:300],
        url=_url(c),
    )
    return c


@transaction.atomic(durable=True)
def escalate_overdue(complaint_id: int, *, now: dt.datetime | None = None) -> int:
    """Escalate once per limit: the partner's answer overdue (to the owner, the partner and the
    department heads), the closure overdue (to the owner and the heads). Idempotent; called per
    complaint by ``tasks.sweep_complaints``. Returns how many limits it escalated."""
    now = now or clock.now()
    c = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("owner", "partner")
        .filter(pk=complaint_id)
        .first()
    )
    if c is None or not c.is_open:
        return 0
    escalated = 0
    before = snap(c)
    if c.state == rules.DISPATCHED and rules.should_escalate(
        c.answer_due_at, c.answered_at, now, already=c.answer_escalated_at is not None
    ):
        c.answer_escalated_at = now
        escalated += 1
        notify.send(
            [c.owner, *partner_recipients(c), *heads()],
            subject=notify.text(gettext_noop("投诉超时升级：%(number)s 合作伙伴未按时答复"), number=c.number),
            body=notify.text(
                gettext_noop("答复时限 %(local)s，合作伙伴：%(partner)s。"),
                local=_local(c.answer_due_at),
                partner=c.partner,
            ),
            url=_url(c),
        )
        reason = notify.text(gettext_noop("合作伙伴答复超时（时限 %(due)s）"), due=_local(c.answer_due_at))
    if rules.should_escalate(c.close_due_at, c.closed_at, now, already=c.close_escalated_at is not None):
        c.close_escalated_at = now
        escalated += 1
        notify.send(
            [c.owner, *heads()],
            subject=notify.text(gettext_noop("投诉超时升级：%(number)s 未按时办结"), number=c.number),
            body=notify.text(
                gettext_noop("办结时限 %(local)s，首问负责人：%(owner)s。"),
                local=_local(c.close_due_at),
                owner=c.owner or gettext_lazy("未确定"),
            ),
            url=_url(c),
        )
        reason = notify.text(gettext_noop("办结超时（时限 %(due)s）"), due=_local(c.close_due_at))
    if escalated:
        c.save(update_fields=["answer_escalated_at", "close_escalated_at", "updated_at"])
        audit.record(
            actor="system",
            action=ComplaintEvent.COMPLAINT_ESCALATED,
            obj=c,
            partner_id=c.partner_id,
            before=before,
            after={
                **snap(c),
                "answer_escalated_at": c.answer_escalated_at,
                "close_escalated_at": c.close_escalated_at,
            },
            reason=reason,
        )
    return escalated
