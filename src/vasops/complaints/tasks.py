"""Periodic sweep of complaints (idempotent: running it twice escalates nothing twice)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from vasops.complaints import actions, rules
from vasops.complaints.models import Complaint
from vasops.core import clock


def sweep_complaints(now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate, once per limit, complaints whose partner answer or closure is overdue."""
    now = now or clock.now()
    due = Complaint.objects.filter(state__in=rules.OPEN_STATES).filter(
        Q(state=rules.DISPATCHED, answer_due_at__lt=now, answer_escalated_at__isnull=True)
        | Q(close_due_at__lt=now, close_escalated_at__isnull=True)
    )
    ids = list(due.values_list("pk", flat=True))
    escalated = sum(actions.escalate_overdue(pk, now=now) for pk in ids)
    return {"checked": len(ids), "escalated": escalated}
