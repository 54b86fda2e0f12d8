"""Periodic sweeps of admission (idempotent; run by the worker or ``manage.py admission_sweep``).
A sweep finds what is due and calls the action for each; the actions change the rows."""

from __future__ import annotations

import datetime as dt

from vasops.admission import actions, queries, rules
from vasops.admission.models import Contract
from vasops.core import clock
from vasops.core.models import Deadline


def sweep_preparation_deadlines(now: dt.datetime | None = None) -> int:
    """Missed access-data deadlines (2 working days after acceptance) move the access to next
    month's preparation. Each deadline is handled once; running again changes nothing."""
    moment = now or clock.now()
    ids = list(
        Deadline.objects.filter(
            kind=queries.DEADLINE_ACCESS_DATA,
            state=Deadline.State.OPEN,
            due_at__lt=moment,
            object_type="admission.application",
        ).values_list("object_id", flat=True)
    )
    return sum(actions.handle_missed_access_data(int(object_id)) for object_id in ids)


def remind_contract_expiry(today: dt.date | None = None) -> int:
    """Remind partner and staff once, from 30 days before a contract ends."""
    day = today or clock.today()
    horizon = day + dt.timedelta(days=rules.CONTRACT_REMINDER_DAYS)
    due = Contract.objects.filter(expiry_reminded_at__isnull=True, term_end__gte=day, term_end__lte=horizon)
    return sum(actions.remind_contract_expiry(contract, on=day) for contract in due)


def run_all() -> dict[str, int]:
    from vasops.admission.exam import tasks as exam_tasks

    return {
        "preparation_postponed": sweep_preparation_deadlines(),
        "contract_reminders": remind_contract_expiry(),
        "exam_papers_closed": exam_tasks.close_expired_exam_papers(),
    }
