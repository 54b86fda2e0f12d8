"""Audit event types of the core context (values ``core.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class CoreEvent(EventType):
    CALENDAR_DAY_SET = "core.calendar_day_set", _("工作日历已修改")
    CALENDAR_YEAR_SEEDED = "core.calendar_year_seeded", _("工作日历已导入全年")
    TOTP_ENROLLED = "core.totp_enrolled", _("已绑定身份验证器")
