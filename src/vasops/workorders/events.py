"""Audit event types of work orders (values ``workorders.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class WorkOrderEvent(EventType):
    WORK_ORDER_OPENED = "workorders.work_order_opened", _("工单已创建")
    WORK_ORDER_ASSIGNED = "workorders.work_order_assigned", _("工单已指派")
    WORK_ORDER_STARTED = "workorders.work_order_started", _("工单开始处理")
    WORK_ORDER_ADVANCED = "workorders.work_order_advanced", _("工单进入下一环节")
    WORK_ORDER_RESOLVED = "workorders.work_order_resolved", _("工单已解决")
    WORK_ORDER_CLOSED = "workorders.work_order_closed", _("工单已关闭")
    WORK_ORDER_REOPENED = "workorders.work_order_reopened", _("工单已重开")
    COMMENT_ADDED = "workorders.comment_added", _("已添加备注")
    DEADLINE_MISSED = "workorders.deadline_missed", _("环节已超期")
    WORK_ORDER_ESCALATED = "workorders.work_order_escalated", _("工单已超期升级")
