"""Audit event types of the partner registry (values ``partners.<object>_<past participle>``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vasops.core.vocabulary import EventType


class PartnerEvent(EventType):
    PARTNER_REGISTERED = "partners.partner_registered", _("企业已注册")
    USER_ADDED = "partners.user_added", _("已开通企业用户")
    PROFILE_UPDATED = "partners.profile_updated", _("企业信息已修改")
    HOTLINE_CHANGED = "partners.hotline_changed", _("客服热线已修改")
    CONTACT_SET = "partners.contact_set", _("联系人已设置")
    BANK_ACCOUNT_SET = "partners.bank_account_set", _("银行账户已设置")
    QUALIFICATION_ADDED = "partners.qualification_added", _("资质已上传")
    QUALIFICATION_REPLACED = "partners.qualification_replaced", _("资质已更新")
    QUALIFICATION_EXPIRY_REMINDED = "partners.qualification_expiry_reminded", _("已发送资质到期提醒")
    PARTNER_ADMITTED = "partners.partner_admitted", _("准入通过")
    PARTNER_ACTIVATED = "partners.partner_activated", _("业务已开通")
    PARTNER_SUSPENDED = "partners.partner_suspended", _("企业已暂停")
    PARTNER_RESUMED = "partners.partner_resumed", _("企业已恢复")
    RESTRICTION_ADDED = "partners.restriction_added", _("已登记限制")
    RESTRICTION_LIFTED = "partners.restriction_lifted", _("限制已解除")
    RESTRICTION_RENEWED = "partners.restriction_renewed", _("限制已延期")
    CREDIT_GRADE_SET = "partners.credit_grade_set", _("信用等级已变更")
    PARTNER_EXITED = "partners.partner_exited", _("合作伙伴已退出")
    CHANGE_REQUEST_SUBMITTED = "partners.change_request_submitted", _("变更申请已提交")
    CHANGE_REQUEST_APPROVED = "partners.change_request_approved", _("变更申请已审核通过")
    CHANGE_REQUEST_SECOND_APPROVED = "partners.change_request_second_approved", _("变更申请已复核通过")
    CHANGE_REQUEST_RETURNED = "partners.change_request_returned", _("变更申请已退回")
    CHANGE_REQUEST_REJECTED = "partners.change_request_rejected", _("变更申请已驳回")
    CHANGE_REQUEST_APPLIED = "partners.change_request_applied", _("变更已生效")
