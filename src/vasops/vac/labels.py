"""Words for the VAC's subscription history (the lookup page): its events, and the reasons the
platform writes there (marked for the catalogue, stored in Chinese, read in the reader's
language; a reason a person typed reads as typed)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vasops.core.marks import gettext_noop

HISTORY_EVENTS = {
    "requested": _("申请订购"),
    "activated": _("订购已生效"),
    "dropped": _("已作废"),
    "blocked": _("已屏蔽"),
    "unsubscribed": _("已退订"),
    "number_changed": _("已改号"),
}

CONFIRMATION_TIMED_OUT = gettext_noop("二次确认超时")
ALL_UNSUBSCRIBED = gettext_noop("全部退订")
USER_BLOCKED = gettext_noop("用户屏蔽业务能力")
ACCOUNT_CLOSED = gettext_noop("销户")
SMS_UNSUBSCRIBE = gettext_noop("短信退订（TD）")
SMS_UNSUBSCRIBE_ALL = gettext_noop("短信全部退订（00000）")
SYSTEM_REASONS = frozenset(
    {
        CONFIRMATION_TIMED_OUT,
        ALL_UNSUBSCRIBED,
        USER_BLOCKED,
        ACCOUNT_CLOSED,
        SMS_UNSUBSCRIBE,
        SMS_UNSUBSCRIBE_ALL,
    }
)


def history_event(event: str) -> str:
    return str(HISTORY_EVENTS.get(event, event))


def history_reason(reason: str) -> str:
    """A history row's reason in the reader's language when the platform wrote it."""
    return gettext(reason) if reason in SYSTEM_REASONS else reason
