"""Periodic sweeps of the partner registry (idempotent: safe to run any number of times a day).
A sweep finds what is due and calls the action for each; the actions change the rows."""

from __future__ import annotations

import datetime as dt

from vasops.core import clock
from vasops.partners import actions, rules
from vasops.partners.models import Qualification


def send_qualification_reminders(today: dt.date | None = None) -> int:
    """Remind partner users and product staff 30 and 7 days before a current certificate expires.
    Each reminder is sent once (reminded_30_at / reminded_7_at). Returns how many were sent."""
    on = today or clock.today()
    horizon = on + dt.timedelta(days=max(rules.REMINDER_DAYS))
    candidates = Qualification.objects.filter(
        is_current=True, valid_until__isnull=False, valid_until__gte=on, valid_until__lte=horizon
    )
    return sum(actions.remind_qualification_expiry(q, on=on) for q in candidates)
