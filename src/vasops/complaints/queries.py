"""Read side of complaints. Staff holding complaints.view_complaint see all; a partner user sees
only the complaints dispatched to their partner (never one still being triaged by CS); another
partner's complaint is simply not there (404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from vasops.complaints import rules
from vasops.complaints.models import Complaint, Refund
from vasops.complaints.permissions import HANDLE, VIEW
from vasops.core import calendar, clock
from vasops.core.permissions import has
from vasops.partners.queries import partner_of


def _base() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("product", "partner", "owner", "work_order")


def visible_to(user: Any) -> QuerySet[Complaint]:
    if not getattr(user, "is_authenticated", False):
        return Complaint.objects.none()
    if has(user, VIEW):
        return _base()
    partner = partner_of(user)
    if partner is not None:
        return _base().filter(partner=partner, dispatched_at__isnull=False)
    return Complaint.objects.none()


def get_visible(user: Any, pk: int) -> Complaint | None:
    return visible_to(user).filter(pk=pk).first()


def refunds_visible_to(user: Any) -> QuerySet[Refund]:
    qs = Refund.objects.select_related("complaint", "partner", "product", "adjustment")
    if has(user, VIEW):
        return qs
    partner = partner_of(user)
    if partner is not None:
        return qs.filter(partner=partner)
    return Refund.objects.none()


def to_answer(user: Any) -> QuerySet[Complaint]:
    """The partner's complaints waiting for its answer."""
    return visible_to(user).filter(state=rules.DISPATCHED)


def my_open(user: Any) -> QuerySet[Complaint]:
    """A CS agent's own open complaints (首问负责) and the unowned ones to take."""
    if not has(user, HANDLE):
        return Complaint.objects.none()
    return _base().filter(state__in=rules.OPEN_STATES).filter(Q(owner=user) | Q(owner__isnull=True))


def overdue_q(now: dt.datetime | None = None) -> Q:
    now = now or clock.now()
    answer_late = Q(state=rules.DISPATCHED, answer_due_at__lt=now)
    close_late = Q(state__in=rules.OPEN_STATES, close_due_at__lt=now)
    return answer_late | close_late


def is_working_day(day: dt.date) -> bool:
    return calendar.is_working_day(day)


def add_working_hours(start: dt.datetime, hours: int) -> dt.datetime:
    return rules.add_working_hours(start, hours, calendar.is_working_day, clock.SHANGHAI)


def working_hours_left(due: dt.datetime, now: dt.datetime | None = None) -> float:
    return rules.working_hours_between(now or clock.now(), due, calendar.is_working_day, clock.SHANGHAI)


def sla_of(c: Complaint, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The two limits (answer, closure) with their state for a badge."""
    now = now or clock.now()
    out = []
    for label, due, done in (
        (gettext("合作伙伴答复"), c.answer_due_at, c.answered_at),
        (gettext("办结"), c.close_due_at, c.closed_at),
    ):
        if due is None:
            continue
        left = working_hours_left(due, now) if done is None else None
        state = rules.sla_state(due, done, now, left)
        if done is not None:
            text = gettext("按时") if state == "done" else gettext("超时完成")
        elif state == "late":
            text = gettext("已超时")
        else:
            text = gettext("剩余 %(hours)s 工作小时") % {"hours": f"{left:.0f}"} if left is not None else ""
        out.append(
            {
                "label": label,
                "due": due,
                "done": done,
                "state": state,
                "css": rules.SLA_CSS[state],
                "text": text,
            }
        )
    return out


def public_lookup(number: str, msisdn: str) -> Complaint | None:
    """The complaint with this number AND this MSISDN; anything else (wrong number, someone
    else's complaint) is simply not found."""
    if not number or not msisdn:
        return None
    return Complaint.objects.filter(number=number.strip().upper(), msisdn=msisdn).first()


def complaint_count(partner_id: int, start: dt.date, end: dt.date) -> int:
    """Complaints about ``partner_id`` received on [start, end] (Asia/Shanghai days)."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=clock.SHANGHAI)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)
    return Complaint.objects.filter(partner_id=partner_id, created_at__gte=lo, created_at__lt=hi).count()


def repeat_count(partner_id: int, start: dt.date, end: dt.date) -> int:
    """Repeat complaints (重复投诉) about ``partner_id`` received on [start, end]: complaints
    reopened by the user, plus new complaints about a user and product already complained
    about. The assessment's input (compliance registry)."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=clock.SHANGHAI)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)
    qs = Complaint.objects.filter(partner_id=partner_id, created_at__gte=lo, created_at__lt=hi)
    reopened = sum(qs.filter(reopen_count__gt=0).values_list("reopen_count", flat=True))
    return int(reopened + qs.filter(repeat_of__isnull=False).count())
