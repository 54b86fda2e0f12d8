from django.conf import settings

from vasops.core.ui import NavItem

CONSOLE_NAV = (
    [NavItem("演示时钟", "console:demo_clock", section="系统")] if settings.VASOPS_DEMO_CLOCK_FILE else []
)
