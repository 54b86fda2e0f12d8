from vasops.core.ui import NavItem

CONSOLE_NAV = [
    NavItem("工作日历", "core:calendar", perm="core.manage_calendar", section="系统"),
    NavItem("审计日志", "core:audit_log", perm="core.view_audit", section="系统"),
]
