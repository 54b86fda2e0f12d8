from vasops.core import roles
from vasops.core.ui import NavItem

CONSOLE_NAV = [
    # every staff member has a queue (their own and their group's orders): the page opens for all
    NavItem("工单", "workorders:queue", role=tuple(sorted(roles.STAFF_ROLES)), section="运维"),
    NavItem("工单时限报表", "workorders:sla_report", perm="workorders.view_all_workorders", section="运维"),
]
PORTAL_NAV = [
    NavItem("工单", "workorders:mine", role=roles.PARTNER_ADMIN, section="运维"),
    NavItem("工单", "workorders:mine", role=roles.PARTNER_USER, section="运维"),
]
