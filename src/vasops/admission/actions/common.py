"""Helpers shared by admission's actions: membership, reasons, audit rows, notices, locking."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from vasops.admission import queries
from vasops.admission.models import Application
from vasops.core import audit, notify, permissions
from vasops.core.errors import DomainError, PermissionDenied, with_clause
from vasops.partners import queries as partner_queries
from vasops.partners.rules import Problem

S = Application.State


CAPABILITY_FIELDS = [
    "access_method",
    "certified_om_staff",
    "cs_hotline",
    "call_centre_seats",
    "call_centre_agents",
    "connect_rate_bp",
    "answered_20s_bp",
]


EDITABLE_FIELDS = ["business_lines", *CAPABILITY_FIELDS]


def problems_error(code: str, problems: list[Problem], intro: str, **params: Any) -> DomainError:
    # each problem names the clause it applies (the codes travel in ``problems``)
    lines = gettext("；").join(
        with_clause(p.message, p.clause) if p.clause and p.clause not in p.message else p.message
        for p in problems
    )
    return DomainError(
        code,
        intro + lines,
        problems=[{"code": p.code, "message": p.message, "clause": p.clause} for p in problems],
        **params,
    )


def require_member(actor: Any, app: Application | None = None) -> Any:
    """The actor's partner (and, with ``app``, that it owns the application) or refuse."""
    partner = partner_queries.partner_of(actor)
    if partner is None:
        raise PermissionDenied(gettext("只有合作伙伴用户可以办理准入申请。"))
    if app is not None and app.partner_id != partner.pk:
        raise PermissionDenied(gettext("您只能办理本企业的准入申请。"))
    return partner


def partner_actor(actor: Any) -> Any:
    """The person for the partner registry's audit when they hold its permission; otherwise the
    change is a system consequence of this admission action (already permission-checked)."""
    return actor if permissions.has(actor, "partners.manage_partner") else None


def application_url(app: Application) -> str:
    return reverse("admission:application_detail", args=[app.pk])


def notify_partner(app: Application, subject: notify.Message, body: notify.Message = "") -> None:
    notify.send(queries.partner_users(app.partner), subject=subject, body=body, url=application_url(app))


def notify_staff(app: Application, subject: notify.Message, body: notify.Message = "") -> None:
    notify.send(queries.staff_to_notify(), subject=subject, body=body, url=application_url(app))


def audit_application(
    actor: Any, action: str, app: Application, before: dict[str, Any] | None, **kw: Any
) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=app,
        partner_id=app.partner_id,
        before=before,
        after=kw.pop("after", None) or audit.snapshot(app, ["state"]),
        reason=kw.pop("reason", ""),
    )


def locked(app: Application) -> Application:
    return Application.objects.select_for_update().get(pk=app.pk)


def application_snapshot(app: Application, fields: list[str]) -> dict[str, Any]:
    """audit.snapshot with the applied business lines as their codes."""
    plain = [f for f in fields if f != "business_lines"]
    snap = audit.snapshot(app, plain)
    if "business_lines" in fields:
        snap["business_lines"] = app.line_codes()
    return snap
