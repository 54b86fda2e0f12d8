"""Audit event types of compliance (values ``compliance.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class ComplianceEvent(EventType):
    # SP KPIs (compliance.kpi) and detection of unauthorised charging (compliance.detection)
    KPI_DEFINITION_SAVED = "compliance.kpi_definition_saved", _("KPI 指标定义已保存")
    KPI_RECORD_SAVED = "compliance.kpi_record_saved", _("KPI 记录已登记")
    DETECTION_RULE_SAVED = "compliance.detection_rule_saved", _("异常扣费检测阈值已保存")
    DETECTION_HIT_RECORDED = "compliance.detection_hit_recorded", _("发现疑似违规扣费")
