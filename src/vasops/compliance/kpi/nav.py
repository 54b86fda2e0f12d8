from vasops.core import roles
from vasops.core.ui import NavItem

SECTION = "合规"

PORTAL_NAV = [
    NavItem("KPI 考核", "compliance:kpi:my", role=roles.PARTNER_ADMIN, section=SECTION),
    NavItem("KPI 考核", "compliance:kpi:my", role=roles.PARTNER_USER, section=SECTION),
]
CONSOLE_NAV = [
    NavItem("KPI 记录", "compliance:kpi:records", perm="compliance.view_kpirecord", section=SECTION),
    NavItem("KPI 未达标", "compliance:kpi:below", perm="compliance.view_kpirecord", section=SECTION),
    NavItem("KPI 导入", "compliance:kpi:import", perm="compliance.record_kpi", section=SECTION),
    NavItem("KPI 指标", "compliance:kpi:definitions", perm="compliance.view_kpidefinition", section=SECTION),
]
