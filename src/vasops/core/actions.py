"""State changes of the core context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from vasops.core import audit, calendar, permissions
from vasops.core.errors import CoreError, DomainError, required_text
from vasops.core.events import CoreEvent
from vasops.core.models import User, WorkCalendar


@transaction.atomic(durable=True)
def set_calendar_day(
    day: dt.date, *, actor: Any, is_working_day: bool, note: str, reason: str
) -> WorkCalendar:
    """Staff correct one date of the working-day calendar (e.g. a newly announced 调休)."""
    permissions.require(actor, "core.manage_calendar")
    reason = required_text(reason, CoreError.VALIDATION, gettext("修改工作日历必须填写原因。"))
    row = WorkCalendar.objects.select_for_update().filter(date=day).first()
    before = audit.snapshot(row, ["is_working_day", "note"]) if row else None
    if row is None:
        row = WorkCalendar(date=day)
    row.is_working_day = is_working_day
    row.note = note
    row.source = WorkCalendar.Source.MANUAL
    row.save()
    audit.record(
        actor=actor,
        action=CoreEvent.CALENDAR_DAY_SET,
        obj=row,
        before=before,
        after=audit.snapshot(row, ["is_working_day", "note"]),
        reason=reason,
    )
    transaction.on_commit(calendar.invalidate)
    return row


@transaction.atomic(durable=True)
def seed_calendar_year(year: int, *, actor: Any) -> int:
    """Fill a year from chinesecalendar/holidays; manual edits are kept."""
    permissions.require(actor, "core.manage_calendar")
    count = calendar.seed_years([year])
    marker = WorkCalendar.objects.filter(date__year=year).first()
    if marker is not None:
        audit.record(
            actor=actor,
            action=CoreEvent.CALENDAR_YEAR_SEEDED,
            obj=marker,
            after={"year": year, "rows": count},
        )
    return count


@transaction.atomic(durable=True)
def set_language(language: str, *, actor: Any) -> None:
    """The language ``actor`` reads notifications and e-mails in: the one they last chose with the
    language switch. A personal preference, not a business record: no audit row."""
    if language not in dict(settings.LANGUAGES):
        raise DomainError(
            CoreError.VALIDATION,
            gettext("未知的语言“%(language)s”。") % {"language": language},
            field="language",
        )
    User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language


@transaction.atomic(durable=True)
def confirm_totp_device(device: Any, *, actor: Any) -> None:
    """A staff user finished two-factor enrolment: the device becomes their second factor."""
    if device.user_id != getattr(actor, "pk", None):
        raise DomainError(CoreError.PERMISSION_DENIED, gettext("只能绑定自己的身份验证器。"), status=403)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=actor, action=CoreEvent.TOTP_ENROLLED, obj=actor, after={"device": device.name})
