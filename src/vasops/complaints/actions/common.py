"""Helpers shared by the complaint acts (not acts themselves)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext

from vasops.complaints.errors import ComplaintError
from vasops.complaints.models import Complaint
from vasops.complaints.permissions import HANDLE
from vasops.core import audit, roles
from vasops.core.errors import DomainError, PermissionDenied
from vasops.core.marks import gettext_noop
from vasops.core.permissions import has
from vasops.partners.queries import partner_users
from vasops.workorders.queries import group_users

AUDIT_FIELDS = [
    "state",
    "owner_id",
    "product_id",
    "partner_id",
    "answer_due_at",
    "close_due_at",
    "answered_at",
    "closed_at",
    "verdict",
    "reopen_count",
]


def snap(c: Complaint) -> dict[str, Any]:
    return audit.snapshot(c, AUDIT_FIELDS)


def locked(c: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("product", "partner", "owner", "work_order")
        .get(pk=c.pk)
    )


def answer_hours() -> int:
    return int(getattr(settings, "VASOPS_COMPLAINT_ANSWER_HOURS", 24))


def close_hours() -> int:
    return int(getattr(settings, "VASOPS_COMPLAINT_CLOSE_HOURS", 48))


def cs_agents() -> list[Any]:
    return list(group_users(roles.CS_AGENT))


def heads() -> list[Any]:
    return list(group_users(roles.DEPARTMENT_HEAD))


def partner_recipients(c: Complaint) -> list[Any]:
    return list(partner_users(c.partner)) if c.partner is not None else []


def require_owner(actor: Any, c: Complaint) -> None:
    """首问负责: the agent who took the complaint handles it to closure; a department head may
    act in their place. An unowned complaint becomes the acting agent's."""
    if not has(actor, HANDLE):
        raise PermissionDenied(gettext("您没有处理客户投诉的权限。"))
    if c.owner_id is None or c.owner_id == actor.pk or roles.has_role(actor, roles.DEPARTMENT_HEAD):
        return
    raise DomainError(
        ComplaintError.NOT_OWNER,
        gettext("该投诉由首问负责人“%(owner)s”跟进至办结，请联系其处理。") % {"owner": c.owner},
        status=409,
        clause=gettext_noop("首问负责制"),
    )
