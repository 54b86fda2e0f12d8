from vasops.admission.exam import nav as exam_nav
from vasops.admission.review import nav as review_nav
from vasops.core.ui import NavItem

_OWN_PORTAL: list[NavItem] = [
    NavItem("准入申请", "admission:my_applications", section="准入"),
]
_OWN_CONSOLE: list[NavItem] = [
    NavItem("准入申请", "admission:application_list", perm="admission.view_application", section="准入"),
    NavItem("准入设置", "admission:settings", perm="admission.manage_admission_settings", section="准入"),
]

PORTAL_NAV: list[NavItem] = [*_OWN_PORTAL, *exam_nav.PORTAL_NAV, *review_nav.PORTAL_NAV]
CONSOLE_NAV: list[NavItem] = [*_OWN_CONSOLE, *exam_nav.CONSOLE_NAV, *review_nav.CONSOLE_NAV]
EXPERT_NAV: list[NavItem] = [*exam_nav.EXPERT_NAV, *review_nav.EXPERT_NAV]
