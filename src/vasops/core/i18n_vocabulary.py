"""Strings shown through the shared navigation (``nav.py`` labels and sections) marked for
translation in one place, so ``makemessages`` collects them."""

from django.utils.translation import gettext_noop as _

NAV_LABELS = [
    _("专家库"),
    _("业务线"),
    _("产品审核"),
    _("产品批量导入"),
    _("产品目录"),
    _("准入申请"),
    _("准入设置"),
    _("合作伙伴"),
    _("在线考核"),
    _("审计日志"),
    _("工作日历"),
    _("工单"),
    _("我的产品"),
    _("我的企业"),
    _("我的评审"),
    _("演示时钟"),
    _("考核场次"),
    _("评审会"),
    _("资源池"),
    _("限制名单"),
    _("题库"),
    _("变更申请"),
    _("SLA 报表"),
    _("订购关系"),
    _("通知投递"),
    _("通知地址"),
    _("用户订购查询"),
    _("CRM 批量文件"),
]
NAV_SECTIONS = [_("企业"), _("准入"), _("合作伙伴"), _("产品"), _("VAC"), _("运维"), _("系统"), _("评审")]
