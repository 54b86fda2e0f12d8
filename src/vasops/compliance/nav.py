from vasops.core import roles
from vasops.core.ui import NavItem

PORTAL_NAV = [
    NavItem("违约与申诉", "compliance:my_violations", role=roles.PARTNER_ADMIN, section="合规"),
    NavItem("违约与申诉", "compliance:my_violations", role=roles.PARTNER_USER, section="合规"),
    NavItem("我的信用", "compliance:my_credit", role=roles.PARTNER_ADMIN, section="合规"),
    NavItem("我的信用", "compliance:my_credit", role=roles.PARTNER_USER, section="合规"),
]
CONSOLE_NAV = [
    NavItem("违约记录", "compliance:violations", perm="compliance.view_compliance", section="合规"),
    NavItem("业务屏蔽", "compliance:blocks", perm="compliance.view_compliance", section="合规"),
    NavItem("信用等级", "compliance:credit", perm="compliance.view_compliance", section="合规"),
    NavItem("考核", "compliance:assessments", perm="compliance.view_compliance", section="合规"),
    NavItem("退出管理", "compliance:exits", perm="compliance.view_compliance", section="合规"),
    NavItem("违约与信用报表", "compliance:reports", perm="compliance.view_compliance", section="合规"),
    NavItem("违约类型", "compliance:types", perm="compliance.view_compliance", section="合规"),
    NavItem("违约与信用参数", "compliance:settings", perm="compliance.view_compliance", section="合规"),
]
