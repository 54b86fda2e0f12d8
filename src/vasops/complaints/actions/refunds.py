"""Refunds 退费 to the user, charged back to the partner through settlement exactly once; and a
violation opened from a complaint (compliance)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from vasops.complaints import cdrs, labels, rules
from vasops.complaints.actions.common import partner_recipients, snap
from vasops.complaints.errors import ComplaintError
from vasops.complaints.events import ComplaintEvent
from vasops.complaints.models import Complaint, Refund
from vasops.complaints.permissions import HANDLE, REFUND
from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError, required_text
from vasops.core.marks import gettext_noop
from vasops.core.permissions import require
from vasops.settlement import actions as settlement_actions
from vasops.vac import actions as vac_actions
from vasops.vac.models import LIVE_STATES, Subscription

REFUND_FIELDS = list(labels.REFUND_KEYS)  # what the audit row carries, and its labels


def ratio_for(category: str, upheld: bool) -> int:
    return rules.refund_ratio_bp(
        category,
        upheld,
        default_bp=int(getattr(settings, "VASOPS_COMPLAINT_REFUND_BP", rules.DEFAULT_REFUND_BP)),
        unauthorised_bp=int(
            getattr(settings, "VASOPS_COMPLAINT_UNAUTHORISED_REFUND_BP", rules.DEFAULT_UNAUTHORISED_REFUND_BP)
        ),
    )


def quote(
    complaint: Complaint, *, period_start: dt.date, period_end: dt.date, upheld: bool
) -> dict[str, int]:
    """The default refund: what the user was charged for the product on the disputed days (CDRs),
    times the multiple for the category and verdict."""
    if complaint.product_id is None:
        return {"charged_fen": 0, "ratio_bp": 0, "amount_fen": 0}
    charged = cdrs.charged_fen(complaint.msisdn, complaint.product_id, period_start, period_end)
    ratio = ratio_for(complaint.category, upheld)
    return {"charged_fen": charged, "ratio_bp": ratio, "amount_fen": rules.refund_amount(charged, ratio)}


@transaction.atomic(durable=True)
def refund_complaint(
    complaint: Complaint,
    *,
    actor: Any,
    period_start: dt.date,
    period_end: dt.date,
    upheld: bool,
    amount_fen: int | None = None,
    unsubscribe: bool = False,
    reason: str = "",
) -> Refund:
    """Refund the user (default: the charged amount of the disputed period, ×2 for an upheld
    unauthorised ordering; an agent may enter another amount with a reason), charge it back to
    the partner as a settlement adjustment of the refund's month (once: the adjustment's source
    is this refund) and optionally end the user's order relation in the VAC."""
    require(actor, REFUND, HANDLE)
    c = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("product", "partner")
        .get(pk=complaint.pk)
    )
    if Refund.objects.filter(complaint=c).exists():
        raise DomainError(
            ComplaintError.ALREADY_REFUNDED,
            gettext("投诉 %(number)s 已退费，不能重复退费。") % {"number": c.number},
            status=409,
        )
    if c.product is None or c.partner is None:
        raise DomainError(ComplaintError.NO_PARTNER, gettext("投诉未确定产品，无法退费。"), field="product")
    today = clock.today()
    problem = rules.period_problem(period_start, period_end, today)
    if problem:
        raise DomainError(ComplaintError.BAD_PERIOD, problem, field="period_start")
    figures = quote(c, period_start=period_start, period_end=period_end, upheld=upheld)
    note = (reason or "").strip()
    if amount_fen is not None and amount_fen != figures["amount_fen"]:
        note = required_text(
            reason,
            ComplaintError.REASON_REQUIRED,
            gettext("退费金额与按话单计算的金额不同，请说明原因。"),
            field="reason",
        )
        amount = amount_fen
    else:
        amount = figures["amount_fen"]
    if amount <= 0:
        raise DomainError(
            ComplaintError.NOTHING_TO_REFUND,
            gettext("%(period_start)s 至 %(period_end)s 该用户没有此产品的扣费记录，无需退费。")
            % {
                "period_start": format(period_start, "%Y-%m-%d"),
                "period_end": format(period_end, "%Y-%m-%d"),
            },
            field="amount_fen",
        )
    before = snap(c)
    if upheld:
        c.verdict = Complaint.Verdict.UPHELD
        c.save(update_fields=["verdict", "updated_at"])
    refund = Refund.objects.create(
        complaint=c,
        msisdn=c.msisdn,
        partner=c.partner,
        product=c.product,
        period_start=period_start,
        period_end=period_end,
        charged_fen=figures["charged_fen"],
        ratio_bp=figures["ratio_bp"],
        amount_fen=amount,
        refunded_on=today,
        reason=note,
        created_by=actor,
    )
    refund.adjustment = settlement_actions.record_adjustment(
        actor=actor,
        partner=c.partner,
        kind="refund",
        month=today,
        amount_fen=-amount,
        reason=notify.text(
            gettext_noop("客户投诉 %(number)s 退费（%(msisdn)s，%(category)s）"),
            number=c.number,
            msisdn=f"{c.msisdn[:3]}****{c.msisdn[-4:]}",
            category=Complaint.Category(c.category).label,
        ),
        product=c.product,
        source=refund,
    )
    if (
        unsubscribe
        and Subscription.objects.filter(msisdn=c.msisdn, product=c.product, state__in=LIVE_STATES).exists()
    ):
        vac_actions.unsubscribe(
            actor=actor, msisdn=c.msisdn, product=c.product, reason=f"客户投诉 {c.number} 退费退订"
        )
        refund.unsubscribed = True
    refund.save(update_fields=["adjustment", "unsubscribed"])
    audit.record(
        actor=actor,
        action=ComplaintEvent.REFUND_RECORDED,
        obj=c,
        partner_id=c.partner_id,
        before=before,
        after={**snap(c), **audit.snapshot(refund, REFUND_FIELDS), "adjustment": refund.adjustment_id},
        reason=note,
    )
    notify.send(
        partner_recipients(c),
        subject=notify.text(
            gettext_noop("客户投诉 %(number)s 退费 %(amount)s 元，已计入 %(today)s 结算扣款"),
            number=c.number,
            amount=format(amount / 100, ".2f"),
            today=format(today, "%Y-%m"),
        ),
        body=note,
        url=c.get_absolute_url(),
    )
    return refund


@transaction.atomic(durable=True)
def open_violation(complaint: Complaint, *, actor: Any, violation_code: str, summary: str) -> Any:
    """Open a violation draft (compliance) from a complaint, with the complaint as its source and
    evidence; staff review the draft there. Once per complaint."""
    require(actor, HANDLE)
    c = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("product", "partner")
        .get(pk=complaint.pk)
    )
    if c.violation_ref:
        raise DomainError(ComplaintError.VIOLATION_EXISTS, gettext("该投诉已发起过违约处理。"), status=409)
    if c.partner is None:
        raise DomainError(
            ComplaintError.NO_PARTNER, gettext("投诉未确定合作伙伴，无法发起违约处理。"), field="product"
        )
    text = required_text(
        summary, ComplaintError.REASON_REQUIRED, gettext("请填写违约事实摘要。"), field="summary"
    )
    try:
        from vasops.compliance.actions import draft_violation
    except ImportError:
        raise DomainError(
            ComplaintError.VIOLATION_UNAVAILABLE,
            gettext("违约管理模块尚未启用，暂不能发起违约处理。"),
            status=409,
        ) from None
    evidence = {
        "complaint": c.number,
        "msisdn": f"{c.msisdn[:3]}****{c.msisdn[-4:]}",
        "category": c.get_category_display(),
        "description": c.description[:1000],
        "partner_answer": c.partner_answer[:1000],
        "reopen_count": c.reopen_count,
    }
    violation = draft_violation(
        actor=actor,
        partner=c.partner,
        violation_code=violation_code,
        summary=text,
        evidence=evidence,
        product=c.product,
        source=c,
    )
    before = snap(c)
    c.violation_ref = f"{audit.object_type_of(violation)}:{violation.pk}"[:80]
    c.save(update_fields=["violation_ref", "updated_at"])
    audit.record(
        actor=actor,
        action=ComplaintEvent.VIOLATION_OPENED,
        obj=c,
        partner_id=c.partner_id,
        before=before,
        after={**snap(c), "violation": c.violation_ref},
        reason=text,
    )
    return violation
