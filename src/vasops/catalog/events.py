"""Audit event types of the product catalogue (values ``catalog.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class CatalogEvent(EventType):
    PRODUCT_CREATED = "catalog.product_created", _("产品草稿已创建")
    PRODUCT_UPDATED = "catalog.product_updated", _("产品申报资料已修改")
    PRODUCT_SUBMITTED = "catalog.product_submitted", _("产品已提交审核")
    PRODUCT_APPROVED = "catalog.product_approved", _("产品审核通过")
    PRODUCT_RETURNED = "catalog.product_returned", _("产品被退回修改")
    PRODUCT_REJECTED = "catalog.product_rejected", _("产品申请被驳回")
    CONFIGURATION_FINISHED = "catalog.configuration_finished", _("数据制作完成")
    TEST_CASE_ADDED = "catalog.test_case_added", _("已增加测试项")
    TEST_RESULT_RECORDED = "catalog.test_result_recorded", _("已登记测试结果")
    TESTING_FAILED = "catalog.testing_failed", _("测试未通过")
    PRODUCT_ACTIVATED = "catalog.product_activated", _("产品已上线")
    PRODUCT_SUSPENDED = "catalog.product_suspended", _("产品已暂停")
    PRODUCT_RESUMED = "catalog.product_resumed", _("产品已恢复")
    PRODUCT_RETIRED = "catalog.product_retired", _("产品已下线")
    PRODUCT_IMPORTED = "catalog.product_imported", _("产品已批量导入")
    CHANGE_REQUESTED = "catalog.change_requested", _("产品变更已申请")
    CHANGE_APPROVED = "catalog.change_approved", _("产品变更已批准")
    CHANGE_RETURNED = "catalog.change_returned", _("产品变更已退回")
    CHANGE_REJECTED = "catalog.change_rejected", _("产品变更已驳回")
    CHANGE_APPLIED = "catalog.change_applied", _("产品变更已生效")
    FEE_NOTICE_PRODUCED = "catalog.fee_notice_produced", _("资费变更通知文件已生成")
    BUSINESS_LINE_SAVED = "catalog.business_line_saved", _("业务线已保存")
    POOL_SAVED = "catalog.pool_saved", _("资源池已保存")
    RESOURCE_ALLOCATED = "catalog.resource_allocated", _("资源已分配")
    RESOURCE_RELEASED = "catalog.resource_released", _("资源已释放")
