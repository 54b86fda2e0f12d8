"""Periodic sweep of work orders (idempotent: running it twice changes nothing twice)."""

from __future__ import annotations

import datetime as dt

from vasops.core import clock
from vasops.workorders import actions, queries, rules
from vasops.workorders.models import WorkOrder


def sweep_work_orders(now: dt.datetime | None = None) -> dict[str, int]:
    """Mark overdue work orders, remind assignees once when ≤ 1 working day remains and escalate
    overdue ones once to the department heads."""
    now = now or clock.now()
    heads = list(queries.department_heads())
    totals = {"checked": 0, "overdue": 0, "reminded": 0, "escalated": 0}
    ids = list(
        WorkOrder.objects.filter(state__in=rules.ACTIVE_STATES)
        .exclude(type__in=rules.LINKED_TYPES)  # their SLA is swept by the app they follow
        .values_list("pk", flat=True)
    )
    for pk in ids:
        totals["checked"] += 1
        for key, value in actions.sweep_one(pk, now=now, heads=heads).items():
            totals[key] += value
    return totals
