"""Periodic sweeps of admission (idempotent; run by the worker or ``manage.py admission_sweep``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse

from vasops.admission import actions, queries, rules
from vasops.admission.events import AdmissionEvent
from vasops.admission.models import Application, Contract
from vasops.core import audit, clock, notify
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
    moved = 0
    for object_id in ids:
        with transaction.atomic():
            app = Application.objects.select_for_update().filter(pk=int(object_id)).first()
            if app is None:
                continue
            if app.state != Application.State.ACCEPTED:
                Deadline.objects.filter(
                    object_type="admission.application",
                    object_id=object_id,
                    kind=queries.DEADLINE_ACCESS_DATA,
                    state=Deadline.State.OPEN,
                ).update(state=Deadline.State.CANCELLED, closed_at=moment)
                continue
            if actions.postpone_if_missed(app, actor="system"):
                moved += 1
    return moved


def remind_contract_expiry(today: dt.date | None = None) -> int:
    """Remind partner and staff once, from 30 days before a contract ends."""
    day = today or clock.today()
    sent = 0
    horizon = day + dt.timedelta(days=rules.CONTRACT_REMINDER_DAYS)
    qs = Contract.objects.filter(expiry_reminded_at__isnull=True, term_end__gte=day, term_end__lte=horizon)
    for contract in qs.select_related("application", "application__partner"):
        if not rules.contract_reminder_due(contract.term_end, day):
            continue
        with transaction.atomic():
            locked = Contract.objects.select_for_update().get(pk=contract.pk)
            if locked.expiry_reminded_at is not None:
                continue
            app = contract.application
            subject = f"合同即将到期：{app.partner}（{app.number}），{contract.term_end} 到期"
            url = reverse("admission:application_detail", args=[app.pk])
            notify.send(
                [*queries.partner_users(app.partner), *queries.staff_to_notify()],
                subject=subject,
                body="请及时办理续签。",
                url=url,
            )
            locked.expiry_reminded_at = clock.now()
            locked.save(update_fields=["expiry_reminded_at"])
            audit.record(
                actor="system",
                action=AdmissionEvent.CONTRACT_EXPIRY_REMINDED,
                obj=app,
                partner_id=app.partner_id,
                after={"term_end": contract.term_end},
            )
            sent += 1
    return sent


def run_all() -> dict[str, int]:
    from vasops.admission.exam import tasks as exam_tasks

    return {
        "preparation_postponed": sweep_preparation_deadlines(),
        "contract_reminders": remind_contract_expiry(),
        "exam_papers_closed": exam_tasks.close_expired_exam_papers(),
    }
