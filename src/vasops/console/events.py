"""Audit event types of the staff console (values ``console.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class ConsoleEvent(EventType):
    DEMO_CLOCK_SET = "console.demo_clock_set", _("演示业务日期已调整")
