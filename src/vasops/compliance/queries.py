"""Reads of compliance, scoped to the caller: a partner user sees only its partner's records,
blocks and credit (another partner's object is a 404); staff with compliance.view_compliance
see all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from vasops.compliance.models import CreditAccount, CreditEntry, ViolationRecord
from vasops.core import clock
from vasops.core.errors import NotFound
from vasops.partners import queries as partner_queries
from vasops.partners.models import Partner
from vasops.vac.models import ServiceBlock

VIEW = "compliance.view_compliance"


def is_staff_viewer(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(VIEW))


def own_partner_id(user: Any) -> int | None:
    partner = partner_queries.partner_of(user)
    return partner.pk if partner is not None else None


def visible_violations(user: Any) -> QuerySet[ViolationRecord]:
    qs = ViolationRecord.objects.select_related("partner", "product", "violation_type")
    if is_staff_viewer(user):
        return qs
    pid = own_partner_id(user)
    if pid is None:
        return qs.none()
    # drafts are the carrier's until raised
    return qs.filter(partner_id=pid).exclude(
        state__in=[ViolationRecord.State.DRAFT, ViolationRecord.State.DISCARDED]
    )


def open_for_appeal(user: Any, today: dt.date) -> QuerySet[ViolationRecord]:
    """Raised records whose appeal window is still open (the partner's home page lists them)."""
    return (
        visible_violations(user)
        .filter(state=ViolationRecord.State.RAISED, appeal_due__gte=today)
        .order_by("appeal_due", "id")
    )


def get_violation(user: Any, pk: Any) -> ViolationRecord:
    record = visible_violations(user).filter(pk=pk).first()
    if record is None:
        raise NotFound(gettext("违约记录不存在。"))
    return record


def visible_blocks(user: Any) -> QuerySet[ServiceBlock]:
    qs = ServiceBlock.objects.select_related("partner", "product", "business_line")
    if is_staff_viewer(user):
        return qs
    pid = own_partner_id(user)
    return qs.filter(partner_id=pid) if pid is not None else qs.none()


def get_block(user: Any, pk: Any) -> ServiceBlock:
    block = visible_blocks(user).filter(pk=pk).first()
    if block is None:
        raise NotFound(gettext("业务屏蔽记录不存在。"))
    return block


def blocks_in_force(qs: QuerySet[ServiceBlock], at: dt.datetime | None = None) -> QuerySet[ServiceBlock]:
    from django.db.models import Q

    at = at or clock.now()
    return qs.filter(lifted_at__isnull=True, starts_at__lte=at).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at)
    )


def visible_partner(user: Any, pk: Any) -> Partner:
    if is_staff_viewer(user):
        partner = Partner.objects.filter(pk=pk).first()
    else:
        pid = own_partner_id(user)
        partner = Partner.objects.filter(pk=pk).first() if pid is not None and str(pid) == str(pk) else None
    if partner is None:
        raise NotFound(gettext("合作伙伴不存在。"))
    return partner


def credit_history(partner: Partner) -> QuerySet[CreditEntry]:
    return CreditEntry.objects.filter(account__partner=partner).select_related("account").order_by("at", "id")


def credit_accounts(partner: Partner) -> QuerySet[CreditAccount]:
    return CreditAccount.objects.filter(partner=partner).order_by("-year")


def upheld_violations_between(partner_id: int, start: dt.date, end: dt.date) -> int:
    """Assessment input: violations upheld or reduced with a decision in [start, end] (Shanghai)."""
    return ViolationRecord.objects.filter(
        partner_id=partner_id,
        state__in=[ViolationRecord.State.UPHELD, ViolationRecord.State.REDUCED],
        decided_at__gte=clock.end_of_day(start - dt.timedelta(days=1)),
        decided_at__lt=clock.end_of_day(end),
    ).count()
