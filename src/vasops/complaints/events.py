"""Audit event types of customer complaints (values ``complaints.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class ComplaintEvent(EventType):
    COMPLAINT_RECEIVED = "complaints.complaint_received", _("投诉已受理")
    COMPLAINT_CLAIMED = "complaints.complaint_claimed", _("首问负责人已确定")
    COMPLAINT_DISPATCHED = "complaints.complaint_dispatched", _("投诉已派单给合作伙伴")
    COMPLAINT_ANSWERED = "complaints.complaint_answered", _("合作伙伴已答复")
    COMPLAINT_CLOSED = "complaints.complaint_closed", _("投诉已办结")
    COMPLAINT_REOPENED = "complaints.complaint_reopened", _("用户再次投诉，已重开")
    COMPLAINT_ESCALATED = "complaints.complaint_escalated", _("投诉超时已升级")
    REFUND_RECORDED = "complaints.refund_recorded", _("退费已登记并向合作伙伴扣款")
    VIOLATION_OPENED = "complaints.violation_opened", _("已据此投诉发起违约处理")
