from vasops.core.ui import NavItem

PORTAL_NAV: list[NavItem] = [NavItem("在线考核", "admission:exam_portal", section="准入")]
CONSOLE_NAV: list[NavItem] = [
    NavItem("题库", "admission:exam_question_list", perm="admission.view_question", section="准入"),
    NavItem("考核场次", "admission:exam_sitting_list", perm="admission.view_examsitting", section="准入"),
]
EXPERT_NAV: list[NavItem] = []
