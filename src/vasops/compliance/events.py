"""Audit event types of compliance (values ``compliance.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class ComplianceEvent(EventType):
    VIOLATION_TYPE_SAVED = "compliance.violation_type_saved", _("违约类型已保存")
    SETTINGS_SAVED = "compliance.settings_saved", _("违约与信用参数已保存")
    VIOLATION_DRAFTED = "compliance.violation_drafted", _("违约记录草稿已生成")
    VIOLATION_RAISED = "compliance.violation_raised", _("违约已通报合作伙伴")
    VIOLATION_DISCARDED = "compliance.violation_discarded", _("违约草稿已作废")
    VIOLATION_ACCEPTED = "compliance.violation_accepted", _("合作伙伴已确认违约")
    VIOLATION_APPEALED = "compliance.violation_appealed", _("合作伙伴已申诉")
    VIOLATION_DECIDED = "compliance.violation_decided", _("违约已裁定")
    CREDIT_CHANGED = "compliance.credit_changed", _("信用积分已变动")
    BLACKLIST_IMPOSED = "compliance.blacklist_imposed", _("已列入黑名单")
    SERVICE_BLOCKED = "compliance.service_blocked", _("业务已屏蔽")
    BLOCK_LIFTED = "compliance.block_lifted", _("业务屏蔽已解除")
    ASSESSMENT_COMPUTED = "compliance.assessment_computed", _("考核已计算")
    ASSESSMENT_CONFIRMED = "compliance.assessment_confirmed", _("考核已确认")
    PRODUCT_EXITED = "compliance.product_exited", _("产品已退出")
    PARTNER_EXITED = "compliance.partner_exited", _("合作伙伴已退出")
