from vasops.core import roles
from vasops.core.ui import NavItem

PORTAL_NAV = [
    NavItem("我的企业", "partners:me", role=roles.PARTNER_ADMIN, section="企业"),
    NavItem("我的企业", "partners:me", role=roles.PARTNER_USER, section="企业"),
    NavItem("变更申请", "partners:change_list", role=roles.PARTNER_ADMIN, section="企业"),
    NavItem("变更申请", "partners:change_list", role=roles.PARTNER_USER, section="企业"),
]
CONSOLE_NAV = [
    NavItem("合作伙伴", "partners:list", perm="partners.view_partner", section="合作伙伴"),
    NavItem("限制名单", "partners:restrictions", perm="partners.view_restriction", section="合作伙伴"),
    NavItem(
        "变更审核", "partners:change_queue", perm="partners.view_partnerchangerequest", section="合作伙伴"
    ),
]
