from vasops.core import roles
from vasops.core.ui import NavItem

CONSOLE_NAV = [
    NavItem("工单", "workorders:queue", perm="workorders.view_all_workorders", section="运维"),
    NavItem("工单时限报表", "workorders:sla_report", perm="workorders.view_all_workorders", section="运维"),
]
PORTAL_NAV = [
    NavItem("工单", "workorders:mine", role=roles.PARTNER_ADMIN, section="运维"),
    NavItem("工单", "workorders:mine", role=roles.PARTNER_USER, section="运维"),
]
