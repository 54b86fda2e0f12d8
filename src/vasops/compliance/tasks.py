"""Periodic jobs of compliance (plain functions; the worker's ``run_sweeps`` calls them)."""

from __future__ import annotations

import datetime as dt

from vasops.compliance import actions
from vasops.compliance.models import Assessment
from vasops.core import clock


def draft_last_month_assessment(today: dt.date | None = None) -> int:
    """Once the month is over, the previous month's scorecards are computed as a draft for staff
    to check and confirm (idempotent: nothing if that period exists already)."""
    today = today or clock.today()
    last_day = today.replace(day=1) - dt.timedelta(days=1)
    start = last_day.replace(day=1)
    if Assessment.objects.filter(period_kind=Assessment.Period.MONTH, period_start=start).exists():
        return 0
    actions.compute_assessment(actor="system", period_kind=Assessment.Period.MONTH, day=start)
    return 1
