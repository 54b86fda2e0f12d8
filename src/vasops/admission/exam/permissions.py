"""What each role may do with the exam (merged into admission.permissions.ROLE_PERMISSIONS)."""

from vasops.core import roles

_VIEW = ["admission.view_question", "admission.view_examsitting", "admission.view_exampaper"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    roles.PRODUCT_STAFF: ["admission.manage_exam", *_VIEW],
    roles.DEPARTMENT_HEAD: ["admission.manage_exam", *_VIEW],
    roles.AUDITOR: list(_VIEW),
}
