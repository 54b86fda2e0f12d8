from vasops.core.ui import NavItem

SECTION = "合规"

CONSOLE_NAV = [
    NavItem(
        "异常扣费检测", "compliance:detection:hits", perm="compliance.view_detectionhit", section=SECTION
    ),
    NavItem("检测阈值", "compliance:detection:rules", perm="compliance.view_detectionrule", section=SECTION),
]
