from vasops.core.ui import NavItem  # noqa: F401

PORTAL_NAV: list = []
CONSOLE_NAV: list = []
EXPERT_NAV: list = []
