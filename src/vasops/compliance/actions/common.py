"""Helpers shared by compliance's actions: the numbers in force, actors, notifications."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext

from vasops.compliance import rules
from vasops.compliance.models import ComplianceSettings
from vasops.core import notify
from vasops.core.errors import PermissionDenied
from vasops.core.permissions import require
from vasops.partners import queries as partner_queries

DRAFT = "compliance.draft_violation"
MANAGE = "compliance.manage_violation"
CATALOGUE = "compliance.manage_catalogue"
BLOCK = "compliance.block_service"
ASSESS = "compliance.manage_assessment"


def settings_row() -> ComplianceSettings:
    row, _ = ComplianceSettings.objects.get_or_create(pk=1)
    return row


def numbers() -> rules.Numbers:
    """The staff-edited numbers (defaults until someone changes them)."""
    row = ComplianceSettings.objects.filter(pk=1).first()
    if row is None:
        return rules.DEFAULTS
    return rules.Numbers(**{f.name: getattr(row, f.name) for f in fields(rules.Numbers)})


def require_or_system(actor: Any, perm: str) -> None:
    """A string actor ("system", a job's name) is the platform itself; a person needs ``perm``."""
    if isinstance(actor, str) and actor:
        return
    require(actor, perm)


def require_partner_member(actor: Any, partner_id: int) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(gettext("请先登录。"))
    own = partner_queries.partner_of(actor)
    if own is None or own.pk != partner_id:
        raise PermissionDenied(gettext("您不属于该合作伙伴，不能办理此违约记录。"))


def user_of(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def compliance_staff() -> QuerySet[Any]:
    """Who reviews drafts and appeals: staff holding compliance.manage_violation."""
    model: Any = get_user_model()
    return (
        model.objects.filter(is_active=True, groups__permissions__codename="manage_violation")
        .filter(groups__permissions__content_type__app_label="compliance")
        .distinct()
    )


def notify_partner(partner: Any, subject: notify.Message, body: notify.Message = "", url: str = "") -> None:
    notify.send(partner_queries.partner_users(partner), subject=subject, body=body, url=url)


def notify_staff(subject: notify.Message, body: notify.Message = "", url: str = "") -> None:
    notify.send(compliance_staff(), subject=subject, body=body, url=url)
