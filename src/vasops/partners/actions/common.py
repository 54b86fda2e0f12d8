"""Helpers shared by the partner registry's actions: membership, permission, reasons, hotline."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.permissions import require
from vasops.partners import rules
from vasops.partners.errors import PartnerError
from vasops.partners.models import Partner

PARTNER_FIELDS = [
    "name",
    "kind",
    "locality",
    "credit_code",
    "legal_representative",
    "address",
    "cs_hotline",
    "state",
    "credit_grade",
    "enterprise_code",
    "service_access_number",
    "suspended_reason",
]


def page_url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def require_member(actor: Any, partner: Partner, *, admin: bool = False) -> None:
    """The actor must belong to ``partner`` (as its admin when ``admin``), or be staff holding
    partners.manage_partner."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(gettext("请先登录。"))
    if actor.has_perm("partners.manage_partner"):
        return
    membership = getattr(actor, "partner_membership", None)
    if membership is None or membership.partner_id != partner.pk:
        raise PermissionDenied(gettext("您不属于该合作伙伴，不能修改其资料。"))
    if admin and not membership.is_admin:
        raise PermissionDenied(gettext("只有本企业的管理员可以执行此操作。"))


def check_hotline(text: str) -> str:
    problem = rules.hotline_problem(text)
    if problem:
        raise DomainError(
            PartnerError.INVALID_HOTLINE, problem, field="cs_hotline"
        )  # the message names its clause (第二章 一(四))
    return rules.normalise_hotline(text)


def require_staff(actor: Any, perm: str) -> None:
    """``actor=None`` is the system (an automatic consequence); a person needs ``perm``."""
    if actor is not None:
        require(actor, perm)
