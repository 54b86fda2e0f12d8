"""Intake 受理: by a CS agent (console), by the carrier's CS system (API, idempotent per its own
complaint id) or by the user on the public form."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from vasops.catalog.models import Product
from vasops.complaints import cdrs
from vasops.complaints.actions.common import cs_agents, snap
from vasops.complaints.errors import ComplaintError
from vasops.complaints.events import ComplaintEvent
from vasops.complaints.models import Complaint
from vasops.complaints.permissions import HANDLE
from vasops.core import audit, clock, notify
from vasops.core.errors import DomainError, PermissionDenied, required_text
from vasops.core.marks import gettext_noop
from vasops.core.numbering import next_number
from vasops.core.permissions import has
from vasops.vac import msisdn as numbers


def normalise_msisdn(value: str) -> str:
    number = numbers.bare(value or "")
    if number is None:
        raise DomainError(
            ComplaintError.INVALID_MSISDN, gettext("请输入正确的 11 位手机号码。"), field="msisdn"
        )
    return number


def match_product(msisdn: str, hint: str) -> Product | None:
    """The product of ``msisdn`` that ``hint`` names (product code, access number or part of the
    name), looked up only among the user's own relations and CDRs; with no hint, the user's only
    product if there is exactly one."""
    candidates = cdrs.products_of(msisdn)
    hint = (hint or "").strip()
    if not hint:
        return candidates[0] if len(candidates) == 1 else None
    for p in candidates:
        if hint in (p.product_code, p.access_number) or (len(hint) >= 2 and hint in p.name):
            return p
    return None


@transaction.atomic(durable=True)
def receive_complaint(
    *,
    actor: Any,
    source: str,
    msisdn: str,
    category: str,
    description: str,
    product: Product | None = None,
    product_hint: str = "",
    contact: str = "",
    external_id: str = "",
) -> tuple[Complaint, bool]:
    """Record a complaint; returns ``(complaint, created)``. A CS agent becomes its first-
    responsible owner (首问负责); one from the CS system or the public form is owned by the
    agent who first takes it. The CS system's own complaint id makes a repeated call return the
    first complaint (``created`` False)."""
    if source not in Complaint.Source.values:
        raise DomainError(
            ComplaintError.UNKNOWN_CATEGORY,
            gettext("未知的受理渠道“%(source)s”。") % {"source": source},
            field="source",
        )
    if source != Complaint.Source.PUBLIC and not has(actor, HANDLE):
        raise PermissionDenied(gettext("您没有受理客户投诉的权限。"))
    number = normalise_msisdn(msisdn)
    if category not in Complaint.Category.values:
        raise DomainError(
            ComplaintError.UNKNOWN_CATEGORY,
            gettext("未知的投诉类别“%(category)s”。") % {"category": category},
            field="category",
        )
    text = required_text(
        description, ComplaintError.DESCRIPTION_REQUIRED, gettext("请填写投诉内容。"), field="description"
    )
    external_id = (external_id or "").strip()
    if external_id:
        existing = (
            Complaint.objects.select_for_update().filter(source=source, external_id=external_id).first()
        )
        if existing is not None:
            if existing.msisdn != number or existing.category != category:
                raise DomainError(
                    ComplaintError.EXTERNAL_ID_CONFLICT,
                    gettext("客服系统投诉编号 %(external_id)s 已登记为 %(existing_number)s，号码或类别不同。")
                    % {"external_id": external_id, "existing_number": existing.number},
                    status=409,
                    field="external_id",
                )
            return existing, False
    if product is None and (product_hint or source != Complaint.Source.CONSOLE):
        product = match_product(number, product_hint)
    previous = (
        Complaint.objects.filter(msisdn=number, product=product).order_by("-created_at", "-id").first()
        if product is not None
        else None
    )
    staff = source != Complaint.Source.PUBLIC
    complaint = Complaint.objects.create(
        number=next_number(f"TS{clock.today():%Y%m}-"),
        source=source,
        external_id=external_id,
        msisdn=number,
        product=product,
        partner=product.partner if product is not None else None,
        category=category,
        description=text,
        contact=(contact or "").strip()[:20],
        owner=actor if source == Complaint.Source.CONSOLE else None,
        repeat_of=previous,
        created_by=actor if staff and getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor if staff else "用户（在线提交）",
        action=ComplaintEvent.COMPLAINT_RECEIVED,
        obj=complaint,
        partner_id=complaint.partner_id,
        after={
            **snap(complaint),
            "number": complaint.number,
            "source": source,
            "category": category,
            "repeat_of": previous.number if previous else "",
        },
    )
    if complaint.owner_id is None:
        notify.send(
            cs_agents(),
            subject=notify.text(
                gettext_noop("新投诉 %(complaint_number)s 待受理"), complaint_number=complaint.number
            ),
            body=notify.text(
                gettext_noop("%(source)s：%(category)s。"),
                source=Complaint.Source(complaint.source).label,
                category=Complaint.Category(complaint.category).label,
            ),
            url=complaint.get_absolute_url(),
        )
    return complaint, True
