from vasops.admission.exam import permissions as exam_permissions
from vasops.admission.review import permissions as review_permissions

_STAFF_VIEW = ["admission.view_application", "admission.view_contract"]

_OWN: dict[str, list[str]] = {
    "product_staff": [
        *_STAFF_VIEW,
        "admission.review_application",
        "admission.decide_application",
        "admission.manage_preparation",
        "admission.manage_contract",
        "admission.manage_admission_settings",
    ],
    "department_head": [*_STAFF_VIEW, "admission.decide_application", "admission.manage_admission_settings"],
    "om_engineer": [*_STAFF_VIEW, "admission.manage_preparation"],
    "finance": [*_STAFF_VIEW],
    "auditor": [*_STAFF_VIEW],
}


def _merge(*parts: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for part in parts:
        for role, perms in part.items():
            merged.setdefault(role, []).extend(perms)
    return merged


ROLE_PERMISSIONS = _merge(_OWN, exam_permissions.ROLE_PERMISSIONS, review_permissions.ROLE_PERMISSIONS)
