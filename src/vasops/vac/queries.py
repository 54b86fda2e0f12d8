"""Read side of the VAC, scoped to the caller: staff see what their role allows, a partner user
only its own partner's rows (another partner's row is simply not found)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from vasops.core.permissions import has
from vasops.partners.models import Partner
from vasops.partners.queries import partner_of
from vasops.vac import msisdn as numbers
from vasops.vac.models import (
    Account,
    CrmBatchFile,
    NotifyOutbox,
    SpEndpoint,
    Subscription,
    SubscriptionHistory,
    UserBlock,
)
from vasops.vac.permissions import VIEW, VIEW_CRM_BATCH


def is_vac_staff(user: Any) -> bool:
    return has(user, VIEW) and partner_of(user) is None


def subscriptions(user: Any) -> QuerySet[Subscription]:
    qs = Subscription.objects.select_related("product", "partner", "product__business_line")
    if is_vac_staff(user):
        return qs
    partner = partner_of(user)
    return qs.filter(partner=partner) if partner is not None else qs.none()


def lookup(user: Any, msisdn: str) -> list[Subscription]:
    """Every relation of ``msisdn`` the caller may see, newest first, history prefetched."""
    history = Prefetch("history", queryset=SubscriptionHistory.objects.order_by("id"))
    return list(
        subscriptions(user)
        .filter(msisdn=numbers.bare_or_stripped(msisdn))
        .prefetch_related(history)
        .order_by("-id")
    )


def user_status(msisdn: str) -> dict[str, Any]:
    """Account and blocks of a user (staff only)."""
    value = numbers.bare_or_stripped(msisdn)
    return {
        "account": Account.objects.filter(msisdn=value).first(),
        "blocks": list(UserBlock.objects.filter(msisdn=value).order_by("-blocked_at")),
    }


def notifications(user: Any) -> QuerySet[NotifyOutbox]:
    qs = NotifyOutbox.objects.select_related("partner")
    if is_vac_staff(user):
        return qs
    partner = partner_of(user)
    return qs.filter(partner=partner) if partner is not None else qs.none()


def endpoint_of(partner: Partner) -> SpEndpoint | None:
    return SpEndpoint.objects.filter(partner=partner).first()


def crm_batches(user: Any) -> QuerySet[CrmBatchFile]:
    if has(user, VIEW_CRM_BATCH) and partner_of(user) is None:
        return CrmBatchFile.objects.select_related("exception_file", "uploaded_by")
    return CrmBatchFile.objects.none()
