"""Audit event types of settlement (values ``settlement.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class SettlementEvent(EventType):
    ADJUSTMENT_RECORDED = "settlement.adjustment_recorded", _("结算调整已登记")
    # reconciliation 结算对账 (settlement.reconciliation)
    RECONCILIATION_OPENED = "settlement.reconciliation_opened", _("对账申请已提交")
    RECONCILIATION_UPLOADED = "settlement.reconciliation_uploaded", _("对账文件已上传并比对")
    RECONCILIATION_CLOSED = "settlement.reconciliation_closed", _("对账申请已关闭")
    DISPUTE_RAISED = "settlement.dispute_raised", _("对账争议已提出")
    DISPUTE_EVIDENCE_ADDED = "settlement.dispute_evidence_added", _("争议证据已补充")
    DISPUTE_ACCEPTED = "settlement.dispute_accepted", _("对账争议已接受")
    DISPUTE_REJECTED = "settlement.dispute_rejected", _("对账争议已驳回")
    DISPUTE_ESCALATED = "settlement.dispute_escalated", _("对账争议超期已升级")
