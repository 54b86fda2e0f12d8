"""Periodic sweeps of the partner registry (idempotent: safe to run any number of times a day)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from vasops.core import audit, clock, notify
from vasops.partners import queries, rules
from vasops.partners.events import PartnerEvent
from vasops.partners.models import Qualification


def send_qualification_reminders(today: dt.date | None = None) -> int:
    """Remind partner users and product staff 30 and 7 days before a current certificate expires.
    Each reminder is sent once (reminded_30_at / reminded_7_at). Returns how many were sent."""
    on = today or clock.today()
    horizon = on + dt.timedelta(days=max(rules.REMINDER_DAYS))
    candidates = Qualification.objects.filter(
        is_current=True, valid_until__isnull=False, valid_until__gte=on, valid_until__lte=horizon
    ).select_related("partner")
    staff = list(queries.product_staff_users())
    sent = 0
    for q in candidates:
        due = rules.reminder_due(q.valid_until, on)
        if due is None:
            continue
        stamp = "reminded_7_at" if due == 7 else "reminded_30_at"
        with transaction.atomic():
            locked = Qualification.objects.select_for_update().get(pk=q.pk)
            if getattr(locked, stamp) is not None:
                continue
            if due == 30 and locked.reminded_7_at is not None:
                continue
            setattr(locked, stamp, clock.now())
            locked.save(update_fields=[stamp])
            assert q.valid_until is not None
            left = (q.valid_until - on).days
            subject = f"资质即将到期：{q.partner.name} 的{q.get_kind_display()}（{left} 天后）"
            body = (
                f"证书编号 {q.number}，有效期至 {q.valid_until}。到期后将不具备准入资格，请及时上传新证书。"
            )
            notify.send(queries.partner_users(q.partner), subject=subject, body=body, url="/partners/me/")
            notify.send(staff, subject=subject, body=body, url=q.partner.get_absolute_url())
            audit.record(
                actor="system",
                action=PartnerEvent.QUALIFICATION_EXPIRY_REMINDED,
                obj=locked,
                partner_id=q.partner_id,
                after={stamp: getattr(locked, stamp), "days": due},
            )
            sent += 1
    return sent
