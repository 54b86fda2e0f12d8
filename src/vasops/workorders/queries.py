"""Read side of work orders. A partner user sees only their own partner's work orders; another
partner's work order is simply not there (404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext

from vasops.core import audit, calendar, clock, roles
from vasops.core.models import Document
from vasops.core.permissions import has
from vasops.partners.queries import partner_of
from vasops.workorders import rules
from vasops.workorders.models import Attachment, WorkOrder, WorkOrderStage
from vasops.workorders.permissions import HANDLE, MANAGE, VIEW_ALL

QUEUES = ("mine", "group", "overdue", "all")


def _base() -> QuerySet[WorkOrder]:
    return WorkOrder.objects.select_related("partner", "assignee", "created_by")


def visible_to(user: Any) -> QuerySet[WorkOrder]:
    """Staff holding view_all_workorders: all. A partner user: their partner's. Anyone else:
    the work orders they raised or are assigned to."""
    if not getattr(user, "is_authenticated", False):
        return WorkOrder.objects.none()
    if user.has_perm(VIEW_ALL):
        return _base()
    partner = partner_of(user)
    if partner is not None:
        return _base().filter(partner=partner)
    return _base().filter(Q(assignee=user) | Q(created_by=user))


def get_visible(user: Any, pk: int) -> WorkOrder | None:
    return visible_to(user).filter(pk=pk).first()


def mark_openable(user: Any, orders: list[WorkOrder]) -> list[WorkOrder]:
    """Set ``can_open`` on each work order: may ``user`` open its page? Pages that list work
    orders about something (an application, a complaint) link only those (one query)."""
    ids = set(visible_to(user).filter(pk__in=[o.pk for o in orders]).values_list("pk", flat=True))
    for order in orders:
        order.can_open = order.pk in ids  # type: ignore[attr-defined]
    return orders


def may_open(user: Any, order: WorkOrder) -> bool:
    return visible_to(user).filter(pk=order.pk).exists()


def overdue_q(now: dt.datetime | None = None) -> Q:
    now = now or clock.now()
    return Q(state__in=rules.ACTIVE_STATES) & (Q(overdue=True) | Q(due_at__lt=now))


def queue(user: Any, which: str) -> QuerySet[WorkOrder]:
    """``mine``: active ones assigned to ``user``; ``group``: active ones waiting on a role group
    ``user`` belongs to; ``overdue``: active and past their stage deadline; ``all``: visible."""
    qs = visible_to(user)
    if which == "mine":
        return qs.filter(assignee=user, state__in=rules.ACTIVE_STATES)
    if which == "group":
        return qs.filter(group__in=roles.roles_of(user), state__in=rules.ACTIVE_STATES)
    if which == "overdue":
        return qs.filter(overdue_q())
    if which == "all":
        return qs
    raise ValueError(f"unknown queue {which!r}")


def for_object(obj: Model) -> QuerySet[WorkOrder]:
    """Work orders raised about ``obj`` (any model instance), newest first."""
    return (
        _base()
        .filter(object_type=audit.object_type_of(obj), object_id=str(obj.pk))
        .order_by("-created_at", "-id")
    )


def handlers() -> QuerySet[Any]:
    """Active users who may handle work orders (assignee choices)."""
    model: Any = get_user_model()
    return (
        model.objects.filter(is_active=True)
        .filter(
            Q(
                groups__permissions__codename="handle_workorder",
                groups__permissions__content_type__app_label="workorders",
            )
            | Q(user_permissions__codename="handle_workorder")
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )


def group_users(group: str) -> QuerySet[Any]:
    model: Any = get_user_model()
    return model.objects.filter(groups__name=group, is_active=True).distinct()  # type: ignore[no-any-return]


def department_heads() -> QuerySet[Any]:
    return group_users(roles.DEPARTMENT_HEAD)


def can_handle(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(HANDLE))


@dataclass(frozen=True)
class StageRow:
    stage: WorkOrderStage
    remaining: int | None
    overdue: bool
    colour: str
    text: str

    @property
    def css(self) -> str:
        return rules.SLA_CSS[self.colour]


def stage_rows(wo: WorkOrder, now: dt.datetime | None = None) -> list[StageRow]:
    """The stage history with remaining working days and the SLA colour of each row."""
    now = now or clock.now()
    rows = []
    for st in wo.stages.select_related("assignee").all():
        finished = st.finished_at is not None
        if finished:
            late = not st.on_time
            rows.append(
                StageRow(
                    st,
                    None,
                    late,
                    "done" if not late else "red",
                    gettext("已完成") if not late else gettext("超期完成"),
                )
            )
            continue
        overdue = rules.is_overdue(st.due_at, now)
        remaining = calendar.remaining_working_days(st.due_at)
        colour = rules.sla_colour(remaining, overdue=overdue)
        rows.append(
            StageRow(st, remaining, overdue, colour, rules.remaining_text(remaining, overdue=overdue))
        )
    return rows


def sla_of(wo: WorkOrder, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The current stage's SLA for badges in lists: remaining days, colour, text."""
    if not wo.is_active or wo.due_at is None:
        return None
    now = now or clock.now()
    overdue = rules.is_overdue(wo.due_at, now)
    remaining = calendar.remaining_working_days(wo.due_at)
    colour = rules.sla_colour(remaining, overdue=overdue)
    return {
        "remaining": remaining,
        "overdue": overdue,
        "colour": colour,
        "css": rules.SLA_CSS[colour],
        "text": rules.remaining_text(remaining, overdue=overdue),
    }


def attachments_of(wo: WorkOrder) -> QuerySet[Attachment]:
    return wo.attachments.select_related("document", "added_by")


def user_may_read_document(user: Any, doc: Document) -> bool:
    """Access rule for core.documents: a document attached to a work order the user can see."""
    ids = Attachment.objects.filter(document=doc).values_list("work_order_id", flat=True)
    return visible_to(user).filter(pk__in=ids).exists()


def allowed_ops(user: Any, wo: WorkOrder) -> list[str]:
    """The actions ``user`` may take on ``wo`` now (buttons on the detail page)."""
    if not getattr(user, "is_authenticated", False):
        return []
    handle = has(user, HANDLE)
    manage = has(user, MANAGE)
    partner = partner_of(user)
    own = partner is not None and wo.partner_id == partner.pk
    ops: list[str] = []
    if wo.type in rules.LINKED_TYPES:
        # its state follows the complaint; people only add comments here
        return ["comment"] if (handle or manage or own or wo.created_by_id == user.pk) else []
    if wo.state == rules.OPEN and handle:
        ops.append("start")
    if wo.is_active and handle:
        ops += ["advance", "resolve"]
    if wo.is_active and (manage or handle):
        ops.append("assign")
    if (manage and wo.state != rules.CLOSED) or (own and wo.state == rules.RESOLVED):
        ops.append("close")
    if wo.state in (rules.RESOLVED, rules.CLOSED) and (manage or own):
        ops.append("reopen")
    if handle or manage or own or wo.created_by_id == user.pk:
        ops.append("comment")
    return ops
