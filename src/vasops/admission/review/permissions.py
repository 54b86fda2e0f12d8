"""What each role may do with the expert review (merged into admission.permissions)."""

from vasops.core import roles

_VIEW = [
    "admission.view_expert",
    "admission.view_reviewmeeting",
    "admission.view_scoresheet",
    "admission.view_reviewindicator",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRODUCT_STAFF: ["admission.manage_review", *_VIEW],
    roles.DEPARTMENT_HEAD: ["admission.manage_review", "admission.score_review", *_VIEW],
    roles.EXPERT: ["admission.score_review"],
    roles.AUDITOR: list(_VIEW),
}
