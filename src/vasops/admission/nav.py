from vasops.admission import exam_nav, review_nav
from vasops.core.ui import NavItem

PORTAL_NAV: list[NavItem] = [*exam_nav.PORTAL_NAV, *review_nav.PORTAL_NAV]
CONSOLE_NAV: list[NavItem] = [*exam_nav.CONSOLE_NAV, *review_nav.CONSOLE_NAV]
EXPERT_NAV: list[NavItem] = [*exam_nav.EXPERT_NAV, *review_nav.EXPERT_NAV]
