"""Notifications: an inbox row per recipient now (rolled back with the action), the email copy
after the transaction commits (no mail leaves for a change that did not happen)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from vasops.core import clock
from vasops.core.models import Notification, User

log = logging.getLogger(__name__)


def send(recipients: Iterable[Any], *, subject: str, body: str = "", url: str = "") -> list[Notification]:
    users = {u.pk: u for u in recipients if u is not None and getattr(u, "pk", None)}
    rows = [
        Notification.objects.create(recipient=u, subject=subject[:200], body=body, url=url)
        for u in users.values()
    ]
    ids = [n.pk for n in rows]
    if ids:
        transaction.on_commit(lambda: _email(ids))
    return rows


def _email(ids: list[int]) -> None:
    for note in Notification.objects.filter(pk__in=ids, emailed=False).select_related("recipient"):
        address = note.recipient.email
        if not address:
            continue
        try:
            send_mail(
                f"[vasops] {note.subject}",
                f"{note.body}\n\n{note.url}".strip(),
                settings.DEFAULT_FROM_EMAIL,
                [address],
            )
        except Exception:  # the inbox row stays; the mail is logged as failed
            log.exception("email for notification %s failed", note.pk)
            continue
        Notification.objects.filter(pk=note.pk).update(emailed=True)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=clock.now())
