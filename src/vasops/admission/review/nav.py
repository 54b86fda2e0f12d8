from vasops.core.ui import NavItem

PORTAL_NAV: list[NavItem] = []
CONSOLE_NAV: list[NavItem] = [
    NavItem("专家库", "admission:review_expert_list", perm="admission.view_expert", section="准入"),
    NavItem("评审会", "admission:review_meeting_list", perm="admission.view_reviewmeeting", section="准入"),
]
EXPERT_NAV: list[NavItem] = [NavItem("我的评审", "admission:expert_home", role="expert", section="评审")]
