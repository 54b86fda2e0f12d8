"""Audit event types of settlement (values ``settlement.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class SettlementEvent(EventType):
    ADJUSTMENT_RECORDED = "settlement.adjustment_recorded", _("结算调整已登记")
    RATIO_VERSION_CREATED = "settlement.ratio_version_created", _("分成比例版本已登记")
    RATIO_VERSION_CLOSED = "settlement.ratio_version_closed", _("分成比例版本已截止")
    BAD_DEBT_RATE_SET = "settlement.bad_debt_rate_set", _("坏账率已设置")
    RUN_STARTED = "settlement.run_started", _("结算计算已发起")
    RUN_COMPUTED = "settlement.run_computed", _("结算计算已完成")
    RUN_FAILED = "settlement.run_failed", _("结算计算失败")
    RUN_RESTARTED = "settlement.run_restarted", _("结算计算已重新开始")
    RUN_SUPERSEDED = "settlement.run_superseded", _("结算批次已被新版本取代")
    RUN_APPROVED = "settlement.run_approved", _("结算批次已审核")
    RUN_PUBLISHED = "settlement.run_published", _("结算批次已发布")
    # reconciliation 结算对账 (settlement.reconciliation)
    RECONCILIATION_OPENED = "settlement.reconciliation_opened", _("对账申请已提交")
    RECONCILIATION_UPLOADED = "settlement.reconciliation_uploaded", _("对账文件已上传并比对")
    RECONCILIATION_CLOSED = "settlement.reconciliation_closed", _("对账申请已关闭")
    DISPUTE_RAISED = "settlement.dispute_raised", _("对账争议已提出")
    DISPUTE_EVIDENCE_ADDED = "settlement.dispute_evidence_added", _("争议证据已补充")
    DISPUTE_ACCEPTED = "settlement.dispute_accepted", _("对账争议已接受")
    DISPUTE_REJECTED = "settlement.dispute_rejected", _("对账争议已驳回")
    DISPUTE_ESCALATED = "settlement.dispute_escalated", _("对账争议超期已升级")
