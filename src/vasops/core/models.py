from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from vasops.core import clock
from vasops.core.fields import ClockDateTimeField


class PlatformReason(models.Model):
    """A model's ``reason`` text column, and — when the platform wrote the reason (a penalty, a
    refund, an exit, a block from a violation) — its msgid and params (``core.notify.stored``),
    so that it reads in each reader's language (:attr:`reason_text`). ``reason`` keeps the
    Chinese for search, exports and the API; a reason a person typed has no message and reads as
    typed."""

    reason_message = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def reason_text(self) -> str:
        from vasops.core import notify

        return notify.reading(self.reason_message, str(getattr(self, "reason", "")))


class User(AbstractUser):
    """A person (partner staff, carrier staff, expert). Partner binding lives in ``partners``."""

    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    # the language of the user's notifications and e-mails: the last one they chose with the
    # language switch (core.actions.set_language)
    language = models.CharField(
        _("语言"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        permissions = [
            ("view_audit", "查看审计日志"),
            ("manage_calendar", "维护工作日历"),
            ("manage_users", "管理用户与角色"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_carrier_staff(self) -> bool:
        """Carrier staff (any console role) must log in with a second factor."""
        return self.is_staff or self.is_superuser


class WorkCalendar(models.Model):
    """One row per date: is it a working day? Seeded from chinesecalendar / holidays."""

    class Source(models.TextChoices):
        CHINESECALENDAR = "chinesecalendar", "chinesecalendar"
        HOLIDAYS = "holidays", "holidays"
        MANUAL = "manual", _("人工维护")

    date = models.DateField(primary_key=True)
    is_working_day = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_working_day else '休'}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Bulk update/delete would bypass the model's guards: refuse them too."""

    def update(self, **kwargs: object) -> int:
        raise RuntimeError("AuditEvent is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise RuntimeError("AuditEvent is append-only")


class AuditEvent(PlatformReason):
    """Append-only record of every change of state. Never updated, never deleted."""

    # The business clock's "now": the same instant in production; in demos and tests with a
    # frozen date the history reads in business time, consistent with the rules.
    at = models.DateTimeField(default=clock.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    partner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # the reason in the default language (Chinese): searched, exported, shown for old rows
    reason = models.TextField(blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("AuditEvent is append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("AuditEvent is append-only")


class Notification(models.Model):
    """In-app inbox entry. Email copies are sent on commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]


class Document(models.Model):
    """An uploaded file: stored under a generated name, served only through a checked view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to="documents/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(_("类别"), max_length=60, blank=True)
    partner_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("文档")
        verbose_name_plural = _("文档")

    def __str__(self) -> str:
        return self.original_name


class Deadline(models.Model):
    """A due date created by an action and swept by a periodic task (idempotently)."""

    class State(models.TextChoices):
        OPEN = "open", _("进行中")
        MET = "met", _("已按时完成")
        MISSED = "missed", _("已逾期处理")
        CANCELLED = "cancelled", _("已取消")

    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    partner_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=60)
    due_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = ClockDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]


class Sequence(models.Model):
    """Business numbering (e.g. ZR2026110001): one counter per prefix, locked when used."""

    prefix = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)
