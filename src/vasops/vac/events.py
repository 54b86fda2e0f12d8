"""Audit event types of the VAC (``vac.<object>_<past participle>``), with the words people read
in the history panels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class VacEvent(EventType):
    SUBSCRIPTION_CREATED = "vac.subscription_created", _("代用户订购")
    SUBSCRIPTION_CONFIRMED = "vac.subscription_confirmed", _("订购已二次确认")
    SUBSCRIPTION_DROPPED = "vac.subscription_dropped", _("订购确认超时作废")
    SUBSCRIPTION_CANCELLED = "vac.subscription_cancelled", _("订购已退订")
    NUMBER_CHANGED = "vac.number_changed", _("用户已改号")
    USER_BLOCKED = "vac.user_blocked", _("业务能力已屏蔽")
    USER_RESTORED = "vac.user_restored", _("业务能力已恢复")
    SERVICE_BLOCKED = "vac.service_blocked", _("业务已屏蔽（运营商）")
    SERVICE_BLOCK_LIFTED = "vac.service_block_lifted", _("业务屏蔽已解除（运营商）")
    ACCOUNT_OPENED = "vac.account_opened", _("用户已开户")
    ACCOUNT_CLOSED = "vac.account_closed", _("用户已销户")
    CRM_BATCH_RECEIVED = "vac.crm_batch_received", _("CRM 批量文件已接收")
    NOTIFICATION_RESENT = "vac.notification_resent", _("SP 通知已重新排队")
    ENDPOINT_SAVED = "vac.endpoint_saved", _("SP 通知地址已保存")
    ENDPOINT_TESTED = "vac.endpoint_tested", _("SP 通知地址已测试")
