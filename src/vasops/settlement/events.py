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
