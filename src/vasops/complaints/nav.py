from vasops.core import roles
from vasops.core.ui import NavItem

PORTAL_NAV = [
    NavItem("客户投诉", "complaints:portal_list", role=roles.PARTNER_ADMIN, section="运维"),
    NavItem("客户投诉", "complaints:portal_list", role=roles.PARTNER_USER, section="运维"),
    NavItem("投诉退费", "complaints:refunds", role=roles.PARTNER_ADMIN, section="运维"),
]
CONSOLE_NAV = [
    NavItem("客户投诉", "complaints:list", perm="complaints.view_complaint", section="运维"),
    NavItem("投诉退费", "complaints:refunds", perm="complaints.view_complaint", section="运维"),
    NavItem("投诉报表", "complaints:dashboard", perm="complaints.view_complaint_report", section="运维"),
]
